"""The local Swift: proxy, account, container and object servers in ONE process.

Run by the Swift virtual environment: ``python -m tripleo_plan_actions.undercloud.servers.swift_server
--state-dir DIR --port PORT``.  The configuration files are written by
:mod:`tripleo_plan_actions.undercloud.swift`.  At every start the backends bind fresh loopback ports,
the one-replica rings are rebuilt for them, and the proxy listens on ``PORT``.  Sockets are created
without SO_REUSEPORT, so a second server on a busy port fails instead of sharing it.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys

import eventlet
import eventlet.wsgi

eventlet.patcher.monkey_patch(all=False, socket=True, select=True, thread=True)

from swift.common import storage_policy, utils as swift_utils, wsgi as swift_wsgi  # noqa: E402
from swift.common.ring import RingBuilder  # noqa: E402


def _listen(port: int) -> socket.socket:
    return eventlet.listen(("127.0.0.1", port), backlog=128)


def _build_rings(state_dir: str, ports: dict[str, int]) -> None:
    for name, port in ports.items():
        builder = RingBuilder(4, 1, 0)
        builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
                         "device": "d1", "weight": 100, "meta": ""})
        builder.rebalance()
        builder.get_ring().save(os.path.join(state_dir, f"{name}.ring.gz"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    state = os.path.abspath(args.state_dir)
    os.environ["TZ"] = "UTC+0"
    swift_utils.SWIFT_CONF_FILE = os.path.join(state, "swift.conf")
    storage_policy.reload_storage_policies()

    proxy_sock = _listen(args.port)
    backend_socks = {name: _listen(0) for name in ("account", "container", "object")}
    _build_rings(state, {n: s.getsockname()[1] for n, s in backend_socks.items()})

    pool = eventlet.GreenPool()
    kwargs = {"log": swift_wsgi.NullLogger(), "protocol": swift_wsgi.SwiftHttpProtocol,
              "capitalize_response_headers": False, "socket_timeout": 60}
    for name, sock in backend_socks.items():
        app = swift_wsgi.loadapp(os.path.join(state, f"{name}-server.conf"))
        pool.spawn(eventlet.wsgi.server, sock, app, **kwargs)
    proxy = swift_wsgi.loadapp(os.path.join(state, "proxy-server.conf"))
    pool.spawn(eventlet.wsgi.server, proxy_sock, proxy, **kwargs)

    def stop(signum, frame):
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"swift: proxy on 127.0.0.1:{args.port}", flush=True)
    pool.waitall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
