"""Swift's client as the pack uses it: a ``swiftclient.Connection`` for a discovered
:class:`~tripleo_plan_actions.services.discovery.Access`, for the actions and the thin client.

* Every request carries the caller's user agent, exactly, Swift's own tempauth GET included (the
  servers' request logs tell the client from the actions by it).
* With tempauth (the local undercloud's settings file) the storage URL and token are reused by
  later connections in the same process (an action run does not authenticate again); a 401 makes
  swiftclient authenticate once more.
* With a keystoneauth1 session swiftclient takes the token from it (and renews it on a 401).
* With the caller's token and a session of the pack's service identity (an action run on Keystone
  with ``service_auth``), every request carries both (``X-Service-Token``): Swift then accepts the
  caller's token after it has expired.

Nothing is sent when a connection is made: the first request authenticates if it must.  This
module imports swiftclient: import it only where Swift is used.
"""
from __future__ import annotations

import threading
from typing import Any

import swiftclient
from swiftclient import client as swift_client

from tripleo_plan_actions.services.discovery import Access

_tokens: dict[tuple, tuple[str, str]] = {}
_tokens_lock = threading.Lock()


class AgentConnection(swiftclient.Connection):
    """A swiftclient Connection whose every request carries ``agent`` as its user agent, and
    whose tempauth (auth version 1) tokens are shared by the process's later connections."""

    def __init__(self, *args: Any, agent: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent

    def http_connection(self, url: str | None = None) -> Any:
        return swift_client.http_connection(
            url or self.url, cacert=self.cacert, insecure=self.insecure, cert=self.cert, cert_key=self.cert_key,
            ssl_compression=self.ssl_compression, timeout=self.timeout, default_user_agent=self.agent)

    def put_object(self, container: str, obj: str, contents: Any, **kwargs: Any) -> Any:
        """swiftclient's put_object, except that ``bytes`` contents are sent again as they are after
        a 401 (a renewed token): swiftclient trusts only a ``str`` or a rewindable file for that."""
        if not isinstance(contents, (bytes, bytearray)):
            return super().put_object(container, obj, contents, **kwargs)
        return self._retry(None, swift_client.put_object, container, obj, contents, **kwargs)

    def get_auth(self) -> tuple[str, str]:
        """Authenticate: tempauth with one GET of ``authurl`` (remembered for the process), else
        as swiftclient does (a keystoneauth1 session's catalog and token)."""
        if self.session is not None or not self.authurl:
            return super().get_auth()
        parsed, connection = self.http_connection(self.authurl)
        connection.request("GET", parsed.path, "", {"X-Auth-User": self.user, "X-Auth-Key": self.key})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        url = response.getheader("x-storage-url")
        if not 200 <= response.status < 300 or not url:
            raise swiftclient.ClientException.from_response(response, "Auth GET failed", body)
        self.url = url
        self.token = response.getheader("x-storage-token", response.getheader("x-auth-token"))
        with _tokens_lock:
            _tokens[(self.authurl, self.user)] = (self.url, self.token)
        return self.url, self.token


def connection(access: Access, agent: str, retries: int = 0, timeout: float | None = 600.0) -> AgentConnection:
    """A connection to the Swift of ``access``: a storage URL and token (with a session besides,
    the session's ``X-Service-Token`` too: one Keystone request per process while that token
    lasts), a keystoneauth1 session (catalog and token from it; ``access.url`` then overrides the
    storage URL), or tempauth credentials.  ``retries``: swiftclient's retries of a failed request
    (0: each call is exactly one request, plus an authentication when needed).  Sends nothing
    itself, except that one Keystone request."""
    options: dict[str, Any] = {"agent": agent, "retries": retries, "timeout": timeout}
    if access.session is not None and access.token is None:
        return AgentConnection(session=access.session, os_options={
            "object_storage_url": access.url, "endpoint_type": access.interface, "region_name": access.region},
            **access.tls, **options)
    if access.url:
        made = AgentConnection(preauthurl=access.url, preauthtoken=access.token, **options)
        if access.session is not None:  # the caller's token with the pack's service token (discovery.caller_session)
            made.service_token = (access.session.get_auth_headers() or {}).get("X-Service-Token")
        return made
    with _tokens_lock:
        url, token = _tokens.get((access.auth_url, access.user), (None, None))
    return AgentConnection(authurl=access.auth_url, user=access.user, key=access.key, preauthurl=url,
                           preauthtoken=token, **options)
