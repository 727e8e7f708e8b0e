"""Legacy plans for the functional tests: made by the REAL old code, tripleo-common 11.7.0 (Train).

The pack's test process never imports tripleo-common: :func:`make_legacy_plan` runs
tests/legacy/make_plan.py with the legacy environment's python (``.venvs/legacy``, built here on
first use as ``tripleo-plan-undercloud install --legacy`` builds it) against the session's local
undercloud (its settings file: Swift's tempauth, Heat's and Mistral's endpoints).  What the maker
does and simplifies: doc/legacy-plans.rst.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tripleo_plan_actions.undercloud import venvs
from tripleo_plan_actions.undercloud.local import REPO_ROOT

MAKER = REPO_ROOT / "tests" / "legacy" / "make_plan.py"
SMALL_OVERCLOUD = REPO_ROOT / "examples" / "small-overcloud"
#: THT stable/train's plan-environment.yaml, given as -p (the small tree has none)
PLAN_ENVIRONMENT = REPO_ROOT / "tests" / "legacy" / "plan-environment.yaml"
#: THT stable/train's environments/lifecycle/update-prepare.yaml
UPDATE_PREPARE = REPO_ROOT / "tests" / "legacy" / "lifecycle" / "update-prepare.yaml"


class LegacyPlanFailed(RuntimeError):
    """The maker failed or the stack did not complete; the message ends with its stderr."""


@dataclasses.dataclass(frozen=True)
class LegacyPlan:
    """What the old code made: ``passwords`` are plan-environment.yaml's before ``removed_passwords``
    were taken out; ``environments`` the ``-e`` files as given (absolute paths)."""

    name: str
    stack_id: str
    stack_status: str
    environments: list[str]
    passwords: dict[str, Any]
    removed_passwords: list[str]
    seconds: float


def legacy_python(undercloud: Any) -> Path:
    """The legacy environment's python, the environment built first if missing or out of date."""
    venvs.ensure(undercloud.venvs_dir, REPO_ROOT, "legacy", log=undercloud.log)
    return venvs.python(undercloud.venvs_dir, "legacy")


def maker_command(undercloud: Any, name: str, templates: Path = SMALL_OVERCLOUD, environments: tuple = (),
                  roles_file: Path | None = None, networks_file: Path | None = None,
                  plan_environment_file: Path | None = PLAN_ENVIRONMENT, passwords: dict[str, str] | None = None,
                  remove_passwords: tuple = (), update_prepare: bool | Path = False) -> list[str]:
    """The maker's command line (its options: tests/legacy/make_plan.py)."""
    command = [str(legacy_python(undercloud)), str(MAKER), "--settings", str(undercloud.settings_file),
               "--name", name, "--templates", str(templates)]
    for option, value in (("-r", roles_file), ("-n", networks_file), ("-p", plan_environment_file)):
        command += [option, str(value)] if value else []
    for path in environments:
        command += ["-e", str(Path(path).resolve())]
    for key, value in (passwords or {}).items():
        command += ["--password", f"{key}={value}"]
    for key in remove_passwords:
        command += ["--remove-password", key]
    if update_prepare:
        command += ["--update-prepare", str(UPDATE_PREPARE if update_prepare is True else update_prepare)]
    return command


def make_legacy_plan(undercloud: Any, name: str, templates: Path = SMALL_OVERCLOUD, environments: tuple = (),
                     timeout: float = 600, **options: Any) -> LegacyPlan:
    """Make plan and stack ``name`` with tripleo-common 11.7.0 from ``templates`` and the ordered
    ``environments`` (``-e``); ``options``: roles_file, networks_file, plan_environment_file,
    passwords ({name: value} set before the deploy), remove_passwords (names taken out of
    plan-environment.yaml after everything), update_prepare (True: THT Train's update-prepare.yaml,
    or a path; the update prepared, never converged).  LegacyPlanFailed unless the stack completed."""
    command = maker_command(undercloud, name, templates, environments, **options)
    started = time.monotonic()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO_ROOT)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise LegacyPlanFailed(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr[-4000:]}")
    made = json.loads(done.stdout)
    return LegacyPlan(made["plan"], made["stack_id"], made["stack_status"], made["environments"], made["passwords"],
                      made["removed_passwords"], seconds)


def remove_legacy_plan(undercloud: Any, plan: LegacyPlan, timeout: float = 120) -> None:
    """Delete the stack (waiting for it), the containers the old code left (``<plan>``,
    ``<plan>-swift-rings``) and the pack's records of an adopted plan, so that later tests of the
    session do not meet them."""
    from heatclient import client as heat_client, exc as heat_exc

    from tripleo_plan_actions.services import connections

    heat = heat_client.Client("1", endpoint=undercloud.endpoints["heat"], token="fake")
    heat.stacks.delete(plan.stack_id)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if heat.stacks.get(plan.stack_id).stack_status in ("DELETE_COMPLETE", "DELETE_FAILED"):
                break
        except heat_exc.HTTPNotFound:
            break
        time.sleep(0.5)
    swift = connections.for_settings(str(undercloud.settings_file)).swift()
    from swiftclient.exceptions import ClientException

    for container in (plan.name, f"{plan.name}-swift-rings", f"{plan.name}-tripleo-plan"):  # the last: adopted
        try:
            for entry in swift.get_container(container, full_listing=True)[1]:
                swift.delete_object(container, entry["name"])
            swift.delete_container(container)
        except ClientException as error:
            if error.http_status != 404:
                raise
