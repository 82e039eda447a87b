export function money(minor: number | null | undefined, currency?: string | null): string {
  if (minor === null || minor === undefined) return "—";
  const value = (minor / 100).toFixed(2);
  return currency ? `${value} ${currency}` : value;
}

// Every date-time the console shows goes through dateTime: one form, to the second
// ("2025-03-06 14:30:05"), in one time zone (the browser's unless setDisplayTimeZone chose one).
let displayTimeZone: string | undefined;
const formats = new Map<string, Intl.DateTimeFormat>();

/** Show times in this IANA zone (e.g. the account's "Asia/Kolkata"); undefined: the browser's. */
export function setDisplayTimeZone(timeZone: string | undefined): void {
  displayTimeZone = timeZone;
}

function format(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formats.set(key, f);
  }
  return f;
}

/** "2025-03-06 14:30:05" for an ISO instant; "—" for none; an unreadable value as it came. */
export function dateTime(value: string | null | undefined, timeZone: string | undefined = displayTimeZone): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const part: Record<string, string> = {};
  for (const p of format(timeZone).formatToParts(d)) part[p.type] = p.value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

/** A saved secret as the page shows it until asked: its kind prefix ("whsec_") and last 4 characters. */
export function maskSecret(secret: string): string {
  const prefix = /^[a-z]+_/i.exec(secret)?.[0] ?? "";
  const rest = secret.slice(prefix.length);
  if (rest.length <= 8) return prefix + "•".repeat(8);
  return `${prefix}${"•".repeat(8)}${rest.slice(-4)}`;
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
