"""Import (``tripleo_plan.plan.import``): a new plan from an export archive, with its passwords
(those the archive lacks generated anew) and the operator's inputs; revision 1."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import archive as archives, passwords, plan as plans
from tripleo_plan_actions.operations import inputs, stack
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.plans import export, new

#: Where an imported input is kept (its path in the revision record): under its sha256.
IMPORTED = "imported/"


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.import``: ``plan`` and ``upload`` (an export archive in
    tripleo-plan-uploads)."""

    plan: str
    upload: str


@dataclasses.dataclass
class State:
    """What an import is prepared from: the export (:func:`.export.unpack`) and the plan's passwords
    (the export's, the missing ones generated)."""

    exported: export.Exported
    passwords: dict[str, Any]


def read_state(ctx: Context, request: Request) -> State:
    """The uploaded export, checked and unpacked, and its passwords completed.  1 Swift request."""
    exported = export.unpack(archives.read_archive(ctx.store.take_upload(request.upload),
                                                   name=f"the uploaded file {request.upload}"))
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, exported.files[plans.PLAN_ENVIRONMENT])
    return State(exported, passwords.generate(environment.get("passwords") or {}))


def prepare(request: Request, state: State, stamp: stack.Stamp) -> new.NewPlan:
    """The plan of the export named ``request.plan`` with ``state.passwords``, keeping every
    exported input.  Pure."""
    plans.check_name(request.plan)
    exported = state.exported
    files = dict(exported.files)
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
    environment["name"] = request.plan
    environment["passwords"] = state.passwords
    files[plans.PLAN_ENVIRONMENT] = plans.dump_yaml(environment)
    kept = {IMPORTED + digest: content for digest, content in exported.inputs.items()}
    result = {"plan": request.plan, "files": len(files), "inputs": len(exported.inputs)}
    return new.prepared(request.plan, files, kept, stamp,
                        f"create of {request.plan} from an export of plan {exported.header.get('plan')}", result)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Import ``request.upload`` as plan ``request.plan``: ``{plan, files, inputs: <count>}``.  The
    upload is removed however this ends.  Swift requests: 1 + those of :func:`.new.perform` + 1."""
    with inputs.consuming(ctx.store, request.upload):
        plans.check_name(request.plan)
        stamp = stack.new_stamp(ctx)
        return new.perform(prepare(request, read_state(ctx, request), stamp), ctx)
