"""Validating a campaign's stored file: read its chunks in order, check each entry, write
good rows and rejections by COPY in batches, then reject duplicates and move the
campaign to QUEUED (or FAILED with the reason) in one transaction.

Restartable: a validation interrupted (its process died, or the campaign was paused)
starts over from the stored file, after deleting what the earlier run wrote; the file
is deleted only in the transaction that marks the campaign validated. Memory: one chunk
and one batch of rows at a time.
"""

import asyncio
import logging
from dataclasses import dataclass

from cpaas.campaigns.control_plane import ConsoleData
from cpaas.campaigns.domain.csvfile import Entry, FileReader, NotACsvFile
from cpaas.campaigns.domain.estimate import SmsShape
from cpaas.campaigns.domain.request import column_counts
from cpaas.campaigns.domain.rows import GoodRow, Rejection, check_entry
from cpaas.campaigns.domain.status import CampaignStatus
from cpaas.campaigns.store import Campaign, CampaignStore, Validated

log = logging.getLogger(__name__)
YIELD_EVERY_ENTRIES = 500  # let the API and the dispatchers run between this many rows


def verdict(validated: Validated, scheduled: str | None) -> tuple[CampaignStatus, str | None]:
    """Where a validated campaign goes: QUEUED (with why it waits), or FAILED with the reason."""
    if validated.total == 0:
        return CampaignStatus.FAILED, "the file has no rows: put one phone number per row in the first column"
    if validated.good == 0:
        return CampaignStatus.FAILED, (
            f"no row can be sent: all {validated.total} rows were rejected (download the rejected rows for the reasons)"
        )
    return CampaignStatus.QUEUED, scheduled


@dataclass
class _Batch:
    good: list[tuple[GoodRow, int]]
    rejected: list[Rejection]

    def __len__(self) -> int:
        return len(self.good) + len(self.rejected)


class Validator:
    def __init__(self, store: CampaignStore, console: ConsoleData, *, batch_rows: int) -> None:
        self.store, self.console, self.batch_rows = store, console, batch_rows

    async def run(self, campaign: Campaign, scheduled_reason: str | None) -> None:
        await self.store.reset_rows(campaign.id)
        blacklist = await self.console.blacklist(campaign.account_id)
        template = await self.console.template(campaign.account_id, campaign.template_id)
        shape = SmsShape.of(template.body) if template is not None and campaign.channel == "SMS" else None
        reader = FileReader(campaign.variables)
        counts = [0, 0]  # entries, rejected
        batch = _Batch([], [])
        try:
            async for chunk in self.store.chunks(campaign.upload_id):
                if not await self._take(campaign, reader.feed(chunk), batch, counts, blacklist, shape):
                    return
            if not await self._take(campaign, reader.finish(), batch, counts, blacklist, shape):
                return
        except NotACsvFile as exc:
            await self._fail(campaign, str(exc))
            return
        await self._flush(campaign, batch, counts)
        await self.store.finish_validation(campaign.id, counts[0], lambda v: verdict(v, scheduled_reason))

    async def _take(self, campaign, entries, batch: _Batch, counts, blacklist, shape) -> bool:
        """Check entries into the batch, writing it when full; False once the campaign left CREATED."""
        for n, entry in enumerate(entries, start=1):
            self._check(campaign, entry, batch, counts, blacklist, shape)
            if len(batch) >= self.batch_rows:
                await self._flush(campaign, batch, counts)
                if await self.store.status_of(campaign.id) is not CampaignStatus.CREATED:
                    return False
            elif n % YIELD_EVERY_ENTRIES == 0:
                await asyncio.sleep(0)
        return True

    def _check(self, campaign: Campaign, entry: Entry, batch: _Batch, counts, blacklist, shape) -> None:
        counts[0] += 1
        checked = check_entry(entry, variables=campaign.variables, blacklist=blacklist)
        if isinstance(checked, Rejection):
            batch.rejected.append(checked)
            counts[1] += 1
        else:
            # the primary's SMS is measured with the primary's columns only (the first ones)
            primary = column_counts(campaign.variables, campaign.fallback)[0]
            batch.good.append((checked, shape.segments(checked.variables[:primary]) if shape else 1))

    async def _flush(self, campaign: Campaign, batch: _Batch, counts) -> None:
        await self.store.copy_rows(campaign.id, batch.good, batch.rejected)
        await self.store.validation_progress(campaign.id, counts[0], counts[1])
        batch.good.clear()
        batch.rejected.clear()

    async def _fail(self, campaign: Campaign, reason: str) -> None:
        await self.store.reset_rows(campaign.id)
        await self.store.transition(
            campaign.id, allowed=[CampaignStatus.CREATED], status=CampaignStatus.FAILED, reason=reason
        )
        await self.store.delete_upload(campaign.upload_id)
        log.info("campaign file refused", extra={"campaign_id": campaign.id, "reason": reason})
