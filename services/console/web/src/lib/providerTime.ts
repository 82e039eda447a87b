import { dateTime } from "./format";

/** The provider's own time when it differs from the shown one (the shown times are in causal
 * order; the provider's clock, or a receipt's minute-precise done date, may say otherwise). */
export function providerNote(shown: string | null | undefined, provider: string | null | undefined): string | null {
  if (!provider || !shown || new Date(provider).getTime() === new Date(shown).getTime()) return null;
  return `provider: ${dateTime(provider)}`;
}
