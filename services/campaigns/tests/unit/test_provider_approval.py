"""A campaign's WhatsApp or RCS level needs its template approved by the admin and by the
provider (Meta, RBM): the upload is refused, and a running campaign pauses, otherwise."""

import pytest

from cpaas.campaigns.domain.request import Level, check_level, sendability
from cpaas.contracts import Channel, ErrorCode
from cpaas.control_plane import Template
from cpaas.platform.api_errors import ApiError


def template(channel: str, provider_status: str | None, identity_status: str) -> Template:
    return Template(
        id=1, account_id=1, name="order_update", channel=channel, status="APPROVED", category="UTILITY",
        template_type="TEXT", body="Hi", language="en_US", content={}, dlt_template_id=None, waba_number_id=1,
        rcs_bot_id=1, provider_template_id="p-1", provider_status=provider_status, variable_count=0,
        identity_status=identity_status,
    )  # fmt: skip


@pytest.mark.parametrize(("channel", "provider"), [(Channel.WHATSAPP, "Meta"), (Channel.RCS, "RBM")])
def test_a_template_its_provider_has_not_approved_is_refused(channel: Channel, provider: str) -> None:
    pending = template(channel=channel.value, provider_status="PENDING", identity_status="ACTIVE")
    level = Level("fallback[0].", channel, 1, None)
    with pytest.raises(ApiError) as refused:
        check_level(level, pending, frozenset(), frozenset(Channel))
    assert (refused.value.code, refused.value.field) == (
        ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER,
        "fallback[0].templateId",
    )
    assert f"not approved by {provider}" in (sendability(level, pending, frozenset()) or "")


def test_a_template_both_approved_is_sendable() -> None:
    approved = template(channel="WHATSAPP", provider_status="APPROVED", identity_status="ACTIVE")
    assert sendability(Level("", Channel.WHATSAPP, 1, None), approved, frozenset()) is None
