"""The ``openstack`` client plugin: the ``tripleo-plan`` commands as ``openstack tripleo plan ...``.

osc-lib loads this module through the ``openstack.cli.extension`` entry point; the command classes
(``openstack.tripleo_plan.v1`` entry points) are those of :mod:`tripleo_plan_actions.client.commands`,
which reach the undercloud through ``client_manager.tripleo_plan``: a
:class:`~tripleo_plan_actions.client.PlanClient` on the session's Mistral (``workflowv2``) and
Swift (``object-store``) endpoints and osc-lib's keystoneauth1 session itself (which supplies the
token to every request and authenticates again when it expires or a service answers 401).

Every command is under ``tripleo plan`` (:data:`OPENSTACK_NAMES`): python-tripleoclient, loaded
into the same ``openstack``, has ``tripleo deploy``, ``tripleo upgrade``, ``tripleo container
image ...``, ``tripleo validator ...`` (Train's 12.x and 20.0.0 alike) but no ``tripleo plan``.
``tests/unit/test_osc_names.py`` holds our names against its releases' entry points.
"""
from __future__ import annotations

from typing import Any

API_NAME = "tripleo_plan"
API_VERSION_OPTION = "os_tripleo_plan_api_version"
API_VERSIONS = {"1": "tripleo_plan_actions.client.PlanClient"}
DEFAULT_API_VERSION = "1"

#: ``tripleo-plan`` command -> its ``openstack`` name (the ``openstack.tripleo_plan.v1`` entry points
#: of setup.cfg, ``_`` for each space).  ``plan show`` is taken by the plan, so a revision's is
#: ``tripleo plan revision show``.
OPENSTACK_NAMES = {
    "check": "tripleo plan check",
    "setup": "tripleo plan setup",
    "plan create": "tripleo plan create",
    "plan adopt": "tripleo plan adopt",
    "plan amend": "tripleo plan amend",
    "plan list": "tripleo plan list",
    "plan show": "tripleo plan show",
    "plan export": "tripleo plan export",
    "plan import": "tripleo plan import",
    "plan delete": "tripleo plan delete",
    "deploy": "tripleo plan deploy",
    "update": "tripleo plan update",
    "upgrade": "tripleo plan upgrade",
    "scale": "tripleo plan scale",
    "rollback": "tripleo plan rollback",
    "undeploy": "tripleo plan undeploy",
    "history": "tripleo plan history",
    "show": "tripleo plan revision show",
    "diff": "tripleo plan diff",
    "status": "tripleo plan status",
    "watch": "tripleo plan watch",
    "render": "tripleo plan render",
}


def make_client(instance: Any):
    """A PlanClient from osc-lib's ClientManager ``instance``: its Keystone session, interface
    and region (see :func:`tripleo_plan_actions.services.discovery.from_session`)."""
    from tripleo_plan_actions.client import PlanClient
    from tripleo_plan_actions.services import discovery

    return PlanClient.from_discovery(discovery.from_session(
        instance.session, getattr(instance, "interface", None), getattr(instance, "region_name", None)))


def build_option_parser(parser: Any) -> Any:
    """No global options of its own (the endpoints come from the catalog)."""
    return parser
