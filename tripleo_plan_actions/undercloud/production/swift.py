"""The production profile's Swift: the four stock servers, one process each.

``swift-account-server``, ``swift-container-server``, ``swift-object-server`` and
``swift-proxy-server``, each run in the foreground on its own configuration file and port, with
``workers = 0`` (one process: the proxy's ``cache`` filter is a dict in that process, see
:mod:`tripleo_plan_actions.undercloud.servers.swift_cache`, because memcached is not on these
machines).  The proxy pipeline is the embedded profile's (:data:`tripleo_plan_actions.undercloud.swift._PIPELINE`:
request counter, bulk, versioned_writes + symlink, slo/dlo, tempauth, ...); the backends answer
``/healthcheck``.  One replica; the rings are built with ``swift-ring-builder`` at the first start
(the ports stay the undercloud's for its life).  Objects live on disk under the state directory.

With Keystone (``identity`` given to :func:`configure`) ``tempauth`` is replaced by ``authtoken
keystoneauth`` (keystonemiddleware as the ``swift`` user, ``delay_auth_decision`` so that
keystoneauth decides; operator roles admin, member and swiftoperator, ``reader`` read-only through
``project_reader_roles``): each project's account is ``AUTH_<project id>``.
"""
from __future__ import annotations

import getpass
import subprocess
from pathlib import Path

from tripleo_plan_actions.undercloud import swift as embedded_swift
from tripleo_plan_actions.undercloud.production.keystone import Identity
from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

BACKENDS = ("account", "container", "object")
PROCESSES = ("swift-account-server", "swift-container-server", "swift-object-server", "swift-proxy-server")

_BACKEND = """\
[pipeline:main]
pipeline = healthcheck {name}-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:{name}-server]
use = egg:swift#{name}
"""

#: keystoneauth's roles: full access to the project's account, and read-only access.
OPERATOR_ROLES = ("admin", "member", "swiftoperator")
READER_ROLES = ("reader",)


def keystone_filters(identity: Identity) -> str:
    """The proxy's ``authtoken`` and ``keystoneauth`` filters."""
    authtoken = {"paste.filter_factory": "keystonemiddleware.auth_token:filter_factory",
                 **identity.authtoken("swift"), "delay_auth_decision": "True"}
    keystoneauth = {"use": "egg:swift#keystoneauth", "operator_roles": ", ".join(OPERATOR_ROLES),
                    "project_reader_roles": ", ".join(READER_ROLES), "reseller_admin_role": "ResellerAdmin"}
    text = ""
    for name, options in (("authtoken", authtoken), ("keystoneauth", keystoneauth)):
        text += f"\n[filter:{name}]\n" + "".join(f"{key} = {value}\n" for key, value in options.items())
    return text


def configure(state_dir: Path, ports: dict[str, int], bin_dir: Path, identity: Identity | None = None) -> None:
    """Write the four servers' configuration files and (once) the rings; ``ports`` by server kind
    (``proxy``, ``account``, ``container``, ``object``); with ``identity`` the proxy authenticates
    through that Keystone instead of tempauth."""
    pipeline = embedded_swift._PIPELINE
    if identity is not None:
        pipeline = pipeline.replace(" tempauth ", " authtoken keystoneauth ")
    (state_dir / "devices" / "d1").mkdir(parents=True, exist_ok=True)
    (state_dir / "swift.conf").write_text(embedded_swift._SWIFT_CONF)
    user = getpass.getuser()
    for kind, port in ports.items():
        name = f"{kind}-server"
        common = embedded_swift._COMMON.format(user=user, state=state_dir, name=name) + f"bind_port = {port}\n"
        body = (embedded_swift._PROXY.format(state=state_dir, account=embedded_swift.ACCOUNT, user=embedded_swift.USER,
                                             key=embedded_swift.KEY, pipeline=pipeline)
                if kind == "proxy" else _BACKEND.format(name=kind))
        if kind == "proxy" and identity is not None:
            body += keystone_filters(identity)
        (state_dir / f"{name}.conf").write_text(common + "\n" + body)
    for kind in BACKENDS:
        if not (state_dir / f"{kind}.ring.gz").exists():
            _build_ring(state_dir, kind, ports[kind], bin_dir / "swift-ring-builder")


def _build_ring(state_dir: Path, kind: str, port: int, builder: Path) -> None:
    for args in (("create", "4", "1", "0"), ("add", f"r1z1-127.0.0.1:{port}/d1", "100"), ("rebalance",)):
        done = subprocess.run([str(builder), str(state_dir / f"{kind}.builder"), *args], cwd=state_dir,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode not in (0, 1):  # 1: "warning" (e.g. one replica on one device)
            raise ServiceFailed(f"swift-ring-builder {kind} {' '.join(args)} failed: {done.stdout.strip()}")


def specs(state_dir: Path, ports: dict[str, int], bin_dir: Path, repo_root: Path) -> list[ServiceSpec]:
    """The Swift servers in start order (the proxy last: when it answers, the group is up)."""
    result = []
    for kind in (*BACKENDS, "proxy"):
        name, port = f"swift-{kind}-server", ports[kind]
        base = f"http://127.0.0.1:{port}"
        result.append(ServiceSpec(
            name=name, argv=(str(bin_dir / name), str(state_dir / f"{kind}-server.conf")),
            env={"PYTHONPATH": str(repo_root), "TZ": "UTC+0"}, port=port,
            endpoint=f"{base}/auth/v1.0" if kind == "proxy" else "", health_url=f"{base}/healthcheck",
            log_file=state_dir / f"{name}.log", cwd=state_dir, stop_grace=5.0))
    return result
