"""Scale: an update that sets ``<Role>Count`` for the roles named in ``role_counts``."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import replay, stack, update
from tripleo_plan_actions.operations.context import Context

OPERATION = "scale"


@dataclasses.dataclass
class Request(stack.Replaying):
    """The inputs of ``tripleo_plan.deploy.scale``: ``role_counts`` (``{Role: n}``, required)
    and those of :class:`~.stack.Replaying`."""

    role_counts: dict | None = None


read_state = update.read_state


def check_role_counts(plan: str, role_counts: Any, files: Mapping[str, bytes]) -> dict[str, int]:
    """``role_counts`` if every name is a role of the plan's roles_data.yaml (names are case
    sensitive: a near miss is named) and every count a whole number, 0 or more; else PlanInputError
    naming the role and the plan's roles."""
    if not role_counts or not isinstance(role_counts, dict):
        raise PlanInputError("scale needs role_counts: {Role: count}, e.g. {\"Compute\": 3}")
    roles = [r.get("name") for r in plans.load_yaml(plans.ROLES_DATA, files[plans.ROLES_DATA]) or []
             if isinstance(r, dict)]
    for role, count in role_counts.items():
        if role not in roles:
            near = [r for r in roles if isinstance(r, str) and r.lower() == str(role).lower()]
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise PlanInputError(f"role_counts: {role} is not a role of plan {plan}{hint}; its roles are "
                                 f"{', '.join(map(str, roles)) or 'none'}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PlanInputError(f"role_counts: {role}={count!r}: a count must be a whole number, 0 or more")
    return dict(role_counts)


def prepare(request: Request, state: stack.StackState, stamp: stack.Stamp) -> stack.StackOperation:
    role_counts = check_role_counts(request.plan, request.role_counts, state.files)
    stack.require_deployed(OPERATION, state, request.plan)
    return replay.prepare(OPERATION, request, state, stamp, role_counts=role_counts)


def start(request: Request, ctx: Context) -> dict[str, Any]:
    return stack.start(OPERATION, read_state, prepare, request, ctx)
