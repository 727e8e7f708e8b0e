"""Twelve deploys at once through stock Mistral with TWO executors, then twelve more with ONE (the
other stopped), then twelve with two again, same run, same undercloud: the production profile of
the local undercloud (its RabbitMQ vhost and MariaDB databases; needs both on 127.0.0.1).
Run: ``tox -e bench-executors``.

Prints the wall time of each batch, how many of the pack's actions each executor ran (from their
own logs), and one JSON line.  The reference is the trial recorded before the profile existed
(six deploys: 12.8-14.8 s with two executors, 12.4-17.2 s with one: the actions are short HTTP
calls and the wait step holds no executor thread, so a second executor buys little on one host;
what it buys is surviving the loss of one).  Never a test: times are only reported here.
"""
from __future__ import annotations

import concurrent.futures
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.functional.test_distribution import ran_actions  # noqa: E402
from tripleo_plan_actions.client import PlanClient  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

EXAMPLE = ROOT / "examples" / "small-overcloud"
EXECUTORS = ("mistral-executor-1", "mistral-executor-2")
DEPLOYS = 12


def batch(cloud: LocalUndercloud, client: PlanClient, label: str) -> dict:
    """Create then deploy DEPLOYS plans at once; the wall time of the deploys and who ran what."""
    plans = [f"{label}-{n:02d}" for n in range(DEPLOYS)]
    for plan in plans:
        client.create_plan(plan, templates_dir=str(EXAMPLE))
    marks = {name: cloud.log_file(name).stat().st_size for name in EXECUTORS}
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(DEPLOYS) as pool:
        results = list(pool.map(lambda plan: client.deploy(plan, [str(EXAMPLE / "environments" / "debug.yaml")]),
                                plans))
    seconds = round(time.monotonic() - started, 1)
    assert all(r["status"] == "succeeded" for r in results), results
    ran = {name: len(ran_actions(cloud.log_file(name), marks[name])) for name in EXECUTORS}
    return {"batch": label, "deploys": DEPLOYS, "seconds": seconds, "actions_per_executor": ran}


def main() -> int:
    with tempfile.TemporaryDirectory() as state, LocalUndercloud(Path(state), profile="production") as cloud:
        client = PlanClient.from_environment(environ=cloud.client_environment(), templates_dir=str(EXAMPLE),
                                             interval=0.5)
        # two, one, two again: the first batch also pays for cold caches (first renders, first
        # connections), so the last batch is the fair comparison with the one before it
        rows = [batch(cloud, client, "two")]
        cloud.stop_service(EXECUTORS[1])
        rows.append(batch(cloud, client, "one"))
        cloud.start_service(EXECUTORS[1])
        rows.append(batch(cloud, client, "two-again"))
    for row in rows:
        print(f"{row['deploys']} concurrent deploys, {row['batch']} executor(s): {row['seconds']:6.1f} s   "
              f"actions run: {row['actions_per_executor']}")
    print("reference (trial before the profile, 6 deploys): 12.8-14.8 s with two executors, 12.4-17.2 s with one")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
