"""The two ways the local undercloud runs its services, and how one is chosen.

``embedded``
  Swift, Heat and Mistral in ONE process each (launchers of :mod:`tripleo_plan_actions.undercloud.servers`),
  in-memory transport, sqlite: needs nothing but Python and PyPI.
``production``
  The stock servers as an undercloud runs them: RabbitMQ and MariaDB of the machine (a vhost and
  databases of this undercloud's own), Mistral API + engine + two executors, Heat API + engine with
  two workers, the four Swift servers (:mod:`tripleo_plan_actions.undercloud.production`).

A profile turns a service name (``swift``, ``heat``, ``mistral``) into the processes of that service,
in start order (:meth:`Profile.specs`); :meth:`Profile.prepare` makes what the processes need before
the first start and :meth:`Profile.release` removes it again (it must be safe after a failed or
partial prepare, and twice).

Keystone is a switch of the production profile only (:func:`resolve_keystone`): ``keystone=True``,
``--keystone`` or ``$TRIPLEO_PLAN_KEYSTONE``; then a ``keystone`` service comes first
(:data:`KEYSTONE_SERVICES`) and Swift, Heat and Mistral authenticate through it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Protocol

from tripleo_plan_actions.undercloud import heat, mistral, swift, venvs
from tripleo_plan_actions.undercloud.service import ServiceSpec

ENV_VAR = "TRIPLEO_PLAN_PROFILE"
EMBEDDED = "embedded"
PRODUCTION = "production"
KNOWN = (EMBEDDED, PRODUCTION)
SERVICES = ("swift", "heat", "mistral")
KEYSTONE_ENV_VAR = "TRIPLEO_PLAN_KEYSTONE"
#: The services in start order with Keystone (it must answer before the others authenticate).
KEYSTONE_SERVICES = ("keystone", *SERVICES)


class UnknownProfile(ValueError):
    """A profile name that is not one of :data:`KNOWN`."""


class KeystoneNeedsProduction(ValueError):
    """Keystone asked for with a profile other than ``production``."""


def keystone_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``$TRIPLEO_PLAN_KEYSTONE`` says yes (``1``, ``true``, ``yes``, ``on``)."""
    value = (os.environ if environ is None else environ).get(KEYSTONE_ENV_VAR, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def resolve_keystone(keystone: bool | None, profile: str, environ: Mapping[str, str] | None = None) -> bool:
    """``keystone``, or ``$TRIPLEO_PLAN_KEYSTONE`` when None; refuse it with any profile but production."""
    wanted = keystone_from_environment(environ) if keystone is None else keystone
    if wanted and profile != PRODUCTION:
        source = f" (from {KEYSTONE_ENV_VAR})" if keystone is None else ""
        raise KeystoneNeedsProduction(
            f"Keystone{source} (--keystone, {KEYSTONE_ENV_VAR}=1) runs only with the {PRODUCTION} profile, "
            f"not {profile}: add --profile {PRODUCTION} (or {ENV_VAR}={PRODUCTION})")
    return wanted


def resolve(name: str | None) -> str:
    """``name``, or ``$TRIPLEO_PLAN_PROFILE`` when None, or ``embedded``; refuse an unknown name."""
    chosen = name if name is not None else (os.environ.get(ENV_VAR) or EMBEDDED)
    if chosen not in KNOWN:
        source = f" (from {ENV_VAR})" if name is None else ""
        raise UnknownProfile(f"unknown local-undercloud profile {chosen!r}{source}; known: {', '.join(KNOWN)}")
    return chosen


class Profile(Protocol):
    name: str
    #: the port clients use, by service name
    ports: dict[str, int]

    def processes(self, service: str) -> tuple[str, ...]:
        """The names of ``service``'s processes, in start order."""

    def prepare(self) -> None:
        """Make what the processes need (configuration, vhost, databases); before the first start."""

    def specs(self, service: str) -> list[ServiceSpec]:
        """How to start each of ``service``'s processes, in start order."""

    def started(self, service: str) -> None:
        """After every process of ``service`` answers, at each start (e.g. make Keystone's users,
        possibly in the background)."""

    def settled(self) -> None:
        """Wait until what :meth:`started` began is done (before the workbooks are loaded)."""

    def release(self) -> None:
        """Remove what :meth:`prepare` made outside the state directory."""


class EmbeddedProfile:
    """One process per service, named as the service."""

    name = EMBEDDED

    def __init__(self, state_dir: Path, venvs_dir: Path, repo_root: Path, settings_file: Path,
                 ports: dict[str, int]) -> None:
        self.state_dir, self.venvs_dir, self.repo_root = state_dir, venvs_dir, repo_root
        self.settings_file, self.ports = settings_file, ports

    def processes(self, service: str) -> tuple[str, ...]:
        return (service,)

    def prepare(self) -> None:
        pass

    def specs(self, service: str) -> list[ServiceSpec]:
        directory = self.state_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        python = venvs.python(self.venvs_dir, service)
        port = self.ports[service]
        if service == "swift":
            return [swift.prepare(directory, port, python, self.repo_root)]
        if service == "heat":
            return [heat.prepare(directory, port, python, self.repo_root)]
        return [mistral.prepare(directory, port, python, self.repo_root, self.settings_file)]

    def started(self, service: str) -> None:
        pass

    def settled(self) -> None:
        pass

    def release(self) -> None:
        pass
