"""In-memory Heat and Mistral with the methods operations call, for unit tests of the operations.

Not mocks: small implementations that keep state and follow the real services' rules as the pack
relies on them (Mistral's unique environment names, executions with states; Heat's stacks with a
status that the test moves on, refusals as ServiceError).  The functional tests prove the real
adapters against the real services.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Mapping

from tripleo_plan_actions.core import environment as environments
from tripleo_plan_actions.errors import ServiceError
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.services.heat_stacks import Outcome, Stack
from tripleo_plan_actions.storage.memory import MemoryPlanStore


class MemoryMistral:
    """Executions (id -> state) and environments (name -> variables)."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.environments: dict[str, dict[str, Any]] = {}

    def execution_state(self, execution_id: str | None) -> str | None:
        return self.states.get(execution_id) if execution_id else None

    def create_environment(self, name: str, variables: dict[str, Any]) -> bool:
        if name in self.environments:
            return False
        self.environments[name] = {"name": name, "variables": dict(variables)}
        return True

    def environment(self, name: str) -> dict[str, Any] | None:
        return self.environments.get(name)

    def delete_environment(self, name: str) -> None:
        self.environments.pop(name, None)


class MemoryStacks:
    """Stacks by name; ``calls`` records every request that changes one; ``refuse`` makes the
    next create/update/delete fail as Heat's 400 would; ``settle(name, status)`` ends an operation."""

    def __init__(self, now: Any = None) -> None:
        self.now = now or (lambda: "2026-12-01T12:00:00Z")  # what Heat stamps an action's start with
        self.stacks: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.previews: list[str] = []
        self.refuse: str | None = None
        self.refuse_status: int | None = 400
        self._ids = itertools.count(1)

    def _check(self, what: str) -> None:
        if self.refuse:
            message, self.refuse = self.refuse, None
            refused = ServiceError(f"Heat refused to {what}: ERROR: {message}")
            refused.status = self.refuse_status
            raise refused

    def find(self, name: str) -> Stack | None:
        found = self.stacks.get(name)
        if found is None or found["status"] == "DELETE_COMPLETE":
            return None
        return Stack(name, found["id"], found["status"], found["reason"], found["since"],
                     _deploy_identifier(found["arguments"]))

    def create(self, name: str, arguments: Mapping[str, Any], timeout: int) -> str:
        self._check(f"create stack {name}")
        self.calls.append(("create", name))
        stack_id = f"id-{next(self._ids)}"
        self.stacks[name] = {"id": stack_id, "status": "CREATE_IN_PROGRESS", "reason": "", "since": self.now(),
                             "arguments": dict(arguments), "timeout": timeout, "outputs": {}}
        return f"{name}/{stack_id}"

    def update(self, stack: Stack, arguments: Mapping[str, Any], timeout: int, operation: str = "update") -> str:
        self._check(f"{operation} stack {stack.name}")
        self.calls.append(("update", stack.name))
        self.stacks[stack.name].update(status="UPDATE_IN_PROGRESS", arguments=dict(arguments), timeout=timeout,
                                       since=self.now())
        return stack.ref

    def delete(self, stack: Stack) -> str:
        self._check(f"delete stack {stack.name}")
        self.calls.append(("delete", stack.name))
        self.stacks[stack.name]["status"] = "DELETE_IN_PROGRESS"
        return stack.ref

    def preview(self, name: str, stack: Stack | None, arguments: Mapping[str, Any]) -> dict[str, Any]:
        self.previews.append(name)
        return {"create": 2} if stack is None else {"updated": ["Compute"], "unchanged": []}

    def outcome(self, ref: str, outputs: bool = True) -> Outcome:
        found = self.stacks.get(ref.partition("/")[0])
        if found is None or found["status"] == "DELETE_COMPLETE":
            return Outcome(None, "DELETE_COMPLETE", "the stack is gone", {}, [])
        failures = [] if found["status"].endswith("_COMPLETE") else [
            {"resource": "Compute", "type": "OS::Heat::Value", "reason": found["reason"]}]
        return Outcome(found["id"], found["status"], found["reason"], dict(found["outputs"]) if outputs else {},
                       failures)

    def environment(self, ref: str) -> dict[str, Any]:
        """What Heat merged: a test's ``environment`` for the stack, else Heat's merge of its arguments."""
        found = self.stacks[ref.partition("/")[0]]
        if "environment" in found:
            return dict(found["environment"])
        return environments.effective_environment(found["arguments"])

    def resource_value(self, ref: str, name: str) -> Any:
        """A test's ``resource_values`` of the stack (an old overcloud's generated passwords)."""
        return self.stacks[ref.partition("/")[0]].get("resource_values", {}).get(name)

    def progress(self, ref: str) -> dict[str, Any]:
        found = self.outcome(ref, outputs=False)
        return {"status": found.status, "done": not found.status.endswith("IN_PROGRESS"), "reason": found.reason,
                "resources": {"done": 0, "total": 0}}

    def settle(self, name: str, status: str | None = None, reason: str = "") -> None:
        """End the stack's operation: COMPLETE (or ``status``, e.g. UPDATE_FAILED)."""
        found = self.stacks[name]
        found["status"] = status or found["status"].replace("IN_PROGRESS", "COMPLETE")
        found["reason"] = reason


def _deploy_identifier(arguments: Mapping[str, Any]) -> str | None:
    """The DeployIdentifier the stack was last sent (Heat's stack parameter), from its arguments."""
    import yaml

    from tripleo_plan_actions.core.environment import PARAMETERS_ENVIRONMENT

    content = (arguments.get("files") or {}).get(PARAMETERS_ENVIRONMENT)
    value = ((yaml.safe_load(content) or {}).get("parameter_defaults") or {}).get("DeployIdentifier") \
        if content else None
    return None if value is None else str(value)


def context(store: MemoryPlanStore | None = None, execution: str = "exec-1", user: str = "admin") -> Context:
    """A Context over in-memory services; the execution is RUNNING in the in-memory Mistral."""
    mistral = MemoryMistral()
    mistral.states[execution] = "RUNNING"
    return Context(store=store or MemoryPlanStore(), stacks=MemoryStacks(), mistral=mistral,
                   execution=execution, user=user, now=lambda: "2026-12-01T12:00:00Z")


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"


def example_plan(plan: str) -> dict[str, bytes]:
    """The files of plan ``plan`` made from examples/small-overcloud and rendered, as a create makes them."""
    from tripleo_plan_actions.core import passwords, plan as plans
    from tripleo_plan_actions.operations import inputs
    from tripleo_plan_actions.storage.tree import read_tree

    files = plans.new_plan(plan, read_tree(str(EXAMPLE)), generated_passwords=passwords.generate())
    return plans.render(files, inputs.RENDERER)[0]


def created(plan: str, files: Mapping[str, bytes]) -> Context:
    """An in-memory :func:`context` holding plan ``plan`` (``files``) with its revision 1, ``create``
    (the store's ``writes`` then cleared: a test sees only its own)."""
    from tripleo_plan_actions.core import plan as plans, revisions

    ctx = context()
    ctx.store.create(plan, dict(files))
    record = revisions.new_record(plan, 1, "create", started_at="t0", execution="exec-0", user="admin",
                                  environments=[], plan_digest=plans.plan_digest(files))
    ctx.store.put_revision(plan, revisions.finish(record, revisions.SUCCEEDED, finished_at="t0"), new=True)
    ctx.store.writes.clear()
    return ctx
