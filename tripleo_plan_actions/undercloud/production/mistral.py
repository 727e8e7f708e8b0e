"""The production profile's Mistral: stock ``mistral-server`` engine and executors, the API under gunicorn.

Processes (each in its own process group; each ``mistral-server`` is a master plus one forked worker):

``mistral-engine``
  ``mistral-server --server engine``; ready when its log says "Engine server started.".
``mistral-executor-1``, ``mistral-executor-2``
  ``mistral-server --server executor`` with a configuration of its own: ``mistral.conf`` plus the
  executor's name (``[executor] host``) and ``mistral.executors.executor_server`` at DEBUG into the
  executor's own log, which is where stock Mistral says which action it received.  Only the
  executors run the pack's actions: they get ``TRIPLEO_PLAN_ACTIONS_CONFIG`` (all Mistral processes
  have the repository first on ``PYTHONPATH``).
``mistral-api``
  Mistral's stock WSGI application (``mistral.wsgi:application``) under gunicorn, behind the request
  counter (:mod:`tripleo_plan_actions.undercloud.servers.mistral_api_wsgi`); ``mistral-server --server
  api`` serves it from cheroot with no place for a middleware.

``mistral.conf`` for the engine and the API, over RabbitMQ (a vhost of the undercloud's own) and MariaDB; the
schema is made by ``mistral-db-manage upgrade head`` then ``populate`` (:func:`migrate`).

With Keystone (``identity`` given to :func:`configure`): ``[pecan] auth_enable = true`` and
``[keystone_authtoken]`` as the ``mistral`` user; every action then has the caller's token and
catalog in its context.
"""
from __future__ import annotations

import configparser
import io
import subprocess
from pathlib import Path

from tripleo_plan_actions import pauses
from tripleo_plan_actions.undercloud.mistral import PAUSES
from tripleo_plan_actions.undercloud.production.keystone import Identity
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

EXECUTORS = ("mistral-executor-1", "mistral-executor-2")
PROCESSES = ("mistral-engine", *EXECUTORS, "mistral-api")
API_WSGI = "tripleo_plan_actions.undercloud.servers.mistral_api_wsgi:application"

# How soon Mistral fails an action whose executor was lost (stock: 20 s x 15 missed = 300 s, and
# 3600 s for an action that never sent its first heartbeat).  The engine marks a RUNNING action
# execution ERROR when its last heartbeat is older than check_interval x max_missed_heartbeats; the
# executors send one every check_interval.  TO BE TUNED by the lead: these are first values.
ACTION_HEARTBEAT = {
    "check_interval": "2",
    "max_missed_heartbeats": "3",
    "first_heartbeat_timeout": "30",
}

_QUIET = (
    "amqp=WARN", "amqplib=WARN", "kombu=WARN", "oslo.messaging=WARN", "oslo_messaging=WARN", "stevedore=WARN",
    "sqlalchemy=WARN", "oslo_db=WARN", "oslo_db.sqlalchemy.utils=ERROR", "oslo_service=WARN", "cheroot=WARN",
    "urllib3=WARN", "iso8601=WARN", "keystoneauth=WARN", "mistral.engine=WARN", "mistral.services=WARN",
    "mistral.executors=WARN", "mistral.actions=WARN", "mistral.rpc=WARN", "mistral.scheduler=WARN",
    "mistral.api=WARN",
)


def _config(state_dir: Path, port: int, transport_url: str, database_url: str) -> dict[str, dict[str, str]]:
    return {
        "DEFAULT": {
            "transport_url": transport_url,
            "rpc_response_timeout": "600",
            # The API's log; the other processes name their own with --log-file.
            "log_file": str(state_dir / "mistral-api.log"),
            "use_stderr": "false",
            "debug": "false",
            "default_log_levels": ",".join(_QUIET),
        },
        "api": {"host": "127.0.0.1", "port": str(port), "validation_mode": "mandatory"},
        "pecan": {"auth_enable": "false", "debug": "false"},
        "database": {"connection": database_url},
        # Scheduled work is picked up by polling; the stock one-second poll adds up to a second per hop.
        "scheduler": {"fixed_delay": "0.25", "random_delay": "0"},
        # No cron triggers (and so no --server periodic): nobody uses them here.
        "cron_trigger": {"enabled": "false"},
        "action_heartbeat": dict(ACTION_HEARTBEAT),
        "profiler": {"enabled": "false"},
        "healthcheck": {"enabled": "true"},
    }


def _executor_config(base: dict[str, dict[str, str]], name: str) -> dict[str, dict[str, str]]:
    """``base`` with the executor's name and its DEBUG logger (one whole file: ``mistral-server`` reorders
    several ``--config-file`` options, so an overlay file would not reliably win)."""
    config = {section: dict(options) for section, options in base.items()}
    config["DEFAULT"]["default_log_levels"] = ",".join((*_QUIET, "mistral.executors.executor_server=DEBUG"))
    config["executor"] = {"host": name}
    return config


def _write(path: Path, sections: dict[str, dict[str, str]]) -> Path:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment]  # keep option names as written
    parser.read_dict(sections)
    text = io.StringIO()
    parser.write(text)
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def configure(state_dir: Path, port: int, transport_url: str, database_url: str,
              identity: Identity | None = None) -> Path:
    """Write ``mistral.conf`` and the executors' own files into ``state_dir``; return ``mistral.conf``.
    With ``identity``, Mistral authenticates through that Keystone."""
    base = _config(state_dir, port, transport_url, database_url)
    if identity is not None:
        base["pecan"]["auth_enable"] = "true"
        base["keystone_authtoken"] = identity.authtoken("mistral")
    for name in EXECUTORS:
        _write(state_dir / f"{name}.conf", _executor_config(base, name))
    return _write(state_dir / "mistral.conf", base)


def migrate(bin_dir: Path, conf_file: Path, log_file: Path) -> None:
    """Create the schema with Mistral's own commands (they work on MariaDB, not on sqlite)."""
    for command in (("upgrade", "head"), ("populate",)):
        with open(log_file, "ab") as log:
            done = subprocess.run([str(bin_dir / "mistral-db-manage"), "--config-file", str(conf_file), *command],
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise ServiceFailed(f"mistral-db-manage {' '.join(command)} failed (code {done.returncode}); "
                                f"see {log_file}")


def specs(state_dir: Path, port: int, bin_dir: Path, repo_root: Path, pack_config: Path) -> list[ServiceSpec]:
    """The Mistral processes in start order (the API last: when it answers, the group is up)."""
    conf = state_dir / "mistral.conf"
    env = {"PYTHONPATH": str(repo_root), "PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"}
    server = str(bin_dir / "mistral-server")
    # where the lost-executor tests ask an executor to hold an action (tripleo_plan_actions/pauses.py)
    pause_dir = state_dir / PAUSES
    pause_dir.mkdir(exist_ok=True)
    engine_log = state_dir / "mistral-engine.log"
    result = [ServiceSpec(
        name="mistral-engine",
        argv=(server, "--config-file", str(conf), "--server", "engine", "--log-file", str(engine_log)),
        env=env, port=0, endpoint="", health_url="", log_file=engine_log, cwd=state_dir,
        ready_line="Engine server started.", stop_grace=5.0)]
    for name in EXECUTORS:
        log_file = state_dir / f"{name}.log"
        result.append(ServiceSpec(
            name=name, argv=(server, "--config-file", str(state_dir / f"{name}.conf"), "--server", "executor",
                             "--log-file", str(log_file)),
            env={**env, "TRIPLEO_PLAN_ACTIONS_CONFIG": str(pack_config), pauses.ENVIRONMENT: str(pause_dir)},
            port=0, endpoint="", health_url="",
            log_file=log_file, cwd=state_dir, ready_line="Executor server started.", stop_grace=5.0))
    api_log = state_dir / "mistral-api.log"
    result.append(ServiceSpec(
        name="mistral-api",
        argv=(str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class",
              "gthread", "--threads", "16", "--timeout", "600", "--graceful-timeout", "3", "--keep-alive", "30",
              "--error-logfile", str(api_log), "--log-level", "warning", API_WSGI),
        env={**env, "MISTRAL_CONFIG_FILE": str(conf), "TRIPLEO_PLAN_COUNT_LOG": str(state_dir / "requests.log")},
        port=port, endpoint=f"http://127.0.0.1:{port}/v2", health_url=f"http://127.0.0.1:{port}/healthcheck",
        log_file=api_log, cwd=state_dir, stop_grace=5.0))
    return result
