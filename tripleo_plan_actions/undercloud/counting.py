"""Counting the HTTP requests each local service receives.

:class:`CountingMiddleware` wraps a server's WSGI application and appends one JSON line per request
to a file (``{"method", "path", "status", "agent"}``).  :class:`RequestLog` reads such a file: take
a :meth:`RequestLog.mark` before an operation, then :meth:`RequestLog.since` returns exactly the
requests made after it.  Standard library only, because the servers import this module from their
own virtual environments.
"""
from __future__ import annotations

import collections
import json
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

_lock = threading.Lock()


class CountingMiddleware:
    """WSGI middleware appending one JSON line per request to ``log_path``."""

    def __init__(self, app: Callable, log_path: str | Path) -> None:
        self.app = app
        self.log_path = str(log_path)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        record: dict[str, Any] = {
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "agent": environ.get("HTTP_USER_AGENT", ""),
        }

        def counting_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            record["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.app(environ, counting_start_response)
        finally:
            line = json.dumps(record, sort_keys=True) + "\n"
            with _lock, open(self.log_path, "a", encoding="utf-8") as log:
                log.write(line)


def filter_factory(global_conf: dict, **local_conf: str) -> Callable:
    """PasteDeploy filter factory: ``paste.filter_factory = ...counting:filter_factory``, ``log = PATH``."""
    log_path = local_conf["log"]
    return lambda app: CountingMiddleware(app, log_path)


class RequestLog:
    """Reader of one service's request log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def mark(self) -> int:
        """Return a position; :meth:`since` counts from there."""
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int = 0) -> list[dict[str, Any]]:
        """Every request recorded after ``mark``, oldest first."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as log:
            log.seek(mark)
            return [json.loads(line) for line in log.read().splitlines() if line.strip()]

    def count(self, mark: int = 0, agent: str | None = None) -> collections.Counter:
        """Requests after ``mark`` by method; only those whose user agent starts with ``agent`` if given."""
        return collections.Counter(
            r["method"] for r in self.since(mark) if agent is None or r["agent"].startswith(agent)
        )
