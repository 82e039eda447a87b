"""The shapes the gateway publishes for its forwarded routes are the owners' own: every
documented model has the same fields (camelCase names, required or not) as the model of
the service that answers, so the OpenAPI document cannot drift from what is passed through."""

import pytest
from pydantic import BaseModel

from cpaas.ai import anomaly_api as anomaly
from cpaas.ai import api as ai
from cpaas.billing.api import models as billing
from cpaas.campaigns.api import models as campaigns
from cpaas.console.api import account as console_account
from cpaas.console.api import templates as console_templates
from cpaas.gateway.api import edge_models as edge

PAIRS = [
    (edge.Campaign, campaigns.CampaignView),
    (edge.CampaignFallback, campaigns.FallbackView),
    (edge.CampaignPage, campaigns.CampaignPage),
    (edge.RejectedRow, campaigns.RejectedRow),
    (edge.RejectedPage, campaigns.RejectedPage),
    (edge.TemplateIn, console_templates.TemplateIn),
    (edge.Template, console_templates.TemplateOut),
    (edge.TemplatePage, console_templates.TemplatePage),
    (edge.SenderIdIn, console_account.SenderIdIn),
    (edge.SenderId, console_account.SenderIdOut),
    (edge.SenderIdPage, console_account.SenderIdPage),
    (edge.BlacklistIn, console_account.BlacklistIn),
    (edge.BlacklistEntry, console_account.BlacklistEntry),
    (edge.BlacklistPage, console_account.BlacklistPage),
    (edge.Balance, billing.Balance),
    (edge.Transaction, billing.Entry),
    (edge.TransactionPage, billing.TransactionPage),
    (edge.ComplianceCheckIn, ai.CheckIn),
    (edge.ComplianceCheck, ai.CheckOut),
    (edge.ComplianceWarning, ai.WarningOut),
    (edge.Span, ai.Span),
    (edge.AssistIn, ai.AssistIn),
    (edge.Assist, ai.AssistOut),
    (edge.FraudReason, anomaly.Reason),
    (edge.Alert, anomaly.Alert),
    (edge.AnomalySummary, anomaly.AnomalySummary),
    (edge.AnomalyPage, anomaly.AnomalyPage),
    (edge.SenderActivity, anomaly.SenderRow),
    (edge.SpamSummary, anomaly.SpamSummary),
    (edge.SpamPage, anomaly.SpamPage),
    (edge.DetectResult, anomaly.DetectResult),
    (edge.FraudHold, anomaly.FraudHold),
    (edge.FraudHoldPage, anomaly.FraudHoldPage),
]


def fields(model: type[BaseModel], mode: str) -> dict[str, bool]:
    """Wire name -> required, as the model's JSON schema states them."""
    schema = model.model_json_schema(by_alias=True, mode=mode)
    return {name: name in schema.get("required", []) for name in schema["properties"]}


@pytest.mark.parametrize(("documented", "owner"), PAIRS, ids=[d.__name__ for d, _ in PAIRS])
def test_the_documented_shape_has_the_owners_fields(documented: type[BaseModel], owner: type[BaseModel]) -> None:
    mode = "validation" if documented.__name__.endswith("In") else "serialization"
    assert fields(documented, mode) == fields(owner, mode)
