"""LOAD plans created and deployed back to back on one local undercloud (the profile of
``$TRIPLEO_PLAN_PROFILE``): the wall time of each create and each deploy (one execution each,
started and waited for by the pack's MistralClient), printed for the first five and the last five
plans with their medians, and one JSON line.  Run: ``tox -e bench-load``.

The functional test (tests/functional/test_concurrency.py) asserts what does not depend on time:
every plan's create and deploy cost the same Swift and Heat requests.  Whether the TIME per
operation grows with the number of plans is only reported here, never asserted.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tripleo_plan_actions.client import MistralClient  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

EXAMPLE = ROOT / "examples" / "small-overcloud"
LOAD = 20


def timed(client: MistralClient, workflow: str, inputs: dict) -> float:
    started = time.monotonic()
    result = client.run(workflow, inputs, timeout=600)["output"]["result"]
    seconds = time.monotonic() - started
    assert result.get("status", "succeeded") == "succeeded", result
    return round(seconds, 2)


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as state, LocalUndercloud(Path(state)) as cloud:
        client = MistralClient(cloud.endpoints["mistral"])
        for n in range(LOAD):
            plan = f"load-{n:02d}"
            create = timed(client, "tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
            deploy = timed(client, "tripleo_plan.deploy.deploy", {"plan": plan})
            rows.append({"plan": plan, "create": create, "deploy": deploy})
            print(f"{plan}: create {create:6.2f} s  deploy {deploy:6.2f} s", flush=True)
        profile = cloud.profile_name
    summary: dict = {"profile": profile, "plans": LOAD}
    for label, part in (("first5", rows[:5]), ("last5", rows[-5:])):
        for operation in ("create", "deploy"):
            values = [row[operation] for row in part]
            summary[f"{label}_{operation}"] = values
            summary[f"{label}_{operation}_median"] = statistics.median(values)
            print(f"{label} {operation}: {values} (median {statistics.median(values):.2f} s)")
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
