"""tripleo-common 11.7.0's actions run as a library against the local undercloud.

Runs ONLY in the legacy environment (``.venvs/legacy``: ``tripleo-plan-undercloud install --legacy``).
What is replaced, and nothing else: ``TripleOAction.get_object_client``, ``get_orchestration_client``
and ``get_workflow_client`` (the real ones read a Keystone catalog, which the default profile has
not) return clients built from the local undercloud's settings file (``services.yaml``: Swift's
tempauth URL, user and key; Heat's and Mistral's endpoints, any token).  The Swift connection is
authenticated up front, because tripleo-common reads its ``.url`` and ``.token`` before any request.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from heatclient.v1 import client as heat_client
from mistral_lib.actions import context as mistral_context
from mistralclient.api import client as mistral_client
from swiftclient import client as swift_client
from tripleo_common.actions import base

#: The Mistral environment undercloud installation left for the overcloud's passwords
#: (tripleo_common.utils.passwords.get_snmpd_readonly_user_password reads it).
UNDERCLOUD_CONFIG = "tripleo.undercloud-config"


class Clients:
    """The three clients of one run, built once from ``settings`` (the parsed settings file)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        swift = settings["swift"]
        self.swift = swift_client.Connection(authurl=swift["auth_url"], user=swift["user"], key=swift["key"],
                                             auth_version="1", retries=2)
        self.swift.get_auth()  # sets .url and .token
        self.heat = heat_client.Client(settings["heat"]["endpoint"], token=settings["heat"].get("token", "fake"))
        self.mistral = mistral_client.client(mistral_url=settings["mistral"]["endpoint"])


def install(settings_file: str) -> tuple[Clients, Any]:
    """Replace tripleo-common's three client getters; the clients and a real mistral-lib
    ``ActionContext`` (project ``admin``, any token) to pass to the actions' ``run``."""
    clients = Clients(json.loads(Path(settings_file).read_text()))
    base.TripleOAction.get_object_client = lambda self, context: clients.swift
    base.TripleOAction.get_orchestration_client = lambda self, context: clients.heat
    base.TripleOAction.get_workflow_client = lambda self, context: clients.mistral
    security = mistral_context.SecurityContext(auth_token=clients.swift.token, project_id="admin",
                                               project_name="admin", user_name="admin", insecure=False)
    return clients, mistral_context.ActionContext(security_ctx=security)


def ensure_undercloud_config(clients: Clients) -> None:
    """Create the Mistral environment ``tripleo.undercloud-config`` in the real Mistral when missing,
    with the one variable GeneratePasswordsAction reads (the undercloud installer wrote it)."""
    names = [environment.name for environment in clients.mistral.environments.list()]
    if UNDERCLOUD_CONFIG not in names:
        clients.mistral.environments.create(
            name=UNDERCLOUD_CONFIG, description="what the undercloud installer left (legacy plans)",
            variables=json.dumps({"undercloud_ceilometer_snmpd_password": "legacy-snmpd-password"}))


def run(action: Any, context: Any) -> Any:
    """``action.run(context)``; RuntimeError with the message when tripleo-common returned an error
    Result (its actions return ``Result(error=...)`` instead of raising)."""
    result = action.run(context)
    if hasattr(result, "is_error") and result.is_error():
        raise RuntimeError(f"{type(action).__name__}: {result.error}")
    return result.data if hasattr(result, "is_error") else result
