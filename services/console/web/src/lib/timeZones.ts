// The IANA time zones an account can have: the browser's list (Intl.supportedValuesOf), with
// UTC and the account's current zone always in it. The server checks the name again.
export const DEFAULT_TIME_ZONE = "Asia/Kolkata";

export function timeZoneOptions(current?: string | null): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const known = intl.supportedValuesOf?.("timeZone") ?? [DEFAULT_TIME_ZONE];
  const all = new Set([...known, "UTC", DEFAULT_TIME_ZONE]);
  if (current) all.add(current);
  return [...all].sort();
}

/** A naive "YYYY-MM-DDTHH:mm" of a datetime-local input, as the API takes it (read in the
 * account's time zone by the server); undefined when empty or not a date-time. */
export function wallClock(local: string | null | undefined): string | undefined {
  if (!local) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local) ? local : undefined;
}
