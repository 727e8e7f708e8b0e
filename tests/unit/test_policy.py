"""The pack's own policy (core/policy.py) and how the actions' edge applies it and names 401s."""
import json
import types

import pytest
from heatclient import exc as heat_exc
from keystoneauth1 import exceptions as keystone_exc
from swiftclient.exceptions import ClientException

from tripleo_plan_actions.actions import base, history, plan
from tripleo_plan_actions.core import policy
from tripleo_plan_actions.errors import ConfigurationError, Forbidden, ServiceError
from tripleo_plan_actions.services import discovery

CATALOG = [{"type": "object-store", "endpoints": [{"interface": "internal", "url": "http://127.0.0.1:1/v1/AUTH_p"}]}]


def keystone_context(roles, user="alice", project="overcloud", body_key=True):
    token = {"catalog": CATALOG, "roles": [{"id": r, "name": r} for r in roles]}
    security = types.SimpleNamespace(auth_token="user-token", service_catalog={"token": token} if body_key else token,
                                     user_name=user, project_name=project, region_name=None)
    execution = types.SimpleNamespace(workflow_execution_id="exec-1")
    return types.SimpleNamespace(security=security, execution=execution)


def test_default_rules_read_with_reader_change_with_member_or_admin():
    rules = policy.rules(None)
    policy.check(policy.READ, ["reader"], rules)
    policy.check(policy.CHANGE, ["member"], rules)
    policy.check(policy.CHANGE, ["admin", "reader"], rules)
    with pytest.raises(Forbidden) as refused:
        policy.check(policy.CHANGE, ["reader"], rules, "viewer")
    assert str(refused.value) == ("user viewer may not change plans: the pack's policy asks for one of the roles "
                                  "member, admin (held: reader)")
    with pytest.raises(Forbidden, match=r"held: none"):
        policy.check(policy.READ, [], rules)


def test_no_keystone_means_no_roles_and_nothing_checked():
    policy.check(policy.CHANGE, None, policy.rules(None))


def test_the_settings_policy_replaces_a_list_and_bad_sections_are_named():
    rules = policy.rules({"change": ["admin"]})
    assert rules == {"read": ("reader", "member", "admin"), "change": ("admin",)}
    with pytest.raises(Forbidden):
        policy.check(policy.CHANGE, ["member"], rules)
    with pytest.raises(ConfigurationError, match="unknown key 'write'"):
        policy.rules({"write": ["admin"]})
    with pytest.raises(ConfigurationError, match=r"'policy.read' must be a list"):
        policy.rules({"read": "reader"})
    with pytest.raises(ConfigurationError, match="must be a mapping"):
        policy.rules(["admin"])


@pytest.mark.parametrize("body_key", [True, False])
def test_roles_come_from_the_token_body_mistral_hands_over(body_key):
    assert base.roles(keystone_context(["reader", "member"], body_key=body_key)) == ["reader", "member"]


def test_roles_of_a_json_body_and_of_a_body_without_roles():
    context = keystone_context(["admin"])
    context.security.service_catalog = json.dumps(context.security.service_catalog)
    assert base.roles(context) == ["admin"]
    context.security.service_catalog = {"catalog": CATALOG}
    assert base.roles(context) == []
    assert base.roles(types.SimpleNamespace(security=types.SimpleNamespace(auth_token=None))) is None
    assert base.roles(None) is None


def test_a_reader_is_refused_a_change_before_anything_is_sent(monkeypatch, tmp_path):
    monkeypatch.setenv(discovery.SETTINGS_ENV, str(tmp_path / "absent.yaml"))
    action = plan.CreatePlan(plan="overcloud", templates_dir="/nonexistent")
    result = action.run(keystone_context(["reader"], user="viewer"))
    assert result.is_error()
    assert result.error == ("user viewer may not change plans: the pack's policy asks for one of the roles "
                            "member, admin (held: reader)")


def test_reads_need_read_and_an_export_with_secrets_needs_change():
    assert plan.ListPlans().needs() == policy.READ
    assert history.ListHistory(plan="p").needs() == policy.READ
    assert plan.ExportPlan(plan="p", include_secrets=False).needs() == policy.CHANGE  # it writes the archive
    assert plan.ExportPlan(plan="p").needs() == policy.CHANGE
    assert plan.DeletePlan(plan="p").needs() == policy.CHANGE


@pytest.mark.parametrize("error, service", [
    (heat_exc.HTTPUnauthorized("Authentication failed"), "Heat"),
    (ClientException("Unauthorized", http_status=401), "Swift"),
])
def test_a_401_of_a_client_library_becomes_the_packs_error(error, service):
    refused = base.credentials_refused(error)
    assert refused.kind == "unauthenticated"
    assert str(refused).startswith(f"{service} refused the caller's credentials (401: ")
    assert "service_auth" in str(refused)


def test_a_401_service_error_and_a_refused_service_identity():
    failure = ServiceError("Mistral answered 401 to GET /executions: Auth token is invalid")
    failure.status = 401
    assert "a service refused the caller's credentials" in str(base.credentials_refused(failure))
    refused = base.credentials_refused(keystone_exc.Unauthorized("The request you have made requires authentication"))
    assert str(refused).startswith("Keystone refused the pack's service identity")
    assert base.credentials_refused(ServiceError("Heat refused to read stack p: 404")) is None
    assert base.credentials_refused(ValueError("bug")) is None


def test_the_service_identity_section_is_checked_and_one_plugin_per_process():
    section = {"auth_url": "http://127.0.0.1:5000/v3", "username": "mistral", "password": "secret",
               "project_name": "service", "user_domain_name": "Default", "project_domain_name": "Default"}
    assert discovery.service_plugin(section) is discovery.service_plugin(dict(section))
    with pytest.raises(ConfigurationError, match="lacks password"):
        discovery.service_plugin({"auth_url": "http://k", "username": "mistral"})
    with pytest.raises(ConfigurationError, match="unknown options token"):
        discovery.service_plugin({**section, "token": "x"})


def test_an_action_context_with_service_auth_sends_both_tokens(monkeypatch, tmp_path):
    settings = tmp_path / "services.yaml"
    settings.write_text("service_auth: {auth_url: 'http://127.0.0.1:9/v3', username: mistral, password: s,"
                        " project_name: service, user_domain_name: Default, project_domain_name: Default}\n")
    found = discovery.for_context(keystone_context(["member"]), str(settings))
    access = found.access("swift")
    assert access.url == "http://127.0.0.1:1/v1/AUTH_p" and access.token == "user-token"
    monkeypatch.setattr(access.session.auth.service_auth, "get_token", lambda session: "service-token")
    assert access.session.get_auth_headers() == {"X-Auth-Token": "user-token", "X-Service-Token": "service-token"}
