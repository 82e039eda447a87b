"""`python -m cpaas.billing`: serve the billing service until SIGTERM.

`python -m cpaas.billing credit --account N --amount-minor X --reason "..."`: credit an
account once (a fixed idempotency key, `opening-balance` unless --idempotency-key says
otherwise, so running it again changes nothing) and print the entry as JSON.
"""

import argparse
import asyncio
import json
import sys

from cpaas.billing.app import build_app
from cpaas.billing.seed import OPENING_BALANCE_KEY, ensure_opening_balance
from cpaas.billing.settings import BillingSettings
from cpaas.billing.store import SCHEMA
from cpaas.platform.db import pool_lifespan
from cpaas.platform.serve import run


async def _credit(settings: BillingSettings, args: argparse.Namespace) -> dict:
    async with pool_lifespan(settings.postgres, schema=SCHEMA, application_name="billing-cli") as pool:
        entry = await ensure_opening_balance(
            pool,
            args.account,
            args.amount_minor,
            args.reason,
            currency=settings.currency,
            idempotency_key=args.idempotency_key,
        )
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(entry).items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cpaas.billing", description="The billing service")
    commands = parser.add_subparsers(dest="command")
    credit = commands.add_parser("credit", help="credit an account once (idempotent)")
    credit.add_argument("--account", type=int, required=True, help="account id")
    credit.add_argument("--amount-minor", type=int, required=True, help="amount in minor units (paise), > 0")
    credit.add_argument("--reason", required=True, help="why, shown in the transaction log")
    credit.add_argument(
        "--idempotency-key", default=OPENING_BALANCE_KEY, help="the credit is applied once per account and key"
    )
    args = parser.parse_args(argv)
    settings = BillingSettings()
    if args.command == "credit":
        if args.amount_minor <= 0:
            parser.error("--amount-minor must be positive")
        json.dump(asyncio.run(_credit(settings, args)), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
