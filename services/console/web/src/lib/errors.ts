// Error codes as words: the one place that says what a code on a message, an attempt, the
// dashboard's failure chart or a template's failure means. A message carries the carrier's or
// provider's own code when it gave one (the SMSC's receipt `err:` or submit_sm_resp command_status,
// a WhatsApp Cloud API error code, an RBM error status, a voice call's end status or its API's
// error code), else the platform's ErrorCode (contracts/src/cpaas/contracts/errors.py). Shown as
// "<reason> (<code>)": the code stays visible beside the words, for support and for the carrier.
//
// API refusals of a request are not read from here: the console shows the API's own message.

export type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";

/** The platform's codes (ErrorCode), request and delivery ones. */
export const PLATFORM_REASONS: Record<string, string> = {
  // request errors
  INVALID_JSON: "The request was not valid JSON",
  VALIDATION_ERROR: "The request had an invalid field",
  INVALID_RECIPIENT: "Not a valid phone number",
  UNAUTHORIZED: "Not signed in, or a wrong API key",
  FORBIDDEN: "Not allowed for this user",
  IP_NOT_ALLOWED: "The caller's IP address is not on the allow-list",
  NOT_FOUND: "Not found",
  TEMPLATE_NOT_FOUND: "Template not found",
  TEMPLATE_NOT_APPROVED: "Template not approved",
  TEMPLATE_NOT_APPROVED_BY_PROVIDER: "Template not yet approved by Meta or RBM",
  TEMPLATE_CHANNEL_MISMATCH: "The template is for another channel",
  SENDER_ID_REQUIRED: "A sender ID is required",
  SENDER_ID_NOT_APPROVED: "Sender ID not approved",
  CHANNEL_NOT_CONFIGURED: "The channel is not set up for this account",
  RECIPIENT_BLACKLISTED: "The recipient is blacklisted",
  MISSING_VARIABLES: "Template variables are missing",
  INSUFFICIENT_BALANCE: "Insufficient balance",
  RATE_LIMITED: "Too many requests",
  IDEMPOTENCY_CONFLICT: "The idempotency key was used for another request",
  IDEMPOTENCY_IN_PROGRESS: "A request with this idempotency key is still being queued",
  CONFLICT: "Conflicts with the current state",
  PAYLOAD_TOO_LARGE: "Too large",
  HIGH_RISK_CONFIRMATION_REQUIRED: "The compliance check rates it HIGH risk: confirm to submit it",
  FRAUD_HOLD: "The destination is on a fraud hold (Traffic Anomaly shows why); an admin releases it",
  WEBHOOK_URL_NOT_ALLOWED: "The webhook URL is not allowed",
  SERVICE_UNAVAILABLE: "A service was unavailable",
  INTERNAL_ERROR: "Internal error",
  // delivery errors (FAILED / UNDELIVERED)
  CARRIER_REJECTED: "Rejected by the carrier",
  CARRIER_UNDELIVERABLE: "The carrier could not deliver it",
  CARRIER_EXPIRED: "Expired at the carrier before delivery",
  CARRIER_UNAVAILABLE: "The carrier was unavailable",
  NO_DELIVERY_RECEIPT: "No delivery receipt from the carrier",
  RECEIPT_EXPIRED: "No delivery receipt in time",
  CHANNEL_NOT_SUPPORTED_BY_RECIPIENT: "The recipient cannot receive this channel",
  RENDER_FAILED: "The message could not be built from its template",
  // the dashboard's name for a failure that carries no code
  UNKNOWN: "No reason given",
};

/** SMPP 3.4 command_status of a refused submit_sm (section 5.1.3), as `0x00000045`. */
export const SMPP_COMMAND_STATUS: Record<number, string> = {
  0x01: "Message length is invalid",
  0x02: "Command length is invalid",
  0x03: "Invalid command ID",
  0x04: "Incorrect bind status for the command",
  0x05: "Already bound",
  0x06: "Invalid priority flag",
  0x07: "Invalid registered delivery flag",
  0x08: "SMSC system error",
  0x0a: "Invalid source address (sender ID)",
  0x0b: "Invalid destination address",
  0x0c: "Message ID is invalid",
  0x0d: "Bind failed",
  0x0e: "Invalid password",
  0x0f: "Invalid system ID",
  0x11: "Cancel failed",
  0x13: "Replace failed",
  0x14: "SMSC message queue full",
  0x15: "Invalid service type",
  0x33: "Invalid number of destinations",
  0x34: "Invalid distribution list name",
  0x40: "Invalid destination flag",
  0x42: "Invalid submit-with-replace request",
  0x43: "Invalid esm_class",
  0x44: "Cannot submit to a distribution list",
  0x45: "The SMSC refused the message (submit failed)",
  0x48: "Invalid source address TON",
  0x49: "Invalid source address NPI",
  0x50: "Invalid destination address TON",
  0x51: "Invalid destination address NPI",
  0x53: "Invalid system type",
  0x54: "Invalid replace_if_present flag",
  0x55: "Invalid number of messages",
  0x58: "Throttled by the SMSC (too many messages)",
  0x61: "Invalid scheduled delivery time",
  0x62: "Invalid validity period",
  0x63: "Predefined message not found",
  0x64: "SMSC temporary application error",
  0x65: "SMSC permanent application error",
  0x66: "Message rejected by the SMSC's application",
  0x67: "Query failed",
  0xc0: "Error in the optional part of the PDU",
  0xc1: "Optional parameter not allowed",
  0xc2: "Invalid parameter length",
  0xc3: "Expected optional parameter missing",
  0xc4: "Invalid optional parameter value",
  0xfe: "Delivery failure",
  0xff: "Unknown SMSC error",
};

/** The `err:` of an SMPP delivery receipt (3 digits): GSM MAP causes as SMSCs report them. */
export const SMPP_RECEIPT_ERR: Record<number, string> = {
  0: "The carrier gave no error code",
  1: "Unknown subscriber (number not in use)",
  5: "Unidentified subscriber",
  6: "Absent subscriber (handset off or out of coverage)",
  9: "Illegal subscriber",
  11: "SMS not provisioned for the subscriber",
  12: "Illegal equipment",
  13: "Barred by the subscriber's carrier",
  15: "Closed user group reject",
  19: "Handset does not support SMS",
  20: "Error in the handset",
  21: "Facility not supported",
  22: "Handset memory full",
  27: "Absent subscriber",
  29: "Absent subscriber",
  30: "Handset busy for SMS",
  31: "Subscriber busy",
  32: "SMS delivery failure",
  34: "Carrier system failure",
  36: "Network or protocol failure",
  44: "Illegal equipment",
  60: "No paging response",
  61: "Gateway MSC congestion",
  63: "HLR timeout",
  64: "MSC/SGSN timeout",
  70: "SMRSE/TCP error",
  72: "Mobile terminated congestion",
  75: "GPRS suspended",
  80: "No paging response via MSC",
  81: "IMSI detached",
  82: "Roaming restriction",
  83: "Deregistered in HLR",
  84: "Purged from the network",
  85: "No paging response via SGSN",
  86: "GPRS detached",
  87: "Deregistered in HLR for GPRS",
  88: "Purged for GPRS",
  89: "Unidentified subscriber via MSC",
  90: "Unidentified subscriber via SGSN",
  112: "Sender's prepaid credit exhausted",
  113: "Recipient's prepaid credit exhausted",
  114: "Error in the prepaid system",
  500: "Other carrier error",
  986: "Fixed-line number not allowed",
  987: "Message too long",
  988: "Number portability system error",
  989: "Supplier rejected the SMS",
  990: "HLR failure",
  991: "Rejected by the carrier's content filter",
  992: "Ported numbers not supported",
  993: "Sender is blacklisted at the carrier",
  994: "No credit at the carrier",
  995: "Undeliverable",
  996: "Validity period expired",
  997: "Recipient is blacklisted at the carrier",
  998: "No route to the recipient",
  999: "Repeated submission (possible loop)",
};

/** WhatsApp Cloud API error codes (Meta's error-code table), on failed statuses and refused sends. */
export const WHATSAPP_ERRORS: Record<number, string> = {
  0: "WhatsApp could not authenticate the app",
  1: "WhatsApp API unknown error",
  2: "WhatsApp API temporarily unavailable",
  3: "WhatsApp API capability or permission missing",
  4: "WhatsApp API call rate limit reached",
  10: "Permission denied by WhatsApp",
  33: "The WhatsApp number is not registered with Meta (unknown phone number ID)",
  100: "Invalid parameter sent to WhatsApp",
  190: "WhatsApp access token expired or invalid",
  200: "WhatsApp API permission missing",
  368: "Temporarily blocked for policy violations",
  80007: "WhatsApp Business Account rate limit reached",
  130429: "WhatsApp throughput rate limit reached",
  130472: "Not sent: the number is in a WhatsApp experiment",
  130497: "The business cannot message users in this country",
  131000: "WhatsApp: something went wrong",
  131005: "WhatsApp access denied",
  131008: "A required parameter is missing",
  131009: "A parameter value is not valid",
  131016: "WhatsApp service unavailable",
  131021: "The recipient cannot be the sender",
  131026: "The recipient cannot receive WhatsApp messages",
  131030: "Not in the test number's allowed recipients",
  131031: "The WhatsApp Business Account is locked",
  131037: "The number's display name needs approval",
  131042: "Business eligibility payment issue",
  131045: "The sending number is not registered",
  131047: "Over 24 hours since the customer's last reply",
  131048: "Spam rate limit reached",
  131049: "Held back by Meta (ecosystem engagement)",
  131050: "The recipient has stopped marketing messages",
  131051: "Unsupported message type",
  131052: "The recipient's app could not download the media",
  131053: "Media upload error",
  131056: "Too many messages to this recipient (pair rate limit)",
  131057: "The business account is in maintenance mode",
  132000: "Template variables do not match the template (count)",
  132001: "Template does not exist (in this language)",
  132005: "The filled-in template text is too long",
  132007: "Template format character policy violated",
  132012: "Template variable format mismatch",
  132015: "Template is paused",
  132016: "Template is disabled",
  132068: "Flow is blocked",
  132069: "Flow is throttled",
  133000: "Incomplete deregistration of the number",
  133004: "WhatsApp server temporarily unavailable",
  133005: "Two-step verification PIN mismatch",
  133006: "The phone number needs re-verification",
  133008: "Too many two-step verification PIN guesses",
  133009: "Two-step verification PIN entered too fast",
  133010: "The phone number is not registered with WhatsApp",
  133015: "Wait a few minutes before registering this number again",
  135000: "WhatsApp generic user error",
};

/** Meta's reasons for rejecting a WhatsApp template (`reason` of a template status update). */
export const WHATSAPP_TEMPLATE_REASONS: Record<string, string> = {
  ABUSIVE_CONTENT: "Abusive content",
  INCORRECT_CATEGORY: "The category does not match the content",
  INVALID_FORMAT: "Invalid format",
  SCAM: "Looks like a scam",
  TAG_CONTENT_MISMATCH: "The content does not match the category",
  PROMOTIONAL: "Promotional content in a non-marketing template",
};

/** RBM error statuses (google.rpc.Code names in an error answer's `error.status`). */
export const RBM_ERRORS: Record<string, string> = {
  INVALID_ARGUMENT: "RBM refused the message as invalid",
  FAILED_PRECONDITION: "RBM refused the message (precondition failed)",
  OUT_OF_RANGE: "RBM refused a value out of range",
  NOT_FOUND: "The recipient is not reachable on RCS",
  ALREADY_EXISTS: "RBM already accepted a message with this id",
  UNAUTHENTICATED: "RBM refused the bot's credentials",
  PERMISSION_DENIED: "The bot is not launched for this recipient or carrier",
  RESOURCE_EXHAUSTED: "Rate limited by RBM",
  ABORTED: "RBM aborted the request",
  DEADLINE_EXCEEDED: "RBM timed out",
  INTERNAL: "RBM internal error",
  UNAVAILABLE: "RBM was unavailable",
  UNIMPLEMENTED: "Not supported by RBM",
  CANCELLED: "RBM cancelled the request",
  DATA_LOSS: "RBM data loss",
};

/** A voice call's end status (programmable-voice `CallStatus`). */
export const VOICE_STATUSES: Record<string, string> = {
  busy: "The line was busy",
  "no-answer": "The call was not answered",
  failed: "The call could not be placed",
  canceled: "The call was cancelled before it was answered",
};

/** Programmable-voice API error codes of a refused call. */
export const VOICE_ERRORS: Record<number, string> = {
  12100: "The call script (TwiML) could not be parsed",
  13224: "The number cannot be called or is invalid",
  13225: "The call was blocked",
  13227: "No international calling permission for this number",
  20003: "The voice provider refused the credentials",
  20404: "Not found at the voice provider",
  20429: "Too many requests to the voice provider",
  21201: "No number to call",
  21205: "No call script (TwiML or URL)",
  21210: "The caller ID is not verified",
  21211: "Invalid number to call",
  21212: "Invalid caller ID",
  21214: "The number to call cannot be reached",
  21215: "Calls to this country or region are not enabled",
  21216: "The number to call is blocked",
  21217: "The number to call does not look valid",
  21603: "No caller ID",
  21609: "Invalid status callback URL",
  21626: "Invalid status callback event",
};

const HTTP_STATUS = /^(?:HTTP )?([1-5]\d\d)$/;

function intCode(code: string): number | undefined {
  return /^\d{1,7}$/.test(code) ? Number(code) : undefined;
}

function smppCommandStatus(code: string): string | undefined {
  const m = /^0x([0-9a-f]{1,8})$/i.exec(code);
  return m ? SMPP_COMMAND_STATUS[parseInt(m[1], 16)] : undefined;
}

function httpStatus(code: string): string | undefined {
  const m = HTTP_STATUS.exec(code);
  return m && Number(m[1]) >= 400 ? `The provider answered HTTP ${m[1]}` : undefined;
}

const BY_CHANNEL: Record<Channel, (code: string) => string | undefined> = {
  SMS: (code) => smppCommandStatus(code) ?? (intCode(code) !== undefined ? SMPP_RECEIPT_ERR[intCode(code)!] : undefined),
  WHATSAPP: (code) => (intCode(code) !== undefined ? WHATSAPP_ERRORS[intCode(code)!] : undefined) ?? httpStatus(code),
  RCS: (code) => RBM_ERRORS[code] ?? httpStatus(code),
  VOICE: (code) => VOICE_STATUSES[code] ?? (intCode(code) !== undefined ? VOICE_ERRORS[intCode(code)!] : undefined) ?? httpStatus(code),
};

/** A code whose channel is not known (the dashboard's failure chart): by its form. */
function anyChannel(code: string): string | undefined {
  if (/^0x/i.test(code)) return smppCommandStatus(code);
  // a receipt's err is written with 3 digits ("001"); provider codes have no leading zero
  if (/^0\d\d$/.test(code)) return SMPP_RECEIPT_ERR[Number(code)];
  const n = intCode(code);
  if (n !== undefined) return WHATSAPP_ERRORS[n] ?? VOICE_ERRORS[n] ?? SMPP_RECEIPT_ERR[n] ?? httpStatus(code);
  // on a message, NOT_FOUND and its kin are RBM's (the platform's NOT_FOUND answers requests only)
  return RBM_ERRORS[code] ?? VOICE_STATUSES[code] ?? httpStatus(code);
}

/** The human reason for a code, or undefined when this module does not know it. The channel
 * (of the message or attempt) says whose code it is; without it the code's form decides. */
export function errorReason(code: string | null | undefined, channel?: string | null): string | undefined {
  const c = code?.trim();
  if (!c) return undefined;
  const own = channel && channel in BY_CHANNEL ? BY_CHANNEL[channel as Channel](c) : anyChannel(c);
  return own ?? PLATFORM_REASONS[c.toUpperCase()];
}

/** "<reason> (<code>)", the code alone when it is not known, "—" when there is none. */
export function describeError(code: string | null | undefined, channel?: string | null): string {
  const c = code?.trim();
  if (!c) return "—";
  const reason = errorReason(c, channel);
  return reason ? `${reason} (${c})` : c;
}

/** A failure as a message's detail shows it: "<reason> (<code>): <provider's detail>", "—" for none. */
export function describeFailure(code: string | null | undefined, detail: string | null | undefined, channel?: string | null): string {
  const d = detail?.trim();
  if (!code?.trim()) return d || "—";
  const described = describeError(code, channel);
  return d && d !== code.trim() ? `${described}: ${d}` : described;
}

/** A template's or request's status reason: a bare provider code (Meta's INVALID_FORMAT, a platform
 * code) as "<reason> (<code>)"; words (an admin's reason, a provider's sentence) as they are. */
export function describeStatusReason(reason: string | null | undefined): string {
  const r = reason?.trim();
  if (!r) return "";
  if (!/^[A-Z][A-Z0-9_]*$/.test(r)) return r;
  const words = WHATSAPP_TEMPLATE_REASONS[r] ?? PLATFORM_REASONS[r];
  return words ? `${words} (${r})` : r;
}
