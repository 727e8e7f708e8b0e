"""A plan's history: listings, displays and diffs of revision records, the lock, pruning, rollback.

Functional core: plain data in, plain data out.  No I/O and no clock: the caller loads the
records (format 1, :mod:`tripleo_plan_actions.core.revisions`), looks up the Mistral executions it
needs, passes times in, and stores what these functions return.  No function modifies its
arguments; every record or mapping returned is a copy.

Secrets.  Nothing returned by :func:`listing`, :func:`show` or :func:`diff` holds a secret value:
parameters are shown through :func:`passwords.mask` with the CURRENT rules (a display stored by an
older pack is masked again, so a name that became secret since is hidden too), and a parameter
whose name :func:`passwords.is_secret` is only ever reported as changed, unchanged or unknown.
Messages, Heat's reasons and failed resources are shown through :func:`passwords.redact` (what
Heat quotes of a secret's value masked; records written before the pack masked it hold it).
:func:`show` leaves out the parameters' digest as well: a digest of a few low-entropy values is
an oracle an attacker could check guesses against.

Pending records.  One operation at a time per plan: the lock itself is a Mistral environment
(:mod:`tripleo_plan_actions.storage.lock`); an operation's ``pending`` record is its trace in the
history while it runs.  Whether a pending record is still alive is decided from the state of its
Mistral execution (the caller looks the executions up and passes ``{execution id: state}``):

* alive, holds the lock: any state that is not final -- ``RUNNING``, ``IDLE``, ``PAUSED`` and
  also ``WAITING``, ``RUNNING_DELAYED`` or a state this module does not know (a lock is only
  released on proof that its execution is over);
* stale: the execution ended (``SUCCESS``, ``ERROR``, ``CANCELLED``) or is not in the mapping (it
  no longer exists: Mistral lost it in a restart, or it was deleted).  The next operation closes a
  stale record itself (:func:`stale`, :func:`interrupt`) before it starts;
* a pending record without an execution id (an operation run outside Mistral) cannot be checked:
  it holds the lock until an operator forces it closed.

``force_unlock`` (a boolean input of every workflow that writes a revision, default false):
close every pending record of the plan as ``interrupted`` whatever the state of its execution
(:func:`interrupt` with ``forced=True``), then run the operation.  For a lock whose execution is
stuck or was run outside Mistral; using it while the execution is really still working lets two
operations act on the stack at once.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Sequence

from tripleo_plan_actions.core import passwords, revisions
from tripleo_plan_actions.errors import PlanInputError

__all__ = [
    "FINAL_STATES",
    "FORCE_UNLOCK",
    "alive",
    "current_step",
    "current_task",
    "diff",
    "digests",
    "interrupt",
    "listing",
    "prune",
    "refuse_message",
    "rollback_inputs",
    "running",
    "show",
    "stale",
    "status",
    "unreferenced",
]

#: Mistral execution states after which an execution never runs again.
FINAL_STATES = ("SUCCESS", "ERROR", "CANCELLED")
#: The workflow input that force-closes a plan's pending records (see the module docstring).
FORCE_UNLOCK = "force_unlock"

Record = Mapping[str, Any]


# Displays ---------------------------------------------------------------------------------------

def listing(records: Iterable[Record], limit: int | None = None) -> list[dict[str, Any]]:
    """One summary per record, newest (highest number) first, at most ``limit`` of them.

    Each summary: ``number, operation, status, user, project, started_at, finished_at, message,
    rollback_of, stack_status, environments`` (the number of environment files).  No parameter,
    digest or file content.  ``limit`` None lists every record; a negative one is a ValueError.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, not {limit}")
    ordered = sorted(records, key=lambda r: r["number"], reverse=True)
    if limit is not None:
        ordered = ordered[:limit]
    return [{"number": r["number"], "operation": r["operation"], "status": r["status"],
             "user": r.get("user"), "project": r.get("project"), "started_at": r.get("started_at"),
             "finished_at": r.get("finished_at"), "message": passwords.redact(r.get("message", "")),
             "rollback_of": r.get("rollback_of"), "stack_status": (r.get("stack") or {}).get("status"),
             "environments": len(r.get("environments") or ())}
            for r in ordered]


def show(record: Record) -> dict[str, Any]:
    """The record for display.

    Every field of the record except the parameters' digest; ``parameters`` is the masked
    ``display`` mapping (masked again with the current rules); ``environments`` are
    ``{path, source, sha256}``, ``user_files`` ``{path, sha256}``; ``stack`` as recorded;
    ``warnings`` (the undeclared parameter_defaults the operation reported; [] for older records).
    """
    return {
        "plan": record.get("plan"), "number": record["number"], "operation": record["operation"],
        "status": record["status"], "user": record.get("user"), "project": record.get("project"),
        "execution": record.get("execution"),
        "started_at": record.get("started_at"), "finished_at": record.get("finished_at"),
        "message": passwords.redact(record.get("message", "")), "rollback_of": record.get("rollback_of"),
        "plan_digest": record.get("plan_digest"),
        "environments": [{"path": e["path"], "source": e.get("source"), "sha256": e.get("sha256")}
                         for e in record.get("environments") or ()],
        "user_files": [{"path": f["path"], "sha256": f.get("sha256")} for f in record.get("user_files") or ()],
        "parameters": _display(record),
        "stack": passwords.redact(dict(record.get("stack") or {})),
        "warnings": list(record.get("warnings") or ()),
    }


def _display(record: Record) -> dict[str, Any]:
    return passwords.mask((record.get("parameters") or {}).get("display") or {})


# Diff -------------------------------------------------------------------------------------------

def diff(a: Record, b: Record, *, parameters_a: Mapping[str, Any] | None = None,
         parameters_b: Mapping[str, Any] | None = None, manifest_a: Mapping[str, str] | None = None,
         manifest_b: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What changed from record ``a`` to record ``b`` (usually older to newer).

    Returns ``{"a", "b", "environments", "user_files", "parameters", "plan"}``:

    * ``a`` / ``b``: each side's ``number, operation, status, finished_at`` and its stack outcome
      ``stack: {status, reason, failures}``;
    * ``environments``: ``added`` / ``removed`` (entries), ``changed`` (same path, other sha256 or
      source: ``{path, source, old_sha256, new_sha256}``), ``order_changed`` (the paths present on
      both sides are not in the same relative order: precedence changed in Heat; a file re-added
      with new content moves to the end, so it is reported changed AND reordered), and ``order_a``
      / ``order_b`` (the paths in order).  Paths are unique within a record;
    * ``user_files``: ``added`` / ``removed`` / ``changed`` the same way, by path;
    * ``parameters``: see below;
    * ``plan``: with both manifests (``{path: sha256}`` of the plan at each revision):
      ``{"compared": "manifest", "changed": bool, "added", "removed", "modified"}`` (sorted
      paths); otherwise ``{"compared": "digest", "changed": bool | None}`` from the records'
      ``plan_digest`` (None when either is missing).

    Parameters: with both ``parameters_a`` and ``parameters_b`` (the real mappings stored under
    the records' parameters sha256) the real values are compared (``"compared": "stored"``);
    otherwise both records' masked displays (``"compared": "display"``; one real side alone adds
    nothing, as it would be masked too).  The result::

        {"compared": ..., "added": {name: shown}, "removed": {name: shown},
         "changed": {name: {"old": shown, "new": shown}},   # names that are not secret
         "secrets": {name: "changed" | "unchanged" | "unknown"},  # secret names on both sides
         "unknown": [name, ...]}

    ``shown`` is the value masked (a secret is :data:`passwords.MASK`; a secret nested in a
    non-secret value is masked in place, so old and new may look equal when only that part
    changed).  A masked value cannot be compared: comparing displays, a secret on both sides is
    ``"unknown"`` (never "unchanged") and a non-secret value whose displays are equal but hold a
    mask is listed in ``unknown``.  Displays that differ outside their masks are ``changed``.
    """
    return {
        "a": _side(a), "b": _side(b),
        "environments": _environments(a.get("environments") or (), b.get("environments") or ()),
        "user_files": _by_path(a.get("user_files") or (), b.get("user_files") or ()),
        "parameters": _parameters(a, b, parameters_a, parameters_b),
        "plan": _plan(a, b, manifest_a, manifest_b),
    }


def _side(record: Record) -> dict[str, Any]:
    stack = record.get("stack") or {}
    return {"number": record["number"], "operation": record["operation"], "status": record["status"],
            "finished_at": record.get("finished_at"),
            "stack": {"status": stack.get("status"), "reason": passwords.redact(stack.get("reason")),
                      "failures": passwords.redact(list(stack.get("failures") or []))}}


def _by_path(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    before = {e["path"]: e for e in old}
    after = {e["path"]: e for e in new}
    changed = []
    for path, entry in after.items():
        was = before.get(path)
        if was is not None and (was.get("sha256"), was.get("source")) != (entry.get("sha256"), entry.get("source")):
            item = {"path": path, "old_sha256": was.get("sha256"), "new_sha256": entry.get("sha256")}
            if "source" in entry:
                item["source"] = entry["source"]
            changed.append(item)
    return {"added": [dict(e) for e in new if e["path"] not in before],
            "removed": [dict(e) for e in old if e["path"] not in after],
            "changed": changed}


def _environments(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    result = _by_path(old, new)
    order_a = [e["path"] for e in old]
    order_b = [e["path"] for e in new]
    common_a = [p for p in order_a if p in set(order_b)]
    common_b = [p for p in order_b if p in set(order_a)]
    result.update(order_changed=common_a != common_b, order_a=order_a, order_b=order_b)
    return result


def _shown(name: str, value: Any) -> Any:
    return passwords.mask({name: value})[name]


def _holds_mask(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_holds_mask(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_mask(v) for v in value)
    return value == passwords.MASK


def _parameters(a: Record, b: Record, real_a: Mapping[str, Any] | None,
                real_b: Mapping[str, Any] | None) -> dict[str, Any]:
    if real_a is not None and real_b is not None:
        stored, old, new = True, dict(real_a), dict(real_b)
    else:
        stored, old, new = False, _display(a), _display(b)
    result: dict[str, Any] = {
        "compared": "stored" if stored else "display",
        "added": {n: _shown(n, new[n]) for n in sorted(set(new) - set(old), key=str)},
        "removed": {n: _shown(n, old[n]) for n in sorted(set(old) - set(new), key=str)},
        "changed": {}, "secrets": {}, "unknown": [],
    }
    for name in sorted(set(old) & set(new), key=str):
        secret = isinstance(name, str) and passwords.is_secret(name)
        if not stored and _holds_mask(old[name]) and old[name] == new[name]:
            if secret:
                result["secrets"][name] = "unknown"
            else:
                result["unknown"].append(name)
        elif secret:
            result["secrets"][name] = "unchanged" if old[name] == new[name] else "changed"
        elif old[name] != new[name]:
            result["changed"][name] = {"old": _shown(name, old[name]), "new": _shown(name, new[name])}
    return result


def _plan(a: Record, b: Record, manifest_a: Mapping[str, str] | None,
          manifest_b: Mapping[str, str] | None) -> dict[str, Any]:
    if manifest_a is not None and manifest_b is not None:
        added = sorted(set(manifest_b) - set(manifest_a))
        removed = sorted(set(manifest_a) - set(manifest_b))
        modified = sorted(p for p in set(manifest_a) & set(manifest_b) if manifest_a[p] != manifest_b[p])
        return {"compared": "manifest", "changed": bool(added or removed or modified),
                "added": added, "removed": removed, "modified": modified}
    digest_a, digest_b = a.get("plan_digest"), b.get("plan_digest")
    changed = None if digest_a is None or digest_b is None else digest_a != digest_b
    return {"compared": "digest", "changed": changed}


# The lock ---------------------------------------------------------------------------------------

def _final(state: str | None) -> bool:
    return state is not None and state.upper() in FINAL_STATES


def _pending(records: Iterable[Record]) -> list[Record]:
    return sorted((r for r in records if r["status"] == revisions.PENDING), key=lambda r: r["number"])


def _is_stale(record: Record, execution_states: Mapping[str, str]) -> bool:
    execution = record.get("execution")
    if execution is None:
        return False  # cannot be checked: holds the lock until forced closed
    return execution not in execution_states or _final(execution_states[execution])


def alive(record: Record, execution_state: str | None) -> bool:
    """Whether pending ``record`` still holds: :func:`running` for one record whose execution is in
    ``execution_state`` (None: it no longer exists)."""
    execution = record.get("execution")
    states = {execution: execution_state} if execution and execution_state else {}
    return running([record], states) is not None


def running(records: Iterable[Record], execution_states: Mapping[str, str]) -> dict[str, Any] | None:
    """The lock holder: the newest pending record whose execution is alive, or None.

    ``execution_states``: ``{execution id: Mistral state}`` for the executions of the pending
    records that still exist.  Alive means any state but SUCCESS / ERROR / CANCELLED (see the
    module docstring); a pending record without an execution id also holds the lock.
    """
    alive = [r for r in _pending(records) if not _is_stale(r, execution_states)]
    return copy.deepcopy(dict(alive[-1])) if alive else None


def stale(records: Iterable[Record], execution_states: Mapping[str, str]) -> list[dict[str, Any]]:
    """Pending records (oldest first) whose execution is gone (not in ``execution_states``) or final.

    The caller closes each with :func:`interrupt` before its own operation starts.
    """
    return [copy.deepcopy(dict(r)) for r in _pending(records) if _is_stale(r, execution_states)]


def interrupt(record: Record, execution_state: str | None, finished_at: str, *,
              forced: bool = False) -> dict[str, Any]:
    """The pending ``record`` closed as ``interrupted``, its message saying why.

    ``execution_state``: the state of the record's execution, None when it no longer exists.
    Refuses (ValueError) a record that is not pending, and one whose execution is alive unless
    ``forced`` (the ``force_unlock`` input).  The operator's message, if any, is kept in front.
    """
    if record["status"] != revisions.PENDING:
        raise ValueError(f"revision {record['number']} is {record['status']}, not pending")
    execution = record.get("execution")
    if forced:
        state = "no longer exists" if execution_state is None else f"was {execution_state.upper()}"
        why = (f"force-closed with {FORCE_UNLOCK} while the operation was pending "
               f"(execution {execution} {state})")
    elif execution is None:
        raise ValueError(f"revision {record['number']} has no execution to check: only {FORCE_UNLOCK} closes it")
    elif execution_state is None:
        why = f"execution {execution} no longer exists (Mistral restarted or the execution was deleted)"
    elif _final(execution_state):
        why = f"execution {execution} ended {execution_state.upper()} while the operation was pending"
    else:
        raise ValueError(f"execution {execution} is {execution_state}: "
                         f"revision {record['number']} still holds the lock")
    original = record.get("message") or ""
    return revisions.finish(record, revisions.INTERRUPTED, finished_at=finished_at,
                            message=f"{original}; {why}" if original else why)


def refuse_message(holder: Record) -> str:
    """Why an operation cannot start while ``holder`` (from :func:`running`) holds the plan's lock."""
    number, operation, execution = holder["number"], holder["operation"], holder.get("execution")
    who = f" by {holder['user']}" if holder.get("user") else ""
    head = (f"plan {holder.get('plan')} is busy: {operation} (revision {number}), started "
            f"{holder.get('started_at')}{who}, is still pending")
    if execution is None:
        return (f"{head} and was run outside Mistral, so nothing can tell whether it still runs. "
                f"A lock is only a pending revision record: if nothing is running any more, retry with "
                f"{FORCE_UNLOCK}: true, which closes revision {number} as interrupted.")
    return (f"{head} in Mistral execution {execution}. Wait for it to end, then retry. "
            f"A lock is only a pending revision record: if execution {execution} is really gone or has "
            f"ended, the next operation closes revision {number} as interrupted by itself. If it is "
            f"stuck, cancel it (openstack workflow execution update -s CANCELLED {execution}) and retry, "
            f"or retry with {FORCE_UNLOCK}: true to close revision {number} as interrupted without "
            f"waiting (only when you are sure it no longer acts on the stack).")


# The status object -------------------------------------------------------------------------------

def current_task(tasks: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The task an execution is at: the newest that is not finished, else the newest (a copy), or None.

    ``tasks``: Mistral task executions (``name``, ``state``, ``created_at``, ...).
    """
    ordered = sorted(tasks, key=lambda t: (t.get("created_at") or "", t.get("name") or ""))
    active = [t for t in ordered if (t.get("state") or "").upper() not in FINAL_STATES]
    chosen = (active or ordered)[-1:]
    return dict(chosen[0]) if chosen else None


def current_step(tasks: Iterable[Mapping[str, Any]]) -> str | None:
    """The name of :func:`current_task` (the workflow step an execution is in), or None."""
    task = current_task(tasks)
    return task.get("name") if task else None


def _outcome(record: Record) -> dict[str, Any]:
    stack = record.get("stack") or {}
    return {"revision": record["number"], "operation": record["operation"], "status": record["status"],
            "user": record.get("user"), "execution": record.get("execution"),
            "started_at": record.get("started_at"), "finished_at": record.get("finished_at"),
            "message": passwords.redact(record.get("message", "")), "stack_status": stack.get("status"),
            "failures": passwords.redact(list(stack.get("failures") or []))}


def status(plan: str, newest: Record | None, last_final: Record | None, *, execution_state: str | None,
           now: str, step: str | None = None, progress: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The status object of plan ``plan``, what a UI polls (no message queue needed).

    ``newest``: the newest revision record (None: the plan has none); ``last_final``: the newest
    record that is not pending (None if there is none); ``execution_state``: the Mistral state of
    ``newest``'s execution when it is pending (None: it no longer exists); ``step`` and
    ``progress`` (``{done, total}``: the stack's top-level resources) describe a running one.

    Returns ``{"plan", "state", "running", "last"}``: ``state`` is ``"running"`` or ``"idle"``;
    ``running`` is ``{revision, operation, user, execution, started_at, step, progress}`` or None;
    ``last`` is the outcome of the newest finished operation ``{revision, operation, status, user,
    execution, started_at, finished_at, message, stack_status, failures}`` or None.  A pending
    record whose execution is over is shown as the ``interrupted`` outcome it becomes (the next
    operation stores it so), never as running.  No parameter or secret is part of it.
    """
    running_record = None
    last = last_final
    if newest is not None and newest["status"] == revisions.PENDING:
        if alive(newest, execution_state):
            running_record = newest
        else:
            last = interrupt(newest, execution_state, now)
    elif newest is not None:
        last = newest
    shown_running = None
    if running_record is not None:
        shown_running = {"revision": running_record["number"], "operation": running_record["operation"],
                         "user": running_record.get("user"), "execution": running_record.get("execution"),
                         "started_at": running_record.get("started_at"), "step": step,
                         "progress": dict(progress) if progress else None}
    return {"plan": plan, "state": "running" if shown_running else "idle", "running": shown_running,
            "last": _outcome(last) if last is not None else None}


# Pruning ----------------------------------------------------------------------------------------

def digests(record: Record) -> set[str]:
    """Every input (sha256) ``record`` references: environments, user files, parameters, and its
    replay archive (see :mod:`tripleo_plan_actions.operations.replay`)."""
    found = {e["sha256"] for e in record.get("environments") or () if e.get("sha256")}
    found |= {f["sha256"] for f in record.get("user_files") or () if f.get("sha256")}
    parameters = (record.get("parameters") or {}).get("sha256")
    if parameters:
        found.add(parameters)
    if record.get("replay"):
        found.add(record["replay"])
    return found


def prune(records: Iterable[Record], limit: int) -> tuple[list[int], set[str]]:
    """Which revisions a history limit of ``limit`` (1 or more) deletes, and which inputs stay.

    Keeps the newest ``limit`` records, plus always the last successful deploying record
    (:func:`revisions.last_deployed`, what the next update replays) and every pending one (a
    lock).  Returns ``(to_delete, keep_inputs)``: the numbers to delete, ascending, and every
    sha256 (environments, user_files, parameters) a kept record references.  Delete from the
    inputs area only :func:`unreferenced` digests, and only while holding the plan's lock, so no
    operation is storing inputs for a record not yet written.
    """
    if limit < 1:
        raise ValueError(f"a history limit must be 1 or more, not {limit}")
    ordered = sorted(records, key=lambda r: r["number"], reverse=True)
    deployed = revisions.last_deployed(ordered)
    kept = [r for index, r in enumerate(ordered)
            if index < limit or r["status"] == revisions.PENDING
            or (deployed is not None and r["number"] == deployed["number"])]
    kept_numbers = {r["number"] for r in kept}
    to_delete = sorted(r["number"] for r in ordered if r["number"] not in kept_numbers)
    keep_inputs: set[str] = set()
    for record in kept:
        keep_inputs |= digests(record)
    return to_delete, keep_inputs


def unreferenced(inputs: Iterable[str], keep_inputs: set[str]) -> list[str]:
    """The digests of ``inputs`` (the names under ``inputs/``) that no kept revision references, sorted."""
    return sorted(set(inputs) - set(keep_inputs))


# Rollback ---------------------------------------------------------------------------------------

def rollback_inputs(records: Iterable[Record], number: int) -> dict[str, Any]:
    """What a rollback to revision ``number`` deploys again.

    Returns ``{"number", "environments", "user_files", "parameters_sha256", "plan_digest"}``,
    copied from that record.  Raises :class:`PlanInputError` when the revision does not exist,
    is not a deploying operation (:data:`revisions.DEPLOYING`) or did not succeed; the message
    names the revision and lists the ones a rollback can target.
    """
    records = list(records)
    plan = records[0].get("plan") if records else None
    targets = sorted(r["number"] for r in records
                     if r["operation"] in revisions.DEPLOYING and r["status"] == revisions.SUCCEEDED)
    choices = (f"revisions you can roll back to: {', '.join(map(str, targets))}" if targets
               else "no revision can be rolled back to (no deploying operation has succeeded)")
    head = f"plan {plan}: cannot roll back to revision {number}"
    found = [r for r in records if r["number"] == number]
    if not found:
        raise PlanInputError(f"{head}: there is no such revision; {choices}")
    record = found[0]
    if record["operation"] not in revisions.DEPLOYING:
        raise PlanInputError(f"{head}: {record['operation']} deploys nothing "
                             f"(deploying operations: {', '.join(revisions.DEPLOYING)}); {choices}")
    if record["status"] != revisions.SUCCEEDED:
        raise PlanInputError(f"{head}: its {record['operation']} did not succeed "
                             f"(status {record['status']}); {choices}")
    return {"number": number,
            "environments": copy.deepcopy([dict(e) for e in record.get("environments") or ()]),
            "user_files": copy.deepcopy([dict(f) for f in record.get("user_files") or ()]),
            "parameters_sha256": (record.get("parameters") or {}).get("sha256"),
            "plan_digest": record.get("plan_digest")}
