"""Requests and wall time of each life-cycle operation on the example plan, counted at the servers.

Run: ``tox -e bench-ops``.  On a fresh local undercloud: plan create, deploy (with N environment
files), update (no files given: replayed), scale, upgrade, undeploy — each ONE Mistral execution.
Prints a table and one JSON line per operation: the client's requests to Mistral (execution-create
and reads), and the Swift and Heat requests made by the pack's actions (health polls excluded).
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

from tripleo_plan_actions.client import MistralClient  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

EXAMPLE = ROOT / "examples" / "small-overcloud"
# From shared notes (Rocky tripleoclient): per `overcloud deploy`, 9 Mistral executions,
# ~1,100-1,600 Swift calls, ~5 Heat calls + event polling; the -e list forgotten on every run.
BASELINE = "old client: 9 executions, ~1,100-1,600 Swift, ~5 Heat + polling"


def count(log, mark, agent_prefix=None):
    calls = [r for r in log.since(mark) if not r["agent"].startswith("Python-urllib")]
    if agent_prefix:
        calls = [r for r in calls if r["agent"].startswith(agent_prefix)]
    return calls


def main(env_files: int = 2) -> int:
    with tempfile.TemporaryDirectory() as state, LocalUndercloud(Path(state)) as cloud:
        client = MistralClient(cloud.endpoints["mistral"])
        logs = {name: cloud.request_log(name) for name in ("mistral", "swift", "heat")}
        rows = []

        def measure(operation, workflow, inputs):
            marks = {name: log.mark() for name, log in logs.items()}
            started = time.monotonic()
            client.run(workflow, inputs, timeout=1800)
            seconds = round(time.monotonic() - started, 2)
            mistral = count(logs["mistral"], marks["mistral"], "tripleo-plan-client")
            swift = [r for r in count(logs["swift"], marks["swift"]) if not r["path"].startswith("/auth")]
            heat = count(logs["heat"], marks["heat"])
            rows.append({
                "operation": operation, "env_files": env_files,
                "client": {"mistral_execution_create": sum(r["method"] == "POST" for r in mistral),
                           "mistral_reads": sum(r["method"] == "GET" for r in mistral), "swift": 0, "heat": 0},
                "server": {"swift": len(swift), "heat": len(heat),
                           "heat_writes": sum(r["method"] != "GET" for r in heat)},
                "seconds": seconds})

        environments = [{"path": f"/home/stack/env-{i}.yaml",
                         "content": f"parameter_defaults:\n  CloudName: env{i}.example.com\n"}
                        for i in range(env_files)]
        operate = "tripleo_plan.deploy.operate"
        measure("create", "tripleo_plan.plan.create", {"plan": "overcloud", "templates_dir": str(EXAMPLE)})
        measure("deploy", operate, {"plan": "overcloud", "operation": "deploy", "environments": environments})
        measure("update", operate, {"plan": "overcloud", "operation": "update"})
        measure("scale", operate, {"plan": "overcloud", "operation": "scale", "role_counts": {"Compute": 3}})
        with tempfile.TemporaryDirectory() as release:
            shutil.copytree(EXAMPLE, release, dirs_exist_ok=True)
            measure("upgrade", operate, {"plan": "overcloud", "operation": "upgrade", "templates_dir": release})
        measure("undeploy", operate, {"plan": "overcloud", "operation": "undeploy"})

        print(f"{'operation':10} {'exec-create':>11} {'reads':>6} {'swift':>6} {'heat':>5} "
              f"{'heat writes':>11} {'seconds':>8}   ({BASELINE})")
        for row in rows:
            print(f"{row['operation']:10} {row['client']['mistral_execution_create']:>11} "
                  f"{row['client']['mistral_reads']:>6} {row['server']['swift']:>6} {row['server']['heat']:>5} "
                  f"{row['server']['heat_writes']:>11} {row['seconds']:>8}")
        for row in rows:
            print(json.dumps(row, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2))
