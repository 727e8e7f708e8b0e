"""Plan management actions: create, adopt, amend, list, show, export, import, delete.

Thin adapters over :mod:`tripleo_plan_actions.operations.plans`: each action IS its operation's
``Request`` (the dataclass gives Mistral exactly the request's fields as the action's parameters)
and runs the operation's ``start`` with the run's
:class:`~tripleo_plan_actions.operations.context.Context`.  Files given inline are text
(``{path: content}``); anything else comes as ONE archive the client put in
``tripleo-plan-uploads`` beforehand (input ``upload``: its object name).
"""
from __future__ import annotations

from tripleo_plan_actions.actions.base import OperationAction
from tripleo_plan_actions.core.policy import READ
from tripleo_plan_actions.operations.plans import adopt, amend, create, delete, export, importing, reads


class CreatePlan(create.Request, OperationAction):
    """``tripleo_plan.plan.create``: see :mod:`tripleo_plan_actions.operations.plans.create`."""

    start = staticmethod(create.start)


class AdoptPlan(adopt.Request, OperationAction):
    """``tripleo_plan.plan.adopt``: see :mod:`tripleo_plan_actions.operations.plans.adopt`."""

    start = staticmethod(adopt.start)


class AmendPlan(amend.Request, OperationAction):
    """``tripleo_plan.plan.amend``: see :mod:`tripleo_plan_actions.operations.plans.amend`."""

    start = staticmethod(amend.start)


class ListPlans(reads.ListRequest, OperationAction):
    """``tripleo_plan.plan.list``: ``{plans: [name, ...]}``."""

    access = READ

    start = staticmethod(reads.list_plans)


class ShowPlan(reads.ShowRequest, OperationAction):
    """``tripleo_plan.plan.show``: roles, networks, environments, parameters (secrets masked)."""

    access = READ

    start = staticmethod(reads.show)


class ExportPlan(export.Request, OperationAction):
    """``tripleo_plan.plan.export``: see :mod:`tripleo_plan_actions.operations.plans.export`."""

    start = staticmethod(export.start)


class ImportPlan(importing.Request, OperationAction):
    """``tripleo_plan.plan.import``: see :mod:`tripleo_plan_actions.operations.plans.importing`."""

    start = staticmethod(importing.start)


class DeletePlan(delete.Request, OperationAction):
    """``tripleo_plan.plan.delete``: see :mod:`tripleo_plan_actions.operations.plans.delete`."""

    start = staticmethod(delete.start)
