"""A local Heat: API and engine in one process, no Keystone, no message broker.

:func:`prepare` writes ``heat.conf``, the noauth token file and (only when the Heat environment
does not ship one) ``api-paste.ini`` into a state directory and returns the :class:`ServiceSpec`
that runs :mod:`tripleo_plan_actions.undercloud.servers.heat_server` with the Heat virtual
environment's Python.  Standard library only: this module runs in the orchestrator's interpreter.

The database is sqlite in the state directory unless a URL is given (e.g.
``mysql+pymysql://root@127.0.0.1/heat_x``); the server creates the schema (and a MySQL database)
when missing.
"""
from __future__ import annotations

import json
from pathlib import Path

from tripleo_plan_actions.undercloud.service import ServiceSpec

SERVER_MODULE = "tripleo_plan_actions.undercloud.servers.heat_server"
PROJECT = "admin"  # heat.common.noauth puts every request in project "admin"

# Sizes of a rendered tripleo-heat-templates plan: the full overcloud validation request is
# ~1.6 MiB, a create builds ~200 nested stacks, ~10 levels deep.
_MIB = 1024 * 1024
_LIMITS = {
    "max_template_size": 64 * _MIB,
    "max_json_body_size": 64 * _MIB,
    "max_nested_stack_depth": 20,
    "max_resources_per_stack": -1,
    "max_stacks_per_tenant": -1,
    "rpc_response_timeout": 600,
}

# The noauth pipeline of Heat's own api-paste.ini, used only when the environment has none.
_API_PASTE = """\
[composite:heat-api]
use = egg:Paste#urlmap
/: api
/healthcheck: healthcheck

[composite:api]
paste.composite_factory = heat.api:pipeline_factory
noauth = request_id faultwrap noauth context http_proxy_to_wsgi versionnegotiation apiv1app

[app:apiv1app]
paste.app_factory = heat.common.wsgi:app_factory
heat.app_factory = heat.api.openstack.v1:API

[app:healthcheck]
paste.app_factory = oslo_middleware:Healthcheck.app_factory

[filter:versionnegotiation]
paste.filter_factory = heat.common.wsgi:filter_factory
heat.filter_factory = heat.api.openstack:version_negotiation_filter

[filter:faultwrap]
paste.filter_factory = heat.common.wsgi:filter_factory
heat.filter_factory = heat.api.openstack:faultwrap_filter

[filter:context]
paste.filter_factory = heat.common.context:ContextMiddleware_filter_factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory

[filter:noauth]
paste.filter_factory = heat.common.noauth:filter_factory

[filter:request_id]
paste.filter_factory = oslo_middleware.request_id:RequestId.factory
"""


def prepare(
    state_dir: Path,
    port: int,
    python: Path,
    repo_root: Path,
    database_url: str | None = None,
) -> ServiceSpec:
    """Write Heat's configuration into ``state_dir`` and return how to run it on ``port``.

    ``python`` is the interpreter of the virtual environment holding ``openstack-heat``;
    ``repo_root`` is put on its ``PYTHONPATH`` so that the server module imports without the pack
    being installed there.  ``database_url=None`` means sqlite in ``state_dir``.
    """
    state_dir = Path(state_dir).absolute()
    state_dir.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{port}"
    endpoint = f"{base_url}/v1/{PROJECT}"

    log_file = state_dir / "heat.log"
    conf_file = state_dir / "heat.conf"
    conf_file.write_text(render_conf(conf_sections(state_dir, port, Path(python), database_url, log_file)))

    return ServiceSpec(
        name="heat",
        argv=(
            str(python), "-m", SERVER_MODULE,
            "--config-file", str(conf_file),
            "--count-log", str(state_dir / "requests.log"),
        ),
        env={"PYTHONPATH": str(Path(repo_root).absolute())},
        port=port,
        endpoint=endpoint,
        health_url=f"{base_url}/",
        log_file=log_file,
        cwd=state_dir,
    )


def conf_sections(state_dir: Path, port: int, python: Path, database_url: str | None,
                  log_file: Path) -> dict[str, dict[str, object]]:
    """The sections of the embedded profile's ``heat.conf``; writes the noauth token file it names.

    The production profile (:mod:`tripleo_plan_actions.undercloud.production.heat`) starts from these
    and changes only the transport, the database, the workers and the logging.
    """
    endpoint = f"http://127.0.0.1:{port}/v1/{PROJECT}"
    token_file = state_dir / "token_response.json"
    token_file.write_text(json.dumps(_token_response(endpoint), indent=1, sort_keys=True) + "\n")
    return {
        "DEFAULT": {
            "host": "local-undercloud",
            "transport_url": "fake://",
            "num_engine_workers": 1,
            "keystone_backend": (
                "heat.engine.clients.os.keystone.fake_keystoneclient.FakeKeystoneClient"
            ),
            # After a resource fails, siblings still in progress are cancelled after 10 s
            # (Heat: 240 s), so a failed stack can be deleted or updated sooner.
            "error_wait_time": 10,
            # As TripleO's own ephemeral Heat (python-tripleoclient 20.0.0 heat_launcher.py).
            # With Heat's default (trusts) and the fake Keystone, every update regenerates
            # the root stack's trust and deletes its stored credentials while nested stacks
            # still load them: "'NoneType' object has no attribute 'obj_to_primitive'".
            "deferred_auth_method": "password",
            **_LIMITS,
            "log_file": str(log_file),
            "use_stderr": "false",
            "debug": "false",
        },
        # Options of heat_server itself (Heat 27 has no API server of its own).
        "heat_server": {
            "bind_host": "127.0.0.1",
            "bind_port": port,
            "task_poll_interval": 0.2,  # nested stack status polls (Heat: every 1 s)
        },
        "paste_deploy": {
            "flavor": "noauth",
            "api_paste_config": str(_api_paste_config(state_dir, Path(python))),
        },
        "noauth": {"token_response": str(token_file)},
        # As TripleO's own ephemeral Heat (python-tripleoclient 20.0.0 heat_launcher.py):
        # THT's role_data outputs iterate over more than Heat's default 200 elements.
        "yaql": {"memory_quota": 900000, "limit_iterators": 9000},
        "oslo_policy": {"enforce_new_defaults": "false", "enforce_scope": "false"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "database": {
            "connection": database_url or f"sqlite:///{state_dir / 'heat.sqlite'}",
        },
    }


def _api_paste_config(state_dir: Path, python: Path) -> Path:
    """The ``api-paste.ini`` that ``pip install openstack-heat`` puts in ``<venv>/etc/heat``.

    ``python`` is not resolved: a venv's ``bin/python`` is a symlink out of the venv.
    """
    shipped = python.absolute().parent.parent / "etc" / "heat" / "api-paste.ini"
    if shipped.is_file():
        return shipped
    written = state_dir / "api-paste.ini"
    written.write_text(_API_PASTE)
    return written


def _token_response(endpoint: str) -> dict:
    """A Keystone v3 token body whose catalog names this Heat as the ``orchestration`` service."""
    project = {"id": PROJECT, "name": PROJECT, "domain": {"id": "default", "name": "Default"}}
    return {
        "token": {
            "methods": ["token"],
            "issued_at": "2020-01-01T00:00:00.000000Z",
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "user": {"id": PROJECT, "name": PROJECT, "domain": project["domain"]},
            "project": project,
            "roles": [{"id": "admin", "name": "admin"}],
            "catalog": [
                {
                    "id": "heat",
                    "name": "heat",
                    "type": "orchestration",
                    "endpoints": [
                        {
                            "id": f"heat-{interface}",
                            "interface": interface,
                            "region": "regionOne",
                            "region_id": "regionOne",
                            "url": endpoint,
                        }
                        for interface in ("public", "internal", "admin")
                    ],
                }
            ],
        }
    }


def render_conf(sections: dict[str, dict[str, object]]) -> str:
    lines: list[str] = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
        lines.append("")
    return "\n".join(lines)
