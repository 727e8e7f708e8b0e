"""The ``openstack`` plugin's client rides osc-lib's keystoneauth1 session, not a token taken from
it once: when the token goes stale (the service answers 401) the session authenticates again and
the request is sent once more with the new token, for Mistral and Swift alike.

The session is a real keystoneauth1 Session over in-process transports (nothing is sent); only its
auth plugin is a stand-in, one that issues ``token-1``, ``token-2``, ... each time it is invalidated.
"""
from __future__ import annotations

import io
import json
from typing import Any

import requests
from keystoneauth1 import plugin, session
from requests.structures import CaseInsensitiveDict

from tripleo_plan_actions.client import osc_plugin

ENDPOINTS = {"workflowv2": "http://mistral.test/v2", "object-store": "http://swift.test/v1/AUTH_p"}


class RotatingAuth(plugin.BaseAuthPlugin):
    """Keystone's part: a new token after each invalidation (what an expired token leads to)."""

    def __init__(self) -> None:
        super().__init__()
        self.issued: list[str] = []
        self.token: str | None = None

    def get_token(self, session: Any, **kwargs: Any) -> str:
        if self.token is None:
            self.token = f"token-{len(self.issued) + 1}"
            self.issued.append(self.token)
        return self.token

    def invalidate(self) -> bool:
        self.token = None
        return True

    def get_endpoint(self, session: Any, service_type: str | None = None, **kwargs: Any) -> str:
        return ENDPOINTS[service_type or ""]


class Service(requests.adapters.BaseAdapter):
    """A service that accepts only the tokens in ``valid``; records (method, url, token)."""

    def __init__(self, valid: set[str], body: dict[str, Any]) -> None:
        super().__init__()
        self.valid, self.body, self.seen = valid, body, []

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        token = request.headers.get("X-Auth-Token")
        token = token.decode() if isinstance(token, bytes) else token  # swiftclient sends bytes
        self.seen.append((request.method, request.url, token))
        response = requests.Response()
        response.request, response.url = request, request.url
        response.status_code = 200 if token in self.valid else 401
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        body = self.body if response.status_code == 200 else {"error": "expired"}
        response.raw = io.BytesIO(json.dumps(body).encode())
        return response

    def close(self) -> None:
        pass


def instance_on(transport: requests.Session) -> Any:
    auth = RotatingAuth()

    class Instance:  # what osc-lib's ClientManager gives make_client
        session = osc_session = None
        interface = "public"
        region_name = None

    Instance.session = session.Session(auth=auth, session=transport)
    return Instance, auth


def test_mistral_requests_get_a_new_token_when_the_old_one_is_refused():
    mistral = Service({"token-1"}, {"id": "e1", "state": "RUNNING", "workflow_name": "w", "input": "{}",
                                    "output": "{}", "params": "{}"})
    transport = requests.Session()
    transport.mount("http://mistral.test/", mistral)
    instance, auth = instance_on(transport)
    made = osc_plugin.make_client(instance())
    assert made.mistral.execution("e1")["state"] == "RUNNING"
    mistral.valid = {"token-2"}  # token-1 expired
    assert made.mistral.execution("e1")["state"] == "RUNNING"
    assert [token for _, _, token in mistral.seen] == ["token-1", "token-1", "token-2"]
    assert all(url == "http://mistral.test/v2/executions/e1" for _, url, _ in mistral.seen)
    assert auth.issued == ["token-1", "token-2"]


def swift_on(monkeypatch: Any) -> tuple[Service, Any, RotatingAuth]:
    """A PlanClient from make_client whose Swift is ``Service`` (token-1 valid)."""
    import swiftclient.client

    swift = Service({"token-1"}, {})

    class Transport(swiftclient.client.SwiftClientRequestsSession):
        def __init__(self) -> None:
            super().__init__()
            self.mount("http://swift.test/", swift)

    monkeypatch.setattr(swiftclient.client, "SwiftClientRequestsSession", Transport)
    monkeypatch.setattr(swiftclient.client, "sleep", lambda seconds: None)  # its backoff before a retry
    instance, auth = instance_on(requests.Session())
    made = osc_plugin.make_client(instance())
    assert made.swift is not None
    return swift, made, auth


def test_an_upload_refused_for_a_stale_token_is_sent_again_with_the_new_one(monkeypatch):
    swift, made, auth = swift_on(monkeypatch)
    made.swift.upload(b"first")
    swift.valid = {"token-2"}
    made.swift.upload(b"second")  # refused (token-1 expired), the session renews it, the bytes go again
    assert [(method, token) for method, _, token in swift.seen] == \
        [("PUT", "token-1"), ("PUT", "token-1"), ("PUT", "token-2")]
    assert all(url.startswith("http://swift.test/v1/AUTH_p/tripleo-plan-uploads/") for _, url, _ in swift.seen)
    assert auth.issued == ["token-1", "token-2"]
