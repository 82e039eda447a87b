"""Creating a campaign: store the streamed file, check the form against the account's
templates and sender IDs (the submit rules of every level), and record the campaign
CREATED; its validation then runs in the background (dispatch.py). Also the actions
(pause, resume, cancel) a user takes on it."""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from cpaas.campaigns.api.models import CampaignForm
from cpaas.campaigns.billing import BillingReader
from cpaas.campaigns.budget import over_budget
from cpaas.campaigns.control_plane import ConsoleData
from cpaas.campaigns.domain.request import Level, check_level, parse_fallback, parse_schedule
from cpaas.campaigns.domain.status import Action, PauseCode, refusal, target_of
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.campaigns.store import Campaign, CampaignStore, NewCampaign
from cpaas.campaigns.upload import Upload, receive_upload
from cpaas.contracts import Channel, ErrorCode
from cpaas.platform.api_errors import ApiError, validation_error


@dataclass
class Campaigns:
    settings: CampaignsSettings
    store: CampaignStore
    console: ConsoleData
    billing: BillingReader
    now: Callable[[], datetime]
    poke: Callable[[], None]

    async def create(self, account_id: int, stream: AsyncIterator[bytes], content_type: str | None) -> Campaign:
        upload_id = uuid.uuid4()
        try:
            upload = await receive_upload(
                stream,
                content_type,
                self.store,
                upload_id,
                chunk_bytes=self.settings.chunk_bytes,
                max_file_bytes=self.settings.max_file_bytes,
            )
            campaign = await self.store.create(await self._checked(account_id, upload, upload_id))
        except BaseException:
            await self.store.delete_upload(upload_id)
            raise
        self.poke()
        return campaign

    async def _checked(self, account_id: int, upload: Upload, upload_id: uuid.UUID) -> NewCampaign:
        try:
            form = CampaignForm.model_validate(upload.fields)
        except ValidationError as exc:
            raise validation_error(exc) from exc
        levels = [
            Level("", form.channel, form.template_id, form.sender_id),
            *parse_fallback(upload.fields.get("fallback")),
        ]
        senders = await self.console.approved_sender_ids(account_id)
        enabled = frozenset(self.settings.enabled_channels)
        templates = []
        for level in levels:
            template = await self.console.template(account_id, level.template_id)
            check_level(level, template, senders, enabled)
            templates.append(template)
        account = await self.console.account(account_id)
        # an offset-less scheduledAt is a wall-clock time in the account's own zone
        zone = account.time_zone if account is not None else self.settings.default_time_zone
        scheduled = parse_schedule(upload.fields.get("scheduledAt"), ZoneInfo(zone), self.now())
        return NewCampaign(
            account_id=account_id,
            name=form.name,
            channel=form.channel.value,
            template_id=form.template_id,
            template_name=templates[0].name,
            sender_id=form.sender_id if form.channel is Channel.SMS else None,
            fallback=[
                {
                    "channel": lv.channel.value,
                    "templateId": lv.template_id,
                    "senderId": lv.sender_id,
                    "variableCount": t.variables,  # its columns follow the primary's (domain/request.py)
                }
                for lv, t in zip(levels[1:], templates[1:], strict=True)
            ],
            variables=sum(t.variables for t in templates),
            promotional=any(t.promotional for t in templates),
            scheduled_at=scheduled,
            time_zone=zone,
            upload_id=upload_id,
            file_name=upload.file_name,
            file_bytes=upload.file_bytes,
        )

    async def get(self, account_id: int, campaign_id: int) -> Campaign:
        campaign = await self.store.get(campaign_id, account_id)
        if campaign is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no campaign {campaign_id} in this account", field="campaignId")
        return campaign

    async def act(self, account_id: int, campaign_id: int, action: Action) -> Campaign:
        campaign = await self.get(account_id, campaign_id)
        problem = refusal(action, campaign.status)
        if problem:
            raise ApiError(ErrorCode.CONFLICT, problem, field="status")
        if action is Action.RESUME and campaign.validated:
            await self._check_budget(campaign)
        moved = await self.store.transition(
            campaign.id,
            allowed=[campaign.status],
            status=target_of(action, campaign.validated),
            reason="paused by the user" if action is Action.PAUSE else None,
            pause_code=PauseCode.BY_USER.value if action is Action.PAUSE else None,
        )
        if moved is None:
            raise ApiError(ErrorCode.CONFLICT, "the campaign changed meanwhile; read it and try again", field="status")
        self.poke()
        return moved

    async def _check_budget(self, campaign: Campaign) -> None:
        """A resume is refused (402) while the rows left would cost more than the balance."""
        problem = await over_budget(campaign, store=self.store, console=self.console, billing=self.billing)
        if problem:
            raise ApiError(ErrorCode.INSUFFICIENT_BALANCE, problem)
