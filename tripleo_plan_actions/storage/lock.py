"""One operation at a time per plan, enforced by Mistral's database.

The lock is a Mistral *environment* named ``tripleo-plan-lock-<plan>`` whose variables name the
holding execution.  Mistral's environment names are unique in its database, so of two operations
creating it at once exactly one succeeds (Swift offers no such guarantee: two concurrent PUTs with
``If-None-Match: *`` can both pass).  A lock whose execution has ended or no longer exists is
stale: the next operation removes it and takes the lock.  An operator clears a stuck lock by
cancelling the holding execution (``openstack workflow execution update -s CANCELLED <id>``: the
next operation then sees it is over), or by starting the next operation with ``force_unlock:
true`` (``tripleo-plan ... --force-unlock``), or with ``openstack workflow env delete
tripleo-plan-lock-<plan>``.
"""
from __future__ import annotations

import time
from typing import Any

from tripleo_plan_actions.core.history import FINAL_STATES
from tripleo_plan_actions.errors import PlanBusy

PREFIX = "tripleo-plan-lock-"


def name(plan: str) -> str:
    return PREFIX + plan


class PlanLock:
    """The lock of one plan, through a :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI`."""

    def __init__(self, mistral: Any, plan: str) -> None:
        self.mistral = mistral
        self.plan = plan

    def acquire(self, execution_id: str | None, operation: str) -> None:
        """Take the lock for ``execution_id`` or raise PlanBusy naming the running execution."""
        variables = {"execution": execution_id, "operation": operation,
                     "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        for _ in range(3):
            if self.mistral.create_environment(name(self.plan), variables):
                return
            holder = self.mistral.environment(name(self.plan))
            if holder is None:
                continue  # released meanwhile
            held_by = holder["variables"].get("execution")
            if held_by == execution_id and execution_id:
                return
            state = self.mistral.execution_state(held_by)
            if state is not None and state not in FINAL_STATES:
                raise PlanBusy(
                    f"plan {self.plan} is busy: {holder['variables'].get('operation')} running in Mistral "
                    f"execution {held_by} since {holder['variables'].get('since')}; try again when it has "
                    f"ended (a stuck one: cancel that execution, or delete the Mistral environment "
                    f"{name(self.plan)})")
            self.mistral.delete_environment(name(self.plan))  # stale: its execution is over
        raise PlanBusy(f"plan {self.plan} is busy: could not take its lock {name(self.plan)}")

    def force(self) -> None:
        """Remove the lock whoever holds it (the ``force_unlock`` input)."""
        self.mistral.delete_environment(name(self.plan))

    def release(self, execution_id: str | None) -> None:
        """Give the lock back if ``execution_id`` holds it."""
        holder = self.mistral.environment(name(self.plan))
        if holder is not None and holder["variables"].get("execution") == execution_id:
            self.mistral.delete_environment(name(self.plan))
