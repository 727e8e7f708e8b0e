"""Rollback: a NEW revision that deploys revision ``to``'s environment files, user files and
parameters again (history is never rewritten).  ``to`` must be a deploying operation that
succeeded; with the plan's CURRENT templates (it does not bring an older tree back)."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import history
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import replay, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "rollback"


@dataclasses.dataclass
class Request(stack.Common):
    """The inputs of ``tripleo_plan.deploy.rollback``: ``to`` (required), the revision whose
    inputs to deploy again, and those of :class:`~.stack.Common`."""

    to: int | None = None


def _target(state: stack.StackState, number: int | None) -> dict[str, Any] | None:
    return next((r for r in state.records if r["number"] == number), None)


def read_state(ctx: Context, request: Request) -> stack.StackState:
    return stack.read_state(ctx, request, all_records=True, base=lambda s: _target(s, request.to))


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    if isinstance(request.to, bool) or not isinstance(request.to, int):
        raise PlanInputError(f"rollback needs to: the number of the revision whose inputs to deploy again, "
                             f"not {request.to!r}")
    if state.stack is None and state.recent.last is not None:
        raise PlanInputError(f"plan {request.plan} has no stack on this undercloud (its history's deployments "
                             "were made on another undercloud, or it was undeployed): deploy it first, then "
                             f"roll back to revision {request.to}")
    stack.require_deployed(OPERATION, state, request.plan)
    history.rollback_inputs(state.records, request.to)  # refuses a revision that cannot be a target
    return replay.prepare(OPERATION, _as_replay(request), state, stamp, rollback_of=request.to)


def _as_replay(request: Request) -> stack.WithFiles:
    """The rollback as a replay of its target's inputs with nothing added or changed."""
    return stack.WithFiles(plan=request.plan, dry_run=request.dry_run, timeout=request.timeout,
                           force_unlock=request.force_unlock, history_limit=request.history_limit)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
