"""Deploy: create the plan's stack with the plan's default environments plus the operator's.

A stack that exists but never deployed successfully (a failed or interrupted first deploy) is
updated with the deploy's inputs; a stack that did deploy is refused (use update, upgrade or scale).

``roles_data``, ``network_data`` and ``plan_environment`` (tripleoclient's ``-r``, ``-n`` and
``-p`` at deploy time) amend the plan first, in the same execution and the same revision (the
deploy's, whose plan digest is the amended plan's; no amend revision of its own): the plan is
amended and rendered in memory, checked with everything else, and written just before the
revision record, as an upgrade writes its new tree.  A refused deploy writes nothing; a deploy
Heat fails leaves the plan amended (the revision, ``failed``, says so in its message).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from tripleo_plan_actions.core import archive as archives, plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import inputs, replay, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "deploy"
#: The sections of plan-environment.yaml ``plan_environment`` may set (the client splits the rest
#: off, or refuses it: :func:`tripleo_plan_actions.client.deploy_options.plan_environment`).
PLAN_ENVIRONMENT_SECTIONS = ("description", "environments")


@dataclasses.dataclass
class Request(stack.WithFiles):
    """The inputs of ``tripleo_plan.deploy.deploy`` (see :class:`~.stack.WithFiles`), and what to
    amend the plan with first: ``roles_data`` and ``network_data`` (YAML text replacing
    roles_data.yaml and network_data.yaml), ``plan_environment`` (``{description, environments}``
    set in plan-environment.yaml, its passwords and other sections kept)."""

    roles_data: str | None = None
    network_data: str | None = None
    plan_environment: dict | None = None


def amends(request: Request) -> bool:
    return any(v is not None for v in (request.roles_data, request.network_data, request.plan_environment))


def amended(request: Request, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The plan ``files`` amended as the request says and rendered again when that changed what a
    render reads.  PlanInputError names the input.  Pure."""
    put: dict[str, bytes] = {}
    for name, path, text in (("roles_data", plans.ROLES_DATA, request.roles_data),
                             ("network_data", plans.NETWORK_DATA, request.network_data)):
        if text is not None:
            if not isinstance(text, str):
                raise PlanInputError(f"{name} must be YAML text")
            archives.check_content(name, text)
            put[path] = text.encode()
    if request.plan_environment is not None:
        put[plans.PLAN_ENVIRONMENT] = _plan_environment(request.plan_environment, files)
    new, _ = plans.amend(files, put, allow_meta=True)
    return plans.render(new, inputs.RENDERER, previous=files)[0]


def _plan_environment(given: Any, files: Mapping[str, bytes]) -> bytes:
    """The plan's plan-environment.yaml with ``given``'s sections set (passwords kept)."""
    if not isinstance(given, dict):
        raise PlanInputError("plan_environment must be a mapping of sections")
    other = sorted(str(k) for k in given if k not in PLAN_ENVIRONMENT_SECTIONS)
    if other:
        raise PlanInputError(f"plan_environment: {', '.join(other)} cannot be set at deploy "
                             f"(it takes {', '.join(PLAN_ENVIRONMENT_SECTIONS)})")
    environments = given.get("environments", [])
    if not isinstance(environments, list) or not all(
            isinstance(e, dict) and set(e) == {"path"} and isinstance(e["path"], str) for e in environments):
        raise PlanInputError("plan_environment: environments must be a list of {path: <a file of the plan>}")
    current = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
    return plans.dump_yaml({**current, **given})


def read_state(ctx: Context, request: Request) -> stack.StackState:
    """As a first deploy reads it; with ``new_files`` (the amended plan, in memory) when the
    request amends the plan (not on a rerun whose Heat call was made)."""
    state = stack.read_state(ctx, request, base=lambda s: None)
    if not state.called and amends(request):
        state.new_files = amended(request, state.files)
    return state


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    if state.stack is not None and state.recent.last is not None:
        raise PlanInputError(f"stack {request.plan} exists ({state.stack.status}): use update, upgrade or scale")
    op = replay.prepare(OPERATION, request, state, stamp)
    if state.new_files is not None:
        changed = sorted(p for p in set(state.files) | set(state.new_files)
                         if state.files.get(p) != state.new_files.get(p))
        if state.rerun is not None:  # the lost run wrote the plan already: its record says what it amended
            changed = list(state.rerun.get("amended", changed))
        if not changed:
            op.plan_write = None  # the plan already is so: nothing to write
        op.record["amended"] = changed
        given = [p for p in (plans.ROLES_DATA, plans.NETWORK_DATA, plans.PLAN_ENVIRONMENT) if p in changed]
        if changed:
            op.record["message"] += f", the plan amended first ({', '.join(given) or 'rendered again'}: " \
                                    f"{len(changed)} files changed)"
    return op


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
