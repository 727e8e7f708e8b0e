"""How actions reach Swift, Heat and Mistral.  Actions never build clients themselves.

Two ways, chosen per action run by :func:`for_context`:

* **Keystone** (a real undercloud): the Mistral action context carries the caller's token and
  service catalog; endpoints come from the catalog (``object-store``, ``orchestration``,
  ``workflowv2``; interface ``internal`` unless the settings say otherwise).
* **Settings file** (the local undercloud, or an undercloud without Keystone): a YAML file named by
  the environment variable ``TRIPLEO_PLAN_ACTIONS_CONFIG`` (default
  ``/etc/tripleo-plan-actions/services.yaml``)::

      swift: {auth_url: http://127.0.0.1:8080/auth/v1.0, user: "test:tester", key: testing}
      heat: {endpoint: http://127.0.0.1:8004/v1/admin, token: fake}
      mistral: {endpoint: http://127.0.0.1:8989/v2}

Client libraries are imported only when a client is asked for, so modules that merely import this
one stay fast to load.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Mapping

import yaml

from tripleo_plan_actions.errors import ConfigurationError

SETTINGS_ENV = "TRIPLEO_PLAN_ACTIONS_CONFIG"
DEFAULT_SETTINGS = "/etc/tripleo-plan-actions/services.yaml"
SERVICE_TYPES = {"swift": "object-store", "heat": "orchestration", "mistral": "workflowv2"}

_swift_tokens: dict[tuple, tuple[str, str]] = {}
_swift_tokens_lock = threading.Lock()


def load_settings(path: str | None = None) -> dict[str, Any]:
    """Read the settings file (see the module docstring); raise ConfigurationError naming it."""
    path = path or os.environ.get(SETTINGS_ENV, DEFAULT_SETTINGS)
    try:
        with open(path, encoding="utf-8") as stream:
            settings = yaml.safe_load(stream) or {}
    except OSError as error:
        raise ConfigurationError(
            f"cannot read the service settings {path}: {error.strerror}; set {SETTINGS_ENV} "
            "or run the actions with a Keystone token") from error
    except yaml.YAMLError as error:
        raise ConfigurationError(f"the service settings {path} are not valid YAML: {error}") from error
    if not isinstance(settings, dict):
        raise ConfigurationError(f"the service settings {path} must be a mapping")
    return settings


def endpoint_from_catalog(catalog: Any, service_type: str, interface: str = "internal",
                          region: str | None = None) -> str:
    """The URL of ``service_type`` in a Keystone v3 catalog (a list, or its JSON text)."""
    if isinstance(catalog, str):
        catalog = json.loads(catalog)
    if isinstance(catalog, Mapping):
        catalog = catalog.get("catalog", [])
    for service in catalog or ():
        if service.get("type") != service_type:
            continue
        for endpoint in service.get("endpoints", ()):
            if endpoint.get("interface") == interface and (
                    region is None or endpoint.get("region") in (region, None)):
                return endpoint["url"]
    raise ConfigurationError(
        f"the Keystone catalog has no {interface} endpoint of type {service_type}"
        + (f" in region {region}" if region else ""))


class Connections:
    """Factories for the clients of one action run.  Build with :func:`for_context`."""

    def __init__(self, settings: Mapping[str, Any], token: str | None = None,
                 catalog: Any = None, region: str | None = None) -> None:
        self.settings = settings
        self.token = token
        self.catalog = catalog
        self.region = region

    @property
    def uses_keystone(self) -> bool:
        return bool(self.token and self.catalog)

    def _section(self, service: str) -> Mapping[str, Any]:
        section = self.settings.get(service)
        if not isinstance(section, Mapping):
            raise ConfigurationError(f"the service settings have no '{service}' section")
        return section

    def endpoint(self, service: str) -> str:
        """The URL of ``service`` ("swift", "heat" or "mistral")."""
        if self.uses_keystone:
            interface = self.settings.get("interface", "internal")
            return endpoint_from_catalog(self.catalog, SERVICE_TYPES[service], interface, self.region)
        section = self._section(service)
        key = "auth_url" if service == "swift" and "url" not in section else (
            "url" if service == "swift" else "endpoint")
        try:
            return section[key]
        except KeyError:
            raise ConfigurationError(f"the service settings' '{service}' section has no '{key}'") from None

    def swift(self):
        """A ``swiftclient.Connection``; with a settings file, its tempauth token is reused."""
        import swiftclient

        if self.uses_keystone:
            return swiftclient.Connection(preauthurl=self.endpoint("swift"), preauthtoken=self.token,
                                          retries=2)
        section = self._section("swift")
        if "url" in section:
            return swiftclient.Connection(preauthurl=section["url"], preauthtoken=section.get("token"),
                                          retries=2)
        key = (section["auth_url"], section["user"])
        with _swift_tokens_lock:
            url, token = _swift_tokens.get(key, (None, None))
        connection = swiftclient.Connection(
            authurl=section["auth_url"], user=section["user"], key=section["key"],
            preauthurl=url, preauthtoken=token, retries=2)
        if url is None:
            url, token = connection.get_auth()
            with _swift_tokens_lock:
                _swift_tokens[key] = (url, token)
        return connection

    def heat(self):
        """A python-heatclient v1 client."""
        from heatclient import client as heat_client

        if self.uses_keystone:
            return heat_client.Client("1", endpoint=self.endpoint("heat"), token=self.token)
        section = self._section("heat")
        return heat_client.Client("1", endpoint=self.endpoint("heat"), token=section.get("token", "fake"))

    def mistral(self):
        """The actions' own client of Mistral (user agent ``tripleo-plan-actions``)."""
        from tripleo_plan_actions.client import MistralClient

        return MistralClient(self.endpoint("mistral"), token=self.token, agent="tripleo-plan-actions")


def for_context(context: Any = None, settings_path: str | None = None) -> Connections:
    """Connections for an action run: Keystone when the context has a token and catalog, else settings."""
    security = getattr(context, "security", None)
    token = getattr(security, "auth_token", None)
    catalog = getattr(security, "service_catalog", None)
    if token and catalog:
        # With Keystone the settings file is optional (it may choose the endpoint interface).
        path = settings_path or os.environ.get(SETTINGS_ENV, DEFAULT_SETTINGS)
        settings = load_settings(path) if os.path.exists(path) else {}
        return Connections(settings, token=token, catalog=catalog,
                           region=getattr(security, "region_name", None))
    return Connections(load_settings(settings_path))
