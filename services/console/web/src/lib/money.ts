// Amounts typed by people (rupees, e.g. "1,250.50" or "-99") to the minor units (paise) the APIs take.

/** Billing refuses adjustments larger than this many minor units (10 billion rupees: anything larger is a typo). */
export const MAX_ADJUSTMENT_MINOR = 10 ** 12;

export type ParsedAmount = { ok: true; minor: number } | { ok: false; error: string };

/** Parses a signed rupee amount with at most two decimals into whole paise, without float rounding
 * (0.29 is 29 paise, not 28.999…). Accepts a leading + or -, a ₹ sign, spaces and thousands commas. */
export function parseRupees(text: string): ParsedAmount {
  const cleaned = text.replace(/[\s,₹]/g, "");
  if (cleaned === "") return { ok: false, error: "enter an amount" };
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[2] === "" && !match[3])) {
    return { ok: false, error: "enter a number of rupees, e.g. 250.50 or -100" };
  }
  const [, sign, whole, fraction = ""] = match;
  if (fraction.length > 2) return { ok: false, error: "at most 2 decimal places (paise)" };
  const wholeDigits = whole.replace(/^0+/, "");
  if (wholeDigits.length > 12) return { ok: false, error: "this amount is too large" };
  const magnitude = Number(wholeDigits || "0") * 100 + Number(fraction.padEnd(2, "0"));
  if (magnitude === 0) return { ok: false, error: "the amount must not be 0" };
  if (magnitude > MAX_ADJUSTMENT_MINOR) return { ok: false, error: "this amount is too large" };
  return { ok: true, minor: sign === "-" ? -magnitude : magnitude };
}

/** "₹1,250.50" for 125050 paise (sign dropped: say "credit" or "debit" next to it). */
export function rupees(minor: number): string {
  const abs = Math.abs(minor);
  const whole = Math.floor(abs / 100).toLocaleString("en-IN");
  return `₹${whole}.${String(abs % 100).padStart(2, "0")}`;
}
