// Template variables as the platform fills them (contracts/templating.py): DLT's `{#var#}`
// take positions 1..k in order; numbered `{{n}}` ones come after them, offset by k.

const DLT = /\{#var#\}/gi;
const NUMBERED = /\{\{\s*(\d{1,2})\s*\}\}/g;

/** How many variables a template text needs. */
export function placeholderCount(text: string): number {
  const dlt = (text.match(DLT) ?? []).length;
  let highest = 0;
  for (const m of text.matchAll(NUMBERED)) highest = Math.max(highest, Number(m[1]));
  return dlt + highest;
}

/** The text with `values[i]` (position i+1) in its placeholders; an empty value shows as [i]. */
export function fillVariables(text: string, values: string[]): string {
  let position = 0;
  const show = (i: number) => (values[i - 1] ? values[i - 1] : `[${i}]`);
  const filled = text.replace(DLT, () => show(++position));
  const offset = position;
  return filled.replace(NUMBERED, (_, n: string) => show(Number(n) + offset));
}
