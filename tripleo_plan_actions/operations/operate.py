"""The deprecated ``tripleo_plan.deploy.operate`` (one workflow for every stack operation, kept
for one release): its 19 inputs mapped onto the operation's own request.

An input the operation cannot take is refused, naming it, unless it has ``operate``'s default
(the workflow passes every input, given or not).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import STACK_OPERATIONS
from tripleo_plan_actions.operations.stack import DEFAULT_TIMEOUT

#: ``operate``'s inputs besides ``plan`` and ``operation``, with their defaults.
DEFAULTS: dict[str, Any] = {
    "environments": [], "user_files": {}, "parameters": {}, "remove_environments": [],
    "reset_environments": False, "reset_parameters": False, "unset_parameters": [], "role_counts": {},
    "dry_run": False, "timeout": DEFAULT_TIMEOUT, "upload": None, "templates_dir": None, "rollback_to": None,
    "force_unlock": False, "history_limit": None, "user_upload": None, "local_templates_dir": None}
#: ``operate``'s names that the operations' own workflows call otherwise.
RENAMED = {"rollback_to": "to"}


def _request_type(operation: str) -> tuple[Any, set[str]]:
    """The ``Request`` class of ``operation`` and its field names; PlanInputError for an
    operation that does not exist."""
    if operation not in STACK_OPERATIONS:
        raise PlanInputError(f"operation {operation!r} is not one of {', '.join(STACK_OPERATIONS)}")
    request_type = STACK_OPERATIONS[operation].Request
    return request_type, {field.name for field in dataclasses.fields(request_type)}


def parse(operation: str, given: Mapping[str, Any]) -> Any:
    """The ``Request`` of ``operation`` from its workflow's input; PlanInputError names an input
    it does not take (Mistral refuses those at the workflow already) or a missing ``plan``."""
    request_type, fields = _request_type(operation)
    unknown = sorted(set(given) - fields)
    if unknown:
        raise PlanInputError(f"{operation} does not take {', '.join(unknown)} (it takes {', '.join(sorted(fields))})")
    if "plan" not in given:
        raise PlanInputError(f"{operation} needs plan")
    return request_type(**given)


def request(operation: str, plan: str, given: Mapping[str, Any]) -> Any:
    """The ``Request`` of ``operation`` from ``operate``'s inputs; PlanInputError names an input
    the operation does not take, or an operation that does not exist."""
    request_type, fields = _request_type(operation)
    values: dict[str, Any] = {"plan": plan}
    for name, value in given.items():
        if name not in DEFAULTS:
            raise PlanInputError(f"operate has no input {name!r}")
        target = RENAMED.get(name, name)
        if target in fields:
            values[target] = value
        elif value != DEFAULTS[name] and value is not None:
            takes = ", ".join(sorted(fields - {"plan"}))
            raise PlanInputError(f"{operation} does not take {name} (it takes {takes})")
    return request_type(**values)
