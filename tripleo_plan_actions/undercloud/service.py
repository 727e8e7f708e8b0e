"""What the local undercloud needs to know to run one service.

Each service module (``swift``, ``heat``, ``mistral``) turns a state directory and a port into a
:class:`ServiceSpec`; :mod:`tripleo_plan_actions.undercloud.supervisor` starts, watches and stops the
processes those specs describe.  Nothing here imports a service's own packages: the servers run in
virtual environments of their own.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """How to start one service and how to tell that it answers.

    ``argv`` runs the server in the foreground; it must exit on SIGTERM.  ``health_url`` answers
    with a status below 500 once the service is ready.  ``endpoint`` is what clients use.
    """

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    port: int
    endpoint: str
    health_url: str
    log_file: Path
    cwd: Path
