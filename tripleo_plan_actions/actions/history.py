"""Reading a plan's life-cycle story: list, show and diff its revision records (secrets masked),
and the plan's status object (what runs now, how far it is, and the last outcome).

Reads never write: a pending record whose execution is over is SHOWN as the ``interrupted``
record it becomes (:func:`~tripleo_plan_actions.operations.records.as_read`); the next operation
on the plan stores it so.
"""
from __future__ import annotations

from typing import Any

from tripleo_plan_actions.actions.base import PlanAction
from tripleo_plan_actions.core import history, plan as plans, revisions
from tripleo_plan_actions.core.policy import READ
from tripleo_plan_actions.errors import PlanInputError, PlanNotFound
from tripleo_plan_actions.operations.context import utc_now as now
from tripleo_plan_actions.operations.records import as_read
from tripleo_plan_actions.operations.stack import read_parameters
from tripleo_plan_actions.services import connections, heat_stacks
from tripleo_plan_actions.storage.store import PlanStore
from tripleo_plan_actions.storage.swift import SwiftPlanStore


def _record(store: PlanStore, plan: str, number: int, numbers: list[int]) -> dict[str, Any]:
    if number not in numbers:
        raise PlanInputError(f"plan {plan} has no revision {number} (it has "
                             f"{', '.join(map(str, numbers)) or 'none'})")
    return store.revision(plan, number)


class ListHistory(PlanAction):
    """``{plan, revisions: [summary, ...]}``, newest first, at most ``limit``."""

    access = READ

    def __init__(self, plan: str, limit: int | None = None) -> None:
        self.plan = plan
        self.limit = limit

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        numbers = store.revision_numbers(self.plan)
        wanted = numbers if self.limit is None else numbers[len(numbers) - max(0, self.limit):]
        records = as_read(services.mistral(), [store.revision(self.plan, n) for n in wanted], now())
        return {"plan": self.plan, "revisions": history.listing(records, self.limit)}


class ShowRevision(PlanAction):
    """One revision as readers see it: inputs by path and digest, parameters masked."""

    access = READ

    def __init__(self, plan: str, revision: int) -> None:
        self.plan = plan
        self.revision = revision

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        record = _record(store, self.plan, self.revision, store.revision_numbers(self.plan))
        return history.show(as_read(services.mistral(), [record], now())[0])


class DiffRevisions(PlanAction):
    """What changed from revision ``a`` to ``b``: environments, user files, parameters, plan, stack.

    Secret parameters are compared on their real stored values but shown only as changed/unchanged.
    """

    access = READ

    def __init__(self, plan: str, a: int, b: int) -> None:
        self.plan = plan
        self.a = a
        self.b = b

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        numbers = store.revision_numbers(self.plan)
        records = [_record(store, self.plan, n, numbers) for n in (self.a, self.b)]
        stored = [read_parameters(store, self.plan, r) for r in records]
        return history.diff(records[0], records[1], parameters_a=stored[0], parameters_b=stored[1])


class PlanStatus(PlanAction):
    """The status object of plan ``plan`` (see :func:`history.status`): what a UI polls.

    Polled through the ``tripleo_plan.history.status`` workflow: one short execution per poll,
    no message queue.  (``mistral run-action`` would run it inside the engine's database
    transaction; calling back into Mistral's API from there hangs the local sqlite Mistral.)
    Requests: Swift 1 listing + 1 GET (2 when an operation runs); while one runs, Mistral 4 GETs
    (the execution, its tasks, the shared sub-workflow and its tasks) and, during the stack wait,
    Heat 2 (the stack, its resources).
    """

    access = READ

    def __init__(self, plan: str) -> None:
        self.plan = plan

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        numbers = store.revision_numbers(self.plan)
        if not numbers:
            if not store.exists(self.plan):
                raise PlanNotFound(f"plan {self.plan} does not exist")
            return history.status(self.plan, None, None, execution_state=None, now=now())
        newest = store.revision(self.plan, numbers[-1])
        if newest["status"] != revisions.PENDING:
            return history.status(self.plan, newest, newest, execution_state=None, now=now())
        previous = store.revision(self.plan, numbers[-2]) if len(numbers) > 1 else None
        if previous is not None and previous["status"] == revisions.PENDING:
            previous = None  # not an outcome yet
        mistral = services.mistral()
        state = mistral.execution_state(newest.get("execution"))
        step = progress = None
        if state is not None and state not in history.FINAL_STATES:
            task = mistral.step(newest["execution"])
            step = task["name"] if task else None
            if step == "wait":
                found = heat_stacks.with_progress(services.heat(), newest["stack"]["name"])
                progress = found[1] if found else None
        return history.status(self.plan, newest, previous, execution_state=state, now=now(), step=step,
                              progress=progress)
