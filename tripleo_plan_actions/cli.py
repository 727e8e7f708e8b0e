"""``tripleo-plan``: the thin client.  Each operation is ONE workflow execution in Mistral.

  tripleo-plan check                              undercloud self-test (Swift and Heat from Mistral)
  tripleo-plan plan create NAME --templates-dir DIR [--roles-file F] [--networks-file F]
  tripleo-plan plan amend NAME [--file PLAN_PATH=LOCAL_FILE ...] [--delete PLAN_PATH ...] [--allow-meta]
  tripleo-plan plan list | show NAME | export NAME [--no-secrets] | delete NAME [--force]
  tripleo-plan deploy|update|upgrade|scale|rollback|undeploy PLAN [-e FILE ...] [--parameter NAME=YAML ...]
               [--role-count ROLE=N ...] [--remove-env PATH ...] [--reset-env] [--templates-dir DIR]
               [--dry-run] [--to REVISION (rollback)]
  tripleo-plan render --templates DIR --roles-file F --networks-file F --output-dir DIR [--only-rendered]
                                                  render locally, exactly as THT's process-templates.py

``--templates-dir`` names a directory on the undercloud (where Mistral runs).  ``-e FILE``: a local
file is a user file (its content is sent; kept in the plan's user inputs); a path that is not a
local file names a file of the plan (``environments/x.yaml``, possibly a render output).  An
update, upgrade or scale without ``-e`` replays the environment files and parameters of the last
successful operation.  Results are printed as JSON.  Connection: ``--mistral-url`` or ``OS_MISTRAL_URL`` (default http://127.0.0.1:8989/v2).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tripleo_plan_actions.errors import PlanError


def _text(path: str | None) -> str | None:
    return Path(path).read_text(encoding="utf-8") if path else None


def _plan_inputs(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The workflow and its input for a ``plan`` sub-command."""
    if args.operation == "create":
        return "create", {"plan": args.name, "templates_dir": str(Path(args.templates_dir).resolve()),
                          "roles_data": _text(args.roles_file), "network_data": _text(args.networks_file),
                          "description": args.description}
    if args.operation == "amend":
        files = {}
        for item in args.file:
            plan_path, _, local = item.partition("=")
            if not local:
                raise PlanError(f"--file {item}: use PLAN_PATH=LOCAL_FILE")
            files[plan_path] = _text(local)
        return "amend", {"plan": args.name, "files": files, "delete": args.delete, "allow_meta": args.allow_meta}
    if args.operation == "list":
        return "list", {}
    if args.operation == "export":
        return "export", {"plan": args.name, "include_secrets": not args.no_secrets}
    if args.operation == "delete":
        return "delete", {"plan": args.name, "force": args.force}
    return args.operation, {"plan": args.name}


def _environment(path: str) -> dict[str, str]:
    local = Path(path)
    if local.is_file():
        return {"path": str(local.resolve()), "content": local.read_text(encoding="utf-8")}
    return {"path": path}


def _pairs(items: list[str], what: str, convert) -> dict[str, Any]:
    import yaml

    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PlanError(f"{what} {item}: use NAME=VALUE")
        result[key] = convert(yaml.safe_load(value)) if convert else yaml.safe_load(value)
    return result


def _operation_inputs(args: argparse.Namespace) -> dict[str, Any]:
    return {"plan": args.name, "operation": args.command,
            "environments": [_environment(p) for p in args.environment],
            "parameters": _pairs(args.parameter, "--parameter", None),
            "role_counts": _pairs(args.role_count, "--role-count", int),
            "remove_environments": args.remove_env, "reset_environments": args.reset_env,
            "dry_run": args.dry_run,
            "templates_dir": str(Path(args.templates_dir).resolve()) if args.templates_dir else None,
            "rollback_to": getattr(args, "rollback_to", None)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tripleo-plan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mistral-url", help="Mistral v2 endpoint (default: $OS_MISTRAL_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="self-test: the pack reaches Swift and Heat from inside Mistral")
    check.add_argument("--stack-name", default="tripleo-plan-selftest")

    plan = sub.add_parser("plan", help="plan management").add_subparsers(dest="operation", required=True)
    create = plan.add_parser("create")
    create.add_argument("name")
    create.add_argument("--templates-dir", required=True, help="templates tree on the undercloud")
    create.add_argument("--roles-file", help="roles_data.yaml to use instead of the tree's")
    create.add_argument("--networks-file", help="network_data.yaml to use instead of the tree's")
    create.add_argument("--description", default="")
    amend = plan.add_parser("amend")
    amend.add_argument("name")
    amend.add_argument("--file", action="append", default=[], metavar="PLAN_PATH=LOCAL_FILE")
    amend.add_argument("--delete", action="append", default=[], metavar="PLAN_PATH")
    amend.add_argument("--allow-meta", action="store_true", help="allow changing plan-environment.yaml")
    plan.add_parser("list")
    for name in ("show", "export", "delete"):
        plan.add_parser(name).add_argument("name")
    plan.choices["export"].add_argument("--no-secrets", action="store_true")
    plan.choices["delete"].add_argument("--force", action="store_true")

    for operation in ("deploy", "update", "upgrade", "scale", "rollback", "undeploy"):
        command = sub.add_parser(operation, help=f"{operation} the plan's stack: one workflow execution")
        command.add_argument("name", metavar="PLAN")
        command.add_argument("-e", "--environment", action="append", default=[], metavar="FILE")
        command.add_argument("--parameter", action="append", default=[], metavar="NAME=YAML")
        command.add_argument("--role-count", action="append", default=[], metavar="ROLE=N")
        command.add_argument("--remove-env", action="append", default=[], metavar="PATH")
        command.add_argument("--reset-env", action="store_true", help="forget the tracked environment list")
        command.add_argument("--templates-dir", help="upgrade: the new templates tree on the undercloud")
        command.add_argument("--dry-run", action="store_true", help="show what Heat would do; change nothing")
        if operation == "rollback":
            command.add_argument("--to", type=int, required=True, metavar="REVISION", dest="rollback_to")

    from tripleo_plan_actions import local_render

    local_render.add_arguments(sub.add_parser("render", help="render THT's Jinja2 templates locally"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "render":
        from tripleo_plan_actions import local_render

        return local_render.run(args)
    from tripleo_plan_actions.client import MistralClient  # not on the render path: it starts fast

    client = MistralClient(args.mistral_url)
    try:
        if args.command == "check":
            execution = client.run("tripleo_plan.selftest.check", {"stack_name": args.stack_name})
            result = {"execution": execution["id"], **execution["output"]}
        elif args.command != "plan":
            result = client.run("tripleo_plan.deploy.operate", _operation_inputs(args))["output"]["result"]
        else:
            workflow, inputs = _plan_inputs(args)
            result = client.run(f"tripleo_plan.plan.{workflow}", inputs)["output"]["result"]
    except (PlanError, OSError) as error:
        print(f"tripleo-plan {args.command}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
