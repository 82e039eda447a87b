"""Template registration with the provider, and the provider's verdicts.

`template.submitted` (one record at a time): a WhatsApp template is registered with its
WABA; accepted -> PENDING with the provider's template id, refused -> FAILED with the
provider's message as the reason, timeout/5xx -> raised (the record comes again). Each
registration is keyed by the event id, so a redelivered event registers nothing twice
(unless the process died between the provider's answer and the write of it).
Verdict webhooks -> APPROVED, or FAILED with the provider's reason. Every status is
published inside the transaction that records it, keyed by the template id.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from cpaas.connector_kit.errors import SendError
from cpaas.contracts import Channel
from cpaas.contracts.events import TemplateStatusChangedV1, TemplateSubmittedV1
from cpaas.contracts.template_content import WhatsAppContent
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.control_plane import ControlPlane
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.wa_connector.metrics import TEMPLATES
from cpaas.wa_connector.providers.base import TemplateRegistration, TemplateVerdict, WabaCredentials, WhatsAppProvider
from cpaas.wa_connector.sending import sending_number
from cpaas.wa_connector.store import REGISTERING, Registration, WaStore

log = logging.getLogger(__name__)
PENDING, FAILED = "PENDING", "FAILED"


@dataclass
class TemplateDeps:
    store: WaStore
    control: ControlPlane
    provider: WhatsAppProvider
    publisher: EventPublisher


async def register_template(submission_id: str, template: TemplateSubmittedV1, deps: TemplateDeps) -> None:
    """Register one submitted WhatsApp template (other channels are not ours: ignored)."""
    if template.channel is not Channel.WHATSAPP:
        return
    with bind_log_context(template_id=template.template_id, account_id=template.account_id):
        done = await deps.store.registration(submission_id)
        if done is not None and done.status != REGISTERING:
            TEMPLATES.labels("already_registered").inc()
            return  # registered before; its status event is in Kafka
        numbers = (await deps.control.waba_numbers([template.account_id])).get(template.account_id, ())
        number = sending_number(numbers, template.waba_number_id)
        registration = await deps.store.begin_registration(
            submission_id,
            template.template_id,
            template.account_id,
            number.waba_id if number else None,
            template.name,
            template.language,
        )
        if number is None:
            await _finish(deps, registration, FAILED, reason="no active WABA number to register the template with")
            return
        try:
            content = WhatsAppContent.model_validate(template.content)
        except ValidationError as exc:
            await _finish(deps, registration, FAILED, reason=f"template content: {exc}"[:500])
            return
        request = TemplateRegistration(
            sender=WabaCredentials(number.waba_id, number.phone_number_id, number.api_key),
            name=template.name,
            language=template.language,
            category=template.category,
            body=template.body,
            content=content,
        )
        try:
            provider_id = await deps.provider.register_template(request)
        except SendError as exc:
            if exc.retryable:
                raise
            await _finish(deps, registration, FAILED, reason=exc.detail)
            return
        await _finish(deps, registration, PENDING, provider_template_id=provider_id)


async def _finish(
    deps: TemplateDeps,
    registration: Registration,
    status: str,
    *,
    reason: str | None = None,
    provider_template_id: str | None = None,
) -> None:
    async def publish(row: Registration) -> None:
        await _publish(deps.publisher, row)

    changed = await deps.store.finish_registration(
        registration.id, status, reason=reason, provider_template_id=provider_template_id, on_changed=publish
    )
    TEMPLATES.labels(f"registration_{status.lower()}" if changed else "verdict_came_first").inc()
    log.info("template registration answered", extra={"status": status, "reason": reason})


async def apply_verdicts(verdicts: list[TemplateVerdict], store: WaStore, publisher: EventPublisher) -> None:
    async def publish(row: Registration) -> None:
        await _publish(publisher, row)

    for verdict in verdicts:
        outcome = await store.apply_verdict(verdict, publish)
        TEMPLATES.labels(f"verdict_{outcome}").inc()
        level = logging.WARNING if outcome == "unknown" else logging.INFO
        log.log(
            level,
            "template verdict %s",
            outcome,
            extra={"provider_template_id": verdict.provider_template_id, "event": verdict.provider_event},
        )


async def _publish(publisher: EventPublisher, row: Registration) -> None:
    event = TemplateStatusChangedV1(
        template_id=row.template_id,
        account_id=row.account_id,
        channel=Channel.WHATSAPP,
        status=row.status,  # type: ignore[arg-type]
        reason=row.reason,
        provider_template_id=row.provider_template_id,
        occurred_at=datetime.now(UTC),
    )
    await publisher.publish(TEMPLATE_STATUS.name, event, subject=str(row.template_id))
