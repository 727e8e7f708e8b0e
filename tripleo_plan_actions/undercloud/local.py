"""The local undercloud: real Swift, Heat and Mistral on 127.0.0.1.

Two profiles (:mod:`tripleo_plan_actions.undercloud.profiles`): ``embedded`` (the default: one process
per service, no Keystone, no message broker, no database server, so it runs on any machine with
Python 3.11 and PyPI) and ``production`` (the stock servers, several processes per service, over the
machine's RabbitMQ and MariaDB).  ``profile=None`` means ``$TRIPLEO_PLAN_PROFILE``, else ``embedded``.
Tests, the demo and the benchmarks all use this class::

    with LocalUndercloud(state_dir) as cloud:
        cloud.endpoints["mistral"]          # http://127.0.0.1:PORT/v2
        cloud.restart("heat")               # later tests stop services mid-operation
        cloud.processes()                   # {"mistral-api": Process(pid=..., ...), ...}

The service names ``swift``, ``heat`` and ``mistral`` name ALL the processes of that service (in the
embedded profile, its one process); :meth:`LocalUndercloud.start_service`, ``stop_service``,
``kill_service`` and ``restart`` also take the name of one process (:meth:`LocalUndercloud.processes`).

With ``keystone=True`` (or ``$TRIPLEO_PLAN_KEYSTONE``; production profile only) a real Keystone
comes first and every service authenticates through it: :attr:`LocalUndercloud.keystone_url`,
:meth:`LocalUndercloud.credentials` (a user's ``OS_*`` variables) and
:meth:`LocalUndercloud.client_environment` (admin's) are how clients get in.

Each service keeps its port for the life of the object, so a restarted service is found where it
was.  The pack's settings file (see :mod:`tripleo_plan_actions.services.connections`) is written into the
state directory and handed to Mistral, whose process runs the pack's actions.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from tripleo_plan_actions.undercloud import profiles, swift, venvs
from tripleo_plan_actions.undercloud.counting import RequestLog
from tripleo_plan_actions.undercloud.profiles import KEYSTONE_SERVICES, SERVICES
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed, Supervisor, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
UNDERCLOUD_AGENT = "tripleo-plan-undercloud"


@dataclasses.dataclass(frozen=True)
class Process:
    """One running server process: ``pid`` is also its process group; ``pids`` are every process of
    that group (the server and its forked workers), ``pid`` first."""

    name: str
    service: str
    pid: int
    pids: tuple[int, ...]
    log_file: Path


def default_venvs_dir() -> Path:
    return REPO_ROOT / ".venvs"


class LocalUndercloud:
    """Swift, Heat and Mistral (and with ``keystone``, Keystone) for one test session or demo run,
    state under ``state_dir``.  ``profile`` None: ``$TRIPLEO_PLAN_PROFILE``; ``keystone`` None:
    ``$TRIPLEO_PLAN_KEYSTONE`` (KeystoneNeedsProduction unless the profile is production)."""

    def __init__(self, state_dir: Path, venvs_dir: Path | None = None, log: Callable = print,
                 profile: str | None = None, keystone: bool | None = None) -> None:
        if not (REPO_ROOT / "constraints").is_dir():
            raise RuntimeError(f"the local undercloud runs from a source checkout; {REPO_ROOT} has no constraints/")
        self.profile_name = profiles.resolve(profile)
        self.keystone = profiles.resolve_keystone(keystone, self.profile_name)
        #: the services in start order
        self.services = KEYSTONE_SERVICES if self.keystone else SERVICES
        self.state_dir = Path(state_dir).resolve()
        self.venvs_dir = Path(venvs_dir or default_venvs_dir()).resolve()
        self.log = log
        self.ports = {name: free_port() for name in self.services}
        self.supervisor = Supervisor()
        self.startup_seconds: dict[str, float] = {}
        self.prepare_seconds = 0.0
        self._specs: dict[str, ServiceSpec] = {}
        self.profile = _make_profile(self.profile_name, self.state_dir, self.venvs_dir, self.settings_file, self.ports,
                                     self.keystone)

    # -- what clients need ------------------------------------------------------------------
    @property
    def settings_file(self) -> Path:
        return self.state_dir / "services.yaml"

    @property
    def endpoints(self) -> dict[str, str]:
        """The endpoint of each service started so far (its front process's)."""
        return {name: self._specs[self.profile.processes(name)[-1]].endpoint
                for name in self.services if self.profile.processes(name)[-1] in self._specs}

    def processes(self) -> dict[str, Process]:
        """The running server processes by name, e.g. ``mistral-executor-1`` (embedded: ``mistral``)."""
        running = {}
        for service in self.services:
            for name in self.profile.processes(service):
                pid = self.supervisor.pid(name)
                if pid is not None:
                    running[name] = Process(name, service, pid, _group_members(pid), self._specs[name].log_file)
        return running

    def log_file(self, name: str) -> Path:
        """The log file of process ``name`` (see :meth:`processes`), whether it runs or not."""
        if name not in self._specs:
            return {spec.name: spec.log_file for spec in self.profile.specs(self._service_of(name))}[name]
        return self._specs[name].log_file

    @property
    def pause_dir(self) -> Path:
        """Where a test asks the actions (Mistral's executors) to hold at a point
        (:mod:`tripleo_plan_actions.pauses`)."""
        from tripleo_plan_actions.undercloud.mistral import PAUSES

        return self.state_dir / "mistral" / PAUSES

    def request_log(self, name: str) -> RequestLog:
        """The requests ``name`` has received, one JSON line each (see counting.RequestLog)."""
        return RequestLog(self.state_dir / name / "requests.log")

    def client_environment(self) -> dict[str, str]:
        """Environment variables under which the ``mistral`` CLI and the pack's tools find this cloud:
        without Keystone Mistral's URL and the settings file; with Keystone admin's ``OS_*`` variables
        only (:meth:`credentials`), so that ``tripleo-plan`` goes through Keystone and its catalog."""
        if self.keystone:
            return self.credentials("admin")
        return {"OS_MISTRAL_URL": self.endpoints["mistral"],
                "TRIPLEO_PLAN_ACTIONS_CONFIG": str(self.settings_file)}

    # -- Keystone ------------------------------------------------------------------------------
    @property
    def identity(self) -> Any:
        """The local Keystone (:class:`~tripleo_plan_actions.undercloud.production.keystone.Identity`);
        RuntimeError without Keystone."""
        identity = getattr(self.profile, "identity", None) if self.keystone else None
        if identity is None:
            raise RuntimeError("this local undercloud runs without Keystone (keystone=True, --keystone or "
                               f"{profiles.KEYSTONE_ENV_VAR}=1 with the production profile)")
        return identity

    @property
    def keystone_url(self) -> str:
        """Keystone's v3 URL (``OS_AUTH_URL``), e.g. ``http://127.0.0.1:PORT/v3``."""
        return self.identity.auth_url

    def credentials(self, user: str = "admin") -> dict[str, str]:
        """The ``OS_*`` variables of ``user``: ``admin`` (role admin on project admin), ``operator``
        (member on admin), ``viewer`` (reader on admin) or ``other`` (member on project other)."""
        return self.identity.credentials(user)

    @property
    def keystone_seconds(self) -> dict[str, float]:
        """Keystone's preparation in seconds: ``db_sync`` (with the fernet and credential keys),
        ``bootstrap``, ``migrate`` (the two), ``populate`` (catalog, projects, users; in the
        background while the other services start); ``{}`` without Keystone."""
        return dict(getattr(self.profile, "keystone_seconds", {}))

    # -- life cycle ---------------------------------------------------------------------------
    def install(self) -> dict[str, float]:
        """Build the service environments that are missing or out of date; seconds per service."""
        return venvs.ensure_all(self.venvs_dir, REPO_ROOT, log=self.log,
                                optional=("keystone",) if self.keystone else ())

    def _service_of(self, name: str) -> str:
        """The service ``name`` belongs to (``name`` is a service or one of its processes)."""
        if name in self.services:
            return name
        for service in self.services:
            if name in self.profile.processes(service):
                return service
        known = dict.fromkeys(n for s in self.services for n in (s, *self.profile.processes(s)))
        raise KeyError(f"no service or process {name!r} in the {self.profile_name} profile; known: {', '.join(known)}")

    def _names(self, name: str) -> tuple[str, ...]:
        """The processes ``name`` stands for, in start order."""
        service = self._service_of(name)
        return self.profile.processes(service) if name == service else (name,)

    def _write_settings(self) -> None:
        """The pack's settings file (``TRIPLEO_PLAN_ACTIONS_CONFIG``, read by the executors).  With
        Keystone no service section (the actions use the caller's token and catalog from the
        Mistral context): the catalog interface and the actions' own service identity."""
        if self.keystone:
            settings: dict[str, Any] = {"interface": "internal", "service_auth": self.identity.service_auth()}
            self.settings_file.write_text(json.dumps(settings, indent=2) + "\n")
            self.settings_file.chmod(0o600)
            return
        settings = {
            "swift": {"auth_url": f"http://127.0.0.1:{self.ports['swift']}/auth/v1.0",
                      "user": f"{swift.ACCOUNT}:{swift.USER}", "key": swift.KEY},
            "heat": {"endpoint": f"http://127.0.0.1:{self.ports['heat']}/v1/admin", "token": "fake"},
            "mistral": {"endpoint": f"http://127.0.0.1:{self.ports['mistral']}/v2"},
        }
        # JSON is YAML; the pack reads it with yaml.safe_load.
        self.settings_file.write_text(json.dumps(settings, indent=2) + "\n")

    def start(self) -> dict[str, float]:
        """Prepare the profile, start every service, wait until each answers, load the workbooks;
        startup seconds per service (the profile's preparation, e.g. database migrations, is
        ``prepare_seconds``).  On failure everything started or made so far is stopped and removed."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._write_settings()
        try:
            started = time.monotonic()
            self.profile.prepare()
            self.prepare_seconds = time.monotonic() - started
            for name in self.services:
                self.start_service(name)
            self.profile.settled()
            self.load_workbooks()
            self.create_uploads_container()
        except BaseException:
            self.stop()
            raise
        return dict(self.startup_seconds)

    def start_service(self, name: str) -> float:
        """Start a service (all its processes, in order) or one process; wait until ready; seconds."""
        service = self._service_of(name)
        specs = {spec.name: spec for spec in self.profile.specs(service)}
        seconds = 0.0
        for process in self._names(name):
            self._specs[process] = specs[process]
            seconds += self.supervisor.start(specs[process])
        if name == service:
            self.startup_seconds[name] = seconds
        self.profile.started(service)
        return seconds

    def stop_service(self, name: str) -> None:
        """Stop a service's processes (all at once) or one process: SIGTERM, SIGKILL after a grace."""
        self.supervisor.stop_many(list(reversed(self._names(name))))

    def kill_service(self, name: str) -> None:
        """Kill ``name`` (a service: every process of it) with SIGKILL, as a crash would."""
        for process in self._names(name):
            self.supervisor.kill(process)

    def restart(self, name: str) -> float:
        self.stop_service(name)
        seconds = self.start_service(name)
        if name == "mistral":
            self.load_workbooks()
        return seconds

    def stop(self) -> None:
        """Stop every process, then remove what the profile made outside the state directory."""
        try:
            self.supervisor.stop_all()
        finally:
            self.profile.release()

    def __enter__(self) -> "LocalUndercloud":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def create_uploads_container(self) -> None:
        """Create ``tripleo-plan-uploads``, as an undercloud's installation does (``tripleo-plan
        setup``'s own code), so that a client's upload is ONE request (a client facing a cloud
        without it creates it once, then retries)."""
        from tripleo_plan_actions.client import SwiftUploader, setup
        from tripleo_plan_actions.services import discovery

        if not self.keystone:
            access = discovery.from_settings(str(self.settings_file)).access("swift")
            setup.uploads_container(SwiftUploader(access, agent=UNDERCLOUD_AGENT))
            return
        # Each project's uploads go to its own account (AUTH_<project id>): the admin project's and other's.
        for user in ("admin", "other"):
            access = discovery.from_environment(self.credentials(user)).access("swift")
            setup.uploads_container(SwiftUploader(access, agent=UNDERCLOUD_AGENT))

    def mistral_api(self, user: str = "admin") -> Any:
        """The pack's :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI` on this Mistral:
        without Keystone unauthenticated, with Keystone as ``user`` (a keystoneauth1 session)."""
        from tripleo_plan_actions.services import discovery
        from tripleo_plan_actions.services.mistral_api import MistralAPI

        if not self.keystone:
            return MistralAPI(self.endpoints["mistral"], agent=UNDERCLOUD_AGENT)
        session = discovery.keystone_session(self.credentials(user), agent=UNDERCLOUD_AGENT)
        return MistralAPI(self.endpoints["mistral"], session=session, agent=UNDERCLOUD_AGENT)

    # -- workbooks ----------------------------------------------------------------------------
    def load_workbooks(self, directory: Path | None = None) -> list[str]:
        """Create or update every ``*.yaml`` workbook of ``directory`` (the repo's workbooks/) as
        ``tripleo-plan setup`` does (identical ones left alone), after checking that Mistral has
        every action they and the pack need; their names.  ServiceFailed naming what is missing,
        or with Mistral's reason for refusing a workbook."""
        from tripleo_plan_actions.client import setup
        from tripleo_plan_actions.errors import ServiceError

        mistral = self.mistral_api()
        try:
            # public with Keystone (as admin), so that every project may run them; without
            # authentication Mistral lets nobody publicize, and every caller is in one project anyway.
            report = setup.load_workbooks(mistral, directory or REPO_ROOT / "workbooks",
                                          scope=setup.SCOPE if self.keystone else "private")
        except ServiceError as error:
            raise ServiceFailed(str(error)) from error
        if not report.ok:
            raise ServiceFailed(report.problem())
        return sorted(report.workbooks)


def _make_profile(name: str, state_dir: Path, venvs_dir: Path, settings_file: Path,
                  ports: dict[str, int], keystone: bool = False) -> profiles.Profile:
    if name == profiles.PRODUCTION:
        from tripleo_plan_actions.undercloud.production.profile import ProductionProfile

        return ProductionProfile(state_dir, venvs_dir, REPO_ROOT, settings_file, ports, keystone)
    return profiles.EmbeddedProfile(state_dir, venvs_dir, REPO_ROOT, settings_file, ports)


def _group_members(pgid: int) -> tuple[int, ...]:
    """The pids of process group ``pgid`` (from /proc), ``pgid`` first."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return (pgid, *sorted(p for p in members if p != pgid))
