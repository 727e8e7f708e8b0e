"""Small helpers over a python-heatclient client, shared by the actions that create and watch stacks."""
from __future__ import annotations

import time
from typing import Any

from tripleo_plan_actions.errors import ServiceError


def find(heat: Any, name: str) -> Any | None:
    """The live stack named ``name`` (None when there is none, or it is deleted)."""
    from heatclient import exc as heat_exc

    try:
        stack = heat.stacks.get(name, resolve_outputs=False)
    except heat_exc.HTTPNotFound:
        return None
    return None if stack.stack_status == "DELETE_COMPLETE" else stack


def wait_for_stack(heat: Any, stack_id: str, timeout: float, deleting: bool = False, interval: float = 0.5,
                   outputs: bool = False):
    """Poll until the stack leaves IN_PROGRESS; return it (None once deleted when ``deleting``).

    ``outputs`` resolves the stack's outputs on every poll (only for small stacks).
    """
    from heatclient import exc as heat_exc

    deadline = time.monotonic() + timeout
    while True:
        try:
            stack = heat.stacks.get(stack_id, resolve_outputs=outputs)
        except heat_exc.HTTPNotFound:
            if deleting:
                return None
            raise
        if not stack.stack_status.endswith("IN_PROGRESS"):
            if deleting and stack.stack_status == "DELETE_COMPLETE":
                return None
            return stack
        if time.monotonic() > deadline:
            raise ServiceError(f"stack {stack.stack_name} still {stack.stack_status} after {timeout} s")
        time.sleep(interval)


def failed_resources(heat: Any, stack_id: str) -> list[dict[str, str]]:
    """The FAILED resources of a stack and its nested stacks, deepest reasons included."""
    resources = heat.resources.list(stack_id, nested_depth=10)
    return [{"resource": r.resource_name, "type": r.resource_type, "reason": r.resource_status_reason}
            for r in resources if r.resource_status.endswith("FAILED")]


def with_progress(heat: Any, stack: str) -> tuple[Any, dict[str, int]] | None:
    """The stack (no outputs resolved) and its :func:`resource_progress`; None when it is gone.

    2 Heat requests: the stack, and its TOP-LEVEL resources (no nesting).
    """
    from heatclient import exc as heat_exc

    try:
        found = heat.stacks.get(stack, resolve_outputs=False)
        listed = heat.resources.list(stack)
    except heat_exc.HTTPNotFound:
        return None
    action, _, state = found.stack_status.partition("_")
    started = found.updated_time if action != "CREATE" and found.updated_time else found.creation_time
    resources = [{"action": r.resource_status.partition("_")[0], "status": r.resource_status.partition("_")[2],
                  "updated_time": getattr(r, "updated_time", None) or getattr(r, "creation_time", None)}
                 for r in listed]
    return found, resource_progress(action, state, started, resources)


def resource_progress(stack_action: str, stack_status: str, started_at: str | None,
                      resources: list[dict[str, Any]]) -> dict[str, int]:
    """``{done, total}`` over a stack's top-level resources (pure).

    ``resources``: ``{action, status, updated_time}`` each, as Heat's resource list shows them
    (``updated_time`` is the creation time of a resource never updated); ``started_at``: when the
    stack's current operation began (its ``updated_time``, or ``creation_time`` for a create).  A
    resource is done when it is COMPLETE for the stack's action since ``started_at`` (ISO times
    compare as text).  Once the stack itself is COMPLETE, every resource is done: Heat leaves the
    resources an update did not need to touch as they were.
    """
    total = len(resources)
    if stack_status == "COMPLETE":
        return {"done": total, "total": total}
    done = sum(1 for r in resources
               if r.get("status") == "COMPLETE" and r.get("action") == stack_action
               and (started_at is None or (r.get("updated_time") or "") >= started_at))
    return {"done": done, "total": total}
