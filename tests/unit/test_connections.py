import pytest

from tripleo_plan_actions.errors import ConfigurationError
from tripleo_plan_actions.services import connections

CATALOG = [
    {"type": "object-store", "endpoints": [
        {"interface": "public", "region": "regionOne", "url": "https://192.0.2.1:13808/v1/AUTH_p"},
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8080/v1/AUTH_p"}]},
    {"type": "orchestration", "endpoints": [
        {"interface": "internal", "region": "regionTwo", "url": "http://192.0.2.2:8004/v1/p"},
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8004/v1/p"}]},
]


class Security:
    def __init__(self, token, catalog, region=None):
        self.auth_token = token
        self.service_catalog = catalog
        self.region_name = region


class Context:
    def __init__(self, security):
        self.security = security


def test_catalog_lookup_picks_interface_and_region():
    assert connections.endpoint_from_catalog(CATALOG, "object-store") == "http://192.0.2.1:8080/v1/AUTH_p"
    assert connections.endpoint_from_catalog(CATALOG, "object-store", "public").startswith("https://")
    assert connections.endpoint_from_catalog(CATALOG, "orchestration", region="regionOne") == \
        "http://192.0.2.1:8004/v1/p"


def test_catalog_lookup_accepts_json_text_and_token_body():
    import json
    assert connections.endpoint_from_catalog(json.dumps({"catalog": CATALOG}), "orchestration",
                                             region="regionTwo") == "http://192.0.2.2:8004/v1/p"


def test_catalog_without_service_names_what_is_missing():
    with pytest.raises(ConfigurationError, match="no internal endpoint of type workflowv2"):
        connections.endpoint_from_catalog(CATALOG, "workflowv2")


def test_keystone_context_wins_over_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(connections.SETTINGS_ENV, str(tmp_path / "absent.yaml"))
    services = connections.for_context(Context(Security("tok", CATALOG, "regionOne")))
    assert services.uses_keystone
    assert services.endpoint("heat") == "http://192.0.2.1:8004/v1/p"


def test_settings_file_used_without_keystone(tmp_path, monkeypatch):
    settings = tmp_path / "services.yaml"
    settings.write_text("swift: {auth_url: 'http://127.0.0.1:1/auth/v1.0', user: 'a:b', key: k}\n"
                        "heat: {endpoint: 'http://127.0.0.1:2/v1/admin'}\n")
    monkeypatch.setenv(connections.SETTINGS_ENV, str(settings))
    services = connections.for_context(Context(Security(None, None)))
    assert not services.uses_keystone
    assert services.endpoint("heat") == "http://127.0.0.1:2/v1/admin"
    assert services.endpoint("swift") == "http://127.0.0.1:1/auth/v1.0"
    with pytest.raises(ConfigurationError, match="no 'mistral' section"):
        services.endpoint("mistral")


def test_missing_settings_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(connections.SETTINGS_ENV, str(tmp_path / "nowhere.yaml"))
    with pytest.raises(ConfigurationError, match="nowhere.yaml"):
        connections.for_context(None)


def test_settings_that_are_not_a_mapping(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigurationError, match="must be a mapping"):
        connections.load_settings(str(path))
