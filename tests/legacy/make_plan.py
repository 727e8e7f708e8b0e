"""Make a legacy plan and stack with the REAL old code: tripleo-common 11.7.0 (Train) as a library.

Run with the legacy environment's python (``tripleo-plan-undercloud install --legacy``), never
imported by the pack or its tests (tests/functional/legacy.py runs it as a subprocess)::

    .venvs/legacy/bin/python tests/legacy/make_plan.py --settings STATE/services.yaml --name NAME \\
        --templates examples/small-overcloud -p tests/legacy/plan-environment.yaml -e ENV1 -e ENV2 \\
        [-r ROLES] [-n NETWORKS] [--password NAME=VALUE ...] [--remove-password NAME ...] \\
        [--update-prepare tests/legacy/lifecycle/update-prepare.yaml]

What it does, in the Train order (doc/legacy-plans.rst):

1. ``openstack overcloud deploy --templates T -e ...``'s plan: create.create_plan (tripleoclient's
   create_plan_from_templates + the create_deployment_plan workbook's tasks as tripleo-common actions);
   then ``--password`` values set in plan-environment.yaml ``passwords`` (tripleo.parameters.update
   with ``key: passwords``, as the parameters workflow allowed);
2. its ``-e`` handling (user_env);
3. the deploy_plan workbook's tasks that touch the plan and the stack: add_validation_ssh_key,
   create_swift_rings_backup_plan, deploy (DeployStackAction: the environment from build_env_paths),
   then waits for CREATE_COMPLETE;
4. ``--update-prepare FILE``: ``openstack overcloud update prepare`` with the same ``-e`` files and
   FILE (THT's environments/lifecycle/update-prepare.yaml) prepended: the plan updated from the
   templates (create.update_plan_from_templates), the ``-e`` handling again, then the
   package_update_plan workbook's update_stack (UpdateStackAction: ``OS::TripleO::DeploymentSteps:
   OS::Heat::None`` into plan-environment.yaml ``resource_registry``), waits for UPDATE_COMPLETE;
   never converged;
5. ``--remove-password NAME``, last: the names removed from plan-environment.yaml ``passwords``
   (tripleo-common's plan_utils.get_env/put_env): the stack has them, the plan has not.

Prints ONE JSON object on stdout: plan, stack_id, stack_status, environments (the -e list as given),
passwords (plan-environment.yaml ``passwords`` before step 5), removed_passwords.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from typing import Any

import create
import oldclients
import user_env
import yaml
from heatclient.common import template_utils
from swiftclient import exceptions as swift_exc
from tripleo_common.actions import deployment, package_update, parameters, validations
from tripleo_common.utils import plan as plan_utils


def wait_for_stack(heat: Any, stack_id: str, timeout: float) -> Any:
    """Poll until the stack is no longer IN_PROGRESS; the stack."""
    deadline = time.monotonic() + timeout
    while True:
        stack = heat.stacks.get(stack_id, resolve_outputs=False)
        if not stack.stack_status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        time.sleep(1)


def handle_environments(clients: oldclients.Clients, context: Any, name: str, tht_root: str, user_tht_root: str,
                        env_paths: list[str], stack: Any) -> None:
    """``_deploy_tripleo_heat_templates`` + ``_heat_deploy`` up to the deploy (user_env)."""
    user_env.download_missing_files_from_plan(clients.swift, tht_root, name)
    env: dict[str, Any] = {}
    if stack is not None:  # an existing user-environment.yaml is merged into (gone after the plan update)
        try:
            template_utils.deep_update(env, yaml.safe_load(clients.swift.get_object(name, "user-environment.yaml")[1]))
        except swift_exc.ClientException:
            pass
    template_utils.deep_update(env, user_env.write_parameters_env(clients.swift, name, tht_root,
                                                                  user_env.client_parameters(stack)))
    env_files, localenv = user_env.process_multiple_environments(env_paths, tht_root, user_tht_root)
    template_utils.deep_update(env, localenv)
    if stack is not None:  # _create_breakpoint_cleanup_env
        from tripleo_common import update

        cleanup: dict[str, Any] = {}
        update.add_breakpoints_cleanup_into_env(cleanup)
        clients.swift.put_object(name, "user-environments/tripleoclient-breakpoint-cleanup.yaml",
                                 yaml.safe_dump(cleanup, default_flow_style=False))
        template_utils.deep_update(env, cleanup)
    files = dict(user_env.plan_files(clients.swift, name), **env_files)
    moved = user_env.upload_missing_files(clients.swift, name, files, tht_root)
    user_env.process_and_upload_environment(clients, context, name, env, moved, tht_root)


def deploy_plan(clients: oldclients.Clients, context: Any, name: str, timeout_mins: int = 240) -> Any:
    """The deploy_plan workbook's tasks on the plan and the stack; the finished stack."""
    # add_validation_ssh_key_parameter: validations are enabled only with the Mistral env ssh_keys
    enabled = validations.Enabled().run(context)
    if enabled.is_error():
        oldclients.run(parameters.UpdateParametersAction({"node_admin_extra_ssh_keys": ""}, container=name),
                       context)
    create.swift_rings_backup(context, name)  # create_swift_rings_backup_plan
    created = oldclients.run(deployment.DeployStackAction(timeout_mins, container=name), context)
    return wait_for_stack(clients.heat, created["stack"]["id"], timeout_mins * 60)


def remove_passwords(clients: oldclients.Clients, name: str, names: list[str]) -> list[str]:
    """Remove ``names`` from plan-environment.yaml ``passwords``; those that were there."""
    env = plan_utils.get_env(clients.swift, name)
    removed = [key for key in names if env.get("passwords", {}).pop(key, None) is not None]
    plan_utils.put_env(clients.swift, env)
    return removed


def update_prepare(clients: oldclients.Clients, context: Any, args: argparse.Namespace) -> Any:
    """``overcloud update prepare`` (a new client run: a fresh copy of --templates; the plan updated
    as create.update_plan_from_templates says; update_plan_only, then package_update.update); the stack."""
    stack = clients.heat.stacks.get(args.name)
    with tempfile.TemporaryDirectory(prefix="tripleoclient-") as tmp:
        tht_root = os.path.join(tmp, "tripleo-heat-templates")
        shutil.copytree(args.templates, tht_root, symlinks=True)
        create.update_plan_from_templates(clients, context, args.name, tht_root, args.roles_file,
                                         args.plan_environment_file, args.networks_file)
        handle_environments(clients, context, args.name, tht_root, args.templates,
                            [args.update_prepare, *args.environment], stack)
    oldclients.run(package_update.UpdateStackAction(args.timeout, container=args.name), context)
    return wait_for_stack(clients.heat, stack.id, args.timeout * 60)


def make(args: argparse.Namespace) -> dict[str, Any]:
    clients, context = oldclients.install(args.settings)
    oldclients.ensure_undercloud_config(clients)
    args.templates = os.path.abspath(args.templates)
    tmp = tempfile.mkdtemp(prefix="tripleoclient-")
    tht_root = os.path.join(tmp, "tripleo-heat-templates")  # _deploy_tripleo_heat_templates_tmpdir
    try:
        shutil.copytree(args.templates, tht_root, symlinks=True)
        create.create_plan(clients, context, args.name, tht_root, args.roles_file, args.plan_environment_file,
                           args.networks_file)
        if args.password:
            extra = dict(item.split("=", 1) for item in args.password)
            oldclients.run(parameters.UpdateParametersAction(extra, container=args.name, key="passwords",
                                                             validate=False), context)
        handle_environments(clients, context, args.name, tht_root, args.templates, args.environment, None)
        stack = deploy_plan(clients, context, args.name, args.timeout)
        if args.update_prepare and stack.stack_status == "CREATE_COMPLETE":
            stack = update_prepare(clients, context, args)
        passwords = dict(create.plan_environment(clients.swift, args.name).get("passwords", {}))
        removed = remove_passwords(clients, args.name, args.remove_password) if args.remove_password else []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"plan": args.name, "stack_id": stack.id, "stack_status": stack.stack_status,
            "stack_status_reason": stack.stack_status_reason, "environments": args.environment,
            "passwords": passwords, "removed_passwords": removed}


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("--settings", required=True, help="the local undercloud's services.yaml")
    parse.add_argument("--name", default="overcloud", help="the plan and stack (--stack)")
    parse.add_argument("--templates", required=True)
    parse.add_argument("-e", "--environment-file", dest="environment", action="append", default=[])
    parse.add_argument("-r", "--roles-file")
    parse.add_argument("-n", "--networks-file")
    parse.add_argument("-p", "--plan-environment-file")
    parse.add_argument("--password", action="append", default=[], metavar="NAME=VALUE")
    parse.add_argument("--remove-password", action="append", default=[], metavar="NAME")
    parse.add_argument("--update-prepare", metavar="LIFECYCLE_ENV")
    parse.add_argument("--timeout", type=int, default=240, help="minutes (overcloud deploy -t)")
    return parse


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = make(parser().parse_args(argv))
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0 if result["stack_status"].endswith("_COMPLETE") else 1


if __name__ == "__main__":
    sys.exit(main())
