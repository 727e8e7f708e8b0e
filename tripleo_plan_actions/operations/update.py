"""Update: deploy again what the last successful operation deployed, changed only as told."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.operations import replay, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "update"


@dataclasses.dataclass
class Request(stack.Replaying):
    """The inputs of ``tripleo_plan.deploy.update`` (see :class:`~.stack.Replaying`)."""


def read_state(ctx: Context, request: Request) -> stack.StackState:
    return stack.read_state(ctx, request)


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    stack.require_deployed(OPERATION, state, request.plan)
    return replay.prepare(OPERATION, request, state, stamp)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
