"""`python -m cpaas.console [serve]`: run the console until SIGTERM;
`python -m cpaas.console seed [--credentials PATH]`: seed the local default (seed.py)."""

import argparse
import asyncio
import json
import sys
from pathlib import Path

from cpaas.console.seed import seed
from cpaas.platform.settings import PostgresSettings


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cpaas.console")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the console service (the default)")
    seed_cmd = sub.add_parser("seed", help="create the admin login and the demo account (idempotent)")
    seed_cmd.add_argument("--credentials", type=Path, default=Path(".data/demo-credentials.json"))
    args = parser.parse_args()
    if args.command in (None, "serve"):
        from cpaas.console.app import build_app
        from cpaas.console.settings import ConsoleSettings
        from cpaas.platform.serve import run

        settings = ConsoleSettings()
        run(build_app(settings), settings)
        return 0
    credentials = asyncio.run(seed(PostgresSettings(), args.credentials))
    print(json.dumps(credentials, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
