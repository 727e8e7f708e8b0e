"""Revision records: one per operation on a plan, the life-cycle story and the inputs to replay.

A record is plain JSON (format 1, documented in doc/storage.rst), stored as
``P-tripleo-plan/revisions/<number, 10 digits>.json``.  It is written ``pending`` before Heat is
called and finished after; it is never rewritten afterwards (a rollback is a new revision).  It
references the operator's inputs by content (``sha256``; the content lives in ``inputs/``), so a
replay uses the real values, while its ``parameters.display`` masks secrets for every reader.

Pure functions only; storage is :mod:`tripleo_plan_actions.storage.swift`.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Sequence

from tripleo_plan_actions.core import passwords
from tripleo_plan_actions.errors import PlanInputError

FORMAT = 1
OPERATIONS = ("create", "adopt", "amend", "import", "deploy", "update", "upgrade", "scale", "rollback", "undeploy")
PENDING, SUCCEEDED, FAILED, INTERRUPTED = "pending", "succeeded", "failed", "interrupted"
#: Heat refused the request before changing anything (an HTTP 4xx answer to the create, update or
#: delete): the stack is as it was.  Like ``failed`` it is never replayed nor rolled back to; unlike
#: ``failed`` it does not say that a deployment went wrong.
REFUSED = "refused"
FINAL = (SUCCEEDED, FAILED, INTERRUPTED, REFUSED)
#: Operations whose inputs a later update replays (an undeploy leaves nothing to replay; an
#: ``adopt`` records what tripleo-common last deployed).
DEPLOYING = ("adopt", "deploy", "update", "upgrade", "scale", "rollback")


def object_name(number: int) -> str:
    """Where revision ``number`` is stored in the plan's side container."""
    return f"revisions/{number:010d}.json"


def environment_entry(path: str, source: str, sha256: str) -> dict[str, str]:
    """One environment file of an operation: a plan file (``source: plan``) or a user file (``user``)."""
    if source not in ("plan", "user"):
        raise ValueError(source)
    return {"path": path, "source": source, "sha256": sha256}


def new_record(plan: str, number: int, operation: str, *, started_at: str, execution: str | None,
               user: str | None, environments: Sequence[Mapping[str, str]],
               user_files: Sequence[Mapping[str, str]] = (), parameters: Mapping[str, Any] | None = None,
               parameters_sha256: str | None = None, plan_digest: str | None = None,
               message: str = "", rollback_of: int | None = None, project: str | None = None) -> dict[str, Any]:
    """A pending record.  ``parameters`` are only shown masked; their content is kept by digest.
    ``user`` and ``project``: who runs the operation, by Keystone name (None without Keystone)."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation}")
    return {
        "format": FORMAT, "plan": plan, "number": number, "operation": operation, "status": PENDING,
        "user": user, "project": project, "execution": execution, "started_at": started_at, "finished_at": None,
        "environments": [dict(e) for e in environments],
        "user_files": [dict(f) for f in user_files],
        "parameters": {"sha256": parameters_sha256, "display": passwords.mask(parameters or {})},
        "plan_digest": plan_digest,
        "stack": {"name": plan, "id": None, "status": None, "reason": None, "failures": []},
        "message": message, "rollback_of": rollback_of,
    }


def finish(record: Mapping[str, Any], status: str, *, finished_at: str, stack: Mapping[str, Any] | None = None,
           message: str | None = None) -> dict[str, Any]:
    """The record completed (a copy): final ``status``, stack outcome, message."""
    if status not in FINAL:
        raise ValueError(status)
    done = copy.deepcopy(dict(record))
    done["status"] = status
    done["finished_at"] = finished_at
    if stack:
        done["stack"].update(stack)
    if message is not None:
        done["message"] = message
    return done


def stored_inputs(record: Mapping[str, Any]) -> set[str]:
    """The sha256 of every operator input ``record`` deploys with, as stored in the plan's inputs:
    its user environment files, user files, parameters and base environment (plan files are not
    inputs)."""
    found = {e["sha256"] for e in record.get("environments") or () if e.get("source") == "user"}
    found |= {f["sha256"] for f in record.get("user_files") or () if f.get("sha256")}
    parameters = (record.get("parameters") or {}).get("sha256")
    base = record.get("base_environment")  # an adopted stack's undeclared parameters (replay.prepare)
    return found | ({parameters} if parameters else set()) | ({base} if base else set())


def next_number(numbers: Iterable[int]) -> int:
    return max(numbers, default=0) + 1


def last_deployed(records: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest record whose deploying operation succeeded (what an update replays), or None."""
    found = None
    for record in records:
        if record["operation"] in DEPLOYING and record["status"] == SUCCEEDED:
            if found is None or record["number"] > found["number"]:
                found = record
    return found


def tracked_environments(previous: Sequence[Mapping[str, str]], *, add: Sequence[Mapping[str, str]] = (),
                         remove: Sequence[str] = (), reset: bool = False) -> list[dict[str, str]]:
    """The environment list of an update: the previous list unless ``reset``, less ``remove``, plus ``add``.

    An added file already in the list (same path) takes the new content at the END of the list
    (later files win in Heat).  Removing a path the list does not hold is an error that shows the
    list, so a typo never silently deploys something else.
    """
    base = [] if reset else [dict(e) for e in previous]
    paths = [e["path"] for e in base]
    missing = [p for p in remove if p not in paths]
    if missing:
        shown = ", ".join(paths) or "(none)"
        raise PlanInputError(f"cannot remove {', '.join(missing)}: the tracked environment files are {shown}")
    added_paths = {e["path"] for e in add}
    kept = [e for e in base if e["path"] not in set(remove) | added_paths]
    return kept + [dict(e) for e in add]


def tracked_parameters(previous: Mapping[str, Any], overrides: Mapping[str, Any] | None = None, *,
                       reset: bool = False, unset: Sequence[str] = ()) -> dict[str, Any]:
    """The parameters of an update: the previous ones (unless ``reset``), ``unset`` removed, ``overrides`` on top."""
    result = {} if reset else dict(previous)
    for name in unset:
        if name not in result:
            raise PlanInputError(f"cannot unset parameter {name}: it is not set "
                                 f"(set: {', '.join(sorted(result)) or 'none'})")
        del result[name]
    result.update(overrides or {})
    return result
