"""RCS template registration with the provider, and the provider's verdicts.

A `template.submitted` event of channel RCS is POSTed to its bot's agent; the provider
answers at once (PENDING, with its template id, or a refusal: FAILED with the reason)
and reviews later: its verdict arrives on the webhook and becomes APPROVED, or FAILED
with the provider's reason. Everything is published on `template.status` keyed by the
template id, where the console (the templates' single writer) applies it.

Order: PENDING is published before the registration records its provider template id,
and a verdict for a registration without one is answered "retry later", so a verdict
never overtakes its PENDING. A verdict for an older registration of the template (it
was re-submitted since) is stale and ignored.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from cpaas.connector_kit.errors import SendError
from cpaas.contracts import Channel, CloudEvent
from cpaas.contracts.events import TemplateStatusChangedV1, TemplateSubmittedV1
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.control_plane import ControlPlane, channel_identity
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.rcs_connector.domain.rendering import RenderError, render_message
from cpaas.rcs_connector.metrics import TEMPLATES
from cpaas.rcs_connector.providers.base import Bot, RcsProvider, TemplateStatus, TemplateVerdict
from cpaas.rcs_connector.store import RcsStore

log = logging.getLogger(__name__)


@dataclass
class TemplateDeps:
    store: RcsStore
    control: ControlPlane
    provider: RcsProvider
    publisher: EventPublisher


async def register_template(event: CloudEvent[TemplateSubmittedV1], deps: TemplateDeps) -> None:
    """Register one submitted RCS template. Raises (so the event comes again) only on a
    transient provider failure; every other outcome is published."""
    data = event.data
    if data.channel is not Channel.RCS:
        return
    with bind_log_context(account_id=data.account_id, template_id=data.template_id):
        bots = (await deps.control.rcs_bots([data.account_id])).get(data.account_id, ())
        identity = channel_identity(bots, data.rcs_bot_id)
        bot = Bot.of(identity) if identity is not None else None
        if bot is None:
            await _publish(deps, data, "FAILED", reason="no RCS bot of this account for the template")
            return
        try:
            message = render_message(data.template_type, data.body, data.content, None)
        except RenderError as exc:
            await _publish(deps, data, "FAILED", reason=str(exc))
            return
        done = await deps.store.start_registration(bot.bot_id, data.name, data.template_id, data.account_id, event.id)
        if done is not None:
            return  # this very event was registered and announced before a crash
        try:
            provider_template_id = await deps.provider.register_template(bot, data.name, message)
        except SendError as exc:
            if exc.retryable:
                raise
            log.info("template refused by the provider", extra={"carrier_error_code": exc.carrier_error_code})
            await _publish(deps, data, "FAILED", reason=exc.detail)
            return
        await _publish(deps, data, "PENDING", provider_template_id=provider_template_id)
        await deps.store.finish_registration(bot.bot_id, data.name, event.id, provider_template_id)


async def apply_template_verdict(verdict: TemplateVerdict, deps: TemplateDeps) -> bool:
    """Publish a provider verdict once. False: its registration is still being recorded
    (answer "retry later")."""
    registration = await deps.store.registration(verdict.bot_id, verdict.name)
    if registration is None:
        log.warning(
            "verdict for a template never registered here", extra={"provider_template_id": verdict.provider_template_id}
        )
        TEMPLATES.labels("unknown_verdict").inc()
        return True
    if registration.provider_template_id is None:
        return False
    if registration.provider_template_id != verdict.provider_template_id:
        log.info(
            "stale verdict of an earlier registration", extra={"provider_template_id": verdict.provider_template_id}
        )
        TEMPLATES.labels("stale_verdict").inc()
        return True
    async with deps.store.transaction() as conn:
        if await deps.store.add_template_event(conn, verdict):
            status = TemplateStatusChangedV1(
                template_id=registration.template_id,
                account_id=registration.account_id,
                channel=Channel.RCS,
                status=verdict.status,
                reason=verdict.reason,
                provider_template_id=verdict.provider_template_id,
                occurred_at=datetime.now(UTC),
            )
            await deps.publisher.publish(TEMPLATE_STATUS.name, status, subject=str(registration.template_id))
            TEMPLATES.labels(verdict.status.lower()).inc()
    return True


async def _publish(
    deps: TemplateDeps,
    data: TemplateSubmittedV1,
    status: TemplateStatus,
    *,
    reason: str | None = None,
    provider_template_id: str | None = None,
) -> None:
    event = TemplateStatusChangedV1(
        template_id=data.template_id,
        account_id=data.account_id,
        channel=Channel.RCS,
        status=status,
        reason=reason,
        provider_template_id=provider_template_id,
        occurred_at=datetime.now(UTC),
    )
    await deps.publisher.publish(TEMPLATE_STATUS.name, event, subject=str(data.template_id))
    TEMPLATES.labels(status.lower() if status == "PENDING" else "refused").inc()
