// The compliance check and AI Assist of the template forms, without React: the text a check reads
// (the form's parts, one per line, as the console's domain/compliance.py composes it at submission),
// where each warning's span falls in those parts, the text cut into highlighted segments, and a
// suggestion applied to the field it came from. CompliancePanel.tsx and AssistPanel.tsx show them.
import type { Schemas } from "../../api/client";

export type Verdict = Schemas["ComplianceOut"];
export type ComplianceWarning = Verdict["warnings"][number];
export type RiskLevel = Verdict["riskLevel"];
export type AssistAnswer = Schemas["AssistOut"];
export type Draft = AssistAnswer["drafts"][number];

export const RISK_COLORS: Record<RiskLevel, string> = { LOW: "green", MEDIUM: "yellow", HIGH: "red" };
export const ENGINE_LABELS: Record<AssistAnswer["engine"], string> = { local: "Local engine", llm: "Model" };
export const SEPARATOR = "\n";

/** One field a recipient reads: its key (how the form updates it), its label, its current text. */
export interface CheckPart {
  key: string;
  label: string;
  text: string;
}

export interface PlacedPart extends CheckPart {
  /** Where the part starts and ends in the composed text. */
  start: number;
  end: number;
}

export interface Composed {
  text: string;
  parts: PlacedPart[];
}

/** The checked text: the non-empty parts joined by newlines, each part's place in it kept. */
export function compose(parts: readonly CheckPart[]): Composed {
  const placed: PlacedPart[] = [];
  let at = 0;
  for (const part of parts) {
    if (!part.text.trim()) continue;
    if (placed.length) at += SEPARATOR.length;
    placed.push({ ...part, start: at, end: at + part.text.length });
    at += part.text.length;
  }
  return { text: placed.map((p) => p.text).join(SEPARATOR), parts: placed };
}

/** A warning's span in the field it falls in (offsets in that field's text); null when it falls in none. */
export interface Located {
  key: string;
  label: string;
  start: number;
  end: number;
  text: string;
}

export function locate(composed: Composed, span: { start: number; end: number }): Located | null {
  const part = composed.parts.find((p) => span.start >= p.start && span.start < p.end);
  if (!part) return null;
  const start = span.start - part.start;
  const end = Math.min(span.end, part.end) - part.start;
  return { key: part.key, label: part.label, start, end, text: part.text.slice(start, end) };
}

/** A run of the text and the checks whose spans cover it (none: plain text). */
export interface Segment {
  text: string;
  checks: string[];
}

/** The text cut at every span boundary; overlapping spans give a segment all their checks. */
export function highlight(text: string, spans: readonly { start: number; end: number; check: string }[]): Segment[] {
  const valid = spans.filter((s) => s.start < s.end && s.start >= 0 && s.end <= text.length);
  const cuts = [...new Set([0, text.length, ...valid.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const checks = valid.filter((s) => s.start <= from && s.end >= to).map((s) => s.check);
    const last = segments[segments.length - 1];
    if (last && last.checks.join() === checks.join()) last.text += text.slice(from, to);
    else segments.push({ text: text.slice(from, to), checks: [...new Set(checks)] });
  }
  return segments;
}

/** The field's text with the span rewritten as suggested: at the checked place when the text is still
 * there, else at its first occurrence (the field was edited since); null when it is gone. */
export function applySuggestion(value: string, at: { start: number; end: number; text: string }, suggestion: string): string | null {
  if (!at.text) return null;
  const start = value.slice(at.start, at.end) === at.text ? at.start : value.indexOf(at.text);
  if (start < 0) return null;
  return value.slice(0, start) + suggestion + value.slice(start + at.text.length);
}

/** The check was made on another text than the form's now (edited since, or a suggestion applied). */
export function isStale(checkedText: string | null, composed: Composed): boolean {
  return checkedText !== null && checkedText !== composed.text;
}

/** "2 segments (GSM-7); 1 with the example values" for an SMS draft. */
export function draftSegments(draft: Pick<Draft, "segments" | "encoding" | "exampleSegments">): string | null {
  if (draft.segments == null) return null;
  const count = `${draft.segments} ${draft.segments === 1 ? "segment" : "segments"}`;
  const enc = draft.encoding ? ` (${draft.encoding})` : "";
  const example = draft.exampleSegments != null && draft.exampleSegments !== draft.segments ? `; ${draft.exampleSegments} with the example values` : "";
  return `${count}${enc}${example}`;
}
