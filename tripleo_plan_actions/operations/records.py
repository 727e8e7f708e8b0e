"""How an operation leaves its trace: what it reads of the revision records, and the history limit.

Every operation that changes a plan or its stack writes ONE revision record (format in
doc/storage.rst), ``pending`` before it changes anything and completed after.  The rules over the
records are pure (:mod:`tripleo_plan_actions.core.revisions`, :mod:`tripleo_plan_actions.core.history`
and :func:`closing` here); the rest reads them through the store.
"""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from tripleo_plan_actions.core import history, revisions
from tripleo_plan_actions.core.plan import plan_digest
from tripleo_plan_actions.errors import PlanBusy, PlanInputError
from tripleo_plan_actions.storage.store import PlanStore

#: Revisions kept per plan when the operation does not say (``history_limit``; 0 keeps them all).
DEFAULT_HISTORY_LIMIT = 50


class Recent(NamedTuple):
    """The plan's revision numbers, its newest record and its last successful deploying record."""

    numbers: list[int]
    newest: dict[str, Any] | None
    last: dict[str, Any] | None


def recent(store: PlanStore, plan: str) -> Recent:
    """:class:`Recent` of ``plan``.  Requests: 1 listing, then 1 GET per record from the newest back
    to the last successful deploying one."""
    numbers = store.revision_numbers(plan)
    newest = last = None
    for number in reversed(numbers):
        record = store.revision(plan, number)
        newest = newest or record
        if record["operation"] in revisions.DEPLOYING and record["status"] == revisions.SUCCEEDED:
            last = record
            break
    return Recent(numbers, newest, last)


def pending_state(mistral: Any, newest: Mapping[str, Any] | None) -> str | None:
    """The Mistral state of the execution of ``newest`` when it is a pending record (what
    :func:`closing` decides on), else None.  1 request when pending, else none."""
    if newest is None or newest["status"] != revisions.PENDING:
        return None
    return mistral.execution_state(newest.get("execution"))


def closing(newest: Mapping[str, Any] | None, execution_state: str | None, now: str,
            forced: bool = False) -> dict[str, Any] | None:
    """The newest record closed as ``interrupted`` when it is a pending record whose execution is
    over (or ``forced``), None when it is not pending; raises PlanBusy naming the running execution
    when it is still alive.  Pure: the caller stores what it returns."""
    if newest is None or newest["status"] != revisions.PENDING:
        return None
    if not forced and history.alive(newest, execution_state):
        raise PlanBusy(history.refuse_message(newest))
    return history.interrupt(newest, execution_state, now, forced=forced)


def close(store: PlanStore, plan: str, record: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
    """Store ``record`` (a stale pending record, as :func:`closing` returned it) once what its
    operation may have half-written is repaired: the plan's file objects are made equal to
    ``files``, the plan as its archive (the commit point) holds it.  The record's message names
    the files put back.  Requests: 1 listing (+ the repair) + 1 PUT."""
    repaired = store.repair(plan, files)
    if repaired:
        shown = ", ".join(repaired[:5]) + (f" and {len(repaired) - 5} more" if len(repaired) > 5 else "")
        record = {**record, "message": f"{record.get('message', '')}; the next operation put back "
                                       f"{len(repaired)} plan file(s) it had half-written: {shown}"}
    store.put_revision(plan, record)


def as_read(mistral: Any, records: list[dict[str, Any]], now: str) -> list[dict[str, Any]]:
    """``records`` as a reader should see them: a pending record whose execution is over is shown
    ``interrupted`` with the reason (computed, not stored: the next operation stores it).

    Requests: 1 Mistral GET per pending record (usually none).
    """
    shown = []
    for record in records:
        if record["status"] == revisions.PENDING and record.get("execution"):
            state = mistral.execution_state(record["execution"])
            if not history.alive(record, state):
                record = history.interrupt(record, state, now)
        shown.append(record)
    return shown


def history_limit(limit: Any) -> int:
    """The history limit an operation applies: ``None`` is :data:`DEFAULT_HISTORY_LIMIT`, 0 keeps
    every revision; anything but a whole number >= 0 is refused (checked before any write)."""
    if limit is None:
        return DEFAULT_HISTORY_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise PlanInputError(f"history_limit must be a whole number of revisions, 0 or more (0 keeps "
                             f"every revision), not {limit!r}")
    return limit


def prune(store: PlanStore, plan: str, limit: int, numbers: list[int] | None = None) -> list[int]:
    """Apply history limit ``limit`` (see :func:`history_limit`) while holding the plan's lock; the
    revision numbers deleted.  User inputs still referenced by a kept revision are never deleted.
    ``numbers``: the revision numbers when the caller knows them.  Requests: 1 listing (none given
    ``numbers``); when over the limit, 1 GET per record, 1 listing of the inputs and 1 bulk delete.
    """
    if limit == 0:
        return []
    numbers = store.revision_numbers(plan) if numbers is None else numbers
    if len(numbers) <= limit:
        return []
    records = [store.revision(plan, n) for n in numbers]
    to_delete, keep_inputs = history.prune(records, limit)
    store.forget(plan, to_delete, history.unreferenced(store.inputs(plan), keep_inputs))
    return to_delete


def plan_record(plan: str, number: int, operation: str, *, started_at: str, execution: str | None,
                user: str | None, files: Mapping[str, bytes], inputs: Sequence[Mapping[str, Any]],
                message: str, project: str | None = None) -> dict[str, Any]:
    """The pending record of a plan operation (``create``, also an import, or ``amend``; not
    stored): the digest of the plan ``files`` it leaves and the ``inputs`` it keeps (``[{path,
    sha256, ...}]``), no environment.  Pure."""
    return revisions.new_record(
        plan, number, operation, started_at=started_at, execution=execution, user=user, environments=[],
        user_files=[{"path": i["path"], "sha256": i["sha256"]} for i in inputs],
        plan_digest=plan_digest(files), message=message, project=project)
