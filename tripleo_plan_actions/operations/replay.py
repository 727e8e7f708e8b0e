"""What a deploy, update, upgrade, scale or rollback sends Heat, and what it keeps: pure.

:func:`prepare` turns a request, the plan's state and the revision replayed (``state.base``: the
last successful deploying revision, a rollback's target, or none for a first deploy) into a
:class:`~tripleo_plan_actions.operations.stack.StackOperation`: the tracked environment list
(``base``'s, or the plan's defaults, with the request's additions and removals), the parameters
(``base``'s real values, changed as told), the user files (given now, else ``base``'s), the
complete Heat arguments, the inputs to keep and the pending revision record.

Replay costs O(1) requests: every record names ONE input, its replay archive (``replay``: the
sha256 of a deterministic tar.gz of every input it references, member name = the input's sha256),
the only input a stack operation writes, so the next operation reads one object whatever the
number of user files, and a deploy writes one whatever the number it is given.  The archive is
content-addressed: an update that changes nothing writes nothing new.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from tripleo_plan_actions.core import (
    archive as archives,
    declarations,
    deployment_parameters,
    environment as environments,
    plan as plans,
    revisions,
)
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations.stack import (
    HeatCall,
    Replaying,
    StackOperation,
    StackState,
    Stamp,
    WithFiles,
    closing,
)

PARAMETERS_INPUT = "parameters.json"
REPLAY_INPUT = "replay.tar.gz"


def prepare(operation: str, request: WithFiles, state: StackState, stamp: Stamp, *,
            role_counts: Mapping[str, int] | None = None, rollback_of: int | None = None) -> StackOperation:
    """The stack operation ``operation`` of ``request`` (see the module docstring).

    Raises PlanInputError (naming the input, file or parameter) for anything Heat must not be
    sent, PlanBusy when another operation runs on the plan.
    """
    close = closing(request, state, stamp)
    files = state.new_files if state.new_files is not None else state.files
    added, given = _added(request, files, state.uploaded)
    tracked = revisions.tracked_environments(_previous(request, files, state.base), add=added,
                                             remove=request.remove_environments or [])
    parameters = _parameters(request, state, role_counts)
    user_files, user_file_records = _user_files(request, state)
    kept = _kept(given, user_files, parameters)
    contents = {**state.contents, **{plans.sha256(c): c for c in kept.values()}}
    templates_dir = request.local_templates_dir or (state.base or {}).get("local_templates_dir")
    legacy = adopted_way(request, state.base)
    base_environment = (state.base or {}).get("base_environment") if legacy else None  # no template declares them
    arguments = environments.heat_arguments(
        files, _entries(request.plan, files, tracked, contents), user_files=user_files,
        parameters={**parameters, "DeployIdentifier": deploy_identifier(request, state, stamp)},
        passwords=_passwords(files), templates_dir=templates_dir, base=_base(contents, base_environment))
    digest = plans.plan_digest(files)
    warnings = _checked(request, files, arguments, parameters, digest)
    if not legacy:
        arguments = deployment_parameters.with_deployment_parameters(arguments, files, request.plan)
    record = revisions.new_record(
        request.plan, revisions.next_number(state.recent.numbers), operation, started_at=stamp.now,
        execution=stamp.execution, user=stamp.user, project=stamp.project, environments=tracked,
        user_files=user_file_records,
        parameters=parameters, parameters_sha256=plans.sha256(kept[PARAMETERS_INPUT]) if parameters else None,
        plan_digest=digest, rollback_of=rollback_of,
        message=f"{operation} of {request.plan} with {len(tracked)} environment files"
                + (f" (the inputs of revision {rollback_of})" if rollback_of is not None else ""))
    record["warnings"] = warnings
    record.update({"skip_deploy_identifier": True} if request.skip_deploy_identifier else {},
                  **({"local_templates_dir": templates_dir} if templates_dir else {}))
    if legacy:
        record.update(deployment_parameters=False, **({"base_environment": base_environment} if base_environment
                                                       else {}))
    replay = _replay_archive(record, contents)
    record["replay"] = plans.sha256(replay) if replay is not None else None
    action = "create" if state.stack is None else "update"
    plan_write = (state.files, state.new_files) if state.new_files is not None else None
    # Only the replay archive is kept: it holds every input by sha256 (none new: nothing to write).
    new = {REPLAY_INPUT: replay} if replay is not None and record["replay"] != (state.base or {}).get("replay") else {}
    return StackOperation(plan=request.plan, operation=operation, dry_run=request.dry_run, record=record,
                          call=HeatCall(action, arguments, request.timeout), stack=state.stack, close=close,
                          inputs=new, plan_write=plan_write, stored=state.files)


def adopted_way(request: WithFiles, base: Mapping[str, Any] | None) -> bool:
    """Whether the operation deploys as tripleo-common did, without the pack's generated
    ``tripleo-plan/deployment-parameters.yaml`` and from the adopted base environment (the
    record's ``base_environment``: the parameters no template declares, which Heat keeps only
    there): when it replays (``base``) a revision that did so (an ``adopt``, or an operation
    replaying one: ``deployment_parameters: false``), unless it resets the environments to the
    plan's defaults.  The adopted environments already hold what python-tripleoclient computed
    for that stack (images, services).  Pure."""
    return (base or {}).get("deployment_parameters") is False and not getattr(request, "reset_environments", False)


def _base(contents: Mapping[str, bytes], digest: str | None) -> Any:
    """The adopted base environment ``digest`` names among ``contents`` (None without one)."""
    return plans.load_yaml("the adopted base environment", contents[digest]) if digest else None


def deploy_identifier(request: WithFiles, state: StackState, stamp: Stamp) -> str:
    """The ``DeployIdentifier`` the operation sends: the stamp's new one (Heat runs the software
    deployments again); with ``skip_deploy_identifier`` the stack's current one, unchanged (``''``,
    THT's default, when there is no stack yet or it has none).  Pure."""
    if not request.skip_deploy_identifier:
        return stamp.deploy_identifier
    current = state.stack.deploy_identifier if state.stack is not None else None
    return current if current is not None else ""


def _checked(request: WithFiles, files: Mapping[str, bytes], arguments: Mapping[str, Any],
             parameters: Mapping[str, Any], digest: str) -> list[str]:
    """The warnings of the operation: environment files' ``parameter_defaults`` no template of the
    plan declares (refused with ``strict``).  Refuses explicit parameters no template declares
    and values Heat would refuse for the root template's parameters (before anything is written)."""
    known = declarations.declared(files, arguments, digest)
    declarations.check_explicit(request.plan, request.parameters or {}, known)
    declarations.check_types(arguments, parameters)
    warnings = declarations.undeclared_defaults(arguments, known)
    if warnings and getattr(request, "strict", False):
        raise PlanInputError("strict: " + "; ".join(warnings))
    return warnings


def _previous(request: WithFiles, files: Mapping[str, bytes], base: Mapping[str, Any] | None) -> list[dict]:
    """The list the request changes: ``base``'s, or plan-environment.yaml's on a first deploy or a reset."""
    if base is not None and not getattr(request, "reset_environments", False):
        return [dict(e) for e in base["environments"]]
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
    return [_plan_entry(request.plan, files, e["path"]) for e in environment.get("environments", [])
            if isinstance(e, dict) and "path" in e and "user_input" not in e]


def _plan_entry(plan: str, files: Mapping[str, bytes], path: str) -> dict[str, str]:
    if path not in files:
        raise PlanInputError(f"environment file {path} is not in plan {plan}")
    return revisions.environment_entry(path, "plan", plans.sha256(files[path]))


def _added(request: WithFiles, files: Mapping[str, bytes],
           uploaded: Mapping[str, bytes]) -> tuple[list[dict[str, str]], dict[str, bytes]]:
    """The entries to add, in order, and the given user environments' contents by path."""
    added, given = [], {}
    for index, entry in enumerate(request.environments or []):
        if not isinstance(entry, dict) or not entry.get("path") or not isinstance(entry["path"], str):
            raise PlanInputError(f"environments[{index}]: give {{path}} or {{path, content}}")
        path = entry["path"]
        if "content" not in entry and not path.startswith("/"):
            added.append(_plan_entry(request.plan, files, path))
            continue
        if "content" in entry:
            text = str(entry["content"])
            archives.check_content(f"environments[{index}]: {path}", text)  # before it is encoded or parsed
            content = text.encode()
        elif path in uploaded:
            content = uploaded[path]
        else:
            raise PlanInputError(f"environments[{index}]: {path} is a user file: give its content, "
                                 "or ship it in user_upload")
        given[path] = content
        added.append(revisions.environment_entry(path, "user", plans.sha256(content)))
    return added, given


def _parameters(request: WithFiles, state: StackState, role_counts: Mapping[str, int] | None) -> dict[str, Any]:
    """``base``'s parameters (their stored real values) changed as the request says (its
    ``parameters``, then those its upload carries, then the role counts)."""
    previous: dict[str, Any] = {}
    digest = ((state.base or {}).get("parameters") or {}).get("sha256")
    if digest:
        previous = json.loads(state.contents[digest])
    if not isinstance(request.parameters or {}, dict):
        raise PlanInputError("parameters must be a mapping of parameter names to values")
    overrides = {**(request.parameters or {}), **state.uploaded_parameters,
                 **{f"{role}Count": n for role, n in (role_counts or {}).items()}}
    reset = isinstance(request, Replaying) and request.reset_parameters
    unset = (request.unset_parameters or []) if isinstance(request, Replaying) else []
    return revisions.tracked_parameters(previous, overrides, reset=reset, unset=unset)


def _user_files(request: WithFiles, state: StackState) -> tuple[dict[str, bytes], list[dict[str, str]]]:
    """The user files (given now, else ``base``'s, read back) and their records, in that order."""
    environment_paths = {e.get("path") for e in request.environments or [] if isinstance(e, dict)}
    given = {p: c for p, c in state.uploaded.items() if p not in environment_paths}
    for path, text in (request.user_files or {}).items():
        archives.check_content(f"user_files: {path}", text if isinstance(text, (str, bytes)) else str(text))
        given[path] = text.encode() if isinstance(text, str) else text
    kept = [] if state.base is None else [f for f in state.base["user_files"] if f["path"] not in given]
    user_files = dict(given)
    for entry in kept:
        user_files[entry["path"]] = state.contents[entry["sha256"]]
    records = [{"path": f["path"], "sha256": f["sha256"]} for f in kept]
    records += [{"path": p, "sha256": plans.sha256(c)} for p, c in given.items()]
    return user_files, records


def _entries(plan: str, files: Mapping[str, bytes], tracked: list[dict],
             contents: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The tracked list as :func:`environments.heat_arguments` takes it (user contents by digest)."""
    entries: list[dict[str, Any]] = []
    for entry in tracked:
        if entry["source"] == "plan":
            if entry["path"] not in files:
                raise PlanInputError(f"environment file {entry['path']} is not in plan {plan}")
            entries.append({"plan_path": entry["path"]})
        else:
            entries.append({"user_path": entry["path"], "content": contents[entry["sha256"]]})
    return entries


def _passwords(files: Mapping[str, bytes]) -> dict[str, Any]:
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
    return environment.get("passwords") or {}


def _kept(given: Mapping[str, bytes], user_files: Mapping[str, bytes], parameters: Mapping[str, Any]) -> dict:
    """The operator's inputs the record deploys with, ``{path: content}`` (kept in its replay archive)."""
    kept = {**given, **user_files}
    if parameters:
        kept[PARAMETERS_INPUT] = json.dumps(parameters, sort_keys=True).encode()
    return kept


def _replay_archive(record: Mapping[str, Any], contents: Mapping[str, bytes]) -> bytes | None:
    """The record's replay archive: every input it references, by sha256 (deterministic bytes);
    None when it references none (nothing to replay but plan files)."""
    digests = revisions.stored_inputs(record)
    return archives.write_archive({digest: contents[digest] for digest in digests}) if digests else None
