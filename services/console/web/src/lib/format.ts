export function money(minor: number | null | undefined, currency?: string | null): string {
  if (minor === null || minor === undefined) return "—";
  const value = (minor / 100).toFixed(2);
  return currency ? `${value} ${currency}` : value;
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleString();
}

export interface SmsPreview {
  characters: number;
  placeholders: number;
  encoding?: string | null;
  segments?: number | null;
}

/** The one-line summary under an SMS body, e.g. "42 characters · GSM-7 · 1 segment · 2 variables". */
export function segmentSummary(p: SmsPreview): string {
  const parts = [`${p.characters} character${p.characters === 1 ? "" : "s"}`];
  if (p.encoding) parts.push(p.encoding);
  if (p.segments !== null && p.segments !== undefined) {
    parts.push(`${p.segments} segment${p.segments === 1 ? "" : "s"}`);
  }
  if (p.placeholders) parts.push(`${p.placeholders} variable${p.placeholders === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

export const STATUS_COLORS: Record<string, string> = {
  PENDING: "yellow",
  APPROVED: "green",
  REJECTED: "red",
  FAILED: "red",
  ACTIVE: "green",
  INACTIVE: "gray",
  SUSPENDED: "red",
  SUBMITTED: "blue",
  SUBMITTED_OPERATOR: "cyan",
  DELIVERED: "green",
  READ: "teal",
  RETRYING: "orange",
  UNDELIVERED: "red",
};
