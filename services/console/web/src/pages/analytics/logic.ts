// Campaign Intelligence's and Report Summary's pure parts (no React): a rate in words, the bucket a
// range is drawn in, the heatmap's 7 x 24 matrix, the charts' accessible descriptions, and the
// summary's query (shared by the page, its CSV export and its link to Reports).
import { percent } from "../../lib/anomaly";

export type Bucket = "hour" | "day" | "week";
export type RangePreset = "24h" | "7d" | "30d" | "90d" | "custom";

export const CHANNELS = ["SMS", "WHATSAPP", "RCS", "VOICE"] as const;
export const CHANNEL_LABEL: Record<string, string> = { SMS: "SMS", WHATSAPP: "WhatsApp", RCS: "RCS", VOICE: "Voice" };
export const channelLabel = (c: string): string => CHANNEL_LABEL[c] ?? c;
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const; // 0 = Monday, as the API counts
export const PRESETS: { value: RangePreset; label: string }[] = [
  { value: "24h", label: "24 h" },
  { value: "7d", label: "7 d" },
  { value: "30d", label: "30 d" },
  { value: "90d", label: "90 d" },
  { value: "custom", label: "Custom" },
];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PRESET_MS: Record<Exclude<RangePreset, "custom">, number> = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS, "90d": 90 * DAY_MS };

/** A 0-1 rate as "80.0%"; "—" when there is none (no messages). */
export function rateText(rate: number | null | undefined): string {
  return rate === null || rate === undefined || Number.isNaN(rate) ? "—" : percent(rate);
}

/** "14:00" for hour 14. */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, "0")}:00`;
}

/** A count with thousands separators ("12,345"). */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

/** The length of a custom range of two datetime-local values in ms; null when either is missing or
 * unreadable, or `to` is not after `from`. Wall-clock times of one zone: their difference is the span. */
export function customSpan(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const a = Date.parse(`${from}Z`);
  const b = Date.parse(`${to}Z`);
  if (Number.isNaN(a) || Number.isNaN(b) || b <= a) return null;
  return b - a;
}

/** The range's span in ms (a preset's, or a custom range's); null for an incomplete custom range. */
export function rangeSpan(range: RangePreset, from?: string | null, to?: string | null): number | null {
  return range === "custom" ? customSpan(from, to) : PRESET_MS[range];
}

/** The bucket a range is drawn in by default (as the API chooses it): hours up to 2 days, days up to 60 days, weeks beyond. */
export function bucketFor(span: number | null): Bucket {
  if (span === null) return "day";
  if (span <= 2 * DAY_MS) return "hour";
  if (span <= 60 * DAY_MS) return "day";
  return "week";
}

/** The buckets a range may be drawn in: hours up to 31 days (at most 744 points), days always,
 * weeks for a range of 7 days or more. */
export function bucketsAllowed(span: number | null): Bucket[] {
  if (span === null) return ["hour", "day", "week"];
  const allowed: Bucket[] = [];
  if (span <= 31 * DAY_MS) allowed.push("hour");
  allowed.push("day");
  if (span >= 7 * DAY_MS) allowed.push("week");
  return allowed;
}

/** The bucket shown: the chosen one if the range allows it, else the range's default. */
export function effectiveBucket(chosen: Bucket | null, span: number | null): Bucket {
  return chosen && bucketsAllowed(span).includes(chosen) ? chosen : bucketFor(span);
}

export interface SummaryFilters {
  range: RangePreset;
  from: string | null; // datetime-local, custom only
  to: string | null;
  bucket: Bucket | null; // null: the range's default
  channel: string | null;
}

/** The query of GET /api/analytics/summary (and summary.csv) for the filters; null while a custom
 * range is incomplete or backwards. */
export function summaryQuery(f: SummaryFilters): Record<string, string> | null {
  const span = rangeSpan(f.range, f.from, f.to);
  if (span === null) return null;
  const q: Record<string, string> = { range: f.range, bucket: effectiveBucket(f.bucket, span) };
  if (f.range === "custom") {
    q.from = f.from as string;
    q.to = f.to as string;
  }
  if (f.channel) q.channel = f.channel;
  return q;
}

/** An offset-aware instant of the API ("2026-12-02T13:00:00+05:30") as the wall-clock time of its own
 * offset ("2026-12-02T13:00:00"), the form the Reports page's filters take. */
export function wallClockOf(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)/.exec(iso);
  return m ? m[1] : iso;
}

/** The Reports page for the summary's range and channel (what the summary's totals are of). */
export function reportsLink(range: { range_from: string; range_to: string }, channel: string | null | undefined): string {
  const q = new URLSearchParams({ from: wallClockOf(range.range_from), to: wallClockOf(range.range_to) });
  if (channel) q.set("channel", channel);
  return `/reports?${q}`;
}

export interface HeatCellLike {
  weekday: number;
  hour: number;
  total: number;
}

export interface Heatmap {
  /** ECharts heatmap data: [hour, weekday, total] for each of the 7 x 24 cells (missing ones as 0). */
  data: [number, number, number][];
  max: number;
  /** The cell with the most traffic (the earliest in the week of equal ones); null when all are 0. */
  busiest: HeatCellLike | null;
}

/** The 7 x 24 matrix of the heatmap from the API's cells (any order, some missing; repeated cells add up). */
export function heatmapMatrix(cells: HeatCellLike[]): Heatmap {
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const c of cells) {
    if (c.weekday >= 0 && c.weekday < 7 && c.hour >= 0 && c.hour < 24) grid[c.weekday][c.hour] += c.total;
  }
  const data: [number, number, number][] = [];
  let busiest: HeatCellLike | null = null;
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const total = grid[weekday][hour];
      data.push([hour, weekday, total]);
      if (total > 0 && (busiest === null || total > busiest.total)) busiest = { weekday, hour, total };
    }
  }
  return { data, max: busiest?.total ?? 0, busiest };
}

/** "Wed 14:00 (12 messages)". */
export function cellText(c: HeatCellLike): string {
  return `${WEEKDAYS[c.weekday]} ${hourLabel(c.hour)} (${count(c.total)} message${c.total === 1 ? "" : "s"})`;
}

/** The delivery rate of each of the four channels (those without messages as null), in the guide's order,
 * then any other channel the API names. */
export function channelRates<T extends { channel: string; rate?: number | null; total: number }>(channels: T[]) {
  const known = new Map(channels.map((c) => [c.channel, c]));
  const names = [...CHANNELS, ...channels.map((c) => c.channel).filter((c) => !(CHANNELS as readonly string[]).includes(c))];
  return names.map((name) => {
    const c = known.get(name);
    return { channel: name, rate: c && c.total > 0 ? (c.rate ?? null) : null, total: c?.total ?? 0 };
  });
}

/** The accessible description of a chart: its title, then "label: value" pairs ("SMS: 80.0%; WhatsApp: —"). */
export function describeChart(title: string, points: [string, string][]): string {
  return `${title}. ${points.map(([k, v]) => `${k}: ${v}`).join("; ")}.`;
}
