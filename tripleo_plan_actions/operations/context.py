"""What an operation needs from the world, handed in as ONE value (Helm's ``Configuration``).

Operations never build clients: the Mistral action adapter (``actions/``) makes a
:class:`Context` from the action's run, and the unit tests make one over the in-memory store and
in-memory Heat and Mistral.  Everything an operation reads or writes goes through it.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Mapping, Protocol

from tripleo_plan_actions.services.heat_stacks import Outcome, Stack
from tripleo_plan_actions.storage.lock import PlanLock
from tripleo_plan_actions.storage.store import PlanStore


def utc_now() -> str:
    """The current UTC time as revision records write it (ISO 8601, seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Stacks(Protocol):
    """Heat as operations use it (:class:`~tripleo_plan_actions.services.heat_stacks.HeatStacks`)."""

    def find(self, name: str) -> Stack | None: ...

    def create(self, name: str, arguments: Mapping[str, Any], timeout: int) -> str: ...

    def update(self, stack: Stack, arguments: Mapping[str, Any], timeout: int,
               operation: str = "update") -> str: ...

    def delete(self, stack: Stack) -> str: ...

    def preview(self, name: str, stack: Stack | None, arguments: Mapping[str, Any]) -> dict[str, Any]: ...

    def outcome(self, ref: str, outputs: bool = True) -> Outcome: ...

    def environment(self, ref: str) -> dict[str, Any]: ...

    def resource_value(self, ref: str, name: str) -> Any: ...

    def progress(self, ref: str) -> dict[str, Any]: ...


class Executions(Protocol):
    """Mistral as operations use it: execution states, and the environments the lock is made of."""

    def execution_state(self, execution_id: str | None) -> str | None: ...

    def create_environment(self, name: str, variables: dict[str, Any]) -> bool: ...

    def environment(self, name: str) -> dict[str, Any] | None: ...

    def delete_environment(self, name: str) -> None: ...


@dataclasses.dataclass
class Context:
    """One run of an operation: the store, Heat, Mistral, who runs it, and the clock.

    ``execution``: the Mistral workflow execution running the operation (None when run on its
    own): it holds the plan's lock and is written into the revision record.  ``user`` and
    ``project``: the caller's names from Keystone (None without).  ``now``: the clock records are stamped with.
    """

    store: PlanStore
    stacks: Stacks
    mistral: Executions
    execution: str | None = None
    user: str | None = None
    project: str | None = None
    now: Callable[[], str] = utc_now

    def lock(self, plan: str) -> PlanLock:
        """The lock of ``plan`` (one operation at a time; see :mod:`~tripleo_plan_actions.storage.lock`)."""
        return PlanLock(self.mistral, plan)
