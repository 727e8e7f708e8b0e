"""The machine's RabbitMQ, as the production profile uses it: one vhost per undercloud.

The broker is the one on 127.0.0.1:5672 (user ``guest``, password ``guest``); vhosts are managed
with ``rabbitmqctl``, which needs root (or the rabbitmq user).  Standard library only: this runs in
the orchestrator's interpreter.
"""
from __future__ import annotations

import shutil
import socket
import subprocess

from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

HOST = "127.0.0.1"
PORT = 5672
USER = "guest"
PASSWORD = "guest"
CTL_TIMEOUT_S = 60.0


class BrokerUnavailable(ServiceFailed):
    """RabbitMQ is not there, or ``rabbitmqctl`` refused; the message says which."""


def check() -> None:
    """Raise BrokerUnavailable at once (within 3 s) unless RabbitMQ listens and rabbitmqctl exists."""
    try:
        socket.create_connection((HOST, PORT), timeout=3).close()
    except OSError as error:
        raise BrokerUnavailable(
            f"production profile needs RabbitMQ on {HOST}:{PORT}: {error.strerror or error}") from None
    if shutil.which("rabbitmqctl") is None:
        raise BrokerUnavailable("production profile needs rabbitmqctl on PATH (to create its own vhost)")


def transport_url(vhost: str) -> str:
    """The oslo.messaging transport URL of ``vhost``."""
    return f"rabbit://{USER}:{PASSWORD}@{HOST}:{PORT}/{vhost}"


def _ctl(*args: str) -> str:
    try:
        done = subprocess.run(("rabbitmqctl", *args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=CTL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BrokerUnavailable(f"rabbitmqctl {' '.join(args)} took more than {CTL_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise BrokerUnavailable(f"rabbitmqctl {' '.join(args)} failed: {done.stdout.strip()}")
    return done.stdout


def add_vhost(vhost: str) -> None:
    """Create ``vhost`` and give ``guest`` every permission on it."""
    _ctl("add_vhost", vhost)
    _ctl("set_permissions", "-p", vhost, USER, ".*", ".*", ".*")


def delete_vhost(vhost: str) -> None:
    """Delete ``vhost`` with its queues and exchanges; a vhost already gone is not an error."""
    if vhost in vhosts():
        _ctl("delete_vhost", vhost)


def vhosts() -> list[str]:
    """The broker's vhost names."""
    return _ctl("list_vhosts", "--quiet", "--no-table-headers", "name").split()


def consumers(vhost: str) -> dict[str, int]:
    """Consumers per queue of ``vhost`` (a queue nobody declared yet is absent)."""
    counts = {}
    for line in _ctl("list_queues", "--quiet", "--no-table-headers", "-p", vhost, "name", "consumers").splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit():
            counts[fields[0]] = int(fields[1])
    return counts
