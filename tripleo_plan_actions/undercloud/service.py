"""What the local undercloud needs to know to run one service.

Each service module (``swift``, ``heat``, ``mistral``) turns a state directory and a port into a
:class:`ServiceSpec`; :mod:`tripleo_plan_actions.undercloud.supervisor` starts, watches and stops the
processes those specs describe.  Nothing here imports a service's own packages: the servers run in
virtual environments of their own.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """How to start one service and how to tell that it answers.

    ``argv`` runs the server in the foreground; it must exit on SIGTERM (the supervisor sends
    SIGKILL to its process group after ``stop_grace`` seconds).  ``health_url`` answers with a status
    below 500 once the service is ready; a process without HTTP (an RPC server) has ``health_url``
    empty and ``ready_line`` set instead: it is ready once its log, written after the start, holds
    that text ``ready_count`` times, or once ``ready_check`` returns True (the supervisor calls it
    about once a second; e.g. "the broker shows two consumers on the engine queue").  ``endpoint`` is
    what clients use ("" for a process clients do not talk to).
    """

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    port: int
    endpoint: str
    health_url: str
    log_file: Path
    cwd: Path
    ready_line: str = ""
    ready_count: int = 1
    ready_check: Callable[[], bool] | None = None
    stop_grace: float = 10.0
