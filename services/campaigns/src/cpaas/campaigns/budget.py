"""The estimate against the balance: a campaign does not start (and is not resumed) while
the good rows it has left would cost more than the account's balance."""

from cpaas.campaigns.billing import BillingReader
from cpaas.campaigns.control_plane import ConsoleData
from cpaas.campaigns.domain.estimate import price_code
from cpaas.campaigns.store import Campaign, CampaignStore


async def over_budget(
    campaign: Campaign, *, store: CampaignStore, console: ConsoleData, billing: BillingReader
) -> str | None:
    """Why the rows left cost too much ("estimated cost ... exceeds the balance ..."), or None."""
    template = await console.template(campaign.account_id, campaign.template_id)
    category, template_type = (template.category, template.template_type) if template else (None, "TEXT")
    _, units = await store.remaining_units(campaign.id, campaign.cursor_row)
    estimate = await billing.estimate(campaign.account_id, price_code(campaign.channel, category, template_type), units)
    balance, currency = await billing.balance(campaign.account_id, fresh=True)
    if estimate.cost_minor <= balance:
        return None
    return f"estimated cost {estimate.describe()} exceeds the balance {balance / 100:,.2f} {currency}"
