// The Bulk Campaign page's logic, without React: statuses and what each allows, when the list
// polls, the progress bar, the file's size note, and the create form as multipart fields.

export type CampaignStatus = "CREATED" | "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED" | "PAUSED" | "CANCELLED";
export type CampaignAction = "pause" | "resume" | "cancel";
export type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";

/** The guide's five, then the service's own (pause / cancel). */
export const CAMPAIGN_STATUSES: CampaignStatus[] = ["CREATED", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "PAUSED", "CANCELLED"];

export const CAMPAIGN_STATUS_COLORS: Record<CampaignStatus, string> = {
  CREATED: "gray",
  QUEUED: "blue",
  PROCESSING: "cyan",
  COMPLETED: "green",
  FAILED: "red",
  PAUSED: "orange",
  CANCELLED: "dark",
};

/** The list refreshes this often while a campaign moves (the issue: at most every 2 s). */
export const POLL_MS = 2000;

/** The campaigns service's default file limit (CPAAS_CAMPAIGNS_MAX_FILE_BYTES); a larger file is
 * refused by the service (413, in its words) — this only tells the user before they upload. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

/** The campaigns service's default_time_zone: the zone of a session that names none. */
export const DEFAULT_TIME_ZONE = "Asia/Kolkata";

function offsetMs(instant: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  for (const p of format.formatToParts(new Date(instant))) parts[p.type] = p.value;
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** A datetime-local value ("2025-10-20T10:00"), a wall-clock time in `timeZone` (the account's), as
 * the ISO instant it names ("2025-10-20T04:30:00.000Z" for Asia/Kolkata); null when unreadable. The
 * campaigns service would read an offset-less time in its own default zone, not the account's. */
export function wallTimeToIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let instant = wall - offsetMs(wall, timeZone);
  instant = wall - offsetMs(instant, timeZone); // once more across a DST change
  return new Date(instant).toISOString();
}

const ACTIVE = new Set<string>(["CREATED", "QUEUED", "PROCESSING"]);

/** A campaign still moving on its own: its counts change without the user doing anything. */
export function isActive(status: string): boolean {
  return ACTIVE.has(status);
}

/** Whether the list should poll: any campaign shown is active. */
export function anyActive(items: readonly { status: string }[] | undefined): boolean {
  return (items ?? []).some((c) => isActive(c.status));
}

const ALLOWED: Record<CampaignAction, ReadonlySet<string>> = {
  pause: new Set(["CREATED", "QUEUED", "PROCESSING"]),
  resume: new Set(["PAUSED"]),
  cancel: new Set(["CREATED", "QUEUED", "PROCESSING", "PAUSED"]),
};

/** The buttons a campaign in `status` offers (the service's rule: domain/status.py ALLOWED_FROM). */
export function actionsFor(status: string): CampaignAction[] {
  return (["pause", "resume", "cancel"] as const).filter((a) => ALLOWED[a].has(status));
}

/** Percent of rows processed, 0-100, whole; 0 while the total is not known. */
export function progressPercent(c: { processed: number; total: number }): number {
  if (!c.total || c.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((100 * c.processed) / c.total)));
}

export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${(Math.round(mb * 10) / 10).toFixed(1)} MB`;
}

/** What the upload field says under the file: its size against the limit, or why it is too large. */
export function fileNote(file: { size: number } | null, limit: number = MAX_FILE_BYTES): { text: string; tooLarge: boolean } {
  if (!file) return { text: `A CSV file of up to ${megabytes(limit)}`, tooLarge: false };
  if (file.size > limit) return { text: `${megabytes(file.size)}: larger than the ${megabytes(limit)} limit`, tooLarge: true };
  return { text: `${megabytes(file.size)} of at most ${megabytes(limit)}`, tooLarge: false };
}

export interface LevelInput {
  channel: Channel;
  templateId: string | null;
  senderId: string | null;
}

export interface CampaignInput {
  name: string;
  primary: LevelInput;
  fallbacks: LevelInput[];
  /** A datetime-local value ("2025-10-20T10:00"), in the account's time zone; "" to start at once. */
  scheduledAt: string;
  /** The account's IANA time zone. */
  timeZone: string;
}

/** The form's fields as POST /api/campaigns takes them (the file is added last by the caller). */
export function campaignFields(input: CampaignInput): [string, string][] {
  const fields: [string, string][] = [
    ["name", input.name.trim()],
    ["channel", input.primary.channel],
    ["templateId", input.primary.templateId ?? ""],
  ];
  if (input.primary.channel === "SMS" && input.primary.senderId) fields.push(["senderId", input.primary.senderId]);
  if (input.fallbacks.length) {
    const levels = input.fallbacks.map((l) => ({
      channel: l.channel,
      templateId: Number(l.templateId ?? 0),
      ...(l.channel === "SMS" && l.senderId ? { senderId: l.senderId } : {}),
    }));
    fields.push(["fallback", JSON.stringify(levels)]);
  }
  if (input.scheduledAt.trim()) {
    // an unreadable value goes as typed: the service refuses it with its own words (field scheduledAt)
    fields.push(["scheduledAt", wallTimeToIso(input.scheduledAt, input.timeZone) ?? input.scheduledAt.trim()]);
  }
  return fields;
}

/** "fallback[0].templateId" and the like as the form's error keys (the service names fallback fields so). */
export const FORM_FIELDS = [
  "name",
  "channel",
  "templateId",
  "senderId",
  "scheduledAt",
  "file",
  "fallback[0].templateId",
  "fallback[0].senderId",
  "fallback[0].channel",
  "fallback[1].templateId",
  "fallback[1].senderId",
  "fallback[1].channel",
  "fallback",
] as const;

/** Which CSV columns the chosen levels read: the number first, then the primary template's variables,
 * then each fallback level's own, in level order (the campaigns service's rule). */
export function columnsHint(variableCounts: readonly number[]): string {
  const parts = ["column 1: the phone number"];
  let next = 2;
  variableCounts.forEach((count, i) => {
    if (count <= 0) return;
    const level = i === 0 ? "the template's" : `fallback ${i}'s`;
    const span = count === 1 ? `column ${next}` : `columns ${next}-${next + count - 1}`;
    parts.push(`${span}: ${level} variable${count === 1 ? "" : "s"}`);
    next += count;
  });
  return parts.join("; ");
}
