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

import json
import logging
from typing import Any, Callable

from mistral_lib import actions

from tripleo_plan_actions import pauses
from tripleo_plan_actions.core import policy
from tripleo_plan_actions.errors import PlanError, ServiceError, Unauthenticated
from tripleo_plan_actions.services import connections

LOG = logging.getLogger(__name__)


class PlanAction(actions.Action):
    """Base class of the pack's actions; ``entry_point``: its name in Mistral, where a test may
    pause it (:mod:`~tripleo_plan_actions.pauses`)."""

    entry_point = ""
    #: what the pack's policy asks of the caller's roles (:mod:`tripleo_plan_actions.core.policy`)
    access = policy.CHANGE

    def needs(self) -> str:
        """``read`` or ``change``: :attr:`access`, unless the inputs make it more."""
        return self.access

    def perform(self, services: connections.Connections, context: Any) -> Any:
        """Do the work; return JSON-serialisable data or raise PlanError."""
        raise NotImplementedError

    def run(self, context: Any) -> actions.Result:
        try:
            services = connections.for_context(context)
            policy.check(self.needs(), roles(context), policy.rules(services.discovery.settings.get("policy")),
                         user(context))
            data = self.perform(services, context)
            pauses.hold(self.entry_point)  # a test's lost executor (inert unless asked for)
            return actions.Result(data=data)
        except PlanError as error:
            LOG.warning("%s failed: %s", type(self).__name__, error)
            return actions.Result(error=str(credentials_refused(error) or error))
        except Exception as error:
            refused = credentials_refused(error)
            if refused is not None:
                LOG.warning("%s was refused: %s", type(self).__name__, refused)
                return actions.Result(error=str(refused))
            if not _unreachable(error):
                raise
            LOG.warning("%s lost a service: %s", type(self).__name__, error)
            return actions.Result(error=f"a service could not be reached: {error}")


def credentials_refused(error: Exception) -> Unauthenticated | None:
    """The pack's error for a service's 401 (``error``: a ServiceError with status 401, or the
    client library's own: heatclient's HTTPUnauthorized, swiftclient's 401, keystoneauth1's
    Unauthorized when the pack's service identity is refused); None for any other error."""
    from keystoneauth1 import exceptions as keystone_exc

    service = None
    if isinstance(error, ServiceError) and error.status == 401:
        service = "a service"
    elif isinstance(error, keystone_exc.Unauthorized):
        return Unauthenticated("Keystone refused the pack's service identity (the settings file's "
                               f"service_auth): {error}")
    elif getattr(error, "http_status", None) == 401:
        service = "Swift"
    else:
        from heatclient import exc as heat_exc

        if isinstance(error, heat_exc.HTTPUnauthorized):
            service = "Heat"
    if service is None:
        return None
    return Unauthenticated(f"{service} refused the caller's credentials (401: {error}); the caller's token has "
                           "expired or was revoked.  An operation that outlives its caller's token needs the pack's "
                           "service identity: service_auth in the settings file (doc/install.rst, \"Keystone\")")


def _unreachable(error: Exception) -> bool:
    """Whether ``error`` says a service could not be reached (rather than a bug)."""
    if isinstance(error, OSError):
        return True
    from heatclient import exc as heat_exc
    from keystoneauth1 import exceptions as keystone_exc

    return isinstance(error, (heat_exc.CommunicationError, keystone_exc.ConnectionError))


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
                   user=user(context), project=project(context))


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


def project(context: Any) -> str | None:
    """The project the caller's token is scoped to, by name (None without Keystone)."""
    return getattr(getattr(context, "security", None), "project_name", None) or None


def roles(context: Any) -> list[str] | None:
    """The caller's Keystone roles, by name, from the token body Mistral hands the action as its
    ``service_catalog`` (``{"token": {...}}`` or the token itself, with ``roles``); ``[]`` when
    the context has a token but the body names no roles (nothing is then allowed); None without
    a token (no Keystone: nothing to check)."""
    security = getattr(context, "security", None)
    if not getattr(security, "auth_token", None):
        return None
    body = getattr(security, "service_catalog", None)
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if isinstance(body, dict):
        body = body.get("token", body)
    found = body.get("roles") if isinstance(body, dict) else None
    return [role["name"] for role in found or () if isinstance(role, dict) and role.get("name")]
