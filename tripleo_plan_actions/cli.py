"""``tripleo-plan``: the thin client.  Each operation is ONE workflow execution in Mistral.

  tripleo-plan check [--stack-name NAME]   run the undercloud self-test (Swift and Heat from Mistral)

Connection: ``--mistral-url`` or ``OS_MISTRAL_URL`` (default http://127.0.0.1:8989/v2).
"""
from __future__ import annotations

import argparse
import json
import sys

from tripleo_plan_actions.client import MistralClient
from tripleo_plan_actions.errors import PlanError


def _check(client: MistralClient, args: argparse.Namespace) -> dict:
    execution = client.run("tripleo_plan.selftest.check", {"stack_name": args.stack_name})
    return {"execution": execution["id"], "state": execution["state"], **execution["output"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripleo-plan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mistral-url", help="Mistral v2 endpoint (default: $OS_MISTRAL_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="self-test: the pack reaches Swift and Heat from inside Mistral")
    check.add_argument("--stack-name", default="tripleo-plan-selftest")
    args = parser.parse_args(argv)
    client = MistralClient(args.mistral_url)
    try:
        result = {"check": _check}[args.command](client, args)
    except PlanError as error:
        print(f"tripleo-plan {args.command}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
