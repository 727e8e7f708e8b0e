"""Deploy: create the plan's stack with the plan's default environments plus the operator's.

A stack that exists but never deployed successfully (a failed or interrupted first deploy) is
updated with the deploy's inputs; a stack that did deploy is refused (use update, upgrade or scale).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import replay, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "deploy"


@dataclasses.dataclass
class Request(stack.WithFiles):
    """The inputs of ``tripleo_plan.deploy.deploy`` (see :class:`~.stack.WithFiles`)."""


def read_state(ctx: Context, request: Request) -> stack.StackState:
    return stack.read_state(ctx, request, base=lambda s: None)


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    if state.stack is not None and state.recent.last is not None:
        raise PlanInputError(f"stack {request.plan} exists ({state.stack.status}): use update, upgrade or scale")
    return replay.prepare(OPERATION, request, state, stamp)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
