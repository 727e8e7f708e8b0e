"""The thin client's requests, counted at the servers: create → deploy → update → upgrade → scale
with 1, 5 and 20 environment files on examples/small-overcloud.  Run: ``tox -e bench``.

Each operation goes through :class:`~tripleo_plan_actions.client.PlanClient` (what ``tripleo-plan``
runs).  The servers' request logs (undercloud/counting.py) tell the client (user agent
``tripleo-plan-client``) from the pack's actions inside Mistral; the supervisor's health checks
(``Python-urllib``) and Swift authentication (``/auth``: Keystone's work on a real undercloud)
are left out.  ``server.heat`` includes the wait step's status polls (2 GETs per second of Heat
work: time-dependent), so it is also shown split into writes and reads in the table.

Prints a table beside the old client's figures (shared notes, Rocky tripleoclient) and one JSON
line per operation.  Never a test: times are only reported here.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.env_files import write_env_files  # noqa: E402
from tripleo_plan_actions.client import CLIENT_AGENT, PlanClient  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

EXAMPLE = ROOT / "examples" / "small-overcloud"
COUNTS = (1, 5, 20)
#: The old client (python-tripleoclient, Rocky) per `openstack overcloud deploy` of an existing
#: plan with -e files: 9 Mistral executions, Swift ~N_old + R' + U + 15 calls (~1,100-1,600 on THT),
#: ~5 Heat calls + event polling; the -e list lost every time (see the project's shared notes).
OLD = {"executions": "9", "swift": "~1,100-1,600", "heat": "~5 + polling"}


def _count(log, mark, client: bool) -> list[dict]:
    found = [r for r in log.since(mark) if not r["agent"].startswith("Python-urllib")]
    return [r for r in found if (r["agent"] == CLIENT_AGENT) == client and not r["path"].startswith("/auth")]


def measure(cloud: LocalUndercloud, env_files: int, work: Path) -> list[dict]:
    client = PlanClient.from_environment(environ=cloud.client_environment(), templates_dir=str(EXAMPLE),
                                         interval=0.5)
    logs = {name: cloud.request_log(name) for name in ("mistral", "swift", "heat")}
    plan = f"bench-{env_files}"
    paths = write_env_files(work / f"operator-{env_files}", env_files, EXAMPLE)
    release = work / f"release-{env_files}"
    shutil.copytree(EXAMPLE, release)
    rows = []
    steps = [("create", client.create_plan, (plan,), {"templates": str(EXAMPLE)}),
             ("deploy", client.deploy, (plan, paths), {}),
             ("update", client.update, (plan,), {}),
             ("upgrade", client.upgrade, (plan, str(release)), {}),
             ("scale", client.scale, (plan, {"Compute": 2}), {})]
    for operation, call, args, kwargs in steps:
        marks = {name: log.mark() for name, log in logs.items()}
        started = time.monotonic()
        call(*args, **kwargs)
        seconds = round(time.monotonic() - started, 2)
        mistral = _count(logs["mistral"], marks["mistral"], client=True)
        server_heat = _count(logs["heat"], marks["heat"], client=False)
        rows.append({
            "operation": operation, "env_files": env_files,
            "client": {"mistral_execution_create": sum(r["method"] == "POST" for r in mistral),
                       "mistral_reads": sum(r["method"] == "GET" for r in mistral),
                       "swift": len(_count(logs["swift"], marks["swift"], client=True)),
                       "heat": len(_count(logs["heat"], marks["heat"], client=True))},
            "server": {"swift": len(_count(logs["swift"], marks["swift"], client=False)),
                       "heat": len(server_heat)},
            "seconds": seconds,
            "_heat_writes": sum(r["method"] != "GET" for r in server_heat)})
    return rows


def table(rows: list[dict]) -> str:
    header = (f"{'operation':9} {'-e':>3} | {'exec-create':>11} {'reads':>5} {'swift':>5} {'heat':>4} | "
              f"{'swift':>5} {'heat (writes+reads)':>19} | {'seconds':>7}")
    lines = [f"{'':13} | {'client':^29} | {'server-side actions':^27} |", header, "-" * len(header)]
    for row in rows:
        c, s = row["client"], row["server"]
        heat = f"{s['heat']} ({row['_heat_writes']}+{s['heat'] - row['_heat_writes']})"
        lines.append(f"{row['operation']:9} {row['env_files']:>3} | {c['mistral_execution_create']:>11} "
                     f"{c['mistral_reads']:>5} {c['swift']:>5} {c['heat']:>4} | {s['swift']:>5} {heat:>19} | "
                     f"{row['seconds']:>7}")
    lines.append(f"old client, one deploy: {OLD['executions']} executions, Swift {OLD['swift']}, "
                 f"Heat {OLD['heat']} (and the -e list forgotten on every run)")
    return "\n".join(lines)


def main(counts: tuple[int, ...] = COUNTS) -> int:
    with tempfile.TemporaryDirectory() as state, tempfile.TemporaryDirectory() as work, \
            LocalUndercloud(Path(state)) as cloud:
        rows = []
        for env_files in counts:
            rows += measure(cloud, env_files, Path(work))
    print(table(rows))
    for row in rows:
        print(json.dumps({k: v for k, v in row.items() if not k.startswith("_")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(tuple(int(a) for a in sys.argv[1:]) or COUNTS))
