"""Create: a new plan from a templates tree (an uploaded archive or a directory on the undercloud),
its passwords generated and its Jinja sources rendered in place; revision 1."""
from __future__ import annotations

import dataclasses
from typing import Any

from tripleo_plan_actions.core import passwords, plan as plans
from tripleo_plan_actions.operations import inputs, stack
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.plans import new


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.create``: ``plan``; exactly one of ``upload`` (a templates
    archive in tripleo-plan-uploads, its single top folder dropped) or ``templates_dir``;
    ``roles_data`` / ``network_data`` (YAML text replacing the tree's, kept as inputs);
    ``description``."""

    plan: str
    upload: str | None = None
    templates_dir: str | None = None
    roles_data: str | None = None
    network_data: str | None = None
    description: str = ""


@dataclasses.dataclass
class State:
    """What a create is prepared from: the templates tree and freshly generated passwords (the
    tree's own plan-environment.yaml passwords win over them)."""

    templates: dict[str, bytes]
    generated: dict[str, Any]


def check(request: Request) -> dict[str, bytes]:
    """Refuse a bad name or non-text roles/network data (nothing read yet); the given files."""
    plans.check_name(request.plan)
    given = {plans.ROLES_DATA: request.roles_data, plans.NETWORK_DATA: request.network_data}
    return inputs.inline({path: text for path, text in given.items() if text is not None})


def prepare(request: Request, state: State, stamp: stack.Stamp) -> new.NewPlan:
    """The new plan, rendered, keeping the given roles/network data; raises PlanInputError naming
    the file or input when the tree cannot make a plan.  Pure."""
    given = check(request)
    files = plans.new_plan(request.plan, state.templates, roles_data=given.get(plans.ROLES_DATA),
                           network_data=given.get(plans.NETWORK_DATA), description=request.description,
                           generated_passwords=state.generated)
    files, render = plans.render(files, inputs.RENDERER)
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
    result = {"plan": request.plan, "files": len(files), "rendered": render["rendered"],
              "passwords": len(environment["passwords"]), "inputs": inputs.entries(given)}
    return new.prepared(request.plan, files, given, stamp,
                        f"create of {request.plan}: {len(files)} files, {render['rendered']} rendered", result)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Create plan ``request.plan``: ``{plan, files, rendered, passwords: <count>, inputs: [{path,
    sha256, size}]}``.  The upload is removed however this ends.  Swift requests: 1 (the upload) +
    those of :func:`.new.perform` + 1 (removing the upload)."""
    with inputs.consuming(ctx.store, request.upload):
        check(request)
        stamp = stack.new_stamp(ctx)
        state = State(inputs.templates(ctx.store, request.upload, request.templates_dir), passwords.generate())
        return new.perform(prepare(request, state, stamp), ctx)
