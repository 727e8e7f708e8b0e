"""Scale: an update that sets ``<Role>Count`` for the roles named in ``role_counts``."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import replay, stack, update
from tripleo_plan_actions.operations.context import Context

OPERATION = "scale"


@dataclasses.dataclass
class Request(stack.Replaying):
    """The inputs of ``tripleo_plan.deploy.scale``: ``role_counts`` (``{Role: n}``, required)
    and those of :class:`~.stack.Replaying`."""

    role_counts: dict | None = None


read_state = update.read_state


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    if not request.role_counts or not isinstance(request.role_counts, dict):
        raise PlanInputError("scale needs role_counts: {Role: count}, e.g. {\"Compute\": 3}")
    stack.require_deployed(OPERATION, state, request.plan)
    return replay.prepare(OPERATION, request, state, stamp, role_counts=request.role_counts)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
