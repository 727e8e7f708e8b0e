"""The stack operations' actions: thin adapters over :mod:`tripleo_plan_actions.operations`.

Every stack operation's workflow hands its whole input to the shared sub-workflow
``tripleo_plan.deploy.run``: ``tripleo_plan.deploy.start`` starts the operation, the workflow then
polls ``tripleo_plan.deploy.stack_status`` (a Mistral retry: no executor thread is held while Heat
works; each poll says when the next is due, :mod:`tripleo_plan_actions.core.polling`) and ends
with ``tripleo_plan.deploy.finish``.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from tripleo_plan_actions.actions.base import PlanAction, operation_context
from tripleo_plan_actions.core import passwords, polling
from tripleo_plan_actions.core.policy import READ
from tripleo_plan_actions.operations import STACK_OPERATIONS, finish, operate
from tripleo_plan_actions.services import connections

LOG = logging.getLogger(__name__)


class StartOperation(PlanAction):
    """``tripleo_plan.deploy.start``: start stack operation ``operation`` with ``request``, the
    whole input of the operation's workflow (the fields of its ``Request``; any other is refused
    naming it).  ``legacy``: ``request`` is the deprecated ``operate`` input, mapped by
    :func:`tripleo_plan_actions.operations.operate.request`.  ``execution``: the execution that
    holds the lock and is recorded (the caller's, above the shared sub-workflow; default: this
    action's own)."""

    entry_point = "tripleo_plan.deploy.start"

    def __init__(self, operation: str, request: dict, legacy: bool = False, execution: str | None = None) -> None:
        self.operation = operation
        self.request = request
        self.legacy = legacy
        self.execution = execution

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        request = dict(self.request or {})
        if self.legacy:
            parsed = operate.request(request.pop("operation", self.operation), request.pop("plan", None), request)
        else:
            parsed = operate.parse(self.operation, request)
        return STACK_OPERATIONS[self.operation].start(parsed, operation_context(services, context, self.execution))


class StackStatus(PlanAction):
    """``{status, done, reason, resources: {done, total}, started_at, next_poll}`` of a stack; the
    workflow polls it with a Mistral retry, and clients read its latest result for progress.
    ``resources`` counts the stack's TOP-LEVEL resources COMPLETE for its current action out of
    all; ``started_at`` is when that action began (Heat's clock); ``next_poll`` the seconds the
    retry waits before the next poll (:func:`tripleo_plan_actions.core.polling.delay` of the
    seconds since ``started_at`` by this host's clock; the schedule is the settings' ``poll``
    section).  2 Heat requests."""

    access = READ

    entry_point = "tripleo_plan.deploy.stack_status"

    def __init__(self, stack: str) -> None:
        self.stack = stack

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        found = operation_context(services, context).stacks.progress(self.stack)
        since = polling.elapsed(found.get("started_at"), time.time())
        # Heat's reason may quote a secret parameter's value (a failed constraint): masked
        return {**found, "reason": passwords.redact(found.get("reason")),
                "next_poll": polling.delay(since, poll_policy(services))}


def poll_policy(services: connections.Connections) -> polling.Policy:
    """The wait step's schedule from the settings' ``poll`` section; the default one, logged, when
    the section is invalid (a typo in it must not end the operation)."""
    chosen, invalid = polling.policy(services.discovery.settings)
    if invalid:
        LOG.warning("%s; polling every %s s for the first %s s, then every %s s", invalid, chosen.fast,
                    chosen.fast_for, chosen.slow)
    return chosen


class FinishOperation(PlanAction):
    """Complete revision ``revision`` with the outcome of ``stack``; fail with the failed resources
    (see :mod:`tripleo_plan_actions.operations.finish`)."""

    entry_point = "tripleo_plan.deploy.finish"

    def __init__(self, plan: str, revision: int, stack: str, history_limit: int | None = None,
                 execution: str | None = None) -> None:
        self.plan = plan
        self.revision = revision
        self.stack = stack
        self.history_limit = history_limit
        self.execution = execution

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        return finish.finish(operation_context(services, context, self.execution), self.plan, self.revision,
                             self.stack, self.history_limit)
