"""Topic names, their record key and their default partition counts.

Every message-lifecycle topic is keyed by the message id so all events of one message
stay ordered in one partition. A topic's dead-letter twin is `<name>.dlq`.
"""

from dataclasses import dataclass

from cpaas.contracts.enums import Channel

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    partitions: int
    description: str
    event_types: tuple[str, ...]

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


MSG_SUBMIT_SMS = TopicSpec(
    "msg.submit.sms",
    "message id",
    6,
    "SMS to send, consumed by sms-connector",
    ("cpaas.message.submitted.v1",),
)
MSG_SUBMIT_WHATSAPP = TopicSpec(
    "msg.submit.whatsapp",
    "message id",
    6,
    "WhatsApp messages to send, consumed by wa-connector",
    ("cpaas.message.submitted.v1",),
)
MSG_SUBMIT_RCS = TopicSpec(
    "msg.submit.rcs",
    "message id",
    6,
    "RCS messages to send, consumed by rcs-connector",
    ("cpaas.message.submitted.v1",),
)
MSG_SUBMIT_VOICE = TopicSpec(
    "msg.submit.voice",
    "message id",
    6,
    "voice calls to place, consumed by voice-connector",
    ("cpaas.message.submitted.v1",),
)
MSG_STATUS = TopicSpec(
    "msg.status",
    "message id",
    6,
    "every status change of every message attempt: the delivery events internal teams subscribe to",
    ("cpaas.message.status_changed.v1",),
)

BILLING_CHARGED = TopicSpec(
    "billing.charged",
    "message id",
    6,
    "each charged attempt of a message, with its amount",
    ("cpaas.billing.charged.v1",),
)
TEMPLATE_SUBMITTED = TopicSpec(
    "template.submitted",
    "template id",
    3,
    "WhatsApp and RCS templates to register with their provider",
    ("cpaas.template.submitted.v1",),
)
TEMPLATE_STATUS = TopicSpec(
    "template.status",
    "template id",
    3,
    "providers' verdicts on template registrations",
    ("cpaas.template.status_changed.v1",),
)

AI_ALERT = TopicSpec(
    "ai.alert",
    "account id",
    3,
    "every anomaly and spam alert the ai service's detectors raise or update (Traffic Anomaly, Spam Detection)",
    ("cpaas.ai.alert.v1",),
)

SUBMIT_TOPICS: dict[Channel, TopicSpec] = {
    Channel.SMS: MSG_SUBMIT_SMS,
    Channel.WHATSAPP: MSG_SUBMIT_WHATSAPP,
    Channel.RCS: MSG_SUBMIT_RCS,
    Channel.VOICE: MSG_SUBMIT_VOICE,
}

MESSAGE_TOPICS: tuple[TopicSpec, ...] = (*SUBMIT_TOPICS.values(), MSG_STATUS, BILLING_CHARGED)
ALL_TOPICS: tuple[TopicSpec, ...] = (*MESSAGE_TOPICS, TEMPLATE_SUBMITTED, TEMPLATE_STATUS, AI_ALERT)


def topic_names(*, with_dlq: bool = True) -> list[str]:
    names = [spec.name for spec in ALL_TOPICS]
    if with_dlq:
        names += [spec.dlq for spec in ALL_TOPICS]
    return names
