"""The ``production`` profile: the stock servers over the machine's RabbitMQ and MariaDB.

Each undercloud gets an id of its own (``tp_<owner pid>_<8 hex>``, the owner being the process that
runs it): the RabbitMQ vhost of that name and the databases ``<id>_mistral`` and ``<id>_heat``,
created by :meth:`ProductionProfile.prepare` (which also writes every configuration file, builds the
Swift rings and migrates both databases with the services' own commands, Mistral's and Heat's in
parallel) and dropped by :meth:`ProductionProfile.release`.  An owner killed outright (SIGKILL: its
servers die with it, its ``release`` never runs) leaves them behind: the next production undercloud
on the machine drops those of owners that no longer exist (:func:`sweep`).  The processes of each
service are described in :mod:`.swift`, :mod:`.heat` and :mod:`.mistral`.  A machine without
RabbitMQ or MariaDB is refused at once, naming what is missing.

With ``keystone=True`` a fourth service, ``keystone`` (:mod:`.keystone`), comes first: its database
``<id>_keystone`` is made and migrated beside the others, the other services' configurations
authenticate through it (:attr:`ProductionProfile.identity`), and :meth:`ProductionProfile.started`
makes its catalog, projects and users once it answers.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import re
import secrets
import time
from pathlib import Path

from tripleo_plan_actions.undercloud import mariadb, rabbitmq, venvs
from tripleo_plan_actions.undercloud.production import heat, keystone as keystone_module, mistral, swift
from tripleo_plan_actions.undercloud.profiles import PRODUCTION
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed, free_port

PROCESSES = {"keystone": keystone_module.PROCESSES, "swift": swift.PROCESSES, "heat": heat.PROCESSES,
             "mistral": mistral.PROCESSES}
#: The suffixes of an undercloud's databases after its id.
DATABASE_SUFFIXES = ("_mistral", "_heat", "_keystone")


class ProductionProfile:
    """Stock Swift, Heat and Mistral processes for one undercloud, state under ``state_dir``."""

    name = PRODUCTION

    def __init__(self, state_dir: Path, venvs_dir: Path, repo_root: Path, settings_file: Path,
                 ports: dict[str, int], keystone: bool = False) -> None:
        self.state_dir, self.venvs_dir, self.repo_root = state_dir, venvs_dir, repo_root
        self.settings_file, self.ports = settings_file, ports
        self.swift_ports = {"proxy": ports["swift"], **{kind: free_port() for kind in swift.BACKENDS}}
        self.id = f"tp_{os.getpid()}_{secrets.token_hex(4)}"
        self.vhost = self.id
        self.keystone = keystone
        services = ("mistral", "heat", "keystone") if keystone else ("mistral", "heat")
        self.databases = {name: f"{self.id}_{name}" for name in services}
        self._made: list[str] = []  # "vhost", "databases": what release() must remove
        self._identity: keystone_module.Identity | None = None
        self._populating: concurrent.futures.Future | None = None
        #: seconds of Keystone's preparation: ``db_sync`` (with the keys), ``bootstrap``, ``migrate`` (both),
        #: ``populate`` (catalog, projects, users: in the background)
        self.keystone_seconds: dict[str, float] = {}

    @property
    def identity(self) -> keystone_module.Identity | None:
        """The Keystone the services authenticate through (None without Keystone); its passwords are
        made (or read from the state directory) on first use."""
        if self.keystone and self._identity is None:
            self._identity = keystone_module.Identity(self.ports["keystone"],
                                                      keystone_module.passwords(self._dir("keystone")))
        return self._identity

    def processes(self, service: str) -> tuple[str, ...]:
        return PROCESSES[service]

    def _dir(self, service: str) -> Path:
        directory = self.state_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def _bin(self, service: str) -> Path:
        return venvs.python(self.venvs_dir, service).parent

    def prepare(self) -> None:
        rabbitmq.check()
        mariadb.check()
        sweep(self._bin("mistral") / "python")
        transport = rabbitmq.transport_url(self.vhost)
        identity = self.identity
        swift.configure(self._dir("swift"), self.swift_ports, self._bin("swift"), identity)
        heat_conf = heat.configure(self._dir("heat"), self.ports["heat"], self._bin("heat"), transport,
                                   mariadb.url(self.databases["heat"]), identity)
        mistral_conf = mistral.configure(self._dir("mistral"), self.ports["mistral"], transport,
                                         mariadb.url(self.databases["mistral"]), identity)
        self._made.append("vhost")
        rabbitmq.add_vhost(self.vhost)
        self._made.append("databases")
        mariadb.create(self._bin("mistral") / "python", list(self.databases.values()))
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            migrations = [
                pool.submit(mistral.migrate, self._bin("mistral"), mistral_conf,
                            self._dir("mistral") / "db-manage.log"),
                pool.submit(heat.migrate, self._bin("heat"), heat_conf, self._dir("heat") / "db-manage.log"),
            ]
            if identity is not None:
                migrations.append(pool.submit(self._prepare_keystone, identity))
            for migration in migrations:
                migration.result()

    def _prepare_keystone(self, identity: keystone_module.Identity) -> None:
        started = time.monotonic()
        conf = keystone_module.configure(self._dir("keystone"), mariadb.url(self.databases["keystone"]),
                                         keystone_module.token_expiration())
        steps = keystone_module.migrate(self._bin("keystone"), conf, self._dir("keystone") / "keystone-manage.log",
                                        identity)
        self.keystone_seconds.update(steps)
        self.keystone_seconds["migrate"] = time.monotonic() - started

    def started(self, service: str) -> None:
        """After ``service`` first answers: Keystone's catalog, projects and users are made in the
        background (while the other services start: none needs them to answer; :meth:`settled`
        waits for them).  A restart finds them in its database and changes nothing."""
        identity = self.identity
        if service != "keystone" or identity is None or self._populating is not None:
            return

        def populate() -> None:
            started = time.monotonic()
            keystone_module.populate(self._bin("keystone"), self.repo_root, identity, self.ports,
                                     self._dir("keystone") / "keystone-setup.log")
            self.keystone_seconds["populate"] = time.monotonic() - started

        self._populating = concurrent.futures.ThreadPoolExecutor(1).submit(populate)

    def settled(self) -> None:
        """Wait for what :meth:`started` does in the background; raise its failure."""
        if self._populating is not None:
            self._populating.result()

    def specs(self, service: str) -> list[ServiceSpec]:
        if service == "keystone":
            return keystone_module.specs(self._dir("keystone"), self.ports["keystone"], self._bin("keystone"),
                                         self.repo_root)
        if service in ("swift", "heat"):
            if service == "swift":
                found = swift.specs(self._dir("swift"), self.swift_ports, self._bin("swift"), self.repo_root)
            else:
                found = heat.specs(self._dir("heat"), self.ports["heat"], self._bin("heat"), self.repo_root,
                                   lambda: rabbitmq.consumers(self.vhost).get("engine", 0))
            if self.keystone:  # no tempauth, no "admin" project: the catalog's URL less the project
                front = found[-1]
                found[-1] = dataclasses.replace(front, endpoint=f"http://127.0.0.1:{front.port}/v1")
            return found
        return mistral.specs(self._dir("mistral"), self.ports["mistral"], self._bin("mistral"), self.repo_root,
                             self.settings_file)

    def release(self) -> None:
        """Drop the databases and the vhost this profile made (each only if it made it)."""
        if self._populating is not None:
            concurrent.futures.wait([self._populating])  # its failure, if any, was raised by settled()
        errors = []
        if "databases" in self._made:
            try:
                mariadb.drop(self._bin("mistral") / "python", list(self.databases.values()))
                self._made.remove("databases")
            except mariadb.DatabaseUnavailable as error:
                errors.append(str(error))
        if "vhost" in self._made:
            try:
                rabbitmq.delete_vhost(self.vhost)
                self._made.remove("vhost")
            except rabbitmq.BrokerUnavailable as error:
                errors.append(str(error))
        if errors:
            raise ServiceFailed("could not remove the production profile's resources: " + "; ".join(errors))


_OWNED = re.compile(r"tp_(\d+)_[0-9a-f]{8}")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def sweep(python: Path) -> list[str]:
    """Drop the vhosts and databases of production undercloud owners that no longer run (see the
    module docstring); what was dropped.  ``python``: an interpreter with PyMySQL."""
    vhosts = [v for v in rabbitmq.vhosts() if (m := _OWNED.fullmatch(v)) and _gone(int(m.group(1)))]
    databases = [d for d in mariadb.databases(python)
                 if (m := _OWNED.match(d)) and d[m.end():] in DATABASE_SUFFIXES and _gone(int(m.group(1)))]
    if databases:
        mariadb.drop(python, databases)
    for vhost in vhosts:
        rabbitmq.delete_vhost(vhost)
    return vhosts + databases
