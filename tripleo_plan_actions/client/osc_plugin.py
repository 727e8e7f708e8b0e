"""The ``openstack`` client plugin: the ``tripleo-plan`` commands as ``openstack tripleo ...``.

osc-lib loads this module through the ``openstack.cli.extension`` entry point; the command classes
(``openstack.tripleo_plan.v1`` entry points) are those of :mod:`tripleo_plan_actions.client.commands`,
which reach the undercloud through ``client_manager.tripleo_plan``: a
:class:`~tripleo_plan_actions.client.PlanClient` on the session's Mistral (``workflowv2``) and
Swift (``object-store``) endpoints and token.
"""
from __future__ import annotations

from typing import Any

API_NAME = "tripleo_plan"
API_VERSION_OPTION = "os_tripleo_plan_api_version"
API_VERSIONS = {"1": "tripleo_plan_actions.client.PlanClient"}
DEFAULT_API_VERSION = "1"


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
