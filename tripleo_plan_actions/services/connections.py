"""How actions reach Swift, Heat and Mistral.  Actions never build clients themselves.

Where each service is, and with which credentials, is :mod:`tripleo_plan_actions.services.discovery`'s
answer for the action run (:func:`for_context`: the Keystone token and catalog of the Mistral
action context, else the settings file).  This module only builds the clients on it, every
request with the actions' user agent (``tripleo-plan-actions``).

Client libraries are imported only when a client is asked for, so modules that merely import this
one stay fast to load.
"""
from __future__ import annotations

from typing import Any

from tripleo_plan_actions.services import discovery
from tripleo_plan_actions.services.discovery import ACTIONS_AGENT


class Connections:
    """Factories for the clients of one action run.  Build with :func:`for_context`."""

    def __init__(self, found: discovery.Discovery) -> None:
        self.discovery = found

    @property
    def uses_keystone(self) -> bool:
        return self.discovery.source == "keystone"

    def endpoint(self, service: str) -> str:
        """The URL of ``service`` ("swift", "heat" or "mistral"; for Swift's tempauth, its auth URL).
        Raises ConfigurationError naming what is missing."""
        return self.discovery.access(service).endpoint

    def swift(self):
        """A ``swiftclient.Connection`` (retrying a failed request twice); with tempauth, the
        process's earlier token is reused."""
        from tripleo_plan_actions.services import swift_api

        return swift_api.connection(self.discovery.access("swift"), ACTIONS_AGENT, retries=2, timeout=None)

    def heat(self):
        """A python-heatclient v1 client: on the discovered session (the caller's token with the
        pack's service token), else with the token (``fake`` for a Heat without authentication)."""
        from heatclient import client as heat_client

        access = self.discovery.access("heat")
        if access.session is not None:
            return heat_client.Client("1", endpoint=access.url, session=access.session)
        return heat_client.Client("1", endpoint=access.url, token=access.token or "fake")

    def mistral(self):
        """The actions' :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI`."""
        from tripleo_plan_actions.services.mistral_api import MistralAPI

        return MistralAPI.for_access(self.discovery.access("mistral"), ACTIONS_AGENT)


def for_context(context: Any = None, settings_path: str | None = None) -> Connections:
    """Connections for an action run (see :func:`tripleo_plan_actions.services.discovery.for_context`)."""
    return Connections(discovery.for_context(context, settings_path))


def for_settings(path: str | None = None) -> Connections:
    """Connections from the settings file alone (the local undercloud's tools and tests)."""
    return Connections(discovery.from_settings(path))
