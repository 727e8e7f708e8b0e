"""Heat's engine and v1 API in one foreground process (runs in the Heat virtual environment).

openstack-heat 25 and later ship no ``heat-all``: the API is a WSGI application and the engine a
separate service, which cannot share the in-memory ``fake://`` message transport when they run as
two processes.  This module starts :class:`heat.engine.service.EngineService` and serves the API
application (loaded from Heat's paste configuration, ``noauth`` flavor) from a threaded stdlib WSGI
server, in one process, the way Heat 27's own services run: plain threads, oslo.service's threading
backend, no eventlet.

Usage::

    python -m tripleo_plan_actions.undercloud.servers.heat_server --config-file heat.conf \\
        [--count-log requests.log]

It listens on ``[heat_server] bind_host``/``bind_port`` once the engine is up, and exits within a
couple of seconds of SIGTERM or SIGINT.  The database schema is created (or upgraded) at start;
for MySQL the database itself too.

sqlite is not a database Heat supports under concurrency; two fixes make it hold here:

* WAL journal, a long busy timeout, and every transaction begun with ``BEGIN IMMEDIATE`` (the
  write lock is taken up front, so two transactions never deadlock upgrading read locks, which
  sqlite reports at once as "database is locked" without waiting);
* ``AUTOINCREMENT`` on integer primary keys, because sqlite otherwise reuses the id of the last
  deleted row and Heat keeps ids of deleted rows (e.g. "ResourcePropertiesData with id N not
  found" during updates).

Four Heat 27 behaviours are changed in this process (patched at start, not configurable in Heat):

* the 1 s sleep after triggering each independent resource of a traversal (spreads load over
  several engines; with one engine it only makes creates slow) is removed;
* the 1 s wait between two steps of a resource action, i.e. between two polls of a nested
  stack's status, is capped at ``[heat_server] task_poll_interval`` (0.2 s);
* finished stack threads are released (Heat keeps them, with their stacks and contexts: a leak);
* yaql expressions are parsed one at a time: Heat shares one yaql parser (a ply lexer and LR
  parser, which keep their input in the objects) between all its threads, so two stacks parsing
  at once corrupt each other's parse ("Parse error: unexpected ')'" on a valid expression; THT's
  service chains hit it).  Evaluation stays concurrent.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import socketserver
import sqlite3
import sys
import threading
import time
import traceback
import warnings
from wsgiref import simple_server

SQLITE_BUSY_TIMEOUT_MS = 120_000
SLOW_BEGIN_S = 5.0  # log transactions that waited this long for the sqlite write lock
STOP_TIMEOUT_S = 1.8  # how long SIGTERM waits for the engine to stop before exiting anyway

# Off while Heat's migrations run: they hold a transaction on one connection while inspecting the
# schema through another, which BEGIN IMMEDIATE would turn into a wait for the busy timeout.
_begin_immediate = threading.Event()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count-log", help="append one JSON line per API request to this file")
    args, oslo_args = parser.parse_known_args(argv)
    # futurist imports eventlet when it is installed, which warns even though nothing uses it.
    warnings.filterwarnings("ignore", message="\nEventlet is deprecated")

    server = None

    def on_signal(signum: int, frame: object) -> None:
        if server is None:  # still starting: nothing worth stopping in order
            os._exit(0)
        logging.getLogger("heat_server").info("Signal %d: stopping", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    code, engine = 0, None
    try:
        # Before anything imports oslo_service.service: its default backend is still eventlet.
        from oslo_service import backend

        backend.init_backend(backend.BackendType.THREADING)
        conf, log = _configure(oslo_args)
        _install_sqlite_fixes(log)
        _remove_leaf_trigger_delay()
        _shorten_task_polls(conf.heat_server.task_poll_interval)
        _release_finished_threads()
        _serialize_yaql_parsing()
        _sync_database(conf, log)

        started = time.monotonic()
        engine = _start_engine(conf)
        app = _load_api(conf, args.count_log)
        host, port = conf.heat_server.bind_host, conf.heat_server.bind_port
        server = _make_server(host, port, app, log)
        log.info("Heat API and engine on http://%s:%d/ (engine up in %.2f s)",
                 host, port, time.monotonic() - started)
        server.serve_forever(poll_interval=0.2)
        server.server_close()
    except BaseException:
        logging.getLogger("heat_server").exception("Heat server failed")
        traceback.print_exc()
        code = 1
    finally:
        if engine is not None:
            _stop(engine, logging.getLogger("heat_server"))
        logging.shutdown()
        # Engine threads (stack operations, RPC executor) are not daemons: do not wait for them.
        os._exit(code)


def _configure(oslo_args: list[str]):
    import heat.common.crypt  # noqa: F401  (registers auth_encryption_key)
    from heat import version
    from heat.common import config, messaging
    from oslo_config import cfg
    from oslo_log import log as logging

    conf = cfg.CONF
    conf.register_opts(
        [
            cfg.HostAddressOpt("bind_host", default="127.0.0.1", help="Address of the API."),
            cfg.PortOpt("bind_port", default=8004, help="Port of the API."),
            cfg.FloatOpt("task_poll_interval", default=0.2, min=0.01, max=1.0,
                         help="Longest wait between two steps of a resource action (Heat: 1 s)."),
        ],
        group="heat_server",
    )
    logging.register_options(conf)
    # No default config files: only what --config-file names (no stray /etc/heat/heat.conf).
    conf(oslo_args, project="heat", prog="heat-api",
         version=version.version_info.version_string(),
         default_config_files=[], default_config_dirs=[])
    logging.setup(conf, "heat")
    config.set_config_defaults()
    config.startup_sanity_check()
    messaging.setup()
    return conf, logging.getLogger("heat_server")


def _install_sqlite_fixes(log) -> None:
    """SQLAlchemy listeners for every sqlite engine created from now on (Heat has made none yet)."""
    import sqlalchemy
    from sqlalchemy import event, pool

    @event.listens_for(pool.Pool, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Read every result and close the cursor: an unfinished PRAGMA statement makes the
        # functions SQLAlchemy and oslo.db define next on the connection fail ("Error creating
        # function", SQLITE_BUSY: sqlite's built-in floor() cannot be replaced while one runs).
        cursor = dbapi_connection.cursor()
        try:
            for pragma in (
                f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
            ):
                cursor.execute(pragma).fetchall()
        finally:
            cursor.close()

    # Class-level listeners run before oslo.db's per-engine one, which emits a plain BEGIN unless
    # the connection is already marked as in a transaction (and clears the mark on commit/rollback).
    @event.listens_for(sqlalchemy.engine.Engine, "begin")
    def _on_begin(conn):
        if _begin_immediate.is_set() and conn.dialect.name == "sqlite" \
                and "in_transaction" not in conn.info:
            started = time.monotonic()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info["in_transaction"] = True
            waited = time.monotonic() - started
            if waited > SLOW_BEGIN_S:
                log.warning("Waited %.1f s for the sqlite write lock", waited)

    @event.listens_for(sqlalchemy.Table, "before_create")
    def _on_create_table(table, connection, **kw):
        if connection.dialect.name == "sqlite":
            # Only affects tables whose primary key is a single integer column.
            table.dialect_kwargs["sqlite_autoincrement"] = True


def _shorten_task_polls(interval: float) -> None:
    """Cap the wait between two steps of a resource action (Heat waits 1 s).

    A resource polls ``check_*_complete`` once per step; for a nested stack (every ResourceGroup,
    every template resource) that is a read of the child's status, so each level of nesting costs
    up to a second per action.
    """
    from heat.engine import scheduler

    original = scheduler.TaskRunner._sleep

    def _sleep(self, wait_time):
        original(self, wait_time if wait_time is None else min(wait_time, interval))

    scheduler.TaskRunner._sleep = _sleep


def _remove_leaf_trigger_delay() -> None:
    """Make ``time.sleep`` in heat.engine.stack/snapshots yield instead of sleeping.

    ``Stack._converge_create_or_update`` sleeps 1 s after casting each leaf resource (not a config
    option; ``scheduler.ENABLE_SLEEP`` would also turn every TaskRunner poll into a busy loop).
    """
    from heat.engine import snapshots, stack

    class _YieldingTime:
        def __getattr__(self, name: str):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(0)

    stack.time = snapshots.time = _YieldingTime()


def _release_finished_threads() -> None:
    """Let go of finished stack threads, and of the stacks and contexts they were started with.

    Heat 27's ``heat.engine.service.ThreadGroup.add_thread`` (ported from eventlet) keeps every
    thread it starts in the group's list, and groups live as long as the engine: ~4 MB per small
    create/update/delete scenario, for ever.  oslo.service's own threading ThreadGroup removes a
    thread when it ends; do the same, after the thread's callbacks (e.g. stack lock release).
    (The stale threads also count towards the group's limit of 1,000 threads per stack.)
    """
    from heat.engine import service

    original_run = service.ThreadWithCallback.run

    def run(self):
        try:
            original_run(self)
        finally:
            group = getattr(self, "heat_server_group", None)
            if group is not None:
                group.thread_done(self)
            self.target, self.args, self.kwargs, self.callbacks = None, (), {}, []

    def add_thread(self, func, *args, **kwargs):
        if len(self.threads) >= self.thread_pool_size:
            raise RuntimeError("Maximum number of threads reached")
        with self._lock:  # thread_done takes it too: the thread cannot leave before it is added
            thread = service.ThreadWithCallback(target=func, args=args, kwargs=kwargs)
            thread.heat_server_group = self
            thread.start()
            self.threads.append(thread)
        return thread

    service.ThreadWithCallback.run = run
    service.ThreadGroup.add_thread = add_thread


def _serialize_yaql_parsing() -> None:
    """One yaql parse at a time (Heat's single shared parser is not thread-safe)."""
    from heat.engine.hot import functions

    lock = threading.Lock()
    original = functions.Yaql._parse

    def _parse(self, expression):
        with lock:
            return original(self, expression)

    functions.Yaql._parse = _parse


def _sync_database(conf, log) -> None:
    import sqlalchemy
    from heat.db import migration

    url = sqlalchemy.engine.make_url(conf.database.connection)
    if url.get_backend_name() == "mysql" and url.database:
        server = sqlalchemy.create_engine(url.set(database=""), poolclass=sqlalchemy.pool.NullPool)
        try:
            with server.begin() as connection:
                connection.exec_driver_sql(
                    f"CREATE DATABASE IF NOT EXISTS `{url.database}` CHARACTER SET utf8mb4"
                )
        finally:
            server.dispose()
    started = time.monotonic()
    _begin_immediate.clear()
    try:
        migration.db_sync()
    finally:
        _begin_immediate.set()
    log.info("Database schema ready in %.2f s", time.monotonic() - started)


def _start_engine(conf):
    from heat.engine import service as engine_service, template
    from heat.rpc import api as rpc_api

    if not template._get_template_extension_manager().names():
        sys.exit("ERROR: No template format plugins registered")
    engine = engine_service.EngineService(conf.host, rpc_api.ENGINE_TOPIC)
    engine.start()
    return engine


def _load_api(conf, count_log: str | None):
    from heat.common import config

    app = config.load_paste_app("heat-api")
    if count_log:
        from tripleo_plan_actions.undercloud.counting import CountingMiddleware

        app = CountingMiddleware(app, count_log)
    return app


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True  # SO_REUSEADDR only: a second server on the port still fails
    request_queue_size = 128

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the address up in DNS (socket.getfqdn); not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()


def _make_server(host: str, port: int, app, log) -> _ThreadingWSGIServer:
    class Handler(simple_server.WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s " + format, self.client_address[0], *args)

        def get_stderr(self):
            return _LogWriter(log)

    server = _ThreadingWSGIServer((host, port), Handler)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server.set_app(app)
    return server


class _LogWriter:
    """wsgiref writes application tracebacks to ``stderr``; send them to the log instead."""

    def __init__(self, log) -> None:
        self.log = log

    def write(self, text: str) -> None:
        if text.strip():
            self.log.error("%s", text.rstrip())

    def flush(self) -> None:
        pass


def _stop(engine, log) -> None:
    """Stop the engine, giving up after ``STOP_TIMEOUT_S``.

    ``EngineService.stop`` stops its three RPC servers one after the other, and each waits up to
    1 s for idle executor threads; stopping them together first keeps the whole under the budget.
    """
    deadline = time.monotonic() + STOP_TIMEOUT_S
    rpc_servers = [
        getattr(engine, "_rpc_server", None),
        getattr(getattr(engine, "listener", None), "_server", None),
        getattr(getattr(engine, "worker_service", None), "_rpc_server", None),
    ]
    stoppers = [
        threading.Thread(target=_stop_rpc_server, args=(server,), daemon=True)
        for server in rpc_servers if server is not None
    ]
    stoppers.append(threading.Thread(target=engine.stop, name="engine-stop", daemon=True))
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))
    if any(stopper.is_alive() for stopper in stoppers):
        log.warning("Engine did not stop within %.1f s; exiting anyway", STOP_TIMEOUT_S)
    else:
        log.info("Engine stopped")


def _stop_rpc_server(server) -> None:
    server.stop()
    server.wait()


if __name__ == "__main__":
    main()
