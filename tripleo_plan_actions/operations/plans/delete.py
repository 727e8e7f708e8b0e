"""Delete: the plan, its inputs and revision records; refused while the plan's stack exists
unless forced."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.errors import PlanError
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.services.heat_stacks import Stack


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.delete``: ``plan``; ``force`` (delete it even while stack
    ``plan`` exists)."""

    plan: str
    force: bool = False


def prepare(request: Request, stack: Stack | None) -> str:
    """The plan to delete, given its live stack (None: none, or not looked up when forced);
    PlanError when it is deployed and not ``force``.  Pure."""
    plans.check_name(request.plan)
    if stack is not None and not request.force:
        raise PlanError(f"plan {request.plan} is deployed (stack {request.plan} is {stack.status}); "
                        "delete the stack first, or set force to delete the plan anyway")
    return request.plan


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Delete plan ``request.plan``: ``{plan, objects_removed}``.  Heat: 1 request (none when
    forced); Swift: those of the store's ``delete``."""
    plans.check_name(request.plan)
    stack = None if request.force else ctx.stacks.find(request.plan)
    plan = prepare(request, stack)
    return {"plan": plan, "objects_removed": ctx.store.delete(plan)}
