"""How an operation leaves its trace: a revision record taken at the start, completed at the end.

Every operation that changes a plan or its stack (create, amend, deploy, update, upgrade, scale,
rollback, undeploy) writes ONE revision record (format in doc/storage.rst).  The rules over the
records are pure (:mod:`tripleo_plan_actions.core.revisions`, :mod:`tripleo_plan_actions.core.history`);
this module only reads and writes them through :class:`~tripleo_plan_actions.storage.swift.PlanStore`
and asks Mistral whether an execution still runs.
"""
from __future__ import annotations

from typing import Any, Mapping

from tripleo_plan_actions.actions.base import execution_id, now, user
from tripleo_plan_actions.core import history, plan as plans, revisions
from tripleo_plan_actions.errors import PlanBusy
from tripleo_plan_actions.services import connections

#: Revisions kept per plan when the operation does not say (``history_limit``; 0 keeps them all).
DEFAULT_HISTORY_LIMIT = 50


def recent(store: PlanStore, plan: str) -> tuple[list[int], dict | None, dict | None]:
    """Revision numbers, the newest record, and the last successful deploying record.

    Requests: 1 listing, then 1 GET per record from the newest back to that deploying one.
    """
    numbers = store.revision_numbers(plan)
    newest = last = None
    for number in reversed(numbers):
        record = store.revision(plan, number)
        newest = newest or record
        if record["operation"] in revisions.DEPLOYING and record["status"] == revisions.SUCCEEDED:
            last = record
            break
    return numbers, newest, last


def close_pending(store: PlanStore, services: connections.Connections, plan: str, pending: Mapping,
                  forced: bool = False) -> dict:
    """Close ``pending`` as interrupted because its execution is over (or ``forced``); refuse if it runs.

    Raises PlanBusy naming the running execution.  Returns the closed record (stored).
    """
    state = services.mistral().execution_state(pending.get("execution")) if pending.get("execution") else None
    if not forced and history.alive(pending, state):
        raise PlanBusy(history.refuse_message(pending))
    closed = history.interrupt(pending, state, now(), forced=forced)
    store.put_revision(plan, closed)
    return closed


def as_read(services: connections.Connections, records: list[dict]) -> list[dict]:
    """``records`` as a reader should see them: a pending record whose execution is over is shown
    ``interrupted`` with the reason (computed, not stored: the next operation stores it).

    Requests: 1 Mistral GET per pending record (usually none).
    """
    shown = []
    for record in records:
        if record["status"] == revisions.PENDING and record.get("execution"):
            state = services.mistral().execution_state(record["execution"])
            if not history.alive(record, state):
                record = history.interrupt(record, state, now())
        shown.append(record)
    return shown


def prune(store: PlanStore, plan: str, limit: int | None, numbers: list[int] | None = None) -> list[int]:
    """Apply the history limit (call it while holding the plan's lock); the revision numbers deleted.

    ``limit`` None means :data:`DEFAULT_HISTORY_LIMIT`; 0 keeps every revision.  User inputs still
    referenced by a kept revision are never deleted.  ``numbers``: the revision numbers when the
    caller knows them.  Requests: 1 listing (none given ``numbers``); when over the limit, 1 GET
    per record, 1 listing of the inputs and 1 bulk delete.
    """
    limit = DEFAULT_HISTORY_LIMIT if limit is None else int(limit)
    if limit == 0:
        return []
    numbers = store.revision_numbers(plan) if numbers is None else numbers
    if len(numbers) <= limit:
        return []
    records = [store.revision(plan, n) for n in numbers]
    to_delete, keep_inputs = history.prune(records, limit)
    store.forget(plan, to_delete, history.unreferenced(store.inputs(plan), keep_inputs))
    return to_delete


def plan_record(store: PlanStore, plan: str, number: int, operation: str, context: Any, *, started_at: str,
                files: Mapping[str, bytes], inputs: list[Mapping[str, Any]], message: str) -> dict:
    """A pending create/amend record (not stored): the plan's digest and the inputs it kept."""
    return revisions.new_record(
        plan, number, operation, started_at=started_at, execution=execution_id(context), user=user(context),
        environments=[], user_files=[{"path": i["path"], "sha256": i["sha256"]} for i in inputs],
        plan_digest=plans.plan_digest(files), message=message)
