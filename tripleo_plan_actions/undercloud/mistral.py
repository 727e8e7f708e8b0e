"""The local Mistral: one process running API, engine and executor over an in-memory transport.

:func:`prepare` writes ``mistral.conf`` into a state directory and returns the
:class:`~tripleo_plan_actions.undercloud.service.ServiceSpec` that starts
:mod:`tripleo_plan_actions.undercloud.servers.mistral_server` with the Mistral virtual
environment's interpreter.  Standard library only: this runs in the orchestrator's interpreter.

The pack's actions run inside the Mistral process, so the spec passes the pack's configuration file
on in ``TRIPLEO_PLAN_ACTIONS_CONFIG``, and puts the repository first on ``PYTHONPATH`` so the
actions are imported from the working tree.  The ``mistral.actions`` entry points themselves come
from the pack's installed metadata (``pip install -e``) in the Mistral environment.
"""
from __future__ import annotations

import configparser
import io
from pathlib import Path

from tripleo_plan_actions import pauses
from tripleo_plan_actions.undercloud.service import ServiceSpec

PAUSES = "pauses"  # under Mistral's state directory, in both profiles
SERVER_MODULE = "tripleo_plan_actions.undercloud.servers.mistral_server"


def _config(state_dir: Path, port: int, database_url: str | None) -> configparser.ConfigParser:
    """Mistral's configuration, as sections of options (all paths absolute)."""
    if database_url is None:
        # The server switches sqlite to WAL with a busy timeout (see mistral_server).
        database_url = "sqlite:///" + str(state_dir / "mistral.sqlite")
    sections: dict[str, dict[str, str]] = {
        "DEFAULT": {
            # Engine, executor and API share one process: the in-memory driver suffices.
            "transport_url": "fake:/",
            "rpc_response_timeout": "600",
            "log_file": str(state_dir / "mistral.log"),
            "use_stderr": "false",
            "debug": "false",
            "default_log_levels": ",".join((
                "amqp=WARN", "oslo.messaging=WARN", "oslo_messaging=WARN", "stevedore=WARN",
                "sqlalchemy=WARN", "oslo_db=WARN", "oslo_db.sqlalchemy.utils=ERROR", "oslo_service=WARN",
                "cheroot=WARN",
                "urllib3=WARN", "iso8601=WARN", "keystoneauth=WARN", "mistral.engine=WARN",
                "mistral.services=WARN", "mistral.executors=WARN", "mistral.actions=WARN",
                "mistral.rpc=WARN", "mistral.scheduler=WARN", "mistral.api=WARN",
            )),
        },
        "api": {
            "host": "127.0.0.1",
            "port": str(port),
            # Always validate, as production does.  What made creates and updates slow was not
            # validation itself but jsonschema re-checking every schema on every call; the server
            # caches the validators (a 180-task workbook: 29 s -> 0.3 s).
            "validation_mode": "mandatory",
        },
        "pecan": {"auth_enable": "false", "debug": "false"},
        "database": {
            "connection": database_url,
            # Throwaway database: do not wait for fsync on every commit (sqlite only).
            "sqlite_synchronous": "false",
        },
        "engine": {"host": "127.0.0.1"},
        "executor": {"type": "local", "host": "127.0.0.1"},
        "notifier": {"type": "local", "host": "127.0.0.1"},
        "event_engine": {"host": "127.0.0.1"},
        # Scheduled work (wait-before/after, retry delays, join refreshes, integrity checks)
        # is picked up by polling; the stock one-second poll adds up to a second per hop.
        "scheduler": {"fixed_delay": "0.25", "random_delay": "0"},
        # No periodic work nobody asked for; the cron trigger and heartbeat timers also keep
        # non-daemon threads alive.
        "cron_trigger": {"enabled": "false"},
        "action_heartbeat": {"check_interval": "0", "max_missed_heartbeats": "0"},
        "profiler": {"enabled": "false"},
        "healthcheck": {"enabled": "true"},
    }
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment]  # keep option names as written
    parser.read_dict(sections)
    return parser


def prepare(
    state_dir: Path,
    port: int,
    python: Path,
    repo_root: Path,
    pack_config: Path,
    database_url: str | None = None,
) -> ServiceSpec:
    """Write ``mistral.conf`` into ``state_dir`` and describe how to run the local Mistral.

    ``python`` is the Mistral virtual environment's interpreter.  With ``database_url`` None the
    database is a sqlite file in ``state_dir``; otherwise it is used as given (e.g.
    ``mysql+pymysql://root@127.0.0.1/mistral_x``; the server creates a missing MySQL database).
    """
    state_dir = Path(state_dir).absolute()
    state_dir.mkdir(parents=True, exist_ok=True)
    conf_file = state_dir / "mistral.conf"
    text = io.StringIO()
    _config(state_dir, port, database_url).write(text)
    conf_file.write_text(text.getvalue(), encoding="utf-8")
    endpoint = f"http://127.0.0.1:{port}/v2"
    pause_dir = state_dir / PAUSES  # where the fault tests ask the actions to hold (pauses.py)
    pause_dir.mkdir(exist_ok=True)
    return ServiceSpec(
        name="mistral",
        argv=(
            str(python), "-m", SERVER_MODULE,
            "--config-file", str(conf_file),
            "--count-log", str(state_dir / "requests.log"),
        ),
        env={
            "PYTHONPATH": str(Path(repo_root).absolute()),
            "TRIPLEO_PLAN_ACTIONS_CONFIG": str(Path(pack_config).absolute()),
            "PYTHONUNBUFFERED": "1",
            pauses.ENVIRONMENT: str(pause_dir),
            # Fewer glibc malloc arenas for a process with dozens of threads: less RSS.
            "MALLOC_ARENA_MAX": "2",
        },
        port=port,
        endpoint=endpoint,
        health_url=f"http://127.0.0.1:{port}/healthcheck",
        log_file=state_dir / "mistral.log",
        cwd=state_dir,
    )
