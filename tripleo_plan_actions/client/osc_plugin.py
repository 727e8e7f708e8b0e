"""The ``openstack`` client plugin: the ``tripleo-plan`` commands as ``openstack tripleo ...``.

osc-lib loads this module through the ``openstack.cli.extension`` entry point; the command classes
(``openstack.tripleo_plan.v1`` entry points) are those of :mod:`tripleo_plan_actions.client.commands`,
which reach the undercloud through ``client_manager.tripleo_plan``: a
:class:`~tripleo_plan_actions.client.PlanClient` on the session's Mistral (``workflowv2``) and
Swift (``object-store``) endpoints and token.
"""
from __future__ import annotations

import os
from typing import Any

API_NAME = "tripleo_plan"
API_VERSION_OPTION = "os_tripleo_plan_api_version"
API_VERSIONS = {"1": "tripleo_plan_actions.client.PlanClient"}
DEFAULT_API_VERSION = "1"


def make_client(instance: Any):
    """A PlanClient from osc-lib's ClientManager ``instance`` (its Keystone session)."""
    from tripleo_plan_actions.client import DEFAULT_TEMPLATES, TEMPLATES_ENV, MistralClient, PlanClient, SwiftUploader

    session = instance.session
    interface = getattr(instance, "interface", None) or "public"
    region = getattr(instance, "region_name", None)
    token = session.get_token()
    mistral = session.get_endpoint(service_type="workflowv2", interface=interface, region_name=region)
    swift = session.get_endpoint(service_type="object-store", interface=interface, region_name=region)
    return PlanClient(MistralClient(mistral, token=token),
                      SwiftUploader(url=swift, token=token) if swift else None,
                      templates_dir=os.environ.get(TEMPLATES_ENV) or DEFAULT_TEMPLATES)


def build_option_parser(parser: Any) -> Any:
    """No global options of its own (the endpoints come from the catalog)."""
    return parser
