"""Upgrade: move the plan to a new templates tree, then update the stack with it.

The new tree comes as an upload or a directory on the undercloud; the plan keeps its roles and
network data, plan-environment.yaml, passwords (new ones generated only for names the new release
adds) and user inputs, and is rendered anew.  A tracked plan file the new tree lacks is refused
unless removed (``remove_environments``) or the list reset.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import passwords, plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import inputs, replay, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "upgrade"


@dataclasses.dataclass
class Request(stack.Replaying):
    """The inputs of ``tripleo_plan.deploy.upgrade``: the new templates, exactly one of
    ``upload`` (an archive in tripleo-plan-uploads) or ``templates_dir`` (a directory on the
    undercloud), and those of :class:`~.stack.Replaying`."""

    upload: str | None = None
    templates_dir: str | None = None


def read_state(ctx: Context, request: Request) -> stack.StackState:
    """As an update's, with ``new_files``: the plan moved to the new tree and rendered (in memory;
    not on a rerun whose Heat call was made).  The upload is removed when ``start`` ends."""
    state = stack.read_state(ctx, request)
    if state.called:
        return state
    templates = inputs.templates(ctx.store, request.upload, request.templates_dir)
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, state.files[plans.PLAN_ENVIRONMENT]) or {}
    new = plans.upgraded(state.files, templates, passwords.generate(environment.get("passwords") or {}))
    state.new_files, _ = plans.render(new, inputs.RENDERER)  # a fresh tree: every output is made anew
    return state


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    stack.require_deployed(OPERATION, state, request.plan)
    assert state.new_files is not None and state.recent.last is not None
    removed = set(request.remove_environments or [])
    missing = [e["path"] for e in state.recent.last["environments"]
               if e["source"] == "plan" and e["path"] not in state.new_files and e["path"] not in removed]
    if missing and not request.reset_environments:
        raise PlanInputError(f"the new templates have no {', '.join(missing)}, which plan {request.plan} deploys "
                             "with: remove them (remove_environments) or reset the list")
    return replay.prepare(OPERATION, request, state, stamp)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
