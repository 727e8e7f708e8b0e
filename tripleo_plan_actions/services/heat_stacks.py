"""Heat as the pack uses it: a narrow interface over python-heatclient, and small helpers.

:class:`HeatStacks` is what operations call (find, create, update, preview, delete, outcome):
plain values in and out, Heat's refusals turned into ServiceError naming the stack and what was
asked.  The unit tests of the operations use an in-memory implementation of the same methods.
"""
from __future__ import annotations

import contextlib
import time
from typing import Any, Iterator, Mapping, NamedTuple

from tripleo_plan_actions.errors import ServiceError


class Stack(NamedTuple):
    """A live stack as an operation sees it: ``ref`` is ``name/id`` (one request, no redirect);
    ``since``: when its current action began (Heat's updated time, else its creation time);
    ``deploy_identifier``: its ``DeployIdentifier`` parameter (None when its template has none)."""

    name: str
    id: str
    status: str
    reason: str | None
    since: str | None = None
    deploy_identifier: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}/{self.id}"


class Outcome(NamedTuple):
    """Where a stack operation ended: ``status`` (``DELETE_COMPLETE`` once gone), Heat's reason,
    the stack's outputs (``{key: value}``) and, for a FAILED one, its failed resources."""

    id: str | None
    status: str
    reason: str | None
    outputs: dict[str, Any]
    failures: list[dict[str, str]]


class HeatStacks:
    """The stacks of one Heat endpoint, through a python-heatclient v1 client."""

    def __init__(self, heat: Any) -> None:
        self.heat = heat

    def find(self, name: str) -> Stack | None:
        """The live stack ``name``, or None (none, or deleted).  1 request."""
        with _refused(f"read stack {name}"):
            found = find(self.heat, name)
        if found is None:
            return None
        since = getattr(found, "updated_time", None) or getattr(found, "creation_time", None)
        identifier = (getattr(found, "parameters", None) or {}).get("DeployIdentifier")
        return Stack(name, found.id, found.stack_status, found.stack_status_reason, since,
                     None if identifier is None else str(identifier))

    def create(self, name: str, arguments: Mapping[str, Any], timeout: int) -> str:
        """Create stack ``name``; its ``name/id``.  1 request."""
        with _refused(f"create stack {name}"):
            created = self.heat.stacks.create(stack_name=name, timeout_mins=timeout, **arguments)
        return f"{name}/{created['stack']['id']}"

    def update(self, stack: Stack, arguments: Mapping[str, Any], timeout: int, operation: str = "update") -> str:
        """A full PUT update (not PATCH: the stack's environment becomes exactly ``arguments``)."""
        with _refused(f"{operation} stack {stack.name}"):
            self.heat.stacks.update(stack.ref, existing=False, timeout_mins=timeout, **arguments)
        return stack.ref

    def delete(self, stack: Stack) -> str:
        with _refused(f"delete stack {stack.name}"):
            self.heat.stacks.delete(stack.ref)
        return stack.ref

    def preview(self, name: str, stack: Stack | None, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """What Heat would do: ``{create: <resources>}`` for a new stack, else ``preview_update``'s
        resource names by kind (``added``, ``deleted``, ``replaced``, ``unchanged``, ``updated``)."""
        with _refused(f"preview stack {name}"):
            if stack is None:
                preview = self.heat.stacks.preview(stack_name=name, **arguments)
                return {"create": len(preview.to_dict().get("resources", []))}
            changes = self.heat.stacks.preview_update(stack.ref, show_nested=False, **arguments)
        summary = changes.get("resource_changes", {})
        return {kind: sorted(r["resource_name"] for r in items) for kind, items in summary.items()}

    def outcome(self, ref: str, outputs: bool = True) -> Outcome:
        """Where the operation on stack ``ref`` ended (outputs resolved when ``outputs``)."""
        from heatclient import exc as heat_exc

        name = ref.partition("/")[0]
        with _refused(f"read stack {name}"):
            try:
                stack = self.heat.stacks.get(ref, resolve_outputs=outputs)
            except heat_exc.HTTPNotFound:
                return Outcome(None, "DELETE_COMPLETE", "the stack is gone", {}, [])
            status = stack.stack_status
            failures = [] if status.endswith("_COMPLETE") else failed_resources(self.heat, ref)
        values = {o["output_key"]: o.get("output_value") for o in stack.to_dict().get("outputs", [])} \
            if outputs else {}
        return Outcome(stack.id, status, stack.stack_status_reason, values, failures)

    def environment(self, ref: str) -> dict[str, Any]:
        """The environment Heat merged for stack ``ref`` (``stacks.environment``: every hidden
        parameter's value shown as ``******``).  1 request."""
        with _refused(f"read the environment of stack {ref.partition('/')[0]}"):
            return dict(self.heat.stacks.environment(ref))

    def resource_value(self, ref: str, name: str) -> Any:
        """The ``value`` attribute of stack ``ref``'s resource ``name`` (an old overcloud's
        generated password), or None when the stack has no such resource.  1 request."""
        from heatclient import exc as heat_exc

        with _refused(f"read resource {name} of stack {ref.partition('/')[0]}"):
            try:
                return self.heat.resources.get(ref, name).attributes.get("value")
            except heat_exc.HTTPNotFound:
                return None

    def progress(self, ref: str) -> dict[str, Any]:
        """``{status, done, reason, resources: {done, total}, started_at}`` of stack ``ref`` (see
        :func:`with_progress`; ``started_at``: :func:`operation_started`; a stack that is gone is
        DELETE_COMPLETE, ``started_at`` None).  2 requests."""
        with _refused(f"read stack {ref.partition('/')[0]}"):
            found = with_progress(self.heat, ref)
        if found is None:
            return {"status": "DELETE_COMPLETE", "done": True, "reason": "the stack is gone",
                    "resources": {"done": 0, "total": 0}, "started_at": None}
        stack, resources = found
        return {"status": stack.stack_status, "done": not stack.stack_status.endswith("IN_PROGRESS"),
                "reason": stack.stack_status_reason, "resources": resources, "started_at": operation_started(stack)}


@contextlib.contextmanager
def _refused(what: str) -> Iterator[None]:
    """Turn heatclient's HTTP errors into ServiceError("Heat refused to <what>: ...")."""
    from heatclient import exc as heat_exc

    try:
        yield
    except heat_exc.HTTPException as error:
        failure = ServiceError(f"Heat refused to {what}: {error}")
        failure.status = getattr(error, "code", None)
        raise failure from error


def find(heat: Any, name: str) -> Any | None:
    """The live stack named ``name`` (None when there is none, or it is deleted)."""
    from heatclient import exc as heat_exc

    try:
        stack = heat.stacks.get(name, resolve_outputs=False)
    except heat_exc.HTTPNotFound:
        return None
    return None if stack.stack_status == "DELETE_COMPLETE" else stack


def wait_for_stack(heat: Any, stack_id: str, timeout: float, deleting: bool = False, interval: float = 0.5,
                   outputs: bool = False) -> Any:
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
    started = operation_started(found)
    resources = [{"action": r.resource_status.partition("_")[0], "status": r.resource_status.partition("_")[2],
                  "updated_time": getattr(r, "updated_time", None) or getattr(r, "creation_time", None)}
                 for r in listed]
    return found, resource_progress(action, state, started, resources)


def operation_started(stack: Any) -> str | None:
    """When the stack's current operation began, by Heat's clock (ISO 8601 UTC): its
    ``creation_time`` for a CREATE, else its ``updated_time`` (Heat sets it as an update, and with
    the convergence engine a delete, begins), else ``creation_time``."""
    action = stack.stack_status.partition("_")[0]
    return stack.updated_time if action != "CREATE" and stack.updated_time else stack.creation_time


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
