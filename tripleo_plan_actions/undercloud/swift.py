"""Configuration of the local Swift: one process, one replica, tempauth, on-disk objects.

Runs in the orchestrator's interpreter (standard library only); the server itself is
:mod:`tripleo_plan_actions.undercloud.servers.swift_server`, run by the Swift virtual environment.
The proxy pipeline holds what the pack relies on: ``bulk`` (extract-archive, bulk-delete),
``versioned_writes`` with ``symlink`` (object versioning), ``slo``/``dlo`` and ``tempauth`` backed by
an in-process cache, plus the request counter in front of everything.
"""
from __future__ import annotations

import getpass
from pathlib import Path

from tripleo_plan_actions.undercloud.service import ServiceSpec

ACCOUNT = "test"
USER = "tester"
KEY = "testing"

_COMMON = """\
[DEFAULT]
bind_ip = 127.0.0.1
workers = 0
user = {user}
swift_dir = {state}
devices = {state}/devices
mount_check = false
disable_fallocate = true
fallocate_reserve = 0
log_level = WARNING
log_name = {name}
"""

#: The proxy's middleware, in order.
_PIPELINE = " ".join((
    "count catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth",
    "copy slo dlo versioned_writes symlink proxy-logging proxy-server"))

_PROXY = """\
[pipeline:main]
pipeline = {pipeline}

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
allow_object_versioning = true

[filter:count]
paste.filter_factory = tripleo_plan_actions.undercloud.counting:filter_factory
log = {state}/requests.log

[filter:cache]
paste.filter_factory = tripleo_plan_actions.undercloud.servers.swift_cache:cache_filter_factory

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk
max_containers_per_extraction = 10000
max_failed_extractions = 1000
max_deletes_per_request = 10000
yield_frequency = 10

[filter:tempurl]
use = egg:swift#tempurl

[filter:tempauth]
use = egg:swift#tempauth
user_{account}_{user} = {key} .admin
token_life = 604800

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true

[filter:symlink]
use = egg:swift#symlink
"""

_BACKEND = """\
[pipeline:main]
pipeline = {name}

[app:{name}]
use = egg:swift#{name}
"""

_SWIFT_CONF = """\
[swift-hash]
swift_hash_path_suffix = tripleo-plan-actions-local
swift_hash_path_prefix = tripleo-plan-actions-local

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
max_file_size = 5368709122
"""


def prepare(state_dir: Path, port: int, python: Path, repo_root: Path) -> ServiceSpec:
    """Write Swift's configuration into ``state_dir`` and say how to start it on ``port``.

    Objects live on disk under ``state_dir/devices`` and survive a restart; the rings are rebuilt
    by the server at every start for the backend ports it binds.
    """
    state = state_dir.resolve()
    (state / "devices" / "d1").mkdir(parents=True, exist_ok=True)
    (state / "swift.conf").write_text(_SWIFT_CONF)
    user = getpass.getuser()
    for name in ("proxy-server", "account-server", "container-server", "object-server"):
        body = _PROXY if name == "proxy-server" else _BACKEND.format(name=name.replace("-server", ""))
        common = _COMMON.format(user=user, state=state, name=name)
        text = common + "\n" + body.format(state=state, account=ACCOUNT, user=USER, key=KEY, pipeline=_PIPELINE)
        (state / f"{name}.conf").write_text(text)
    log_file = state / "swift.log"
    return ServiceSpec(
        name="swift",
        argv=(str(python), "-m", "tripleo_plan_actions.undercloud.servers.swift_server",
              "--state-dir", str(state), "--port", str(port)),
        env={"PYTHONPATH": str(repo_root)},
        port=port,
        endpoint=f"http://127.0.0.1:{port}/auth/v1.0",
        health_url=f"http://127.0.0.1:{port}/healthcheck",
        log_file=log_file,
        cwd=state,
    )
