"""Make the local Keystone's cloud with python-keystoneclient (run by the Keystone environment's Python).

Reads the description :func:`tripleo_plan_actions.undercloud.production.keystone.cloud_description`
writes on stdin (JSON), authenticates as ``admin`` and makes what is missing: the region, one
catalog service per entry with its public, internal and admin endpoints, the roles, the projects,
the users with their roles on their project, Heat's stack domain with its admin (role admin on
that domain).  The ``openstack`` CLI did the same in 6-42 s a call here; this is one process and
one token.  What exists already (by name) is left alone, so running it twice changes nothing.
The endpoints and the users (each with its grants) are made :data:`PARALLEL` at a time, after a
few requests one at a time (Keystone initialises its policy enforcer on the first ones: concurrent
first requests raced there).
"""
import concurrent.futures
import json
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as keystone_client

PARALLEL = 4


def _by_name(items):
    """``{name: id}``: ids, not resources (keystoneclient fetches a created resource again, one GET,
    whenever it is passed where an id is wanted)."""
    return {item.name: item.id for item in items}


def _all(calls):
    """Run the ``(function, args, kwargs)`` calls :data:`PARALLEL` at a time; raise the first failure."""
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        for future in [pool.submit(function, *args, **kwargs) for function, args, kwargs in calls]:
            future.result()


def _catalog(keystone, description):
    region = description["region"]
    if region not in {r.id for r in keystone.regions.list()}:
        keystone.regions.create(id=region)
    services = {s.type: s.id for s in keystone.services.list()}
    endpoints = {(e.service_id, e.interface) for e in keystone.endpoints.list()}
    calls = []
    for entry in description["services"]:
        service = services.get(entry["type"]) or keystone.services.create(entry["name"], entry["type"]).id
        calls += [(keystone.endpoints.create, (service, url), {"interface": interface, "region": region})
                  for interface, url in entry["urls"].items() if (service, interface) not in endpoints]
    _all(calls)


def _user(keystone, entry, users, roles, projects, domain):
    project = projects[entry["project"]]
    user = users.get(entry["name"]) or keystone.users.create(
        entry["name"], domain=domain, password=entry["password"], default_project=project).id
    for role in entry["roles"]:
        keystone.roles.grant(roles[role], user=user, project=project)


def _people(keystone, description):
    roles = _by_name(keystone.roles.list())
    for name in description["roles"]:
        if name not in roles:
            roles[name] = keystone.roles.create(name).id
    default = "default"
    projects = _by_name(keystone.projects.list(domain=default))
    for name in description["projects"]:
        if name not in projects:
            projects[name] = keystone.projects.create(name, default).id
    users = _by_name(keystone.users.list(domain=default))
    _all([(_user, (keystone, entry, users, roles, projects, default), {}) for entry in description["users"]])
    heat = description["heat"]
    domain = _by_name(keystone.domains.list()).get(heat["domain"]) or keystone.domains.create(
        heat["domain"], description="Heat's stack users").id
    admin = _by_name(keystone.users.list(domain=domain)).get(heat["admin"]) or keystone.users.create(
        heat["admin"], domain=domain, password=heat["password"]).id
    keystone.roles.grant(roles["admin"], user=admin, domain=domain)


def main():
    description = json.load(sys.stdin)
    started = time.monotonic()
    auth = v3.Password(auth_url=description["auth_url"], username="admin", password=description["admin_password"],
                       project_name="admin", user_domain_id="default", project_domain_id="default")
    keystone = keystone_client.Client(session=session.Session(auth=auth), interface="public")
    _catalog(keystone, description)
    catalog = time.monotonic()
    _people(keystone, description)
    print(f"keystone_setup: cloud made in {time.monotonic() - started:.1f} s (catalog {catalog - started:.1f} s)",
          flush=True)


if __name__ == "__main__":
    main()
