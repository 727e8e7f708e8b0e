"""The pure parts of the local undercloud's Keystone switch (no service started)."""
import configparser
import json
import stat

import pytest

from tripleo_plan_actions.undercloud import cli, heat as embedded_heat, profiles, swift as embedded_swift, venvs
from tripleo_plan_actions.undercloud.local import LocalUndercloud
from tripleo_plan_actions.undercloud.production import heat, keystone, mistral, swift
from tripleo_plan_actions.undercloud.production.profile import DATABASE_SUFFIXES
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

PASSWORDS = {name: f"pw-{name}" for name in (*keystone.USERS, keystone.HEAT_DOMAIN_ADMIN)}
IDENTITY = keystone.Identity(5000, PASSWORDS)


def test_keystone_is_off_by_default_and_on_with_the_switch_or_the_variable():
    assert profiles.resolve_keystone(None, "production", {}) is False
    assert profiles.resolve_keystone(None, "production", {"TRIPLEO_PLAN_KEYSTONE": "1"}) is True
    assert profiles.resolve_keystone(True, "production", {}) is True
    assert profiles.resolve_keystone(False, "production", {"TRIPLEO_PLAN_KEYSTONE": "1"}) is False
    assert profiles.resolve_keystone(None, "embedded", {"TRIPLEO_PLAN_KEYSTONE": "0"}) is False


def test_keystone_with_the_embedded_profile_is_refused_naming_the_switch_and_the_profile(monkeypatch, tmp_path, capsys):
    with pytest.raises(profiles.KeystoneNeedsProduction) as raised:
        profiles.resolve_keystone(None, "embedded", {"TRIPLEO_PLAN_KEYSTONE": "1"})
    assert "--keystone" in str(raised.value) and "TRIPLEO_PLAN_KEYSTONE" in str(raised.value)
    assert "production profile, not embedded" in str(raised.value)
    with pytest.raises(profiles.KeystoneNeedsProduction):
        LocalUndercloud(tmp_path, profile="embedded", keystone=True)
    monkeypatch.setenv("TRIPLEO_PLAN_KEYSTONE", "1")
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # main's SIGTERM handler: not in pytest
    assert cli.main(["up", "--profile", "embedded"]) == 1
    assert "runs only with the production profile" in capsys.readouterr().err


def test_without_keystone_the_undercloud_has_its_three_services(monkeypatch, tmp_path):
    monkeypatch.delenv("TRIPLEO_PLAN_KEYSTONE", raising=False)
    cloud = LocalUndercloud(tmp_path, profile="production")
    assert cloud.services == ("swift", "heat", "mistral") and not cloud.keystone
    assert set(cloud.profile.databases) == {"mistral", "heat"}
    with pytest.raises(RuntimeError, match="without Keystone"):
        cloud.credentials("admin")
    with_keystone = LocalUndercloud(tmp_path / "k", profile="production", keystone=True)
    assert with_keystone.services == ("keystone", "swift", "heat", "mistral")
    assert with_keystone.profile.databases["keystone"] == f"{with_keystone.profile.id}_keystone"
    assert "_keystone" in DATABASE_SUFFIXES


def test_the_keystone_environment_is_built_only_when_asked_for():
    assert "keystone" not in venvs.wanted()
    assert venvs.wanted(("keystone",)) == ["swift", "heat", "mistral", "keystone"]
    assert "keystonemiddleware" in venvs.REQUIREMENTS["swift"]
    with pytest.raises(ValueError):
        venvs.wanted(("nova",))


def test_the_token_lifetime_comes_from_the_environment():
    assert keystone.token_expiration({}) == 3600
    assert keystone.token_expiration({"TRIPLEO_PLAN_TOKEN_EXPIRATION": "120"}) == 120
    for bad in ("0", "-5", "soon"):
        with pytest.raises(ServiceFailed, match="TRIPLEO_PLAN_TOKEN_EXPIRATION"):
            keystone.token_expiration({"TRIPLEO_PLAN_TOKEN_EXPIRATION": bad})


def test_keystone_conf_has_fernet_tokens_with_keys_under_the_state_dir(tmp_path):
    sections = keystone.conf_sections(tmp_path, "mysql+pymysql://x", 120)
    assert sections["token"] == {"provider": "fernet", "expiration": "120"}
    assert sections["fernet_tokens"]["key_repository"].startswith(str(tmp_path))
    assert sections["credential"]["key_repository"].startswith(str(tmp_path))
    assert sections["database"]["connection"] == "mysql+pymysql://x"


def test_passwords_are_random_kept_private_and_read_back(tmp_path):
    made = keystone.passwords(tmp_path)
    assert set(made) == set(PASSWORDS) and len(set(made.values())) == len(made)
    assert stat.S_IMODE((tmp_path / "passwords.json").stat().st_mode) == 0o600
    assert keystone.passwords(tmp_path) == made


def test_credentials_are_the_os_variables_of_a_person():
    other = IDENTITY.credentials("other")
    assert other == {"OS_AUTH_URL": "http://127.0.0.1:5000/v3", "OS_USERNAME": "other", "OS_PASSWORD": "pw-other",
                     "OS_PROJECT_NAME": "other", "OS_USER_DOMAIN_NAME": "Default",
                     "OS_PROJECT_DOMAIN_NAME": "Default", "OS_IDENTITY_API_VERSION": "3",
                     "OS_AUTH_TYPE": "password", "OS_INTERFACE": "public", "OS_REGION_NAME": "RegionOne"}
    assert IDENTITY.credentials("viewer")["OS_PROJECT_NAME"] == "admin"
    with pytest.raises(KeyError):
        IDENTITY.credentials("mistral")  # a service user, not a person


def test_every_authtoken_accepts_an_expired_token_only_with_a_service_token():
    section = IDENTITY.authtoken("heat")
    assert section["service_token_roles_required"] == "true" and section["service_token_roles"] == "service"
    assert (section["username"], section["password"], section["project_name"]) == ("heat", "pw-heat", "service")
    assert IDENTITY.service_auth() == {"auth_url": "http://127.0.0.1:5000/v3", "username": "mistral",
                                       "password": "pw-mistral", "project_name": "service",
                                       "user_domain_name": "Default", "project_domain_name": "Default"}


def test_the_cloud_description_has_the_catalog_roles_projects_and_users():
    description = keystone.cloud_description(IDENTITY, {"swift": 1, "heat": 2, "mistral": 3, "keystone": 5000})
    urls = {s["type"]: s["urls"] for s in description["services"]}
    assert urls["object-store"]["internal"] == "http://127.0.0.1:1/v1/AUTH_%(project_id)s"
    assert urls["orchestration"]["public"] == "http://127.0.0.1:2/v1/%(project_id)s"
    assert set(urls["workflowv2"]) == {"public", "internal", "admin"}
    assert set(description["roles"]) >= {"admin", "member", "reader", "service", "heat_stack_user", "swiftoperator"}
    users = {u["name"]: (u["project"], set(u["roles"])) for u in description["users"]}
    assert users["viewer"] == ("admin", {"reader"}) and users["other"] == ("other", {"member"})
    assert all(users[name] == ("service", {"admin", "service"}) for name in ("mistral", "swift", "heat"))


def test_heat_on_keystone_has_no_noauth_and_uses_trusts(tmp_path):
    sections = embedded_heat.conf_sections(tmp_path, 8004, tmp_path / "python", None, tmp_path / "heat.log")
    changed = heat.keystone_sections(sections, IDENTITY)
    assert "noauth" not in changed and "flavor" not in changed["paste_deploy"]
    assert "keystone_backend" not in changed["DEFAULT"] and "keystone_backend" in sections["DEFAULT"]
    assert changed["DEFAULT"]["deferred_auth_method"] == changed["DEFAULT"]["reauthentication_auth_method"] == "trusts"
    assert changed["DEFAULT"]["stack_domain_admin"] == "heat_domain_admin"
    assert changed["keystone_authtoken"]["service_token_roles_required"] == "true"
    assert changed["trustee"]["username"] == "heat" and changed["clients_keystone"]["auth_uri"] == IDENTITY.url
    assert changed["oslo_policy"]["enforce_new_defaults"] == "false"


def test_swift_on_keystone_swaps_tempauth_for_authtoken_and_keystoneauth():
    assert " tempauth " in embedded_swift._PIPELINE
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(swift.keystone_filters(IDENTITY))
    assert parser["filter:authtoken"]["delay_auth_decision"] == "True"
    assert parser["filter:authtoken"]["username"] == "swift"
    assert parser["filter:keystoneauth"]["operator_roles"] == "admin, member, swiftoperator"
    assert parser["filter:keystoneauth"]["project_reader_roles"] == "reader"


def test_mistral_on_keystone_enables_auth(tmp_path):
    conf = mistral.configure(tmp_path, 8989, "rabbit://x", "mysql+pymysql://y", IDENTITY)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    assert parser["pecan"]["auth_enable"] == "true" and parser["keystone_authtoken"]["username"] == "mistral"
    executor = configparser.ConfigParser(interpolation=None)
    executor.read(tmp_path / "mistral-executor-1.conf")
    assert executor["keystone_authtoken"]["service_token_roles_required"] == "true"
    (tmp_path / "plain").mkdir()
    plain = mistral.configure(tmp_path / "plain", 8989, "rabbit://x", "mysql+pymysql://y")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(plain)
    assert parser["pecan"]["auth_enable"] == "false" and not parser.has_section("keystone_authtoken")


def test_the_settings_file_in_keystone_mode_holds_only_the_service_identity(tmp_path):
    cloud = LocalUndercloud(tmp_path, profile="production", keystone=True)
    cloud._write_settings()
    settings = json.loads(cloud.settings_file.read_text())
    assert set(settings) == {"interface", "service_auth"} and settings["interface"] == "internal"
    assert settings["service_auth"]["username"] == "mistral"
    assert cloud.client_environment() == cloud.credentials("admin")
