"""The local undercloud: real Swift, Heat and Mistral on 127.0.0.1, one process each.

This is the "embedded" profile: no Keystone, no message broker, no database server (sqlite), so it
runs on any machine with Python 3.11 and PyPI.  Tests, the demo and the benchmark all use it::

    with LocalUndercloud(state_dir) as cloud:
        cloud.endpoints["mistral"]          # http://127.0.0.1:PORT/v2
        cloud.restart("heat")               # later tests stop services mid-operation

Each service keeps its port for the life of the object, so a restarted service is found where it
was.  The pack's settings file (see :mod:`tripleo_plan_actions.services.connections`) is written into the
state directory and handed to Mistral, whose process runs the pack's actions.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from tripleo_plan_actions.undercloud import heat, mistral, swift, venvs
from tripleo_plan_actions.undercloud.counting import RequestLog
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed, Supervisor, free_port

SERVICES = ("swift", "heat", "mistral")
REPO_ROOT = Path(__file__).resolve().parents[2]
UNDERCLOUD_AGENT = "tripleo-plan-undercloud"


def default_venvs_dir() -> Path:
    return REPO_ROOT / ".venvs"


class LocalUndercloud:
    """Swift, Heat and Mistral for one test session or demo run, state under ``state_dir``."""

    def __init__(self, state_dir: Path, venvs_dir: Path | None = None, log: Callable = print) -> None:
        if not (REPO_ROOT / "constraints").is_dir():
            raise RuntimeError(f"the local undercloud runs from a source checkout; {REPO_ROOT} has no constraints/")
        self.state_dir = Path(state_dir).resolve()
        self.venvs_dir = Path(venvs_dir or default_venvs_dir()).resolve()
        self.log = log
        self.ports = {name: free_port() for name in SERVICES}
        self.supervisor = Supervisor()
        self.startup_seconds: dict[str, float] = {}
        self._specs: dict[str, ServiceSpec] = {}

    # -- what clients need ------------------------------------------------------------------
    @property
    def settings_file(self) -> Path:
        return self.state_dir / "services.yaml"

    @property
    def endpoints(self) -> dict[str, str]:
        return {name: spec.endpoint for name, spec in self._specs.items()}

    def request_log(self, name: str) -> RequestLog:
        """The requests ``name`` has received, one JSON line each (see counting.RequestLog)."""
        return RequestLog(self.state_dir / name / "requests.log")

    def client_environment(self) -> dict[str, str]:
        """Environment variables under which the ``mistral`` CLI and the pack's tools find this cloud."""
        return {"OS_MISTRAL_URL": self._specs["mistral"].endpoint,
                "TRIPLEO_PLAN_ACTIONS_CONFIG": str(self.settings_file)}

    # -- life cycle ---------------------------------------------------------------------------
    def install(self) -> dict[str, float]:
        """Build the service environments that are missing or out of date; seconds per service."""
        return venvs.ensure_all(self.venvs_dir, REPO_ROOT, log=self.log)

    def _spec(self, name: str) -> ServiceSpec:
        directory = self.state_dir / name
        directory.mkdir(parents=True, exist_ok=True)
        python = venvs.python(self.venvs_dir, name)
        port = self.ports[name]
        if name == "swift":
            return swift.prepare(directory, port, python, REPO_ROOT)
        if name == "heat":
            return heat.prepare(directory, port, python, REPO_ROOT)
        return mistral.prepare(directory, port, python, REPO_ROOT, self.settings_file)

    def _write_settings(self) -> None:
        settings = {
            "swift": {"auth_url": f"http://127.0.0.1:{self.ports['swift']}/auth/v1.0",
                      "user": f"{swift.ACCOUNT}:{swift.USER}", "key": swift.KEY},
            "heat": {"endpoint": f"http://127.0.0.1:{self.ports['heat']}/v1/admin", "token": "fake"},
            "mistral": {"endpoint": f"http://127.0.0.1:{self.ports['mistral']}/v2"},
        }
        # JSON is YAML; the pack reads it with yaml.safe_load.
        self.settings_file.write_text(json.dumps(settings, indent=2) + "\n")

    def start(self) -> dict[str, float]:
        """Start every service, wait until each answers, load the workbooks; startup seconds each."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._write_settings()
        try:
            for name in SERVICES:
                self.start_service(name)
            self.load_workbooks()
            self.create_uploads_container()
        except BaseException:
            self.stop()
            raise
        return dict(self.startup_seconds)

    def start_service(self, name: str) -> float:
        spec = self._spec(name)
        self._specs[name] = spec
        seconds = self.supervisor.start(spec)
        self.startup_seconds[name] = seconds
        return seconds

    def stop_service(self, name: str) -> None:
        self.supervisor.stop(name)

    def kill_service(self, name: str) -> None:
        """Kill ``name`` with SIGKILL, as a crash would."""
        self.supervisor.kill(name)

    def restart(self, name: str) -> float:
        self.stop_service(name)
        seconds = self.start_service(name)
        if name == "mistral":
            self.load_workbooks()
        return seconds

    def stop(self) -> None:
        self.supervisor.stop_all()

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

        access = discovery.from_settings(str(self.settings_file)).access("swift")
        setup.uploads_container(SwiftUploader(access, agent=UNDERCLOUD_AGENT))

    # -- workbooks ----------------------------------------------------------------------------
    def load_workbooks(self, directory: Path | None = None) -> list[str]:
        """Create or update every ``*.yaml`` workbook of ``directory`` (the repo's workbooks/) as
        ``tripleo-plan setup`` does (identical ones left alone), after checking that Mistral has
        every action they and the pack need; their names.  ServiceFailed naming what is missing,
        or with Mistral's reason for refusing a workbook."""
        from tripleo_plan_actions.client import setup
        from tripleo_plan_actions.errors import ServiceError
        from tripleo_plan_actions.services.mistral_api import MistralAPI

        mistral = MistralAPI(self._specs["mistral"].endpoint, agent=UNDERCLOUD_AGENT)
        try:
            report = setup.load_workbooks(mistral, directory or REPO_ROOT / "workbooks")
        except ServiceError as error:
            raise ServiceFailed(str(error)) from error
        if not report.ok:
            raise ServiceFailed(report.problem())
        return sorted(report.workbooks)
