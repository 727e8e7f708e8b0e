"""Amend: add, replace or delete particular files of a plan, nothing else; a revision of its own.

The plan is rendered again only when something a render reads changed.  Under the plan's lock
the revision is written ``pending`` before the plan and completed after; a failed plan write
leaves the plan as it was and the revision ``failed``.  Then the history limit applies.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import archive as archives, plan as plans, revisions
from tripleo_plan_actions.errors import PlanError, PlanInputError
from tripleo_plan_actions.operations import inputs, records, stack
from tripleo_plan_actions.operations.context import Context

OPERATION = "amend"


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.amend``: ``plan``; ``files`` (``{path: text}``) and
    ``upload`` (an archive in tripleo-plan-uploads) to add or replace; ``delete`` (paths);
    ``allow_meta`` (needed to change plan-environment.yaml); ``history_limit`` (revisions kept
    after it: None 50, 0 all)."""

    plan: str
    files: dict | None = None
    upload: str | None = None
    delete: list | None = None
    allow_meta: bool = False
    history_limit: int | None = None


@dataclasses.dataclass
class State:
    """What an amend is prepared from: the plan as stored, the uploaded files, its recent records
    and the Mistral state of the newest record's execution when that record is pending."""

    files: dict[str, bytes]
    uploaded: dict[str, bytes]
    recent: records.Recent
    newest_state: str | None = None


@dataclasses.dataclass
class Amendment:
    """A prepared amend: the plan ``old`` -> ``new``, the ``inputs`` to keep, the pending
    ``record``, the stale pending record to ``close`` first, the history ``limit`` and what the
    operation returns (``result``, completed with ``pruned``)."""

    plan: str
    old: dict[str, bytes]
    new: dict[str, bytes]
    inputs: dict[str, bytes]
    record: dict[str, Any]
    close: dict[str, Any] | None
    limit: int
    numbers: list[int]
    result: dict[str, Any]


def check(request: Request) -> int:
    """Refuse a bad name, history limit or inline file before anything is read or written; the limit."""
    plans.check_name(request.plan)
    limit = records.history_limit(request.history_limit)
    inputs.inline(request.files)
    return limit


def read_state(ctx: Context, request: Request) -> State:
    """The plan, the upload's files, the recent records.  Swift: 1 + 1 (an upload) + 1 + 1 per
    recent record; Mistral: 1 when the newest record is pending."""
    store = ctx.store
    files = store.load(request.plan)
    uploaded = archives.read_archive(store.take_upload(request.upload)) if request.upload else {}
    recent = records.recent(store, request.plan)
    return State(files, uploaded, recent, newest_state=records.pending_state(ctx.mistral, recent.newest))


def prepare(request: Request, state: State, stamp: stack.Stamp) -> Amendment:
    """The amend of ``request`` on ``state``; PlanInputError (nothing to amend, a meta file without
    ``allow_meta``, a file that does not parse, ...), PlanBusy (a pending operation still runs).  Pure."""
    limit = check(request)
    put = {**inputs.inline(request.files), **state.uploaded}
    if not put and not request.delete:
        raise PlanInputError("nothing to amend: give files, an upload or paths to delete")
    amended, changes = plans.amend(state.files, put, request.delete or [], allow_meta=request.allow_meta)
    amended, render = plans.render(amended, inputs.RENDERER, previous=state.files)
    close = records.closing(state.recent.newest, state.newest_state, stamp.now)
    kept = inputs.entries(put)
    number = revisions.next_number(state.recent.numbers)
    record = records.plan_record(
        request.plan, number, OPERATION, started_at=stamp.now, execution=stamp.execution, user=stamp.user,
        project=stamp.project, files=amended, inputs=kept,
        message=f"amend of {request.plan}: {len(changes['added'])} added, {len(changes['replaced'])} replaced, "
                f"{len(changes['deleted'])} deleted")
    result = {"plan": request.plan, **changes, "render": render, "inputs": kept, "revision": number}
    return Amendment(plan=request.plan, old=state.files, new=amended, inputs=put, record=record, close=close,
                     limit=limit, numbers=[*state.recent.numbers, number], result=result)


def perform(amendment: Amendment, ctx: Context) -> dict[str, Any]:
    """Close the stale record (repairing what it half-wrote), keep the inputs, write the record
    pending, the plan, the record completed; then prune.  A failed plan write completes the record
    ``failed`` and is raised."""
    store, plan, record = ctx.store, amendment.plan, amendment.record
    if amendment.close is not None:
        records.close(store, plan, amendment.close, amendment.old)
    if amendment.inputs:
        store.store_inputs(plan, amendment.inputs)
    store.put_revision(plan, record, new=True)
    try:
        store.write(plan, amendment.old, amendment.new)
    except PlanError as error:
        store.put_revision(plan, revisions.finish(record, revisions.FAILED, finished_at=ctx.now(),
                                                  message=f"{record['message']}: {error}"))
        raise
    store.put_revision(plan, revisions.finish(record, revisions.SUCCEEDED, finished_at=ctx.now()))
    return {**amendment.result, "pruned": records.prune(store, plan, amendment.limit, numbers=amendment.numbers)}


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Amend plan ``request.plan`` under its lock (released however this ends): ``{plan, added,
    replaced, deleted, render: {rendered, skipped, removed}, inputs, revision, pruned}``.  The
    upload is removed however this ends."""
    with inputs.consuming(ctx.store, request.upload):
        check(request)
        lock = ctx.lock(request.plan)
        lock.acquire(ctx.execution, OPERATION)
        try:
            stamp = stack.new_stamp(ctx)
            return perform(prepare(request, read_state(ctx, request), stamp), ctx)
        finally:
            lock.release(ctx.execution)
