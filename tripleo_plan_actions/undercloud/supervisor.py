"""Start, watch and stop the processes of the local undercloud.

Every server is started in its own process group with ``PR_SET_PDEATHSIG`` set, so it dies with the
process that started it even if that process is killed outright; :meth:`Supervisor.stop` sends
SIGTERM to the group, then SIGKILL after a grace period.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tripleo_plan_actions.undercloud.service import ServiceSpec

_PR_SET_PDEATHSIG = 1


class ServiceFailed(RuntimeError):
    """A service exited or did not answer in time; the message ends with its log's last lines."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when no socket LISTENS on ``port`` (connections in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Supervisor:
    """The running processes, by service name."""

    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.specs: dict[str, ServiceSpec] = {}

    def start(self, spec: ServiceSpec, timeout: float = 120.0) -> float:
        """Start ``spec`` and wait until it answers; return the seconds it took."""
        if not port_is_free(spec.port):
            raise ServiceFailed(f"{spec.name}: port {spec.port} on 127.0.0.1 is already in use")
        started = time.monotonic()
        env = dict(os.environ)
        env.update(spec.env)
        env.setdefault("PYTHONWARNINGS", "ignore")
        log = open(spec.log_file, "ab")
        try:
            process = subprocess.Popen(
                spec.argv, cwd=spec.cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )
        finally:
            log.close()
        self.processes[spec.name] = process
        self.specs[spec.name] = spec
        self._wait_ready(spec, process, started + timeout)
        return time.monotonic() - started

    def _wait_ready(self, spec: ServiceSpec, process: subprocess.Popen, deadline: float) -> None:
        while True:
            if process.poll() is not None:
                raise ServiceFailed(
                    f"{spec.name} exited with code {process.returncode} while starting; "
                    f"last lines of {spec.log_file}:\n{_tail(spec.log_file)}")
            try:
                with urllib.request.urlopen(spec.health_url, timeout=5) as response:
                    if response.status < 500:
                        return
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop(spec.name)
                raise ServiceFailed(
                    f"{spec.name} did not answer {spec.health_url} in time; "
                    f"last lines of {spec.log_file}:\n{_tail(spec.log_file)}")
            time.sleep(0.1)

    def stop(self, name: str, grace: float = 10.0) -> None:
        """Stop one service (SIGTERM to its process group, SIGKILL after ``grace`` seconds)."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group may still hold children of the server.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def kill(self, name: str) -> None:
        """Kill one service at once (SIGKILL), as a crash would."""
        process = self.processes.pop(name, None)
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)
