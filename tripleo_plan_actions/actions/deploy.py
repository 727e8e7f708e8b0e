"""The stack operations' actions: thin adapters over :mod:`tripleo_plan_actions.operations`.

``tripleo_plan.deploy.start_<operation>`` starts one operation (its parameters are exactly the
operation's ``Request``: the workflow of the same name passes its whole input); the workflow then
polls ``tripleo_plan.deploy.stack_status`` (a Mistral retry: no executor thread is held while Heat
works) and ends with ``tripleo_plan.deploy.finish``.  ``tripleo_plan.deploy.start`` is the
deprecated start of ``tripleo_plan.deploy.operate``.
"""
from __future__ import annotations

from typing import Any

from tripleo_plan_actions.actions.base import PlanAction, operation_context
from tripleo_plan_actions.operations import deploy, finish, operate, rollback, scale, undeploy, update, upgrade
from tripleo_plan_actions.services import connections


class _Start(PlanAction):
    """Start the operation of the request this action is (a subclass mixes one in first)."""

    @staticmethod
    def start(request: Any, ctx: Any) -> dict[str, Any]:
        raise NotImplementedError

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        return type(self).start(self, operation_context(services, context))


class StartDeploy(deploy.Request, _Start):
    """``tripleo_plan.deploy.start_deploy``: see :mod:`tripleo_plan_actions.operations.deploy`."""

    start = staticmethod(deploy.start)


class StartUpdate(update.Request, _Start):
    """``tripleo_plan.deploy.start_update``: see :mod:`tripleo_plan_actions.operations.update`."""

    start = staticmethod(update.start)


class StartUpgrade(upgrade.Request, _Start):
    """``tripleo_plan.deploy.start_upgrade``: see :mod:`tripleo_plan_actions.operations.upgrade`."""

    start = staticmethod(upgrade.start)


class StartScale(scale.Request, _Start):
    """``tripleo_plan.deploy.start_scale``: see :mod:`tripleo_plan_actions.operations.scale`."""

    start = staticmethod(scale.start)


class StartRollback(rollback.Request, _Start):
    """``tripleo_plan.deploy.start_rollback``: see :mod:`tripleo_plan_actions.operations.rollback`."""

    start = staticmethod(rollback.start)


class StartUndeploy(undeploy.Request, _Start):
    """``tripleo_plan.deploy.start_undeploy``: see :mod:`tripleo_plan_actions.operations.undeploy`."""

    start = staticmethod(undeploy.start)


class StartOperation(PlanAction):
    """DEPRECATED (``tripleo_plan.deploy.operate``'s start): ``operation`` and every input of every
    operation; an input the operation cannot take is refused (:mod:`~tripleo_plan_actions.operations.operate`)."""

    def __init__(self, plan: str, operation: str = "deploy", environments: list | None = None,
                 user_files: dict | None = None, parameters: dict | None = None,
                 remove_environments: list | None = None, reset_environments: bool = False,
                 reset_parameters: bool = False, unset_parameters: list | None = None,
                 role_counts: dict | None = None, dry_run: bool = False, timeout: int = 240,
                 upload: str | None = None, templates_dir: str | None = None,
                 rollback_to: int | None = None, force_unlock: bool = False, history_limit: int | None = None,
                 user_upload: str | None = None, local_templates_dir: str | None = None) -> None:
        given = dict(locals())
        del given["self"], given["plan"], given["operation"]
        self.plan, self.operation, self.given = plan, operation, given

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        from tripleo_plan_actions.operations import STACK_OPERATIONS

        request = operate.request(self.operation, self.plan, self.given)
        return STACK_OPERATIONS[self.operation].start(request, operation_context(services, context))


class StackStatus(PlanAction):
    """``{status, done, reason, resources: {done, total}}`` of a stack; the workflow polls it with a
    Mistral retry, and clients read its latest result for progress.  ``resources`` counts the
    stack's TOP-LEVEL resources COMPLETE for its current action out of all.  2 Heat requests."""

    def __init__(self, stack: str) -> None:
        self.stack = stack

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        return operation_context(services, context).stacks.progress(self.stack)


class FinishOperation(PlanAction):
    """Complete revision ``revision`` with the outcome of ``stack``; fail with the failed resources
    (see :mod:`tripleo_plan_actions.operations.finish`)."""

    def __init__(self, plan: str, revision: int, stack: str, history_limit: int | None = None) -> None:
        self.plan = plan
        self.revision = revision
        self.stack = stack
        self.history_limit = history_limit

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        return finish.finish(operation_context(services, context), self.plan, self.revision, self.stack,
                             self.history_limit)
