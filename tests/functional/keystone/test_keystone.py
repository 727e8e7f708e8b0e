"""The pack on a local undercloud whose Swift, Heat and Mistral authenticate through a real Keystone.

Real HTTP to each service; ``tripleo-plan`` with nothing but a user's ``OS_*`` variables (the
Keystone catalog says where everything is).  Users (``LocalUndercloud.credentials``): ``admin``
(admin on project admin), ``viewer`` (reader on admin), ``other`` (member on project other)."""
import json
import os
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.functional.keystone.conftest import EXAMPLE, tripleo_plan
from tripleo_plan_actions.services import discovery


def status(url, method="GET", **headers):
    request = urllib.request.Request(url, method=method, headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def service_urls(undercloud, project_id):
    """A read of each service in project ``project_id``'s space, as Keystone's catalog names it."""
    ports = undercloud.ports
    return {"swift": f"http://127.0.0.1:{ports['swift']}/v1/AUTH_{project_id}",
            "heat": f"http://127.0.0.1:{ports['heat']}/v1/{project_id}/stacks",
            "mistral": f"http://127.0.0.1:{ports['mistral']}/v2/executions"}


def session_of(undercloud, user):
    return discovery.keystone_session(undercloud.credentials(user))


def test_the_credentials_are_a_users_os_variables_and_the_catalog_names_every_service(undercloud):
    admin = undercloud.credentials("admin")
    assert set(admin) == {"OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_USER_DOMAIN_NAME",
                          "OS_PROJECT_DOMAIN_NAME", "OS_IDENTITY_API_VERSION", "OS_AUTH_TYPE", "OS_INTERFACE",
                          "OS_REGION_NAME"}
    assert admin["OS_AUTH_URL"] == undercloud.keystone_url and undercloud.client_environment() == admin
    assert undercloud.credentials("other")["OS_PROJECT_NAME"] == "other"
    session = session_of(undercloud, "other")
    project = session.get_project_id()
    catalog = (("object-store", "swift", f"/v1/AUTH_{project}"), ("orchestration", "heat", f"/v1/{project}"),
               ("workflowv2", "mistral", "/v2"))
    for kind, port, path in catalog:
        for interface in ("public", "internal", "admin"):
            url = session.get_endpoint(service_type=kind, interface=interface, region_name="RegionOne")
            assert url == f"http://127.0.0.1:{undercloud.ports[port]}{path}"


def test_the_executors_settings_hold_the_service_identity_and_no_service_section(undercloud):
    settings = json.loads(undercloud.settings_file.read_text())
    assert settings == {"interface": "internal", "service_auth": {
        "auth_url": undercloud.keystone_url, "username": "mistral", "password": settings["service_auth"]["password"],
        "project_name": "service", "user_domain_name": "Default", "project_domain_name": "Default"}}


def test_no_token_and_a_bogus_token_get_401_from_swift_heat_and_mistral(undercloud, early_token):
    urls = service_urls(undercloud, early_token["project_id"])
    assert {name: status(url) for name, url in urls.items()} == dict.fromkeys(urls, 401)
    bogus = {name: status(url, X_Auth_Token="gAAAAA-not-a-token") for name, url in urls.items()}
    assert bogus == dict.fromkeys(urls, 401)
    valid = {name: status(url, X_Auth_Token=early_token["token"]) for name, url in urls.items()}
    assert valid["swift"] in (200, 204) and valid["heat"] == valid["mistral"] == 200, valid


def test_a_reader_reads_the_projects_swift_account_but_cannot_write_and_another_project_cannot_read(undercloud):
    viewer = session_of(undercloud, "viewer")
    account = service_urls(undercloud, viewer.get_project_id())["swift"]
    assert status(account, X_Auth_Token=viewer.get_token()) in (200, 204)
    assert status(f"{account}/viewer-{uuid.uuid4().hex[:8]}", "PUT", X_Auth_Token=viewer.get_token()) == 403
    other = session_of(undercloud, "other")
    assert status(account, X_Auth_Token=other.get_token()) == 403


def test_the_self_test_succeeds_as_admin(undercloud):
    done = tripleo_plan(undercloud, "admin", "check")
    assert done.returncode == 0, done.stderr
    assert "finished: SUCCESS" in done.stderr and "CREATE_COMPLETE" in done.stdout


def test_a_plan_of_admin_is_listed_for_admin_and_not_for_other_who_has_her_own(undercloud):
    name = f"ks-{uuid.uuid4().hex[:8]}"
    created = tripleo_plan(undercloud, "admin", "plan", "create", name, "--templates", EXAMPLE, "--no-progress")
    assert created.returncode == 0, created.stderr
    listed = tripleo_plan(undercloud, "admin", "plan", "list", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    assert name in {row["name"] for row in json.loads(listed.stdout)}

    theirs = tripleo_plan(undercloud, "other", "plan", "list", "-f", "json")
    assert theirs.returncode == 0, theirs.stderr
    assert name not in {row["name"] for row in json.loads(theirs.stdout)}
    shown = tripleo_plan(undercloud, "other", "plan", "show", name)
    assert shown.returncode != 0 and "does not exist" in shown.stderr

    # Her own plan: its upload goes to her own account's tripleo-plan-uploads.
    own = f"ks-other-{uuid.uuid4().hex[:8]}"
    created = tripleo_plan(undercloud, "other", "plan", "create", own, "--templates", EXAMPLE, "--no-progress")
    assert created.returncode == 0, created.stderr
    theirs = tripleo_plan(undercloud, "other", "plan", "list", "-f", "json")
    assert {row["name"] for row in json.loads(theirs.stdout)} >= {own}
    assert name not in {row["name"] for row in json.loads(theirs.stdout)}


@pytest.mark.skipif(int(os.environ.get("TRIPLEO_PLAN_TOKEN_EXPIRATION") or 3600) > 300,
                    reason="waits for a token to expire: only with TRIPLEO_PLAN_TOKEN_EXPIRATION of 300 s or less")
def test_an_expired_user_token_is_accepted_with_a_service_token_of_a_service_user(undercloud, early_token):
    """What the actions of an operation that outlives its caller's token rely on: keystonemiddleware's
    ``service_token_roles_required`` and ``allow_expired`` in every service (the last test: it waits)."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    lifetime = int(os.environ["TRIPLEO_PLAN_TOKEN_EXPIRATION"])
    time.sleep(max(0.0, early_token["taken"] + lifetime + 2 - time.monotonic()))
    urls = service_urls(undercloud, early_token["project_id"])
    expired = early_token["token"]
    assert {name: status(url, X_Auth_Token=expired) for name, url in urls.items()} == dict.fromkeys(urls, 401)
    service = json.loads(undercloud.settings_file.read_text())["service_auth"]
    mistral = ks_session.Session(auth=v3.Password(**service)).get_token()
    accepted = {name: status(url, X_Auth_Token=expired, X_Service_Token=mistral) for name, url in urls.items()}
    assert accepted["swift"] in (200, 204) and accepted["heat"] == accepted["mistral"] == 200, accepted
    # A service token of a user without the service role does not do it.
    other = session_of(undercloud, "other").get_token()
    refused = {name: status(url, X_Auth_Token=expired, X_Service_Token=other) for name, url in urls.items()}
    assert refused == dict.fromkeys(urls, 401)
