"""Import (``tripleo_plan.plan.import``): a new plan from an export archive, with its passwords
(those the archive lacks generated anew), the operator's inputs and, from a format 2 export, its
story.

* Format 2: the exported revision records are kept as they were (numbers, operations, statuses,
  users, times, the old undercloud's stack outcomes; ``plan`` renamed; one still pending is closed
  ``interrupted``: :func:`.story.imported`), then ONE new revision, the next number, operation
  ``import``, records the imported state (the plan's digest, every input kept): e.g. 1 create,
  2 deploy, 3 update, 4 import.  A rollback to a kept deploying revision deploys its inputs (they
  are among the kept ones, under the same sha256) onto this plan's stack, once it has one (a
  deploy on this undercloud first).  From an export without secrets those inputs hold the masked
  values (``******``) where the operator gave a secret.
* Format 1 (no records): revision 1 ``create``, as before format 2 existed (its message names the
  source plan): there is no story to continue, so the plan starts one.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import archive as archives, passwords, plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import inputs, stack
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.plans import export, new, story

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
    if plans.PLAN_ENVIRONMENT not in exported.files:
        raise PlanInputError(f"not a plan export: it has no {export.PLAN}{plans.PLAN_ENVIRONMENT}")
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, exported.files[plans.PLAN_ENVIRONMENT])
    return State(exported, passwords.generate(environment.get("passwords") or {}))


def message(request: Request, exported: export.Exported) -> str:
    """The message of the import's own revision: the new plan, the source plan and the export."""
    header = exported.header
    source = header.get("plan")
    if header.get("format") == 1:
        return f"create of {request.plan} from an export of plan {source}"
    made = f" made {header['exported_at']}" if header.get("exported_at") else ""
    secrets = "" if header.get("secrets", True) else ", without secrets"
    return (f"import of {request.plan} from the export of plan {source}{made} (format {header.get('format')}"
            f"{secrets}; upload {request.upload}): {len(exported.records)} revisions kept")


def prepare(request: Request, state: State, stamp: stack.Stamp) -> new.NewPlan:
    """The plan of the export named ``request.plan`` with ``state.passwords``, keeping every
    exported input and record (see the module docstring).  Pure."""
    plans.check_name(request.plan)
    exported = state.exported
    files = dict(exported.files)
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
    environment["name"] = request.plan
    environment["passwords"] = state.passwords
    files[plans.PLAN_ENVIRONMENT] = plans.dump_yaml(environment)
    kept = {IMPORTED + digest: content for digest, content in exported.inputs.items()}
    kept_records = story.imported(exported.records, request.plan, stamp.now, str(exported.header.get("plan")))
    result = {"plan": request.plan, "files": len(files), "inputs": len(exported.inputs)}
    return new.prepared(request.plan, files, kept, stamp, message(request, exported), result, kept_records)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Import ``request.upload`` as plan ``request.plan``: ``{plan, files, inputs: <count>}``.  The
    upload is removed however this ends.  Swift requests: 1 + those of :func:`.new.perform` (1 PUT
    per kept record among them) + 1."""
    with inputs.consuming(ctx.store, request.upload):
        plans.check_name(request.plan)
        stamp = stack.new_stamp(ctx)
        return new.perform(prepare(request, read_state(ctx, request), stamp), ctx)
