"""The production profile's Keystone (the ``--keystone`` switch): Keystone 30 under gunicorn on MariaDB.

One process, ``keystone``, started before the other services: ``keystone.wsgi.api:application``
under gunicorn (ONE worker of eight threads: its in-memory cache stays coherent) behind the request
counter (:mod:`tripleo_plan_actions.undercloud.servers.keystone_wsgi`, which also keeps gunicorn's
arguments away from Keystone's oslo.config).  ``keystone.conf`` in the state directory: the database
``<id>_keystone``, fernet tokens (keys under the state directory) that expire after
``$TRIPLEO_PLAN_TOKEN_EXPIRATION`` seconds (default 3600), bcrypt with 4 rounds (a test cloud: every
password check is cheap), Keystone's cache in memory.  :func:`migrate` runs ``keystone-manage
db_sync``, ``fernet_setup``, ``credential_setup`` (those three at once) then ``bootstrap`` (user
``admin`` on project ``admin``, region ``RegionOne``, the identity endpoints); once Keystone
answers, :func:`populate` makes the rest of the cloud with python-keystoneclient
(:mod:`tripleo_plan_actions.undercloud.servers.keystone_setup`): the catalog (object-store,
orchestration, workflowv2, each public, internal and admin), the roles, the projects ``service``,
``admin`` and ``other`` and their users (:data:`USERS`), Heat's stack domain and its admin.  Every
password is random and kept in ``<state>/keystone/passwords.json``.

:class:`Identity` is what the other services' configurations and the tests need: the URLs, each
service's ``[keystone_authtoken]``, a user's ``OS_*`` variables.  Standard library only.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import getpass
import grp
import json
import os
import secrets
import subprocess
import time
from pathlib import Path
from typing import Mapping

from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

PROCESSES = ("keystone",)
REGION = "RegionOne"
DOMAIN = "Default"
EXPIRATION_ENV = "TRIPLEO_PLAN_TOKEN_EXPIRATION"
DEFAULT_EXPIRATION = 3600
WSGI = "tripleo_plan_actions.undercloud.servers.keystone_wsgi:application"
SETUP_MODULE = "tripleo_plan_actions.undercloud.servers.keystone_setup"
PASSWORDS_FILE = "passwords.json"
#: Every role of the cloud (``keystone-manage bootstrap`` makes admin, member and reader).
ROLES = ("admin", "member", "reader", "service", "heat_stack_user", "swiftoperator")
#: user -> (project, roles on it); all in the Default domain.
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mistral": ("service", ("admin", "service")),
    "swift": ("service", ("admin", "service")),
    "heat": ("service", ("admin", "service")),
    "admin": ("admin", ("admin",)),
    "operator": ("admin", ("member",)),
    "viewer": ("admin", ("reader",)),
    "other": ("other", ("member",)),
}
#: The users whose ``OS_*`` variables :meth:`Identity.credentials` gives (the people, not the services).
PEOPLE = ("admin", "operator", "viewer", "other")
HEAT_DOMAIN = "heat"
HEAT_DOMAIN_ADMIN = "heat_domain_admin"
#: Catalog service name -> (type, URL path after the port; ``%(project_id)s`` is Keystone's).
CATALOG = {
    "swift": ("object-store", "/v1/AUTH_%(project_id)s"),
    "heat": ("orchestration", "/v1/%(project_id)s"),
    "mistral": ("workflowv2", "/v2"),
}
INTERFACES = ("public", "internal", "admin")


def token_expiration(environ: Mapping[str, str] | None = None) -> int:
    """``$TRIPLEO_PLAN_TOKEN_EXPIRATION`` (seconds, a positive integer), else :data:`DEFAULT_EXPIRATION`."""
    value = (os.environ if environ is None else environ).get(EXPIRATION_ENV, "").strip()
    if not value:
        return DEFAULT_EXPIRATION
    if not value.isdigit() or int(value) <= 0:
        raise ServiceFailed(f"{EXPIRATION_ENV}={value!r}: the token lifetime must be a positive number of seconds")
    return int(value)


def passwords(state_dir: Path) -> dict[str, str]:
    """Every user's password (:data:`USERS` and :data:`HEAT_DOMAIN_ADMIN`): read from
    ``state_dir/passwords.json``, or made at random and written there (mode 0600)."""
    path = state_dir / PASSWORDS_FILE
    if path.exists():
        return json.loads(path.read_text())
    made = {name: secrets.token_hex(16) for name in (*USERS, HEAT_DOMAIN_ADMIN)}
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        json.dump(made, stream, indent=1, sort_keys=True)
    return made


@dataclasses.dataclass(frozen=True)
class Identity:
    """The local Keystone as the other services and the tests see it."""

    port: int
    passwords: dict[str, str]

    @property
    def url(self) -> str:
        """The catalog's identity URL (unversioned)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/v3"

    def authtoken(self, user: str) -> dict[str, str]:
        """A service's ``[keystone_authtoken]`` (keystonemiddleware), as ``user`` of project
        ``service``: an expired user token is accepted with a valid ``X-Service-Token`` of a user
        holding the ``service`` role (``service_token_roles_required``; keystonemiddleware then
        asks Keystone with ``allow_expired``)."""
        return {
            "www_authenticate_uri": self.auth_url,
            "auth_url": self.auth_url,
            "auth_type": "password",
            "username": user,
            "password": self.passwords[user],
            "project_name": "service",
            "user_domain_name": DOMAIN,
            "project_domain_name": DOMAIN,
            "region_name": REGION,
            "interface": "internal",
            "service_token_roles": "service",
            "service_token_roles_required": "true",
        }

    def service_auth(self, user: str = "mistral") -> dict[str, str]:
        """The pack's settings-file section ``service_auth``: the service identity of the actions."""
        return {"auth_url": self.auth_url, "username": user, "password": self.passwords[user],
                "project_name": "service", "user_domain_name": DOMAIN, "project_domain_name": DOMAIN}

    def credentials(self, user: str) -> dict[str, str]:
        """The ``OS_*`` variables of ``user`` (one of :data:`PEOPLE`)."""
        if user not in PEOPLE:
            raise KeyError(f"no user {user!r} in the local Keystone; known: {', '.join(PEOPLE)}")
        return {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": user,
            "OS_PASSWORD": self.passwords[user],
            "OS_PROJECT_NAME": USERS[user][0],
            "OS_USER_DOMAIN_NAME": DOMAIN,
            "OS_PROJECT_DOMAIN_NAME": DOMAIN,
            "OS_IDENTITY_API_VERSION": "3",
            "OS_AUTH_TYPE": "password",
            "OS_INTERFACE": "public",
            "OS_REGION_NAME": REGION,
        }


def conf_sections(state_dir: Path, database_url: str, expiration: int) -> dict[str, dict[str, str]]:
    """``keystone.conf``'s sections (all paths under ``state_dir``)."""
    return {
        "DEFAULT": {"log_file": str(state_dir / "keystone.log"), "use_stderr": "false", "debug": "false",
                    "default_log_levels": "amqp=WARN,sqlalchemy=WARN,oslo_db=WARN,stevedore=WARN,"
                                          "urllib3=WARN,keystoneauth=WARN,passlib=WARN"},
        "database": {"connection": database_url},
        "token": {"provider": "fernet", "expiration": str(expiration)},
        "fernet_tokens": {"key_repository": str(state_dir / "fernet-keys"), "max_active_keys": "3"},
        "fernet_receipts": {"key_repository": str(state_dir / "fernet-keys")},
        "credential": {"key_repository": str(state_dir / "credential-keys")},
        # A test cloud: bcrypt's minimum, so that every authentication is cheap (default 12).
        "identity": {"password_hash_rounds": "4"},
        # In-process caching (one worker: nothing to keep coherent between processes): a token
        # validation 740-950 ms -> 10 ms on a loaded 2-core machine, a GET /v3/users 440-790 -> 25-75 ms.
        "cache": {"enabled": "true", "backend": "dogpile.cache.memory"},
        "oslo_messaging_notifications": {"driver": "noop"},
    }


def configure(state_dir: Path, database_url: str, expiration: int) -> Path:
    """Write ``keystone.conf`` into ``state_dir``; return it."""
    lines = []
    for section, options in conf_sections(state_dir, database_url, expiration).items():
        lines += [f"[{section}]", *(f"{key} = {value}" for key, value in options.items()), ""]
    conf = state_dir / "keystone.conf"
    conf.write_text("\n".join(lines))
    return conf


def _manage(bin_dir: Path, conf: Path, log_file: Path, *args: str) -> None:
    with open(log_file, "ab") as log:
        done = subprocess.run([str(bin_dir / "keystone-manage"), "--config-file", str(conf), *args],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise ServiceFailed(f"keystone-manage {args[0]} failed (code {done.returncode}); see {log_file}")


def migrate(bin_dir: Path, conf: Path, log_file: Path, identity: Identity) -> dict[str, float]:
    """The schema, the fernet and credential keys (those three at once), then ``bootstrap``: user
    ``admin`` (role admin on project admin), the roles admin, member, reader, region
    :data:`REGION` and the identity endpoints.  Seconds of ``db_sync`` (with the keys) and
    ``bootstrap``."""
    started = time.monotonic()
    owner = ("--keystone-user", getpass.getuser(), "--keystone-group", grp.getgrgid(os.getgid()).gr_name)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        steps = [pool.submit(_manage, bin_dir, conf, log_file, "db_sync"),
                 pool.submit(_manage, bin_dir, conf, log_file, "fernet_setup", *owner),
                 pool.submit(_manage, bin_dir, conf, log_file, "credential_setup", *owner)]
        for step in steps:
            step.result()
    synced = time.monotonic()
    _manage(bin_dir, conf, log_file, "bootstrap", "--bootstrap-password", identity.passwords["admin"],
            "--bootstrap-username", "admin", "--bootstrap-project-name", "admin", "--bootstrap-role-name", "admin",
            "--bootstrap-service-name", "keystone", "--bootstrap-region-id", REGION,
            "--bootstrap-admin-url", identity.url, "--bootstrap-internal-url", identity.url,
            "--bootstrap-public-url", identity.url)
    return {"db_sync": synced - started, "bootstrap": time.monotonic() - synced}


def cloud_description(identity: Identity, ports: dict[str, int]) -> dict:
    """What :func:`populate` makes (the input of the setup module)."""
    return {
        "auth_url": identity.auth_url,
        "admin_password": identity.passwords["admin"],
        "region": REGION,
        "services": [{"name": name, "type": kind,
                      "urls": {i: f"http://127.0.0.1:{ports[name]}{path}" for i in INTERFACES}}
                     for name, (kind, path) in CATALOG.items()],
        "roles": list(ROLES),
        "projects": sorted({project for project, _ in USERS.values()}),
        "users": [{"name": name, "password": identity.passwords[name], "project": project, "roles": list(roles)}
                  for name, (project, roles) in USERS.items()],
        "heat": {"domain": HEAT_DOMAIN, "admin": HEAT_DOMAIN_ADMIN,
                 "password": identity.passwords[HEAT_DOMAIN_ADMIN]},
    }


def populate(bin_dir: Path, repo_root: Path, identity: Identity, ports: dict[str, int], log_file: Path) -> None:
    """Make the catalog, roles, projects and users (:func:`cloud_description`) through the running
    Keystone, with python-keystoneclient in the Keystone environment; what exists is left alone."""
    with open(log_file, "ab") as log:
        done = subprocess.run([str(bin_dir / "python"), "-m", SETUP_MODULE],
                              input=json.dumps(cloud_description(identity, ports)).encode(),
                              stdout=log, stderr=subprocess.STDOUT, cwd=repo_root,
                              env=dict(os.environ, PYTHONPATH=str(repo_root)), timeout=300)
    if done.returncode != 0:
        raise ServiceFailed(f"setting up the local Keystone's cloud failed (code {done.returncode}); see {log_file}")


def specs(state_dir: Path, port: int, bin_dir: Path, repo_root: Path) -> list[ServiceSpec]:
    """The ``keystone`` process: Keystone's WSGI application under gunicorn, the counter in front.  One
    worker: the cache is in its memory, and two fresh workers of Keystone 30 serving concurrent first
    requests raced in oslo.policy ("'Enforcer' object has no attribute '_warning_emitted'", a 500)."""
    log_file = state_dir / "keystone-api.log"
    base = f"http://127.0.0.1:{port}"
    return [ServiceSpec(
        name="keystone",
        argv=(str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class",
              "gthread", "--threads", "8", "--timeout", "120", "--graceful-timeout", "3", "--keep-alive", "30",
              "--error-logfile", str(log_file), "--log-level", "warning", WSGI),
        env={"PYTHONPATH": str(repo_root), "PYTHONUNBUFFERED": "1",
             "OS_KEYSTONE_CONFIG_FILES": str(state_dir / "keystone.conf"),
             "TRIPLEO_PLAN_COUNT_LOG": str(state_dir / "requests.log")},
        port=port, endpoint=f"{base}/v3", health_url=f"{base}/v3", log_file=log_file, cwd=state_dir,
        stop_grace=5.0)]
