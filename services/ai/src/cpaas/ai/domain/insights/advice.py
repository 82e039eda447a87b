"""What to do about each failure cause: the platform's own error codes (cpaas.contracts.errors)
and the carriers' (SMPP receipt `err:` and submit_sm command_status, WhatsApp Cloud API
codes). No digit appears in advice (the insight's text may only state its facts' numbers)."""

from cpaas.contracts.errors import ErrorCode

ADVICE: dict[str, str] = {
    ErrorCode.CARRIER_UNDELIVERABLE: "The carrier could not reach these numbers (switched off, out of coverage"
    " or no longer in service): clean the list of numbers that fail again and again, and retry later.",
    ErrorCode.CARRIER_EXPIRED: "Messages expired before the handset came back: send in daytime hours and"
    " keep the validity period long enough for numbers that are often unreachable.",
    ErrorCode.RECEIPT_EXPIRED: "No delivery receipt arrived in time: check the route's receipt delivery"
    " with the provider, or move this traffic to a route that reports receipts.",
    ErrorCode.NO_DELIVERY_RECEIPT: "The route does not return delivery receipts: ask the provider to enable"
    " them, or treat these messages as unknown rather than failed.",
    ErrorCode.CARRIER_REJECTED: "The carrier refused the messages: check that the DLT template ID and the"
    " sender ID's PE ID match the registered template, and that the content matches the template word for word.",
    ErrorCode.CARRIER_UNAVAILABLE: "The provider was unavailable: the platform retries; if it persists,"
    " add a second route for this channel.",
    ErrorCode.INVALID_RECIPIENT: "These numbers are not valid phone numbers: validate and normalise them to international format"
    " (country code included) when they are collected.",
    ErrorCode.RECIPIENT_BLACKLISTED: "The recipients are on the blacklist or opted out: remove them from"
    " your lists; sending to them again only fails.",
    ErrorCode.TEMPLATE_NOT_APPROVED: "The template is not approved: send only approved templates, or get"
    " this one approved first.",
    ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER: "The provider has not approved the template: resubmit it"
    " to the provider, or use an approved one.",
    ErrorCode.SENDER_ID_NOT_APPROVED: "The sender ID is not approved: register it on the DLT portal and"
    " wait for approval before sending.",
    ErrorCode.MISSING_VARIABLES: "Template variables were missing: check that every record of the list"
    " has a value for each variable.",
    ErrorCode.RENDER_FAILED: "The message could not be rendered: check the variables' values against the template.",
    ErrorCode.INSUFFICIENT_BALANCE: "The balance ran out: top up the wallet or enable a low-balance alert"
    " before large campaigns.",
    ErrorCode.RATE_LIMITED: "Sends were rate limited: spread the campaign over a longer period.",
    ErrorCode.FRAUD_HOLD: "The destinations are on a fraud hold: review the held ranges under Spam Detection"
    " before releasing them.",
    ErrorCode.CHANNEL_NOT_SUPPORTED_BY_RECIPIENT: "The recipients do not have this channel: send these"
    " numbers by SMS, or set a fallback channel.",
    ErrorCode.CHANNEL_NOT_CONFIGURED: "The channel is not configured for the account: set up its provider first.",
    # WhatsApp Cloud API
    "131026": "The number has no WhatsApp, an old app or has not accepted the terms: send it by SMS instead"
    " or set an SMS fallback.",
    "131049": "Meta held the message back to keep ecosystem engagement healthy: send marketing templates"
    " less often to the same users and only to engaged ones.",
    "131030": "The recipient is not in the test number's allowed list: add it, or move to a production number.",
    "132001": "The template does not exist in that language: check the template name and language code,"
    " and that it is approved.",
    "131047": "The customer service window has closed: use an approved template to re-open the conversation.",
    "131048": "Meta's spam rate limit: reduce the sending rate and improve the template's quality rating.",
    "131056": "Too many messages to the same number in a short time: space out sends to each recipient.",
    "130429": "The throughput limit was reached: spread the sends over a longer period.",
    # SMPP: receipt err (GSM MAP cause) and submit_sm command_status
    "001": "Unknown subscriber: the number does not exist on the network; remove it from your lists.",
    "0x0000000a": "Invalid source address: check the sender ID's registration and format.",
    "0x0000000b": "Invalid destination address: validate the numbers before sending.",
    "0x00000045": "The SMSC refused the submit: check the DLT template and the PE ID sent with it.",
}
GENERIC = "Look at a few of these messages in Reports (their error detail) and fix the cause before the next campaign."


def advice(error_code: str) -> str:
    """What to do about failures with `error_code` (the generic advice for codes not in the table)."""
    return ADVICE.get(error_code, ADVICE.get(error_code.lower(), GENERIC))
