// Fraud holds in words, without React (the Traffic Anomaly panel and the admin's tab show them).
import type { components } from "../api/schema";

type HoldRow = components["schemas"]["FraudHold"];

/** The held destination in words: "+91987650xxxx (number range)" or "GB (country)". */
export function holdSubject(h: Pick<HoldRow, "subjectType" | "subject">): string {
  return h.subjectType === "PREFIX" ? `${h.subject}xxxx (number range)` : `${h.subject} (country)`;
}

/** Why it is held: the finding, the fraud probability and the evidence numbers. */
export function holdReason(h: Pick<HoldRow, "alertType" | "probability" | "evidence" | "reasons">): string {
  const evidence = Object.entries(h.evidence)
    .filter(([, v]) => typeof v === "number" || typeof v === "string")
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const reasons = h.reasons.slice(0, 2).map((r) => r.reason).join("; ");
  return `${h.alertType.replaceAll("_", " ").toLowerCase()} (${evidence}); fraud probability ${h.probability.toFixed(2)}${reasons ? `: ${reasons}` : ""}`;
}

