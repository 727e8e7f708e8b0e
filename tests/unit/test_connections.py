"""The actions' client factories over the discovery of the action context (no request is sent)."""
import pytest

from tests.unit.test_discovery import Context, Security
from tripleo_plan_actions.errors import ConfigurationError
from tripleo_plan_actions.services import connections, discovery
from tripleo_plan_actions.services.discovery import ACTIONS_AGENT

CATALOG = [
    {"type": "object-store", "endpoints": [
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8080/v1/AUTH_p"}]},
    {"type": "orchestration", "endpoints": [
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8004/v1/p"}]},
    {"type": "workflowv2", "endpoints": [
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8989/v2"}]},
]


def test_keystone_context_wins_over_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(tmp_path / "absent.yaml"))
    services = connections.for_context(Context(Security("tok", CATALOG, "regionOne")))
    assert services.uses_keystone
    assert services.endpoint("heat") == "http://192.0.2.1:8004/v1/p"
    swift = services.swift()
    assert (swift.url, swift.token, swift.agent, swift.retries) == (
        "http://192.0.2.1:8080/v1/AUTH_p", "tok", ACTIONS_AGENT, 2)
    mistral = services.mistral()
    assert (mistral.url, mistral.token, mistral.agent) == ("http://192.0.2.1:8989/v2", "tok", ACTIONS_AGENT)


def test_settings_file_used_without_keystone(tmp_path, monkeypatch):
    settings = tmp_path / "services.yaml"
    settings.write_text("swift: {auth_url: 'http://127.0.0.1:1/auth/v1.0', user: 'a:b', key: k}\n"
                        "heat: {endpoint: 'http://127.0.0.1:2/v1/admin'}\n")
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(settings))
    services = connections.for_context(Context(Security(None, None)))
    assert not services.uses_keystone
    assert services.endpoint("heat") == "http://127.0.0.1:2/v1/admin"
    assert services.endpoint("swift") == "http://127.0.0.1:1/auth/v1.0"
    with pytest.raises(ConfigurationError, match="no 'mistral' section"):
        services.endpoint("mistral")
    with pytest.raises(ConfigurationError, match="no 'mistral' section"):
        services.mistral()


def test_missing_settings_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(tmp_path / "nowhere.yaml"))
    with pytest.raises(ConfigurationError, match="nowhere.yaml"):
        connections.for_context(None)


def test_tempauth_tokens_are_reused_by_later_connections(tmp_path):
    from tripleo_plan_actions.services import swift_api

    settings = tmp_path / "services.yaml"
    settings.write_text("swift: {auth_url: 'http://127.0.0.1:9/auth/v1.0', user: 'reuse:me', key: k}\n")
    first = connections.for_settings(str(settings)).swift()
    assert (first.url, first.token) == (None, None)  # authenticates on its first request
    key = ("http://127.0.0.1:9/auth/v1.0", "reuse:me")
    swift_api._tokens[key] = ("http://127.0.0.1:9/v1/AUTH_reuse", "t-1")  # as get_auth records it
    try:
        later = connections.for_settings(str(settings)).swift()
        assert (later.url, later.token) == ("http://127.0.0.1:9/v1/AUTH_reuse", "t-1")
    finally:
        del swift_api._tokens[key]


def test_the_actions_never_import_the_client():
    import subprocess
    import sys

    code = """
import importlib, pkgutil, sys
import tripleo_plan_actions.actions, tripleo_plan_actions.services, tripleo_plan_actions.storage
for package in (tripleo_plan_actions.actions, tripleo_plan_actions.services, tripleo_plan_actions.storage):
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
from tripleo_plan_actions.services import connections, discovery
settings = {"mistral": {"endpoint": "http://127.0.0.1:9/v2"}, "swift": {"url": "http://127.0.0.1:9/v1/A"}}
services = connections.Connections(discovery.Discovery("settings", settings=settings))
services.mistral().client, services.swift()
print(sorted(m for m in sys.modules if m.startswith("tripleo_plan_actions.client")))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
