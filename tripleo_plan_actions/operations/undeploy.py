"""Undeploy: delete the plan's stack (the plan and its history stay)."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import revisions
from tripleo_plan_actions.operations import stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "undeploy"


@dataclasses.dataclass
class Request(stack.Common):
    """The inputs of ``tripleo_plan.deploy.undeploy`` (see :class:`~.stack.Common`)."""


def read_state(ctx: Context, request: Request) -> stack.StackState:
    return stack.read_state(ctx, request, base=lambda s: None)


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    stack.require_deployed(OPERATION, state, request.plan)
    close = stack.closing(request, state, stamp)
    record = revisions.new_record(request.plan, revisions.next_number(state.recent.numbers), OPERATION,
                                  started_at=stamp.now, execution=stamp.execution, user=stamp.user,
                                  project=stamp.project,
                                  environments=[], message=f"undeploy of {request.plan}")
    return stack.StackOperation(plan=request.plan, operation=OPERATION, dry_run=request.dry_run, record=record,
                                call=stack.HeatCall("delete", {}, request.timeout), stack=state.stack, close=close,
                                stored=state.files)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
