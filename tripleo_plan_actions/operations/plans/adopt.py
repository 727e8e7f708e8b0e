"""Adopt (``tripleo_plan.plan.adopt``): take over, in place, a plan that tripleo-common made
(Stein/Train: container ``P`` marked ``X-Container-Meta-Usage-Tripleo: plan``) and its stack.

The old containers are read, never written: the pack adds its own records beside them (the plan
archive, the adopted inputs and revision 1 ``adopt``).  Revision 1 tracks what tripleo-common's
deploy sent Heat (:func:`tripleo_plan_actions.core.legacy.takeover`): the plan files
plan-environment.yaml lists, in order, then its inline environments and its own values as adopted
inputs; it is a deploying revision, so ``update P`` with no ``-e`` sends the stack the same merged
environment.  Operations replaying it deploy as tripleo-common did, without the pack's generated
deployment parameters (``deployment_parameters: false``, see :func:`.replay.adopted_way`).

Refused, naming what was found, before anything is written: a stack still IN_PROGRESS, an update
or upgrade prepared but not converged, a password the stack hides that nothing gives (the operator
gives it in the upload: never in the execution input), and a given password the stack does not
lack.  No password is ever generated.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import (
    archive as archives,
    environment as environments,
    legacy,
    plan as plans,
    revisions,
)
from tripleo_plan_actions.errors import PlanBusy, PlanError
from tripleo_plan_actions.operations import inputs, stack as stacks
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.plans import new
from tripleo_plan_actions.operations.replay import REPLAY_INPUT
from tripleo_plan_actions.services.heat_stacks import Stack

#: The path the adopted base environment is kept under (in the replay archive, by sha256).
BASE_INPUT = legacy.ADOPTED + "undeclared-parameters.yaml"


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.adopt``: ``plan``; ``user_upload``: an archive in
    tripleo-plan-uploads whose ``parameters.json`` gives the passwords the stack lacks
    (``{name: value}``), made by ``tripleo-plan plan adopt --passwords-file``."""

    plan: str
    user_upload: str | None = None


@dataclasses.dataclass
class State:
    """What an adoption is prepared from: the plan container's ``files``, the ``stack`` (None when
    the plan was never deployed), its ``stacks.environment`` and the ``given`` passwords."""

    files: dict[str, bytes]
    stack: Stack | None
    stack_environment: dict[str, Any]
    given: dict[str, Any]


@dataclasses.dataclass
class Adoption:
    """A prepared adoption: the plan's files, the replay archive to keep, revision 1 (succeeded)."""

    plan: str
    files: dict[str, bytes]
    inputs: dict[str, bytes]
    record: dict[str, Any]
    result: dict[str, Any]


def read_state(ctx: Context, request: Request) -> State:
    """The legacy plan, its stack and the given passwords; a :data:`.legacy.RESOURCE_PASSWORDS`
    password neither the plan nor the stack's environment holds is read from the stack's resource
    of that name, when it has one, into the environment (as tripleo-common did).  Requests: Swift
    those of the store's ``legacy`` (1 GET per object) + 1 (an upload); Heat 1, + 1 (the
    environment) with a stack, + 1 per resource password to read (none when the plan has them)."""
    files = ctx.store.legacy(request.plan)
    found = ctx.stacks.find(request.plan)
    environment = ctx.stacks.environment(found.ref) if found is not None else {}
    if found is not None and plans.PLAN_ENVIRONMENT in files:
        defaults = environment.setdefault("parameter_defaults", {})
        plan_environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
        for name in legacy.resource_passwords_to_read(plan_environment, defaults):
            value = ctx.stacks.resource_value(found.ref, name)
            if value is not None:
                defaults[name] = value
    _, given = inputs.user_upload(ctx.store, request.user_upload)
    return State(files, found, environment, given)


def _stack_record(plan: str, found: Stack | None) -> dict[str, Any]:
    if found is None:
        return {"name": plan, "id": None, "status": None, "reason": "never deployed", "failures": []}
    if found.status.endswith("IN_PROGRESS"):
        raise PlanBusy(f"stack {plan} is {found.status}: adopt plan {plan} once Heat has finished")
    return {"name": plan, "id": found.id, "status": found.status, "reason": found.reason, "failures": []}


def message(plan: str, found: Stack | None, takeover: legacy.Takeover) -> str:
    """Revision 1's message: what was adopted, and which passwords came from where."""
    where = f"stack {found.status}" if found is not None else "never deployed"
    text = (f"adopt of tripleo-common plan {plan} ({where}): {len(takeover.paths)} plan environment files, "
            f"{len(takeover.inputs)} adopted environments")
    if takeover.recovered:
        text += f"; passwords read back from the stack: {', '.join(takeover.recovered)}"
    if takeover.given:
        text += f"; passwords given by the operator: {', '.join(takeover.given)}"
    return text


def base_environment(files: dict[str, bytes], environment: dict[str, Any], tracked: list[dict[str, str]],
                     takeover: legacy.Takeover) -> bytes | None:
    """The adopted base environment (:func:`.legacy.undeclared` of what tripleo-common sent, given
    the templates Heat gets when the tracked list is deployed), as YAML; None when every
    parameter is declared.  Raises what :func:`.environment.heat_arguments` raises for a plan Heat
    could not be sent.  Pure."""
    entries = [{"plan_path": e["path"]} if e["source"] == "plan" else
               {"user_path": e["path"], "content": takeover.inputs[e["path"]]} for e in tracked]
    arguments = environments.heat_arguments(files, entries, passwords=environment.get("passwords") or {})
    declared = environments.parameter_types(arguments["template"], arguments["files"])
    kept = legacy.undeclared(takeover.merged, declared)
    return plans.dump_yaml({"parameter_defaults": kept}) if kept else None


def prepare(request: Request, state: State, stamp: stacks.Stamp) -> Adoption:
    """The :class:`Adoption` of ``request.plan`` (see the module docstring).  Pure."""
    plans.check_name(request.plan)
    if plans.PLAN_ENVIRONMENT not in state.files:
        raise PlanError(f"container {request.plan} has no {plans.PLAN_ENVIRONMENT}: not a tripleo-common plan")
    stack_outcome = _stack_record(request.plan, state.stack)
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, state.files[plans.PLAN_ENVIRONMENT]) or {}
    defaults = state.stack_environment.get("parameter_defaults") or {}
    takeover = legacy.takeover(request.plan, environment, state.files, defaults, state.given)
    tracked = [revisions.environment_entry(path, "plan", plans.sha256(state.files[path])) for path in takeover.paths]
    tracked += [revisions.environment_entry(path, "user", plans.sha256(content))
                for path, content in takeover.inputs.items()]
    record = revisions.new_record(
        request.plan, 1, "adopt", started_at=stamp.now, execution=stamp.execution, user=stamp.user,
        project=stamp.project, environments=tracked, plan_digest=plans.plan_digest(state.files),
        message=message(request.plan, state.stack, takeover))
    record["deployment_parameters"] = False
    kept = dict(takeover.inputs)
    base = base_environment(state.files, environment, tracked, takeover)
    if base is not None:
        kept[BASE_INPUT] = base
        record["base_environment"] = plans.sha256(base)
    replay = archives.write_archive({plans.sha256(c): c for c in kept.values()}) if kept else None
    record["replay"] = plans.sha256(replay) if replay is not None else None
    record = revisions.finish(record, revisions.SUCCEEDED, finished_at=stamp.now, stack=stack_outcome)
    result = {"plan": request.plan, "revision": 1, "files": len(state.files), "stack": stack_outcome["status"],
              "environments": [e["path"] for e in tracked], "recovered_passwords": takeover.recovered,
              "given_passwords": takeover.given}
    return Adoption(request.plan, state.files, {REPLAY_INPUT: replay} if replay is not None else {}, record, result)


def perform(adoption: Adoption, ctx: Context) -> dict[str, Any]:
    """Write the pack's records of the plan: the takeover (records' container, plan archive), the
    replay archive, then revision 1 (the commit: until it exists the takeover is unfinished).  On
    any failure what was written is removed again, container ``plan`` untouched.  Requests: Swift
    2 + 2 (listing, PUT) with inputs + 1."""
    store = ctx.store
    store.take_over(adoption.plan, adoption.files, owner=ctx.execution)
    try:
        if adoption.inputs:
            store.store_inputs(adoption.plan, adoption.inputs)
        store.put_revision(adoption.plan, adoption.record, new=True)
    except BaseException:
        try:
            store.release(adoption.plan)
        except PlanError:
            pass  # the original failure says more
        raise
    return adoption.result


def clear_killed(ctx: Context, plan: str) -> None:
    """Undo what an adopt killed before revision 1 left (the records' container beside the
    untouched plan container); PlanBusy while that adopt's execution still runs.  Requests:
    Swift 1-2 (+ those of a release), Mistral 1 when something was left."""
    if new.killed_rest(ctx, plan, adopted=True) is not None:
        ctx.store.release(plan)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Adopt ``request.plan``: ``{plan, revision: 1, files, stack: <status>, environments: [path],
    recovered_passwords, given_passwords}``, under the plan's lock.  The upload is removed however
    this ends."""
    with inputs.consuming(ctx.store, request.user_upload):
        plans.check_name(request.plan)
        lock = ctx.lock(request.plan)
        lock.acquire(ctx.execution, "adopt")
        try:
            clear_killed(ctx, request.plan)
            return perform(prepare(request, read_state(ctx, request), stacks.new_stamp(ctx)), ctx)
        finally:
            lock.release(ctx.execution)
