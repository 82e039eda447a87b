// Pure helpers of the Templates screen's forms: RCS form state to the `content` the API validates
// (contracts/src/cpaas/contracts/template_content.py, camelCase on the wire) and back (edit and re-submit),
// client-side checks (card and suggestion counts, uploads), and mapping the API's error fields to form
// fields. Also the small media, WhatsApp and voice content helpers the other forms share.

// ---------------------------------------------------------------- media uploads

export type MediaKind = "image" | "video" | "document";

/** Largest upload of each kind, in MiB (the console's default max_upload_mb; the server is the authority). */
export const MAX_MEDIA_MB: Record<MediaKind, number> = { image: 5, video: 16, document: 16 };

const TYPE_KIND: Record<string, MediaKind> = {
  "image/jpeg": "image",
  "image/png": "image",
  "video/mp4": "video",
  "application/pdf": "document",
};
const EXTENSION_TYPE: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  mp4: "video/mp4",
  pdf: "application/pdf",
};
const KIND_TYPES: Record<MediaKind, string[]> = {
  image: ["image/jpeg", "image/png"],
  video: ["video/mp4"],
  document: ["application/pdf"],
};
const KIND_WORDS: Record<MediaKind, string> = { image: "a JPG or PNG image", video: "an MP4 video", document: "a PDF document" };
const KIND_NOUN: Record<MediaKind, string> = { image: "an image", video: "a video", document: "a document" };

export interface FileLike {
  name: string;
  type: string;
  size: number;
}

/** The Content-Type to declare for a file: the browser's, or one from the extension when the browser gave none. */
export function mediaContentType(file: Pick<FileLike, "name" | "type">): string {
  const declared = file.type.split(";")[0].trim().toLowerCase();
  if (declared) return declared === "image/jpg" ? "image/jpeg" : declared;
  const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
  return EXTENSION_TYPE[ext] ?? "application/octet-stream";
}

export function mediaKind(contentType: string): MediaKind | null {
  return TYPE_KIND[contentType] ?? null;
}

/** "a JPG or PNG image or an MP4 video" */
export function describeKinds(kinds: readonly MediaKind[]): string {
  const words = kinds.map((k) => KIND_WORDS[k]);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** The `accept` attribute of a file input taking these kinds. */
export function acceptFor(kinds: readonly MediaKind[]): string {
  const types = kinds.flatMap((k) => KIND_TYPES[k]);
  const exts = Object.entries(EXTENSION_TYPE)
    .filter(([, t]) => types.includes(t))
    .map(([e]) => "." + e);
  return [...types, ...exts].join(",");
}

/** Why a file cannot be uploaded here (type or size), or null. The server checks again from the bytes. */
export function checkMediaFile(file: FileLike, kinds: readonly MediaKind[]): string | null {
  const kind = mediaKind(mediaContentType(file));
  if (!kind || !kinds.includes(kind)) return `upload ${describeKinds(kinds)}`;
  if (file.size === 0) return "the file is empty";
  if (file.size > MAX_MEDIA_MB[kind] * 1024 * 1024) return `${KIND_NOUN[kind]} may be at most ${MAX_MEDIA_MB[kind]} MB`;
  return null;
}

/** One upload control's state: the server's URL once uploaded, a local object URL for an instant preview. */
export interface MediaState {
  mediaUrl?: string;
  kind?: MediaKind;
  localUrl?: string;
  fileName?: string;
  sizeBytes?: number;
  uploading?: boolean;
  error?: string;
}

/** The URL a preview shows: the local copy while it exists (instant, and always reachable), else the server's. */
export function previewUrl(media: MediaState): string | undefined {
  return media.localUrl ?? media.mediaUrl;
}

/** The kind of an already uploaded media URL (edit pre-fill), from its extension. */
export function kindFromUrl(url: string): MediaKind | undefined {
  const ext = url.split(/[?#]/)[0].split(".").pop()?.toLowerCase() ?? "";
  const type = EXTENSION_TYPE[ext];
  return type ? TYPE_KIND[type] : undefined;
}

// ---------------------------------------------------------------- RCS

export type RcsTemplateType = "TEXT" | "RICH_CARD" | "CAROUSEL";
export type SuggestionType = "REPLY" | "DIAL" | "OPEN_URL";
export type Orientation = "VERTICAL" | "HORIZONTAL";
export type ImageAlignment = "LEFT" | "RIGHT";
export type CardWidth = "SMALL" | "MEDIUM";
export type CardHeight = "SHORT" | "MEDIUM" | "TALL";

export const MAX_SUGGESTIONS = 4;
export const MIN_CAROUSEL_CARDS = 2;
export const MAX_CAROUSEL_CARDS = 10;
export const MAX_SUGGESTION_CHARS = 25;
export const MAX_TITLE_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2000;

export const RCS_TYPE_LABELS: Record<RcsTemplateType, string> = { TEXT: "Text Only", RICH_CARD: "Rich Card", CAROUSEL: "Carousel" };
export const SUGGESTION_LABELS: Record<SuggestionType, string> = {
  REPLY: "Quick Reply",
  DIAL: "Dial (phone number)",
  OPEN_URL: "Open URL",
};
export const RCS_MEDIA_KINDS: readonly MediaKind[] = ["image", "video"];

export interface SuggestionForm {
  type: SuggestionType;
  text: string;
  phoneNumber: string;
  url: string;
  postbackData?: string;
}

export interface CardForm {
  key: string;
  title: string;
  description: string;
  media: MediaState;
  suggestions: SuggestionForm[];
}

export interface RcsForm {
  templateType: RcsTemplateType;
  /** The text of a Text Only template. */
  body: string;
  /** The template body of a rich card or carousel: shown where RCS rich content is not supported. */
  fallback: string;
  orientation: Orientation;
  imageAlignment: ImageAlignment;
  /** Rich card width, or the carousel's card width (one for all cards). */
  width: CardWidth;
  /** Rich card media height, or the carousel's (one for all cards). */
  height: CardHeight;
  card: CardForm;
  cards: CardForm[];
  suggestions: SuggestionForm[];
}

let cardSeq = 0;
export function newCard(): CardForm {
  cardSeq += 1;
  return { key: `card-${cardSeq}`, title: "", description: "", media: {}, suggestions: [] };
}

export function newSuggestion(type: SuggestionType = "REPLY"): SuggestionForm {
  return { type, text: "", phoneNumber: "", url: "" };
}

export function emptyRcsForm(): RcsForm {
  return {
    templateType: "TEXT",
    body: "",
    fallback: "",
    orientation: "VERTICAL",
    imageAlignment: "LEFT",
    width: "MEDIUM",
    height: "MEDIUM",
    card: newCard(),
    cards: Array.from({ length: MIN_CAROUSEL_CARDS }, newCard),
    suggestions: [],
  };
}

export const canAddCard = (cards: readonly unknown[]) => cards.length < MAX_CAROUSEL_CARDS;
export const canRemoveCard = (cards: readonly unknown[]) => cards.length > MIN_CAROUSEL_CARDS;
export const canAddSuggestion = (suggestions: readonly unknown[]) => suggestions.length < MAX_SUGGESTIONS;

export function addCard(cards: CardForm[]): CardForm[] {
  return canAddCard(cards) ? [...cards, newCard()] : cards;
}

export function removeCard(cards: CardForm[], key: string): CardForm[] {
  return canRemoveCard(cards) ? cards.filter((c) => c.key !== key) : cards;
}

export interface SuggestionContent {
  type: SuggestionType;
  text: string;
  postbackData?: string;
  phoneNumber?: string;
  url?: string;
}

export interface CardContent {
  title?: string;
  description?: string;
  mediaUrl?: string;
  mediaType?: "IMAGE" | "VIDEO";
  suggestions: SuggestionContent[];
}

export function buildSuggestion(s: SuggestionForm): SuggestionContent {
  const text = s.text.trim();
  const out: SuggestionContent = { type: s.type, text };
  const postback = s.postbackData || (s.type === "REPLY" ? text : "");
  if (postback) out.postbackData = postback;
  if (s.type === "DIAL") out.phoneNumber = s.phoneNumber.trim();
  if (s.type === "OPEN_URL") out.url = s.url.trim();
  return out;
}

export function buildCard(c: CardForm): CardContent {
  const out: CardContent = { suggestions: c.suggestions.map(buildSuggestion) };
  if (c.title.trim()) out.title = c.title.trim();
  if (c.description.trim()) out.description = c.description.trim();
  if (c.media.mediaUrl) {
    out.mediaUrl = c.media.mediaUrl;
    out.mediaType = c.media.kind === "video" ? "VIDEO" : "IMAGE";
  }
  return out;
}

/** The template's `content` for its type. */
export function buildRcsContent(form: RcsForm): Record<string, unknown> {
  switch (form.templateType) {
    case "TEXT":
      return { suggestions: form.suggestions.map(buildSuggestion) };
    case "RICH_CARD":
      return {
        orientation: form.orientation,
        imageAlignment: form.imageAlignment,
        height: form.height,
        width: form.width,
        card: buildCard(form.card),
      };
    case "CAROUSEL":
      return { cardWidth: form.width, height: form.height, cards: form.cards.map(buildCard) };
  }
}

function cardText(c: CardForm): string {
  return [c.title.trim(), c.description.trim()].filter(Boolean).join("\n");
}

/** The template `body`: the text of a Text Only template; for a card, the fallback text or else the
 * (first) card's title and description. */
export function rcsBody(form: RcsForm): string {
  if (form.templateType === "TEXT") return form.body;
  if (form.fallback.trim()) return form.fallback;
  return cardText(form.templateType === "RICH_CARD" ? form.card : (form.cards[0] ?? newCard()));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function checkSuggestions(list: SuggestionForm[], prefix: string, errors: Record<string, string>) {
  if (list.length > MAX_SUGGESTIONS) errors[prefix + "suggestions"] = `at most ${MAX_SUGGESTIONS} suggestions`;
  list.forEach((s, i) => {
    const at = `${prefix}suggestions.${i}.`;
    const text = s.text.trim();
    if (!text) errors[at + "text"] = "enter the suggestion's text";
    else if (text.length > MAX_SUGGESTION_CHARS) errors[at + "text"] = `at most ${MAX_SUGGESTION_CHARS} characters`;
    if (s.type === "DIAL" && !/^\+?[0-9][0-9 -]{4,19}$/.test(s.phoneNumber.trim()))
      errors[at + "phoneNumber"] = "enter the phone number to dial, e.g. +919876543210";
    if (s.type === "OPEN_URL" && !isHttpUrl(s.url.trim())) errors[at + "url"] = "enter a URL starting with https:// or http://";
  });
}

function checkCard(c: CardForm, prefix: string, errors: Record<string, string>) {
  if (c.title.length > MAX_TITLE_CHARS) errors[prefix + "title"] = `at most ${MAX_TITLE_CHARS} characters`;
  if (c.description.length > MAX_DESCRIPTION_CHARS) errors[prefix + "description"] = `at most ${MAX_DESCRIPTION_CHARS} characters`;
  if (c.media.uploading) errors[prefix + "media"] = "wait until the upload has finished";
  else if (!c.title.trim() && !c.description.trim() && !c.media.mediaUrl)
    errors[prefix + "title"] = "a card needs a title, a description or an image";
  checkSuggestions(c.suggestions, prefix, errors);
}

/** Client-side checks before submitting, keyed like rcsErrorKey's answers; empty when the form may be sent. */
export function validateRcs(form: RcsForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.templateType === "TEXT") {
    if (!form.body.trim()) errors.body = "enter the message text";
    checkSuggestions(form.suggestions, "", errors);
    return errors;
  }
  if (form.templateType === "RICH_CARD") checkCard(form.card, "card.", errors);
  else {
    if (form.cards.length < MIN_CAROUSEL_CARDS || form.cards.length > MAX_CAROUSEL_CARDS)
      errors.cards = `a carousel has ${MIN_CAROUSEL_CARDS} to ${MAX_CAROUSEL_CARDS} cards`;
    form.cards.forEach((c, i) => checkCard(c, `cards.${i}.`, errors));
  }
  if (!rcsBody(form).trim()) errors.body = "enter a fallback text, or a title or description on the first card";
  return errors;
}

const TOP_LEVEL = new Set(["name", "rcsBotId", "body", "templateType"]);
const CONTENT_KEY =
  /^(?:orientation|imageAlignment|width|height|cardWidth|cards|(?:(?:card|cards\.\d+)\.)?(?:title|description|media|suggestions(?:\.\d+\.(?:type|text|phoneNumber|url))?))$/;

/** The RCS form field an API error's `field` belongs to, e.g. "content.cards.0.title" → "cards.0.title",
 * "content.card.mediaUrl" → "card.media"; "_form" when there is no such field on the form. */
export function rcsErrorKey(field: string | null | undefined): string {
  if (!field) return "_form";
  if (TOP_LEVEL.has(field)) return field;
  if (!field.startsWith("content.")) return "_form";
  const key = field
    .slice("content.".length)
    .replace(/\.media(Url|Type)$/, ".media")
    .replace(/^media(Url|Type)$/, "media")
    .replace(/(suggestions)\.\d+\.postbackData$/, "$1");
  if (key === "cardWidth") return "width";
  return CONTENT_KEY.test(key) ? key : "_form";
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
const str = (value: unknown) => (typeof value === "string" ? value : "");
function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function suggestionsFrom(value: unknown): SuggestionForm[] {
  return (Array.isArray(value) ? value : []).map((raw) => {
    const s = asRecord(raw);
    return {
      type: pick(s.type, ["REPLY", "DIAL", "OPEN_URL"] as const, "REPLY"),
      text: str(s.text),
      phoneNumber: str(s.phoneNumber),
      url: str(s.url),
      ...(str(s.postbackData) ? { postbackData: str(s.postbackData) } : {}),
    };
  });
}

function cardFrom(value: unknown): CardForm {
  const c = asRecord(value);
  const mediaUrl = str(c.mediaUrl);
  return {
    ...newCard(),
    title: str(c.title),
    description: str(c.description),
    media: mediaUrl ? { mediaUrl, kind: c.mediaType === "VIDEO" ? "video" : "image", fileName: mediaUrl.split("/").pop() } : {},
    suggestions: suggestionsFrom(c.suggestions),
  };
}

/** The form of a saved RCS template (edit and re-submit). */
export function rcsFormFromTemplate(t: { templateType: string; body: string; content: Record<string, unknown> }): RcsForm {
  const form = emptyRcsForm();
  const content = asRecord(t.content);
  const templateType = pick(t.templateType, ["TEXT", "RICH_CARD", "CAROUSEL"] as const, "TEXT");
  form.templateType = templateType;
  if (templateType === "TEXT") {
    form.body = t.body;
    form.suggestions = suggestionsFrom(content.suggestions);
    return form;
  }
  form.fallback = t.body;
  form.height = pick(content.height, ["SHORT", "MEDIUM", "TALL"] as const, "MEDIUM");
  if (templateType === "RICH_CARD") {
    form.orientation = pick(content.orientation, ["VERTICAL", "HORIZONTAL"] as const, "VERTICAL");
    form.imageAlignment = pick(content.imageAlignment, ["LEFT", "RIGHT"] as const, "LEFT");
    form.width = pick(content.width, ["SMALL", "MEDIUM"] as const, "MEDIUM");
    form.card = cardFrom(content.card);
  } else {
    form.width = pick(content.cardWidth, ["SMALL", "MEDIUM"] as const, "MEDIUM");
    const cards = (Array.isArray(content.cards) ? content.cards : []).map(cardFrom);
    while (cards.length < MIN_CAROUSEL_CARDS) cards.push(newCard());
    form.cards = cards;
  }
  return form;
}

// ---------------------------------------------------------------- WhatsApp

export type WaHeaderType = "NONE" | "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT";
export type WaButtonType = "QUICK_REPLY" | "URL" | "PHONE_NUMBER";
export interface WaButton {
  type: WaButtonType;
  text: string;
  url?: string;
  phoneNumber?: string;
}
export interface WaForm {
  headerType: WaHeaderType;
  headerText: string;
  headerMedia: MediaState;
  footer: string;
  buttons: WaButton[];
}

export const WA_HEADER_KINDS: Record<"IMAGE" | "VIDEO" | "DOCUMENT", MediaKind> = { IMAGE: "image", VIDEO: "video", DOCUMENT: "document" };

export function emptyWaForm(): WaForm {
  return { headerType: "NONE", headerText: "", headerMedia: {}, footer: "", buttons: [] };
}

/** The WhatsApp `content` and its templateType (MEDIA when the header is an image, video or document). */
export function buildWhatsAppContent(form: WaForm): { templateType: "TEXT" | "MEDIA"; content: Record<string, unknown> } {
  const content: Record<string, unknown> = {};
  let templateType: "TEXT" | "MEDIA" = "TEXT";
  if (form.headerType === "TEXT" && form.headerText.trim()) content.header = { type: "TEXT", text: form.headerText.trim() };
  if (form.headerType === "IMAGE" || form.headerType === "VIDEO" || form.headerType === "DOCUMENT") {
    templateType = "MEDIA";
    content.header = { type: form.headerType, ...(form.headerMedia.mediaUrl ? { mediaUrl: form.headerMedia.mediaUrl } : {}) };
  }
  if (form.footer.trim()) content.footer = form.footer.trim();
  if (form.buttons.length)
    content.buttons = form.buttons.map((b) => ({
      type: b.type,
      text: b.text.trim(),
      ...(b.type === "URL" ? { url: (b.url ?? "").trim() } : {}),
      ...(b.type === "PHONE_NUMBER" ? { phoneNumber: (b.phoneNumber ?? "").trim() } : {}),
    }));
  return { templateType, content };
}

/** Client-side checks of the WhatsApp parts (keys as the API's fields: "content.header", …). */
export function validateWhatsApp(form: WaForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.headerType in WA_HEADER_KINDS) {
    if (form.headerMedia.uploading) errors["content.header"] = "wait until the upload has finished";
    else if (!form.headerMedia.mediaUrl) errors["content.header"] = `upload the header's ${form.headerType.toLowerCase()}`;
  }
  return errors;
}

export function waFormFromTemplate(content: Record<string, unknown>): WaForm {
  const c = asRecord(content);
  const header = asRecord(c.header);
  const headerType = pick(header.type, ["TEXT", "IMAGE", "VIDEO", "DOCUMENT"] as const, "TEXT");
  const mediaUrl = str(header.mediaUrl);
  return {
    headerType: c.header ? headerType : "NONE",
    headerText: str(header.text),
    headerMedia: mediaUrl
      ? { mediaUrl, kind: headerType in WA_HEADER_KINDS ? WA_HEADER_KINDS[headerType as "IMAGE"] : undefined, fileName: mediaUrl.split("/").pop() }
      : {},
    footer: str(c.footer),
    buttons: (Array.isArray(c.buttons) ? c.buttons : []).map((raw) => {
      const b = asRecord(raw);
      return {
        type: pick(b.type, ["QUICK_REPLY", "URL", "PHONE_NUMBER"] as const, "QUICK_REPLY"),
        text: str(b.text),
        url: str(b.url),
        phoneNumber: str(b.phoneNumber),
      };
    }),
  };
}

// ---------------------------------------------------------------- Voice

export type Voice = "female" | "male";
export interface VoiceForm {
  voice: Voice;
  language: string;
  repeat: number;
}
export const VOICE_LANGUAGES = [
  { value: "en-IN", label: "English (India)" },
  { value: "hi-IN", label: "Hindi (India)" },
  { value: "en-US", label: "English (US)" },
  { value: "en-GB", label: "English (UK)" },
  { value: "bn-IN", label: "Bengali (India)" },
  { value: "ta-IN", label: "Tamil (India)" },
  { value: "te-IN", label: "Telugu (India)" },
  { value: "mr-IN", label: "Marathi (India)" },
  { value: "gu-IN", label: "Gujarati (India)" },
  { value: "kn-IN", label: "Kannada (India)" },
];

export function buildVoiceContent(form: VoiceForm): { voice: Voice; language: string; repeat: number } {
  return { voice: form.voice, language: form.language, repeat: Math.min(3, Math.max(1, Math.round(form.repeat))) };
}

export function voiceFormFromTemplate(content: Record<string, unknown>): VoiceForm {
  const c = asRecord(content);
  const repeat = typeof c.repeat === "number" ? c.repeat : 1;
  return { voice: pick(c.voice, ["female", "male"] as const, "female"), language: str(c.language) || "en-IN", repeat };
}
