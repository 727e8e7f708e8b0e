"""A new plan (create, import): prepared whole in memory, then written with its revision 1 (an import
of a format 2 export: the records it carries, then its own ``import`` revision), or not at all."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import history, revisions
from tripleo_plan_actions.errors import PlanBusy, PlanError, PlanExists
from tripleo_plan_actions.operations import inputs as operator_inputs, records
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.stack import Stamp


@dataclasses.dataclass
class NewPlan:
    """A prepared new plan: its ``files``, the operator's ``inputs`` to keep (``{path: bytes}``),
    its pending revision (``record``: 1 ``create``, or an import's next number), what the operation
    returns once written (``result``) and the records an import keeps (``history``, written
    before ``record``, oldest first)."""

    plan: str
    files: dict[str, bytes]
    inputs: dict[str, bytes]
    record: dict[str, Any]
    result: dict[str, Any]
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def prepared(plan: str, files: dict[str, bytes], kept: dict[str, bytes], stamp: Stamp, message: str,
             result: dict[str, Any], kept_records: list[dict[str, Any]] | None = None) -> NewPlan:
    """The :class:`NewPlan` of ``files`` keeping ``kept``: revision 1 ``create`` with ``message``;
    with ``kept_records`` (the records an import keeps) the next number after them, ``import``.  Pure."""
    story = list(kept_records or [])
    number = revisions.next_number(r["number"] for r in story)
    record = records.plan_record(plan, number, "import" if story else "create", started_at=stamp.now,
                                 execution=stamp.execution, user=stamp.user, project=stamp.project, files=files,
                                 inputs=operator_inputs.entries(kept), message=message)
    return NewPlan(plan=plan, files=files, inputs=kept, record=record, result=result, history=story)


def perform(new: NewPlan, ctx: Context) -> dict[str, Any]:
    """Create the plan (PlanExists when it exists: nothing is touched; what a killed create left is
    removed first, see :func:`clear_unfinished`), keep its inputs, write the kept ``history`` (an
    import's, 1 PUT each) and then its own revision ``succeeded``; if any fails the plan is removed
    again (no plan without its first revision) and the original error raised.  Returns ``new.result``."""
    store = ctx.store
    try:
        store.create(new.plan, new.files, owner=ctx.execution, completed_by=new.record["number"])
    except PlanExists:
        if not clear_unfinished(ctx, new.plan):
            raise
        store.create(new.plan, new.files, owner=ctx.execution, completed_by=new.record["number"])
    try:
        if new.inputs:
            store.store_inputs(new.plan, new.inputs)
        for kept in new.history:
            store.put_revision(new.plan, kept, new=True)
        store.put_revision(new.plan, revisions.finish(new.record, revisions.SUCCEEDED, finished_at=ctx.now()),
                           new=True)
    except BaseException:
        try:
            store.delete(new.plan)
        except PlanError:
            pass  # the original failure says more (the same service is likely down)
        raise
    return new.result


def clear_unfinished(ctx: Context, plan: str) -> bool:
    """Remove what a create (or import) killed before its end left of ``plan`` (containers without
    revision 1): True when there was such a rest, now removed; False when the plan is whole or
    another tool's.  PlanBusy, naming it, while the creating execution still runs.  Requests: Swift
    1-2 (+ those of a delete), Mistral 1."""
    if killed_rest(ctx, plan, adopted=False) is None:  # (a killed adopt's: container plan is tripleo-common's)
        return False
    ctx.store.delete(plan)
    return True


def killed_rest(ctx: Context, plan: str, adopted: bool) -> dict[str, Any] | None:
    """What a create or import (``adopted`` False) or an adopt (True) killed before its end left
    of ``plan`` (:meth:`~tripleo_plan_actions.storage.store.PlanStore.unfinished`), once its
    execution is over; None when there is no such rest.  PlanBusy, naming the execution, while it
    still runs.  Requests: Swift 1-2, Mistral 1 when something was left."""
    left = ctx.store.unfinished(plan)
    if left is None or bool(left.get("adopted")) != adopted:
        return None
    owner = left.get("execution")
    state = ctx.mistral.execution_state(owner) if owner and owner != ctx.execution else None
    if state is not None and state not in history.FINAL_STATES:
        raise PlanBusy(f"plan {plan} is being {'adopted' if adopted else 'created'} by Mistral execution "
                       f"{owner} ({state}); try again when it has ended")
    return left
