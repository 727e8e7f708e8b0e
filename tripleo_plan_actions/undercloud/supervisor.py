"""Start, watch and stop the processes of the local undercloud.

Every server is started in its own process group with ``PR_SET_PDEATHSIG`` set, so it dies with the
process that started it even if that process is killed outright; :meth:`Supervisor.stop` sends
SIGTERM to the group, then SIGKILL after a grace period (several at once: :meth:`Supervisor.stop_many`).
A server's forked workers stay in its group, so :meth:`Supervisor.kill` takes them down too.
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
        log_offset = spec.log_file.stat().st_size if spec.log_file.exists() else 0
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
        self._wait_ready(spec, process, started + timeout, log_offset)
        return time.monotonic() - started

    def _wait_ready(self, spec: ServiceSpec, process: subprocess.Popen, deadline: float, log_offset: int) -> None:
        next_check = time.monotonic() + 1.0
        while True:
            if process.poll() is not None:
                self.processes.pop(spec.name, None)
                raise ServiceFailed(
                    f"{spec.name} exited with code {process.returncode} while starting; "
                    f"last lines of {spec.log_file}:\n{_tail(spec.log_file)}")
            if spec.health_url and _answers(spec) or spec.ready_line and _logged(spec, log_offset):
                return
            if spec.ready_check is not None and time.monotonic() >= next_check:
                if spec.ready_check():
                    return
                next_check = time.monotonic() + 1.0
            if time.monotonic() > deadline:
                self.stop(spec.name)
                waited_for = spec.health_url or (f"{spec.ready_line!r} in its log" if spec.ready_line
                                                 else "its readiness check")
                raise ServiceFailed(
                    f"{spec.name} did not answer {waited_for} in time; "
                    f"last lines of {spec.log_file}:\n{_tail(spec.log_file)}")
            time.sleep(0.1)

    def stop(self, name: str, grace: float | None = None) -> None:
        """Stop one service (SIGTERM to its process group, SIGKILL after ``grace`` seconds, by default
        its spec's ``stop_grace``)."""
        self.stop_many([name], grace)

    def stop_many(self, names: list[str], grace: float | None = None) -> None:
        """Stop several services at once: SIGTERM to every group, then SIGKILL to those still there
        after their grace period (the longest wait is one grace period, not the sum)."""
        stopping = {name: self.processes.pop(name) for name in names if name in self.processes}
        started = time.monotonic()
        for process in stopping.values():
            _signal_group(process, signal.SIGTERM)
        for name, process in stopping.items():
            limit = grace if grace is not None else self.specs[name].stop_grace
            try:
                process.wait(max(0.0, started + limit - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5.0)
            # The group may still hold children of the server.
            _signal_group(process, signal.SIGKILL)

    def pid(self, name: str) -> int | None:
        """The pid of ``name``'s main process, which is also its process group id; None when stopped."""
        process = self.processes.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def kill(self, name: str) -> None:
        """Kill one service at once (SIGKILL to its process group), as a crash would."""
        process = self.processes.pop(name, None)
        if process is not None:
            _signal_group(process, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        self.stop_many(list(reversed(list(self.processes))))


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _answers(spec: ServiceSpec) -> bool:
    try:
        with urllib.request.urlopen(spec.health_url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (urllib.error.URLError, OSError):
        return False


def _logged(spec: ServiceSpec, offset: int) -> bool:
    """True once the log, past ``offset``, holds ``spec.ready_line`` ``spec.ready_count`` times."""
    try:
        with open(spec.log_file, "rb") as log:
            log.seek(offset)
            return log.read().count(spec.ready_line.encode()) >= spec.ready_count
    except OSError:
        return False
