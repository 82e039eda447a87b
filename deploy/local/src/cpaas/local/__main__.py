"""`python -m cpaas.local run|infra`: the local default's entry point."""

import argparse
import sys

from cpaas.local.launcher import run_platform


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cpaas.local", description=__doc__)
    parser.add_argument(
        "command",
        choices=["run", "infra", "test-infra"],
        help="run: infrastructure and every service; infra: Kafka and PostgreSQL only;"
        " test-infra: the servers the tests use, kept up between test runs",
    )
    args = parser.parse_args()
    if args.command == "test-infra":
        from cpaas.local.pytest_plugin import infra_settings_for_tests

        return run_platform(with_services=False, settings=infra_settings_for_tests())
    return run_platform(with_services=args.command == "run")


if __name__ == "__main__":
    sys.exit(main())
