"""What campaigns read of the console's data (accounts and API keys, templates, sender
IDs, blacklist): a small interface, and its adapter over `cpaas.control_plane` (the
platform's one cached reader of the console's tables, kept current by the console's
change notifications).

`account_for_key` and `account` answer the library's `Account` (id, active, allows(ip));
`template` answers the campaigns' own `Template` (what the campaign rules need), None
for a template that is not the account's.
"""

from typing import Protocol

from cpaas.campaigns.domain.request import Template
from cpaas.contracts.fraud import FraudHold
from cpaas.control_plane import Account, ControlPlane


class ConsoleData(Protocol):
    async def account_for_key(self, key_hash: bytes) -> Account | None: ...
    async def account(self, account_id: int) -> Account | None: ...
    async def template(self, account_id: int, template_id: int) -> Template | None: ...
    async def approved_sender_ids(self, account_id: int) -> frozenset[str]: ...
    async def blacklist(self, account_id: int) -> frozenset[str]: ...
    async def fraud_holds(self, account_id: int) -> tuple[FraudHold, ...]: ...


class ConsoleReader:
    """`ConsoleData` over the control-plane library."""

    def __init__(self, control: ControlPlane) -> None:
        self.control = control

    async def account_for_key(self, key_hash: bytes) -> Account | None:
        return await self.control.account_for_key(key_hash)

    async def account(self, account_id: int) -> Account | None:
        return await self.control.account(account_id)

    async def template(self, account_id: int, template_id: int) -> Template | None:
        found = await self.control.template(account_id, template_id)
        if found is None:
            return None
        return Template(
            id=found.id,
            account_id=found.account_id,
            name=found.name,
            channel=found.channel,
            status=found.status,
            category=found.category,
            template_type=found.template_type,
            body=found.body,
            identity_active=found.identity_active,
            provider_status=found.provider_status,
        )

    async def approved_sender_ids(self, account_id: int) -> frozenset[str]:
        return (await self.control.sender_ids(account_id)).approved

    async def blacklist(self, account_id: int) -> frozenset[str]:
        return await self.control.blacklist(account_id)

    async def fraud_holds(self, account_id: int) -> tuple[FraudHold, ...]:
        return await self.control.fraud_holds(account_id)
