"""What makes an account a tenant of every channel: its webhook signing secret (Settings:
shown masked, rotated with a grace period) and the WhatsApp numbers an admin links to it
(User Management: registered with the Cloud API, listed on the account's Channels page,
Active/Inactive switchable). The RCS bot's registration with RBM is in account.py (its
request) and admin.py (the admin's activation, which is the agent's launch)."""

from datetime import datetime
from typing import Literal

import asyncpg
from fastapi import APIRouter

from cpaas.console import demo_credentials
from cpaas.console.api.deps import Acting, Admin, ApiModel, PathId, Settings, Store, User, not_found
from cpaas.console.domain import blacklist, channels
from cpaas.console.domain.audit import Action, Entry
from cpaas.console.domain.credentials import mask_secret
from cpaas.console.providers import Providers
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError


class WebhookSecretOut(ApiModel):
    webhook_secret: str | None  # masked
    rotated_at: datetime | None
    previous_valid_until: datetime | None  # the replaced secret is still valid (signs too) until then


class NewWebhookSecret(ApiModel):
    webhook_secret: str  # shown once
    previous_valid_until: datetime | None


class WabaNumberIn(ApiModel):
    phone_number: str
    display_name: str | None = None
    waba_id: str
    phone_number_id: str
    access_token: str


class LinkedWabaNumber(ApiModel):
    id: int
    account_id: int
    phone_number: str
    display_name: str
    waba_id: str
    phone_number_id: str
    api_key: str  # the access token, masked
    status: Literal["ACTIVE", "INACTIVE"]
    registered_at: datetime | None
    created_at: datetime


class WabaStatusIn(ApiModel):
    status: Literal["ACTIVE", "INACTIVE"]


def _linked(account_id: int, row, box) -> LinkedWabaNumber:
    return LinkedWabaNumber(**{**dict(row), "account_id": account_id, "api_key": mask_secret(box.open(row["api_key"]))})


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["onboarding"])

    @router.get("/settings/webhook-secret", response_model=WebhookSecretOut)
    async def webhook_secret(store: Store, user: User) -> WebhookSecretOut:
        row = await store.webhook_secrets.shown(user.account_id)
        return WebhookSecretOut(
            webhook_secret=store.webhook_secrets.masked(row["webhook_secret"]),
            rotated_at=row["webhook_secret_rotated_at"],
            previous_valid_until=row["previous_valid_until"],
        )

    @router.post("/settings/webhook-secret/rotate", response_model=NewWebhookSecret)
    async def rotate_webhook_secret(store: Store, settings: Settings, user: User, actor: Acting) -> NewWebhookSecret:
        """A new secret, shown once. The old one stays valid for the grace period
        (`CPAAS_CONSOLE_WEBHOOK_SECRET_GRACE_HOURS`, 24 h): receipts are signed with both
        meanwhile (two `v1=` entries in X-CPaaS-Signature)."""
        grace = settings.webhook_secret_grace_hours * 3600
        entry = Entry(Action.WEBHOOK_SECRET_ROTATED, actor, user.account_id, {"graceHours": grace / 3600})
        secret, until = await store.webhook_secrets.rotate(user.account_id, grace, audit=entry)
        demo_credentials.update(settings.demo_credentials_file, user.account_id, webhookSecret=secret)
        return NewWebhookSecret(webhook_secret=secret, previous_valid_until=until)

    @router.get("/admin/accounts/{account_id}/whatsapp-numbers", response_model=list[LinkedWabaNumber])
    async def linked_numbers(account_id: PathId, store: Store, admin: Admin) -> list[LinkedWabaNumber]:
        if not await store.accounts.exists(account_id):
            raise not_found("account")
        rows = await store.channels.waba_numbers(account_id)
        return [_linked(account_id, r, store.channels.box) for r in rows]

    @router.post("/admin/accounts/{account_id}/whatsapp-numbers", response_model=LinkedWabaNumber, status_code=201)
    async def link_number(
        account_id: PathId, body: WabaNumberIn, store: Store, providers: Providers, admin: Admin, actor: Acting
    ) -> LinkedWabaNumber:
        """Link a WhatsApp Business number to the account: registered with the Cloud API
        (`POST /{version}/{phoneNumberId}/register`, with the number's access token) first,
        then stored ACTIVE with the token sealed. The provider's refusal is 422
        CHANNEL_NOT_CONFIGURED with its reason, and nothing is stored."""
        phone = blacklist.recipient(body.phone_number, "phoneNumber")
        waba_id = channels.provider_id(body.waba_id, "wabaId")
        number_id = channels.provider_id(body.phone_number_id, "phoneNumberId")
        token = channels.access_token(body.access_token)
        display_name = channels.waba_display_name(body.display_name)
        if not await store.accounts.exists(account_id):
            raise not_found("account")
        await providers.register_whatsapp_number(number_id, token)
        entry = Entry(
            Action.WHATSAPP_NUMBER_LINKED,
            actor,
            account_id,
            {"phoneNumber": phone, "wabaId": waba_id, "phoneNumberId": number_id},
        )
        try:
            row = await store.channels.link_waba_number(
                account_id,
                phone_number=phone,
                display_name=display_name,
                waba_id=waba_id,
                phone_number_id=number_id,
                access_token=token,
                audit=entry,
            )
        except asyncpg.UniqueViolationError:
            raise ApiError(
                ErrorCode.CONFLICT, "this phone number or phone-number id is linked already", field="phoneNumber"
            ) from None
        return _linked(account_id, row, store.channels.box)

    @router.put("/admin/accounts/{account_id}/whatsapp-numbers/{number_id}/status", response_model=LinkedWabaNumber)
    async def set_number_status(
        account_id: PathId, number_id: PathId, body: WabaStatusIn, store: Store, admin: Admin, actor: Acting
    ) -> LinkedWabaNumber:
        """ACTIVE numbers send; an INACTIVE one is refused at submit (CHANNEL_NOT_CONFIGURED)."""
        entry = Entry(
            Action.WHATSAPP_NUMBER_STATUS_CHANGED, actor, account_id, {"id": number_id, "status": body.status}
        )
        row = await store.channels.set_waba_status(account_id, number_id, body.status, audit=entry)
        if row is None:
            raise not_found("WhatsApp number")
        return _linked(account_id, row, store.channels.box)

    return router
