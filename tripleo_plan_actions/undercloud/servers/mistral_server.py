"""Mistral in one foreground process: API, engine and local executor as threads.

Runs inside the Mistral virtual environment::

    python -m tripleo_plan_actions.undercloud.servers.mistral_server \\
        --config-file mistral.conf --count-log requests.log

``mistral-server --server all`` forks one process per component, and the in-memory ``fake:/``
transport cannot cross processes; here every component shares one process and one transport.
The executor is Mistral's ``local`` one: actions (including the pack's ``mistral.actions`` entry
points) run in threads of the engine.  SIGTERM or SIGINT stops the services and exits at once.
"""
from __future__ import annotations

# Mistral 23 runs on oslo.service's threading backend (its own launchers select it the same way);
# it must be chosen before anything imports oslo_service.service.
import warnings

import oslo_service.backend as service_backend

# futurist imports eventlet when it is installed (nothing is monkey-patched); keep its
# deprecation banner out of the log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
service_backend.init_backend(service_backend.BackendType.THREADING)

import argparse  # noqa: E402
import functools  # noqa: E402
import importlib.metadata  # noqa: E402
import logging as std_logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import jsonschema  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import wsme.types  # noqa: E402
from cheroot import wsgi  # noqa: E402
from mistral import config as mistral_config  # noqa: E402
from mistral.api import app as api_app  # noqa: E402
from mistral.db.sqlalchemy import base as db_base  # noqa: E402
from mistral.db.v2 import api as db_api  # noqa: E402
from mistral.engine import engine_server  # noqa: E402
from mistral.lang import base as lang_base  # noqa: E402
from mistral.rpc import base as rpc  # noqa: E402
from mistral.services import actions as action_service  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from tripleo_plan_actions.undercloud.counting import CountingMiddleware  # noqa: E402

CONF = cfg.CONF
LOG = logging.getLogger("tripleo_plan_actions.mistral_server")
STOP_TIMEOUT = 5.0
PACK_MODULE_PREFIX = "tripleo_plan_actions."


class _CachedJsonSchema:
    """Stand-in for the ``jsonschema`` module in :mod:`mistral.lang.base`.

    ``jsonschema.validate`` checks the schema against its meta-schema and builds a new validator on
    every call; Mistral calls it for every workflow, task and sub-spec of a definition, which made a
    six-workflow workbook take seconds.  Mistral's schemas are per-class constants, so one checked
    validator per schema object gives the same verdicts and messages.
    """

    ValidationError = jsonschema.ValidationError

    MAX_SCHEMAS = 1000  # Mistral has a few dozen; never grow without bound if that changes

    def __init__(self) -> None:
        self._validators: dict[int, tuple[dict, object]] = {}
        self._lock = threading.Lock()

    def _validator(self, schema: dict):
        cached = self._validators.get(id(schema))
        if cached is None or cached[0] is not schema:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            cached = (schema, cls(schema))
            with self._lock:
                if len(self._validators) < self.MAX_SCHEMAS:
                    self._validators[id(schema)] = cached
        return cached[1]

    def validate(self, instance, schema) -> None:
        error = jsonschema.exceptions.best_match(self._validator(schema).iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name: str):
        return getattr(jsonschema, name)


def _sort_attributes_by_definition(class_, attributes: list) -> None:
    """Faster stand-in for ``wsme.types.sort_attributes`` (same order for Mistral's API types).

    WSME orders a type's attributes by scanning the source of the class and its bases with
    ``inspect.getsourcelines``, which re-parses the whole module each time: about half of Mistral's
    start-up.  Class dictionaries keep definition order, which is the order that scan finds; the
    order only affects the key order of JSON responses.
    """
    if not attributes or hasattr(class_, "_wsme_attr_order"):
        _STOCK_SORT_ATTRIBUTES(class_, attributes)
        return
    order: dict[str, int] = {}
    for cls in class_.__mro__:
        for name in vars(cls):
            order.setdefault(name, len(order))
    attributes.sort(key=lambda attr: order.get(attr.key, len(order)))


_STOCK_SORT_ATTRIBUTES = wsme.types.sort_attributes


def _parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count-log", required=True, help="file receiving one JSON line per request")
    return parser.parse_known_args(argv)


def _tune_database() -> None:
    """Create a missing MySQL database; put sqlite in WAL mode with a busy timeout."""
    url = sa.engine.make_url(CONF.database.connection)
    if url.get_backend_name() == "mysql" and url.database:
        server = sa.create_engine(url.set(database=""), poolclass=sa.pool.NullPool)
        with server.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE IF NOT EXISTS `{url.database}` CHARACTER SET utf8mb4"
            )
        server.dispose()
        return
    if url.get_backend_name() != "sqlite":
        return
    engine = db_base.get_engine()

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - runs per connection
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    engine.dispose()  # connections opened before the listener existed get the pragmas too


def _exit_when_orphaned(stop: threading.Event) -> None:
    """Stop when the process that started us goes away (the supervisor was killed)."""
    parent = os.getppid()
    while not stop.wait(1.0):
        if os.getppid() != parent:
            LOG.warning("Parent process %s is gone; stopping", parent)
            stop.set()


def _stop_and_exit(api_server, engine, code: int) -> None:
    """Stop the services within STOP_TIMEOUT seconds, then leave (Mistral leaves non-daemon threads)."""
    timer = threading.Timer(STOP_TIMEOUT, functools.partial(os._exit, code))
    timer.daemon = True
    timer.start()
    for what, stop in (("API", api_server.stop), ("engine", engine.stop)):
        try:
            stop()
        except Exception:  # noqa: BLE001 - exiting anyway; keep the cause in the log
            LOG.exception("Stopping the %s failed", what)
    LOG.info("Mistral stopped")
    std_logging.shutdown()
    os._exit(code)


def _check_pack_actions() -> None:
    """Import the pack's ``mistral.actions`` entry points; raise if one cannot be loaded.

    Mistral (stevedore) only logs an entry point that fails to import and carries on, and the
    mistake surfaces much later as "action not found" in an execution.
    """
    failures = []
    for entry_point in importlib.metadata.entry_points(group="mistral.actions"):
        if entry_point.value.startswith(PACK_MODULE_PREFIX):
            try:
                entry_point.load()
            except Exception as error:  # noqa: BLE001 - reported below, with the cause
                failures.append(f"{entry_point.name} = {entry_point.value}: {error!r}")
    if failures:
        raise RuntimeError("cannot load the pack's actions:\n  " + "\n  ".join(failures))


def _start(count_log: str):
    """Start the engine (with its local executor) and the API; return (api_server, engine)."""
    _tune_database()
    db_api.setup_db()
    rpc.get_transport()
    _check_pack_actions()
    # Import every action class now (entry points "mistral.actions" and the providers) rather
    # than in the first execution.
    provider = action_service.get_system_action_provider()
    LOG.info("Actions available: %d", len(provider.find_all()))

    app = CountingMiddleware(api_app.setup_app(), count_log)
    api_server = wsgi.Server(
        bind_addr=(CONF.api.host, CONF.api.port),
        wsgi_app=app,
        server_name="mistral_api",
        numthreads=16,
    )
    # Bind before the engine starts its (non-daemon) threads: a busy port fails here, cleanly.
    # Requests arriving before serve() wait in the listen backlog.
    api_server.prepare()

    engine = engine_server.get_oslo_service(setup_profiler=False)
    engine.start()
    threading.Thread(target=api_server.serve, name="mistral-api", daemon=True).start()
    return api_server, engine


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args, oslo_args = _parse_args(sys.argv[1:] if argv is None else argv)

    mistral_config.parse_args(oslo_args)
    logging.setup(CONF, "Mistral")
    # One process: the engine calls the executor and the notifier directly, never over RPC.
    CONF.set_override("type", "local", group="executor")
    CONF.set_override("type", "local", group="notifier")
    CONF.set_override("enabled", False, group="cron_trigger")

    lang_base.jsonschema = _CachedJsonSchema()
    wsme.types.sort_attributes = _sort_attributes_by_definition

    stop, serving = threading.Event(), threading.Event()

    def on_signal(signum: int, _frame) -> None:
        if serving.is_set():
            stop.set()
        else:  # still starting: nothing worth a clean stop yet
            os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)

    try:
        api_server, engine = _start(args.count_log)
    except BaseException as error:  # noqa: BLE001 - exit hard: Mistral threads may be running
        LOG.critical("Mistral failed to start: %s", error, exc_info=True)
        print(f"mistral_server: failed to start: {error}", file=sys.stderr, flush=True)
        std_logging.shutdown()
        os._exit(1)
    serving.set()
    LOG.info(
        "Mistral listening on http://%s:%s/v2 (ready after %.1f s)",
        CONF.api.host, CONF.api.port, time.monotonic() - started,
    )

    threading.Thread(target=_exit_when_orphaned, args=(stop,), daemon=True).start()
    while not stop.wait(1.0):
        pass
    LOG.info("Stopping Mistral")
    _stop_and_exit(api_server, engine, 0)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
