"""Where each service is and with which credentials: the ONE place that reads the settings file
and asks Keystone, for the actions, the thin client and the ``openstack`` plugin alike.

A :class:`Discovery` answers :meth:`Discovery.access` for ``"mistral"``, ``"swift"`` and
``"heat"`` with an :class:`Access` (a URL and a token, a keystoneauth1 session, or Swift's own
tempauth credentials).  It comes from one source:

* **Keystone**: the caller's token and service catalog of a Mistral action context
  (:func:`for_context`; interface ``internal`` unless the settings file says ``interface:
  public``), a keystoneauth1 session from the ``OS_*`` variables (:func:`from_environment`;
  ``OS_INTERFACE``, default ``public``, ``OS_REGION_NAME``) or osc-lib's session
  (:func:`from_session`).  Service types: ``object-store``, ``orchestration``, ``workflowv2``.
* **The settings file** (the local undercloud, or an undercloud without Keystone): YAML named by
  ``TRIPLEO_PLAN_ACTIONS_CONFIG`` (default ``/etc/tripleo-plan-actions/services.yaml``)::

      swift: {auth_url: http://127.0.0.1:8080/auth/v1.0, user: "test:tester", key: testing}
      #  or   {url: http://.../v1/AUTH_x, token: ...}
      heat: {endpoint: http://127.0.0.1:8004/v1/admin, token: fake}
      mistral: {endpoint: http://127.0.0.1:8989/v2}

* **Nothing** (the thin client only): Mistral at :data:`DEFAULT_MISTRAL_URL`, no Swift.

Nothing here sends a request except a keystoneauth1 session's own authentication.  Client
libraries are imported only when a Keystone session is built.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import yaml

from tripleo_plan_actions.errors import ConfigurationError

SETTINGS_ENV = "TRIPLEO_PLAN_ACTIONS_CONFIG"
DEFAULT_SETTINGS = "/etc/tripleo-plan-actions/services.yaml"
DEFAULT_MISTRAL_URL = "http://127.0.0.1:8989/v2"
SERVICE_TYPES = {"swift": "object-store", "heat": "orchestration", "mistral": "workflowv2"}
#: The user agents: the servers' request logs tell the thin client from the actions by them.
CLIENT_AGENT = "tripleo-plan-client"
ACTIONS_AGENT = "tripleo-plan-actions"


@dataclass(frozen=True)
class Access:
    """How to reach one service.

    ``url`` with ``token`` (either may be None: a service without authentication); or ``session``,
    a keystoneauth1 session that supplies (and renews) the token; or, for Swift's own tempauth,
    ``auth_url``, ``user`` and ``key`` (the storage URL and token then come from one auth GET).
    ``interface`` and ``region`` are those of the Keystone catalog lookup, if any.
    """

    service: str
    url: str | None
    token: str | None = None
    session: Any = None
    auth_url: str | None = None
    user: str | None = None
    key: str | None = None
    interface: str | None = None
    region: str | None = None

    @property
    def endpoint(self) -> str | None:
        """The address to name in messages: ``url``, else the tempauth ``auth_url``."""
        return self.url or self.auth_url

    @property
    def tls(self) -> dict[str, Any]:
        """``{insecure, cacert}`` as the session verifies (client libraries that do their own
        HTTPS take these)."""
        verify = getattr(self.session, "verify", True)
        return {"insecure": verify is False, "cacert": verify if isinstance(verify, str) else None}


def load_settings(path: str | None = None) -> dict[str, Any]:
    """Read the settings file (``path``, else ``$TRIPLEO_PLAN_ACTIONS_CONFIG``, else the default);
    raise ConfigurationError naming it when it cannot be read or is not a YAML mapping."""
    path = path or os.environ.get(SETTINGS_ENV, DEFAULT_SETTINGS)
    from tripleo_plan_actions.core import bounded_yaml

    try:
        with open(path, encoding="utf-8") as stream:
            settings = bounded_yaml.load(path, stream.read()) or {}
    except OSError as error:
        raise ConfigurationError(
            f"cannot read the service settings {path}: {error.strerror}; set {SETTINGS_ENV} "
            "or run the actions with a Keystone token") from error
    except yaml.YAMLError as error:
        raise ConfigurationError(f"the service settings {path} are not valid YAML: {error}") from error
    if not isinstance(settings, dict):
        raise ConfigurationError(f"the service settings {path} must be a mapping")
    return settings


def catalog_url(catalog: Any, service_type: str, interface: str = "internal",
                region: str | None = None) -> str | None:
    """The URL of ``service_type`` in a Keystone v3 catalog (a list, a token body with or
    without its ``token`` key, or its JSON text), or None; an endpoint without a region matches any ``region``."""
    if isinstance(catalog, str):
        catalog = json.loads(catalog)
    if isinstance(catalog, Mapping):
        catalog = catalog.get("token", catalog)
        catalog = catalog.get("catalog", []) if isinstance(catalog, Mapping) else []
    for service in catalog or ():
        if service.get("type") != service_type:
            continue
        for endpoint in service.get("endpoints", ()):
            if endpoint.get("interface") == interface and (
                    region is None or endpoint.get("region") in (region, None)):
                return endpoint["url"]
    return None


def not_in_catalog(service_type: str, interface: str | None, region: str | None) -> ConfigurationError:
    """The error for a service the Keystone catalog lacks."""
    return ConfigurationError(f"the Keystone catalog has no {interface} endpoint of type {service_type}"
                              + (f" in region {region}" if region else ""))


def endpoint_from_catalog(catalog: Any, service_type: str, interface: str = "internal",
                          region: str | None = None) -> str:
    """As :func:`catalog_url`, raising ConfigurationError when the catalog lacks the service."""
    url = catalog_url(catalog, service_type, interface, region)
    if url is None:
        raise not_in_catalog(service_type, interface, region)
    return url


def settings_access(settings: Mapping[str, Any], service: str) -> Access | None:
    """``service``'s :class:`Access` from the settings file's section (None without a section).

    Raises ConfigurationError when the section lacks its address (``endpoint``; for Swift
    ``url`` or ``auth_url``)."""
    section = settings.get(service)
    if not isinstance(section, Mapping):
        return None
    if service != "swift":
        if "endpoint" not in section:
            raise ConfigurationError(f"the service settings' '{service}' section has no 'endpoint'")
        return Access(service, section["endpoint"], token=section.get("token"))
    if "url" in section:
        return Access(service, section["url"], token=section.get("token"))
    if "auth_url" not in section:
        raise ConfigurationError("the service settings' 'swift' section has no 'url' or 'auth_url'")
    return Access(service, None, auth_url=section["auth_url"], user=section.get("user"), key=section.get("key"))


class Discovery:
    """Where the services are, from ONE source (``source``: ``keystone``, ``settings`` or
    ``default``).  Build it with :func:`for_context`, :func:`from_environment`,
    :func:`from_session` or :func:`from_settings`.

    ``locate(service_type)`` (Keystone) returns the catalog's URL, None when the catalog lacks
    it, or raises ConfigurationError when Keystone cannot answer;
    ``overrides`` are URLs given outright (``--mistral-url``); ``fallback`` URLs are used when the
    source does not know the service.
    """

    def __init__(self, source: str, *, settings: Mapping[str, Any] | None = None,
                 locate: Callable[[str], str | None] | None = None, token: str | None = None, session: Any = None,
                 interface: str | None = None, region: str | None = None,
                 overrides: Mapping[str, str] | None = None, fallback: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.settings = settings or {}
        self.locate = locate
        self.token = token
        self.session = session
        self.interface = interface
        self.region = region
        self.overrides = {k: v for k, v in (overrides or {}).items() if v}
        self.fallback = dict(fallback or {})

    def find(self, service: str) -> Access | None:
        """``service``'s Access, or None when this source does not know it.  Raises
        ConfigurationError when the source is broken (Keystone unreachable, a bad section)."""
        if self.source == "keystone":
            url = self.overrides.get(service) or self.locate(SERVICE_TYPES[service])
            if url is None:
                return None
            return Access(service, url, token=self.token, session=self.session, interface=self.interface,
                          region=self.region)
        found = settings_access(self.settings, service)
        if service in self.overrides:
            return Access(service, self.overrides[service], token=found.token if found else self.token)
        if found is None and service in self.fallback:
            return Access(service, self.fallback[service], token=self.token)
        return found

    def access(self, service: str) -> Access:
        """As :meth:`find`, raising ConfigurationError naming what is missing instead of None."""
        found = self.find(service)
        if found is not None:
            return found
        if self.source == "keystone":
            raise not_in_catalog(SERVICE_TYPES[service], self.interface, self.region)
        raise ConfigurationError(f"the service settings have no '{service}' section")


def for_context(context: Any = None, settings_path: str | None = None) -> Discovery:
    """The actions' discovery: the Keystone token and catalog of the Mistral action context when
    it has both (the settings file then optional: it may set ``interface``), else the settings file
    (required: ConfigurationError names it when missing)."""
    security = getattr(context, "security", None)
    token = getattr(security, "auth_token", None)
    catalog = getattr(security, "service_catalog", None)
    if not (token and catalog):
        return from_settings(settings_path)
    path = settings_path or os.environ.get(SETTINGS_ENV, DEFAULT_SETTINGS)
    settings = load_settings(path) if os.path.exists(path) else {}
    interface = settings.get("interface", "internal")
    region = getattr(security, "region_name", None)
    section = settings.get("service_auth")
    session = caller_session(token, section) if section else None
    return Discovery("keystone", settings=settings, token=token, session=session, interface=interface,
                     region=region, locate=lambda kind: catalog_url(catalog, kind, interface, region))


#: The options of the settings file's ``service_auth`` section (keystoneauth1's v3 password plugin).
SERVICE_AUTH_OPTIONS = ("auth_url", "username", "password", "project_name", "user_domain_name",
                        "project_domain_name", "user_domain_id", "project_domain_id")
_service_plugins: dict[tuple, Any] = {}


def service_plugin(section: Mapping[str, Any]) -> Any:
    """The keystoneauth1 password plugin of the pack's service identity (the settings file's
    ``service_auth``): ONE per process and section, so that its token is reused by every action
    run of the executor until it nears its expiry (keystoneauth1 then authenticates again).
    Raises ConfigurationError naming an unknown or missing option.  Sends nothing."""
    if not isinstance(section, Mapping):
        raise ConfigurationError("the service settings' 'service_auth' must be a mapping")
    unknown = sorted(set(section) - set(SERVICE_AUTH_OPTIONS))
    missing = [name for name in ("auth_url", "username", "password") if not section.get(name)]
    if unknown or missing:
        raise ConfigurationError("the service settings' 'service_auth' " + "; ".join(
            ([f"has unknown options {', '.join(unknown)}"] if unknown else [])
            + ([f"lacks {', '.join(missing)}"] if missing else [])))
    key = tuple(sorted((name, str(value)) for name, value in section.items()))
    if key not in _service_plugins:
        from keystoneauth1.identity import v3

        _service_plugins[key] = v3.Password(**dict(section))
    return _service_plugins[key]


def caller_session(token: str, section: Mapping[str, Any]) -> Any:
    """A keystoneauth1 session that sends the caller's ``token`` (never renewed: it is the
    caller's) together with an ``X-Service-Token`` of the pack's service identity
    (:func:`service_plugin`).  Keystone's middleware in Swift, Heat and Mistral then accepts the
    caller's token after it has expired (``allow_expired``, within Keystone's
    ``[token] allow_expired_window``): an operation outlives its caller's token.  Sends nothing."""
    from keystoneauth1 import service_token, session, token_endpoint

    auth = service_token.ServiceTokenAuthWrapper(token_endpoint.Token(None, token), service_plugin(section))
    return session.Session(auth=auth, user_agent=ACTIONS_AGENT)


def from_settings(path: str | None = None) -> Discovery:
    """The settings file's discovery (see :func:`load_settings` for ``path``)."""
    return Discovery("settings", settings=load_settings(path))


def from_session(session: Any, interface: str | None = None, region: str | None = None, *,
                 overrides: Mapping[str, str] | None = None, label: str | None = None) -> Discovery:
    """Discovery through a keystoneauth1 session (osc-lib's, or one from the ``OS_*`` variables):
    its catalog, interface ``interface`` (default ``public``), region ``region``.  The first
    lookup authenticates (the session's one Keystone request); a failure is a ConfigurationError
    naming Keystone (``label``, default the session's auth URL)."""
    interface = interface or "public"
    label = label or getattr(getattr(session, "auth", None), "auth_url", None) or "the Keystone session"

    def locate(kind: str) -> str | None:
        try:
            return session.get_endpoint(service_type=kind, interface=interface, region_name=region) or None
        except Exception as error:  # keystoneauth1's own: unreachable, refused, incomplete options
            raise ConfigurationError(f"Keystone at {label}: {error}") from None

    return Discovery("keystone", locate=locate, session=session, interface=interface, region=region,
                     overrides=overrides)


def keystone_session(environ: Mapping[str, str], agent: str = CLIENT_AGENT) -> Any:
    """A keystoneauth1 session from the ``OS_*`` variables: auth type ``OS_AUTH_TYPE`` (default
    ``password``, or ``v3token`` when only ``OS_TOKEN`` is set), each plugin option from
    ``OS_<OPTION>``; ``OS_CACERT``, ``OS_INSECURE``.  Its own requests (Keystone's) carry
    ``agent`` first in their user agent.  Raises ConfigurationError for an unknown auth type or
    missing options.  Sends nothing."""
    from keystoneauth1 import loading, session

    auth_type = environ.get("OS_AUTH_TYPE") or ("v3token" if environ.get("OS_TOKEN") and
                                                not environ.get("OS_PASSWORD") else "password")
    try:
        loader = loading.get_plugin_loader(auth_type)
    except Exception as error:  # keystoneauth1 raises its own NoMatchingPlugin
        raise ConfigurationError(f"OS_AUTH_TYPE={auth_type}: {error}") from error
    options = {}
    for option in loader.get_options():
        value = environ.get("OS_" + option.dest.upper())
        if value is not None:
            options[option.dest] = value
    try:
        auth = loader.load_from_options(**options)
    except Exception as error:  # a missing required option
        raise ConfigurationError(f"Keystone settings (OS_* variables) are incomplete: {error}") from error
    verify: Any = environ.get("OS_CACERT") or environ.get("OS_INSECURE", "").lower() not in ("1", "true", "yes")
    return session.Session(auth=auth, verify=verify, user_agent=agent)


def from_environment(environ: Mapping[str, str] | None = None, mistral_url: str | None = None) -> Discovery:
    """The thin client's discovery, first found wins: Mistral at ``mistral_url`` (``--mistral-url``)
    or ``OS_MISTRAL_URL`` whatever the source; Keystone (a session from the ``OS_*`` variables)
    when ``OS_AUTH_URL`` is set; the settings file when it exists; else Mistral at
    :data:`DEFAULT_MISTRAL_URL` with ``OS_AUTH_TOKEN`` and no Swift or Heat."""
    environ = os.environ if environ is None else environ
    overrides = {"mistral": mistral_url or environ.get("OS_MISTRAL_URL")}
    if environ.get("OS_AUTH_URL"):
        return from_session(keystone_session(environ), environ.get("OS_INTERFACE"), environ.get("OS_REGION_NAME"),
                            overrides=overrides, label=environ["OS_AUTH_URL"])
    path = environ.get(SETTINGS_ENV, DEFAULT_SETTINGS)
    fallback = {"mistral": DEFAULT_MISTRAL_URL}
    if os.path.exists(path):
        return Discovery("settings", settings=load_settings(path), overrides=overrides, fallback=fallback)
    return Discovery("default", token=environ.get("OS_AUTH_TOKEN"), overrides=overrides, fallback=fallback)
