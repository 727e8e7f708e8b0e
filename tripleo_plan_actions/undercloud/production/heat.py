"""The production profile's Heat: stock ``heat-engine`` with two workers, the API under gunicorn.

Processes (each in its own process group):

``heat-engine``
  Stock ``heat-engine --config-file heat.conf`` with ``num_engine_workers = 2``: a master and two
  forked workers, each an EngineService consuming the ``engine`` queue.  No patch: the embedded
  launcher's four changes to Heat (:mod:`tripleo_plan_actions.undercloud.servers.heat_server`) are not
  applied; the functional suite, on small templates, passes without them.  Ready when the broker shows
  both workers consuming the ``engine`` queue.
``heat-api``
  Heat's stock v1 WSGI application (paste ``noauth`` flavor, as the embedded profile) under gunicorn,
  behind the request counter (:mod:`tripleo_plan_actions.undercloud.servers.heat_api_wsgi`).

``heat.conf`` is the embedded profile's (:func:`tripleo_plan_actions.undercloud.heat.conf_sections`)
with the transport, the database, the workers and the logging changed; the schema is made by
``heat-manage db_sync`` (:func:`migrate`).

With Keystone (``identity`` given to :func:`configure`): no ``noauth`` flavor and no fake Keystone
client (``[paste_deploy] flavor`` unset: the shipped ``api-paste.ini``'s default pipeline has
keystonemiddleware's ``authtoken``), ``[keystone_authtoken]`` as the ``heat`` user, trusts for
deferred authentication and re-authentication (``[trustee]`` as ``heat``), the stack domain
``heat`` with ``heat_domain_admin``, ``[clients_keystone] auth_uri``; ``[oslo_policy]
enforce_new_defaults = false`` stays (so that ``member`` may do what a stack owner does).
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

from tripleo_plan_actions.undercloud import heat as embedded_heat
from tripleo_plan_actions.undercloud.production import keystone
from tripleo_plan_actions.undercloud.production.keystone import Identity
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

PROCESSES = ("heat-engine", "heat-api")
ENGINE_WORKERS = 2
API_WSGI = "tripleo_plan_actions.undercloud.servers.heat_api_wsgi:application"


def keystone_sections(sections: dict[str, dict[str, object]], identity: Identity) -> dict[str, dict[str, object]]:
    """``sections`` (the noauth ``heat.conf``) changed to authenticate through ``identity``'s Keystone."""
    changed = {name: dict(options) for name, options in sections.items() if name != "noauth"}
    default = changed["DEFAULT"]
    del default["keystone_backend"]
    default.update({
        "deferred_auth_method": "trusts",
        "reauthentication_auth_method": "trusts",
        "stack_user_domain_name": keystone.HEAT_DOMAIN,
        "stack_domain_admin": keystone.HEAT_DOMAIN_ADMIN,
        "stack_domain_admin_password": identity.passwords[keystone.HEAT_DOMAIN_ADMIN],
        "region_name_for_services": keystone.REGION,
    })
    del changed["paste_deploy"]["flavor"]
    changed["keystone_authtoken"] = dict(identity.authtoken("heat"))
    changed["trustee"] = {"auth_type": "password", "auth_url": identity.url, "username": "heat",
                          "password": identity.passwords["heat"], "user_domain_name": keystone.DOMAIN}
    changed["clients_keystone"] = {"auth_uri": identity.url}
    changed["oslo_policy"] = {**changed.get("oslo_policy", {}), "enforce_new_defaults": "false"}
    return changed


def configure(state_dir: Path, port: int, bin_dir: Path, transport_url: str, database_url: str,
              identity: Identity | None = None) -> Path:
    """Write ``heat.conf`` (and the noauth token file) into ``state_dir``; return ``heat.conf``.  With
    ``identity``, Heat authenticates through that Keystone (:func:`keystone_sections`)."""
    sections = embedded_heat.conf_sections(state_dir, port, bin_dir / "python", database_url,
                                           state_dir / "heat-engine.log")
    del sections["heat_server"]  # options of the embedded launcher only
    sections["DEFAULT"].update({"transport_url": transport_url, "num_engine_workers": ENGINE_WORKERS})
    if identity is not None:
        sections = keystone_sections(sections, identity)
    conf_file = state_dir / "heat.conf"
    conf_file.write_text(embedded_heat.render_conf(sections))
    return conf_file


def migrate(bin_dir: Path, conf_file: Path, log_file: Path) -> None:
    """Create the schema with Heat's own command."""
    with open(log_file, "ab") as log:
        done = subprocess.run([str(bin_dir / "heat-manage"), "--config-file", str(conf_file), "db_sync"],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise ServiceFailed(f"heat-manage db_sync failed (code {done.returncode}); see {log_file}")


def specs(state_dir: Path, port: int, bin_dir: Path, repo_root: Path,
          engine_consumers: Callable[[], int]) -> list[ServiceSpec]:
    """The Heat processes in start order; ``engine_consumers`` counts the consumers of the ``engine`` queue."""
    conf = state_dir / "heat.conf"
    env = {"PYTHONPATH": str(repo_root), "PYTHONUNBUFFERED": "1"}
    engine_log, api_log = state_dir / "heat-engine.log", state_dir / "heat-api.log"
    return [
        ServiceSpec(
            name="heat-engine",
            argv=(str(bin_dir / "heat-engine"), "--config-file", str(conf), "--log-file", str(engine_log)),
            env=env, port=0, endpoint="", health_url="", log_file=engine_log, cwd=state_dir,
            ready_check=lambda: engine_consumers() >= ENGINE_WORKERS, stop_grace=5.0),
        ServiceSpec(
            name="heat-api",
            argv=(str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class",
                  "gthread", "--threads", "16", "--timeout", "600", "--graceful-timeout", "3", "--keep-alive", "30",
                  "--error-logfile", str(api_log), "--log-level", "warning", API_WSGI),
            env={**env, "HEAT_CONFIG_FILE": str(conf), "HEAT_API_LOG_FILE": str(api_log),
                 "TRIPLEO_PLAN_COUNT_LOG": str(state_dir / "requests.log")},
            port=port, endpoint=f"http://127.0.0.1:{port}/v1/{embedded_heat.PROJECT}",
            health_url=f"http://127.0.0.1:{port}/", log_file=api_log, cwd=state_dir, stop_grace=5.0),
    ]
