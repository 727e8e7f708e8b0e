"""Reading a plan's life-cycle story: list, show and diff its revision records (secrets masked)."""
from __future__ import annotations

import json
from typing import Any

from tripleo_plan_actions import connections
from tripleo_plan_actions.actions.base import PlanAction
from tripleo_plan_actions.core import history
from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.storage.plans import PlanStore


def _record(store: PlanStore, plan: str, number: int, numbers: list[int]) -> dict[str, Any]:
    if number not in numbers:
        raise PlanInputError(f"plan {plan} has no revision {number} (it has "
                             f"{', '.join(map(str, numbers)) or 'none'})")
    return store.revision(plan, number)


class ListHistory(PlanAction):
    """``{plan, revisions: [summary, ...]}``, newest first, at most ``limit``."""

    def __init__(self, plan: str, limit: int | None = None) -> None:
        self.plan = plan
        self.limit = limit

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = PlanStore(services.swift())
        numbers = store.revision_numbers(self.plan)
        wanted = numbers if self.limit is None else numbers[len(numbers) - max(0, self.limit):]
        records = [store.revision(self.plan, n) for n in wanted]
        return {"plan": self.plan, "revisions": history.listing(records, self.limit)}


class ShowRevision(PlanAction):
    """One revision as readers see it: inputs by path and digest, parameters masked."""

    def __init__(self, plan: str, revision: int) -> None:
        self.plan = plan
        self.revision = revision

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = PlanStore(services.swift())
        return history.show(_record(store, self.plan, self.revision, store.revision_numbers(self.plan)))


class DiffRevisions(PlanAction):
    """What changed from revision ``a`` to ``b``: environments, user files, parameters, plan, stack.

    Secret parameters are compared on their real stored values but shown only as changed/unchanged.
    """

    def __init__(self, plan: str, a: int, b: int) -> None:
        self.plan = plan
        self.a = a
        self.b = b

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = PlanStore(services.swift())
        numbers = store.revision_numbers(self.plan)
        records = [_record(store, self.plan, n, numbers) for n in (self.a, self.b)]
        stored = [json.loads(store.input(self.plan, r["parameters"]["sha256"])) if r["parameters"]["sha256"]
                  else {} for r in records]
        return history.diff(records[0], records[1], parameters_a=stored[0], parameters_b=stored[1])
