"""Where each service is and with which credentials, from each source (nothing is sent)."""
import json

import pytest

from tripleo_plan_actions.errors import ConfigurationError
from tripleo_plan_actions.services import discovery

CATALOG = [
    {"type": "object-store", "endpoints": [
        {"interface": "public", "region": "regionOne", "url": "https://192.0.2.1:13808/v1/AUTH_p"},
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8080/v1/AUTH_p"}]},
    {"type": "orchestration", "endpoints": [
        {"interface": "internal", "region": "regionTwo", "url": "http://192.0.2.2:8004/v1/p"},
        {"interface": "internal", "region": "regionOne", "url": "http://192.0.2.1:8004/v1/p"}]},
]
SETTINGS = {"mistral": {"endpoint": "http://127.0.0.1:1/v2"},
            "swift": {"auth_url": "http://127.0.0.1:2/auth/v1.0", "user": "a:b", "key": "k"},
            "heat": {"endpoint": "http://127.0.0.1:3/v1/admin", "token": "fake"}}


class Security:
    def __init__(self, token, catalog, region=None):
        self.auth_token = token
        self.service_catalog = catalog
        self.region_name = region


class Context:
    def __init__(self, security):
        self.security = security


class Session:
    """What discovery asks of a keystoneauth1 session: endpoints (and ``verify``)."""

    def __init__(self, endpoints, verify=True, error=None):
        self.endpoints = endpoints
        self.verify = verify
        self.error = error
        self.asked = []

    def get_endpoint(self, service_type, interface, region_name):
        self.asked.append((service_type, interface, region_name))
        if self.error:
            raise self.error
        return self.endpoints.get(service_type)


def settings_file(tmp_path, settings=SETTINGS):
    path = tmp_path / "services.yaml"
    path.write_text(json.dumps(settings))
    return str(path)


# -- the Keystone catalog ------------------------------------------------------------------------

def test_catalog_lookup_picks_interface_and_region():
    assert discovery.endpoint_from_catalog(CATALOG, "object-store") == "http://192.0.2.1:8080/v1/AUTH_p"
    assert discovery.endpoint_from_catalog(CATALOG, "object-store", "public").startswith("https://")
    assert discovery.endpoint_from_catalog(CATALOG, "orchestration", region="regionOne") == \
        "http://192.0.2.1:8004/v1/p"
    assert discovery.catalog_url(CATALOG, "workflowv2") is None


def test_catalog_lookup_accepts_json_text_and_token_body():
    assert discovery.endpoint_from_catalog(json.dumps({"catalog": CATALOG}), "orchestration",
                                           region="regionTwo") == "http://192.0.2.2:8004/v1/p"


def test_catalog_without_service_names_what_is_missing():
    with pytest.raises(ConfigurationError, match="no internal endpoint of type workflowv2 in region r1"):
        discovery.endpoint_from_catalog(CATALOG, "workflowv2", region="r1")


def test_action_context_with_keystone_uses_its_token_and_catalog(tmp_path, monkeypatch):
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(tmp_path / "absent.yaml"))
    found = discovery.for_context(Context(Security("tok", CATALOG, "regionOne")))
    assert found.source == "keystone"
    assert found.access("heat") == discovery.Access("heat", "http://192.0.2.1:8004/v1/p", token="tok",
                                                    interface="internal", region="regionOne")
    assert found.find("mistral") is None
    with pytest.raises(ConfigurationError, match="no internal endpoint of type workflowv2 in region regionOne"):
        found.access("mistral")


def test_action_context_settings_may_choose_the_public_interface(tmp_path):
    path = settings_file(tmp_path, {"interface": "public"})
    found = discovery.for_context(Context(Security("tok", CATALOG)), settings_path=path)
    assert found.access("swift").url == "https://192.0.2.1:13808/v1/AUTH_p"


def test_action_context_without_keystone_needs_the_settings_file(tmp_path, monkeypatch):
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(tmp_path / "nowhere.yaml"))
    with pytest.raises(ConfigurationError, match="cannot read the service settings .*nowhere.yaml"):
        discovery.for_context(Context(Security(None, None)))
    monkeypatch.setenv(discovery.SETTINGS_ENV, settings_file(tmp_path))
    assert discovery.for_context(None).source == "settings"


# -- the settings file ---------------------------------------------------------------------------

def test_settings_sections_give_each_service_its_access(tmp_path):
    found = discovery.from_settings(settings_file(tmp_path))
    assert found.access("mistral") == discovery.Access("mistral", "http://127.0.0.1:1/v2")
    swift = found.access("swift")
    assert (swift.url, swift.auth_url, swift.user, swift.key) == (None, "http://127.0.0.1:2/auth/v1.0", "a:b", "k")
    assert swift.endpoint == "http://127.0.0.1:2/auth/v1.0"
    assert found.access("heat") == discovery.Access("heat", "http://127.0.0.1:3/v1/admin", token="fake")


def test_swift_settings_with_a_storage_url_and_token():
    access = discovery.settings_access({"swift": {"url": "http://s/v1/AUTH_x", "token": "t"}}, "swift")
    assert access == discovery.Access("swift", "http://s/v1/AUTH_x", token="t")


def test_settings_sections_missing_their_address_are_named():
    assert discovery.settings_access({}, "heat") is None
    with pytest.raises(ConfigurationError, match="'heat' section has no 'endpoint'"):
        discovery.settings_access({"heat": {"token": "x"}}, "heat")
    with pytest.raises(ConfigurationError, match="'swift' section has no 'url' or 'auth_url'"):
        discovery.settings_access({"swift": {"user": "u"}}, "swift")


def test_settings_that_are_not_a_mapping_or_not_yaml(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigurationError, match="must be a mapping"):
        discovery.load_settings(str(path))
    path.write_text("a: [\n")
    with pytest.raises(ConfigurationError, match="are not valid YAML"):
        discovery.load_settings(str(path))


# -- the thin client's environment ---------------------------------------------------------------

def test_client_environment_first_found_wins(tmp_path):
    path = settings_file(tmp_path)
    found = discovery.from_environment({discovery.SETTINGS_ENV: path})
    assert found.source == "settings" and found.access("mistral").url == "http://127.0.0.1:1/v2"
    assert found.access("swift").auth_url == "http://127.0.0.1:2/auth/v1.0"
    overridden = discovery.from_environment({discovery.SETTINGS_ENV: path, "OS_MISTRAL_URL": "http://h:4/v2"},
                                            mistral_url="http://h:3/v2")
    assert overridden.access("mistral").url == "http://h:3/v2"  # --mistral-url, then OS_MISTRAL_URL
    assert discovery.from_environment({discovery.SETTINGS_ENV: path, "OS_MISTRAL_URL": "http://h:4/v2"}) \
        .access("mistral").url == "http://h:4/v2"


def test_client_settings_without_mistral_use_the_default_url(tmp_path):
    found = discovery.from_environment({discovery.SETTINGS_ENV: settings_file(tmp_path, {"swift": SETTINGS["swift"]})})
    assert found.access("mistral").url == discovery.DEFAULT_MISTRAL_URL


def test_client_without_settings_has_the_default_mistral_and_no_swift(tmp_path):
    found = discovery.from_environment({discovery.SETTINGS_ENV: str(tmp_path / "none.yaml"), "OS_AUTH_TOKEN": "t"})
    assert found.source == "default"
    assert found.access("mistral") == discovery.Access("mistral", discovery.DEFAULT_MISTRAL_URL, token="t")
    assert found.find("swift") is None and found.find("heat") is None


def test_client_keystone_session_from_the_os_variables():
    environ = {"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "p",
               "OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
               "OS_INSECURE": "true"}
    session = discovery.keystone_session(environ)
    assert session.auth.auth_url == "http://127.0.0.1:1/v3" and session.verify is False
    assert session.user_agent.split()[0] == discovery.CLIENT_AGENT  # Keystone's own requests
    assert discovery.keystone_session(dict(environ, OS_CACERT="/ca.pem")).verify == "/ca.pem"
    token = discovery.keystone_session({"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_TOKEN": "t"})
    assert type(token.auth).__name__ == "Token"  # v3token when only OS_TOKEN is set


def test_client_keystone_settings_errors_are_named():
    with pytest.raises(ConfigurationError, match="OS_AUTH_TYPE=nonsense"):
        discovery.keystone_session({"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_AUTH_TYPE": "nonsense"})


# -- a keystoneauth1 session (osc-lib's, or the OS_* one) ----------------------------------------

def test_session_discovery_asks_the_catalog_with_interface_and_region():
    session = Session({"workflowv2": "http://m/v2", "object-store": "http://s/v1/AUTH_p"}, verify="/ca.pem")
    found = discovery.from_session(session, "internal", "regionOne")
    mistral = found.access("mistral")
    assert (mistral.url, mistral.session, mistral.token) == ("http://m/v2", session, None)
    assert found.access("swift").tls == {"insecure": False, "cacert": "/ca.pem"}
    assert session.asked == [("workflowv2", "internal", "regionOne"), ("object-store", "internal", "regionOne")]
    assert found.find("heat") is None
    with pytest.raises(ConfigurationError, match="no internal endpoint of type orchestration in region regionOne"):
        found.access("heat")


def test_session_discovery_defaults_to_public_and_honours_overrides():
    session = Session({})
    found = discovery.from_session(session, overrides={"mistral": "http://given/v2"})
    assert found.access("mistral").url == "http://given/v2" and session.asked == []
    assert found.find("swift") is None and session.asked == [("object-store", "public", None)]


def test_session_discovery_failure_names_keystone():
    found = discovery.from_session(Session({}, error=RuntimeError("connection refused")), label="http://k:5000/v3")
    with pytest.raises(ConfigurationError, match="^Keystone at http://k:5000/v3: connection refused$"):
        found.find("mistral")
