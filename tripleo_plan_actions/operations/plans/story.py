"""The revision records an export carries (format 2) and an import keeps: pure functions over plain data.

An export holds every kept record as ``revisions/<number>.json`` (the record as stored, format 1
of doc/storage.rst).  Every input a record references (its replay archive, or, for a record
written before replay archives, its user files, user environment files and parameters; a create's
or amend's user files) is one of the export's ``inputs/``; inside a replay archive every input the
record names is a member.  :func:`missing_inputs` says what is not, for the export (which refuses
to write such an archive) and the import (which refuses to read one).

Without secrets (:func:`shareable`) a record's displayed parameters are masked again with the
current rules, and every known secret value (the plan's passwords, what the operator's inputs give
a secret) is masked in its message, stack outcome and warnings; its references follow the inputs
renamed by masking (old sha256 -> new sha256).

An import (:func:`imported`) keeps each record as it was: number, operation, status, user,
project, execution, times, stack outcome (the old undercloud's: that is the story), message.  Only
``plan`` becomes the new name, and a record still ``pending`` when the plan was exported is closed
``interrupted`` (its execution belongs to the other undercloud and will never finish it here).
"""
from __future__ import annotations

import copy
import json
from typing import Any, Iterable, Mapping

from tripleo_plan_actions.core import archive as archives, passwords, plan as plans, revisions
from tripleo_plan_actions.errors import PlanInputError

#: Where the records are in an export archive: ``revisions/<number>.json``.
REVISIONS = "revisions/"
STATUSES = (revisions.PENDING, *revisions.FINAL)


def member(number: int) -> str:
    """The name of revision ``number``'s member in an export archive."""
    return f"{REVISIONS}{number}.json"


def members(records: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
    """``{revisions/<number>.json: JSON}`` of ``records`` (deterministic bytes)."""
    return {member(r["number"]): json.dumps(r, indent=1, sort_keys=True).encode() for r in records}


def needed(record: Mapping[str, Any]) -> set[str]:
    """The sha256 of the stored inputs ``record`` needs: its replay archive, else every input it
    references (:func:`revisions.stored_inputs`)."""
    return {record["replay"]} if record.get("replay") else revisions.stored_inputs(record)


def missing_inputs(records: Iterable[Mapping[str, Any]], inputs: Mapping[str, bytes]) -> list[tuple[int, str]]:
    """``[(revision number, sha256)]`` of every input a record references that ``inputs`` (sha256 ->
    content) does not hold, nor its replay archive's members.  [] when the story is whole."""
    missing = []
    for record in sorted(records, key=lambda r: r["number"]):
        absent = needed(record) - set(inputs)
        replay = record.get("replay")
        if replay and replay in inputs:
            try:
                held = set(archives.read_archive(inputs[replay], max_total_bytes=1 << 40))
            except archives.ArchiveError:
                held = set()  # not a replay archive: none of its inputs is there
            absent |= revisions.stored_inputs(record) - held
        missing += [(record["number"], digest) for digest in sorted(absent)]
    return missing


def read(found: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The records among an export archive's members, oldest first; PlanInputError naming the
    member when one is not a revision record (its name, JSON, number, operation or status)."""
    records = []
    for name, content in found.items():
        if name.startswith(REVISIONS):
            records.append(_record(name, content))
    return sorted(records, key=lambda r: r["number"])


def _record(name: str, content: bytes) -> dict[str, Any]:
    stem = name[len(REVISIONS):].removesuffix(".json")
    if not stem.isdigit() or not name.endswith(".json"):
        raise PlanInputError(f"{name}: not a revision record's name ({REVISIONS}<number>.json)")
    try:
        record = json.loads(content)
    except (ValueError, RecursionError) as error:
        raise PlanInputError(f"{name}: not a revision record: its JSON does not parse ({error})") from None
    if not isinstance(record, dict):
        raise PlanInputError(f"{name}: not a revision record: not a JSON mapping")
    problems = []
    if record.get("number") != int(stem):
        problems.append(f"its number is {record.get('number')!r}, not {int(stem)}")
    if record.get("operation") not in revisions.OPERATIONS:
        problems.append(f"unknown operation {record.get('operation')!r}")
    if record.get("status") not in STATUSES:
        problems.append(f"unknown status {record.get('status')!r}")
    for field in ("environments", "user_files"):
        if not isinstance(record.get(field, []), list) or not all(
                isinstance(e, dict) and isinstance(e.get("path"), str) for e in record.get(field, [])):
            problems.append(f"{field} is not a list of {{path, sha256}}")
    if not isinstance(record.get("parameters") or {}, dict):
        problems.append("parameters is not a mapping")
    if problems:
        raise PlanInputError(f"{name}: not a revision record: {'; '.join(problems)}")
    return record


def check_inputs(records: Iterable[Mapping[str, Any]], inputs: Mapping[str, bytes], where: str) -> None:
    """PlanInputError naming the first record (``where`` formats its number: a member or a
    revision) and the input when a record references an input ``inputs`` does not hold."""
    missing = missing_inputs(records, inputs)
    if missing:
        shown = "; ".join(f"{where.format(n)} references input {d}" for n, d in missing[:5])
        raise PlanInputError(f"{shown}: not among the inputs ({len(missing)} missing)")


def known_secrets(files: Mapping[str, bytes], inputs: Mapping[str, bytes]) -> set[str]:
    """Every secret value the plan-environment.yaml of ``files`` and the stored ``inputs`` give (replay
    archives opened): what an export without secrets masks in the records' texts."""
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
    return passwords.secret_values(environment) | _input_secrets(inputs.values())


def _input_secrets(contents: Iterable[bytes]) -> set[str]:
    found: set[str] = set()
    for content in contents:
        try:
            if content[:2] == b"\x1f\x8b":
                found |= _input_secrets(archives.read_archive(content, max_total_bytes=1 << 40).values())
            else:
                found |= passwords.secret_values(plans.load_yaml("input", content))
        except (PlanInputError, archives.ArchiveError):
            continue  # a script, binary data: it gives nothing a value
    return found


def shareable(record: Mapping[str, Any], renamed: Mapping[str, str], known: Iterable[str]) -> dict[str, Any]:
    """``record`` as an export without secrets holds it (see the module docstring).  Pure."""
    known = set(known)
    shared = copy.deepcopy(dict(record))
    parameters = dict(shared.get("parameters") or {})
    parameters["display"] = passwords.mask(parameters.get("display") or {})
    if parameters.get("sha256"):
        parameters["sha256"] = renamed.get(parameters["sha256"], parameters["sha256"])
    shared["parameters"] = parameters
    for field in ("message", "stack", "warnings"):
        if field in shared:
            shared[field] = passwords.redact(shared[field], known)
    for field in ("environments", "user_files"):
        for entry in shared.get(field) or ():
            if entry.get("sha256") and entry.get("source") != "plan":
                entry["sha256"] = renamed.get(entry["sha256"], entry["sha256"])
    for field in ("replay", "base_environment"):
        if shared.get(field):
            shared[field] = renamed.get(shared[field], shared[field])
    return shared


def imported(records: Iterable[Mapping[str, Any]], plan: str, now: str, source: str) -> list[dict[str, Any]]:
    """``records`` as plan ``plan`` keeps them (see the module docstring): copies, oldest first."""
    kept = []
    for original in sorted(records, key=lambda r: r["number"]):
        record = copy.deepcopy(dict(original))
        if "plan" in record:
            record["plan"] = plan
        if record.get("status") == revisions.PENDING:
            why = f"still pending when plan {source} was exported: closed by the import"
            said = record.get("message") or ""
            record = revisions.finish(record, revisions.INTERRUPTED, finished_at=now,
                                      message=f"{said}; {why}" if said else why)
        kept.append(record)
    return kept
