"""The edge between Mistral and the pack: typed failures become readable error results.

A pack action subclasses :class:`PlanAction`, takes its inputs in ``__init__`` (Mistral passes the
task's input as keyword arguments) and implements :meth:`PlanAction.perform`, which receives the
:class:`~tripleo_plan_actions.services.connections.Connections` for this run and returns plain data.  A
:class:`~tripleo_plan_actions.errors.PlanError` raised by ``perform`` becomes an error ``Result``
whose value is the operator-facing message, so the execution ends in ERROR with that message in its
``state_info``.  A service that cannot be reached at all (connection refused or reset, a
timeout: an ``OSError``, which ``requests``' errors are, or heatclient's CommunicationError) is
reported the same way, naming the address.  Any other exception is a bug and propagates with its
traceback.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from mistral_lib import actions

from tripleo_plan_actions.actions import pauses
from tripleo_plan_actions.errors import PlanError
from tripleo_plan_actions.services import connections

LOG = logging.getLogger(__name__)


class PlanAction(actions.Action):
    """Base class of the pack's actions; ``entry_point``: its name in Mistral, where a test may
    pause it (:mod:`~tripleo_plan_actions.actions.pauses`)."""

    entry_point = ""

    def perform(self, services: connections.Connections, context: Any) -> Any:
        """Do the work; return JSON-serialisable data or raise PlanError."""
        raise NotImplementedError

    def run(self, context: Any) -> actions.Result:
        try:
            services = connections.for_context(context)
            data = self.perform(services, context)
            pauses.hold(self.entry_point)  # a test's lost executor (inert unless asked for)
            return actions.Result(data=data)
        except PlanError as error:
            LOG.warning("%s failed: %s", type(self).__name__, error)
            return actions.Result(error=str(error))
        except Exception as error:
            if not _unreachable(error):
                raise
            LOG.warning("%s lost a service: %s", type(self).__name__, error)
            return actions.Result(error=f"a service could not be reached: {error}")


def _unreachable(error: Exception) -> bool:
    """Whether ``error`` says a service could not be reached (rather than a bug)."""
    if isinstance(error, OSError):
        return True
    try:
        from heatclient import exc as heat_exc
    except ImportError:  # pragma: no cover - heatclient is a dependency
        return False
    return isinstance(error, heat_exc.CommunicationError)


def operation_context(services: connections.Connections, context: Any, execution: str | None = None) -> Any:
    """The :class:`~tripleo_plan_actions.operations.context.Context` of this action run: the plan
    store on Swift, Heat, Mistral, the execution (``execution``, else the action's own workflow
    execution) and the user.  The Heat and Mistral clients are made when first used, so an
    operation that needs neither (a plan create, show, ...) works without their settings or
    catalog entries."""
    from tripleo_plan_actions.operations.context import Context
    from tripleo_plan_actions.services.heat_stacks import HeatStacks
    from tripleo_plan_actions.storage.swift import SwiftPlanStore

    return Context(store=SwiftPlanStore(services.swift()), stacks=_OnFirstUse(lambda: HeatStacks(services.heat())),
                   mistral=_OnFirstUse(services.mistral), execution=execution or execution_id(context),
                   user=user(context))


class _OnFirstUse:
    """Stands for the object ``make()`` returns, made when one of its attributes is first asked for."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            self._made = self._make()
        return getattr(self._made, name)


class OperationAction(PlanAction):
    """An action that IS an operation's request: a subclass mixes the operation's ``Request``
    dataclass in first (its ``__init__`` gives Mistral exactly the request's fields as the
    action's parameters) and sets ``start`` to ``staticmethod(<operation>.start)``."""

    @staticmethod
    def start(request: Any, ctx: Any) -> Any:
        raise NotImplementedError

    def perform(self, services: connections.Connections, context: Any) -> Any:
        return type(self).start(self, operation_context(services, context))


def execution_id(context: Any) -> str | None:
    """The id of the Mistral workflow execution running the action (None when run on its own)."""
    execution = getattr(context, "execution", None)
    return getattr(execution, "workflow_execution_id", None)


def user(context: Any) -> str | None:
    """Who runs the action, from the Keystone security context (None without Keystone)."""
    security = getattr(context, "security", None)
    return getattr(security, "user_name", None) or getattr(security, "user", None) or None
