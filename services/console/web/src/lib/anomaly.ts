// The Traffic Anomaly and Spam Detection pages' words for an alert, without React.

export interface AlertLike {
  subjectType: string;
  subject: string;
  evidence: Record<string, unknown>;
}

/** "NUMBER +919811100123", "SENDER ACMEIN". */
export function subjectOf(a: AlertLike): string {
  return `${a.subjectType} ${a.subject}`;
}

/** The evidence's numbers and words as "otpMessages 8 · failureRate 0.80" (lists and objects left out). */
export function evidenceOf(a: AlertLike): string {
  return Object.entries(a.evidence ?? {})
    .filter(([, v]) => typeof v === "number" || typeof v === "string")
    .map(([k, v]) => `${k} ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : v}`)
    .join(" · ");
}

/** A 0-1 rate as "80.0%". */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

/** The guide's colours of a severity (0-100) as the Risk Level reads it: HIGH from 60, MEDIUM from 30. */
export function severityColor(severity: number): "red" | "yellow" | "gray" {
  return severity >= 60 ? "red" : severity >= 30 ? "yellow" : "gray";
}
