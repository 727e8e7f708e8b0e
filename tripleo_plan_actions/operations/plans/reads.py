"""The reads of plans: list and show (nothing is written)."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.operations.context import Context


@dataclasses.dataclass
class ListRequest:
    """``tripleo_plan.plan.list`` takes no input."""


@dataclasses.dataclass
class ShowRequest:
    """The input of ``tripleo_plan.plan.show``: ``plan``."""

    plan: str


def list_plans(request: ListRequest, ctx: Context) -> dict[str, Any]:
    """``{plans: [name, ...]}``, sorted.  1 Swift request."""
    return {"plans": ctx.store.list()}


def show(request: ShowRequest, ctx: Context) -> dict[str, Any]:
    """The plan as :func:`~tripleo_plan_actions.core.plan.describe` shows it (secrets masked), with
    ``inputs``: how many inputs it keeps.  2 Swift requests."""
    plans.check_name(request.plan)
    return {**plans.describe(request.plan, ctx.store.load(request.plan)),
            "inputs": len(ctx.store.inputs(request.plan))}
