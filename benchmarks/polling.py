"""What the wait step writes into Mistral's database, per operation: task executions and action
executions (one per status poll), before and after the adaptive schedule (core/polling.py).
Run: ``tox -e bench-polling`` (``-- 6`` for the slow resource alone, ``--after`` without the
before run).

On a fresh local undercloud, deploys of examples/small-overcloud whose post-deploy step is ONE
``OS::Heat::TestResource`` that takes ``S`` seconds (6 s: the tests' slow resource; 150 s: a long
wait), each twice: BEFORE (the wait task as it was: ``delay: 1``) and AFTER (the workbook as it
is: the poll's ``next_poll``).  Counted from Mistral's own records (its API): the task executions
of the execution and of its sub-workflow, every action execution, the wait task's, and the wait
task's action executions in each minute after its first poll.

Prints a table and one JSON line per run.  Never a test: times are only reported here
(tests/functional/test_polling.py bounds the counts).
"""
from __future__ import annotations

import collections
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tripleo_plan_actions.client import MistralClient  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

EXAMPLE = ROOT / "examples" / "small-overcloud"
WORKBOOK = ROOT / "workbooks" / "tripleo_plan.deploy.yaml"
WAITS = (6, 150)
#: The wait task's retry before the adaptive schedule (what BEFORE runs).
BEFORE_RETRY = ("          delay: 1\n          count: <% $.started.timeout * 60 %>\n"
                "          continue-on: <% not task().result.done %>\n")


def slow_inputs(plan: str, seconds: int) -> dict[str, Any]:
    """A deploy of ``plan`` whose post-deploy step takes ``seconds`` (a TestResource)."""
    template = ("heat_template_version: wallaby\nresources:\n  Slow:\n    type: OS::Heat::TestResource\n"
                f"    properties: {{value: slow, action_wait_secs: {{create: {seconds}, update: {seconds}}}}}\n")
    return {"plan": plan, "environments": [{"path": "/home/stack/slow.yaml", "content":
                                            "resource_registry:\n  OS::TripleO::PostDeploy: slow-post.yaml\n"}],
            "user_files": {"/home/stack/slow-post.yaml": template}}


def before_workbook(text: str) -> str:
    """The deploy workbook with its wait task's retry as it was before the schedule."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("          delay: <%"))
    end = next(i for i, line in enumerate(lines) if line.startswith("          continue-on:") and i > start)
    return "".join(lines[:start]) + BEFORE_RETRY + "".join(lines[end + 1:])


def _time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "").replace("T", " "))


def rows(api: MistralClient, execution_id: str) -> dict[str, Any]:
    """What one operation's execution wrote, from Mistral's records: ``tasks`` (task executions,
    the sub-workflow's included), ``actions`` (every action execution), ``wait`` (the wait task's
    action executions: its polls), ``wait_errors`` (failed polls), ``next_polls`` (each poll's
    ``next_poll``), ``wait_seconds`` (first to last poll) and ``per_minute`` (polls in each minute
    from the first)."""
    client = api.client
    tasks = [t.to_dict() for t in client.tasks.list(workflow_execution_id=execution_id)]
    for run in [t for t in tasks if t.get("type") == "WORKFLOW"]:
        for sub in client.executions.list(task=run["id"]):
            tasks += [t.to_dict() for t in client.tasks.list(workflow_execution_id=sub.id)]
    actions = {t["id"]: [a.to_dict() for a in client.action_executions.list(
        t["id"], limit=1000, sort_keys="created_at", sort_dirs="asc", include_output="true")]
        for t in tasks if t.get("type") != "WORKFLOW"}
    wait = next(actions[t["id"]] for t in tasks if t["name"] == "wait")
    times = [_time(a["created_at"]) for a in wait]
    minutes = collections.Counter(int((at - times[0]).total_seconds() // 60) for at in times)
    outputs = [json.loads(a["output"]) if isinstance(a.get("output"), str) and a["output"] else a.get("output")
               for a in wait]
    results = [o.get("result") if isinstance(o, dict) else None for o in outputs]
    return {"tasks": len(tasks), "actions": sum(len(found) for found in actions.values()), "wait": len(wait),
            "wait_errors": sum(a["state"] == "ERROR" for a in wait),
            "next_polls": [r.get("next_poll") for r in results if isinstance(r, dict)],
            "wait_seconds": round((times[-1] - times[0]).total_seconds(), 1),
            "per_minute": [minutes.get(m, 0) for m in range(max(minutes) + 1)]}


def measure(cloud: LocalUndercloud, api: MistralClient, seconds: int, variant: str) -> dict[str, Any]:
    text = WORKBOOK.read_text()
    api.update_workbook(before_workbook(text) if variant == "before" else text)
    plan = f"poll-{variant}-{seconds}"
    api.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)}, timeout=600)
    started = time.monotonic()
    execution = api.start("tripleo_plan.deploy.deploy", slow_inputs(plan, seconds))["id"]
    api.wait(execution, timeout=3600, interval=1.0)
    found = rows(api, execution)
    return {"variant": variant, "resource_seconds": seconds, "seconds": round(time.monotonic() - started, 1),
            **{k: v for k, v in found.items() if k != "next_polls"},
            "next_poll": sorted(set(found["next_polls"]))}


def after_first_minute(row: dict[str, Any]) -> str:
    later = row["per_minute"][1:]
    return f"{max(later)}/min" if later else "-"


def table(results: list[dict[str, Any]]) -> str:
    header = (f"{'wait':>6} {'variant':7} | {'tasks':>5} {'actions':>7} {'polls':>5} {'errors':>6} | "
              f"{'polls per minute':24} {'after 1st':>9} | {'seconds':>7}")
    lines = [header, "-" * len(header)]
    for row in results:
        minutes = " ".join(str(n) for n in row["per_minute"])
        lines.append(f"{row['resource_seconds']:>5}s {row['variant']:7} | {row['tasks']:>5} {row['actions']:>7} "
                     f"{row['wait']:>5} {row['wait_errors']:>6} | {minutes:24} {after_first_minute(row):>9} | "
                     f"{row['seconds']:>7}")
    lines.append("before: one poll a second (delay: 1); after: every 1 s for the first minute, then every 10 s")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    variants = ["after"] if "--after" in argv else ["before", "after"]
    waits = tuple(int(a) for a in argv if not a.startswith("--")) or WAITS
    with tempfile.TemporaryDirectory() as state, LocalUndercloud(Path(state)) as cloud:
        api = MistralClient(cloud.endpoints["mistral"])
        results = [measure(cloud, api, seconds, variant) for seconds in waits for variant in variants]
        api.update_workbook(WORKBOOK.read_text())
    print(table(results))
    for row in results:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
