"""An executor lost mid-operation costs the operator nothing (production profile only: stock
Mistral with an engine and TWO executors over RabbitMQ; collected only there, see conftest.py).

For each step of the shared sub-workflow, the executor running it is killed, process group and
all, as a lost host would be, at the worst moment: its work done, its result not yet returned
(held there by :mod:`tripleo_plan_actions.pauses`).  Mistral notices the missing
heartbeats, the step runs again on the other executor, and the operation ends SUCCESS with
exactly one revision, one Heat update and the right outcome in history.
"""
import os
import re
import threading
import time
import uuid
from pathlib import Path

import pytest

from tripleo_plan_actions.client.api import PlanClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
EXECUTORS = ("mistral-executor-1", "mistral-executor-2")


@pytest.fixture(scope="module")
def plan_client(undercloud):
    return PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE),
                                       interval=0.2)


def held(pause_dir: Path, action: str, timeout: float = 120.0) -> int:
    """The pid of the executor process that holds ``action`` (it claimed the pause file, which stays:
    the executor holds until it is killed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in os.listdir(pause_dir):
            found = re.fullmatch(re.escape(action) + r"\.held\.(\d+)", name)
            if found:
                return int(found.group(1))
        time.sleep(0.05)
    raise AssertionError(f"no executor ran {action} within {timeout} s")


def executor_of(undercloud, pid: int) -> str:
    group = os.getpgid(pid)
    return next(name for name in EXECUTORS if undercloud.processes()[name].pid == group)


def in_background(call, *args, **kwargs):
    outcome = {}

    def run():
        try:
            outcome["result"] = call(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("action", ["tripleo_plan.deploy.start", "tripleo_plan.deploy.stack_status",
                                    "tripleo_plan.deploy.finish"])
def test_an_executor_lost_in_a_step_costs_the_operator_nothing(undercloud, plan_client, mistral, heat, action):
    plan = f"lost-{action.rsplit('.', 1)[1].replace('_', '-')}-{uuid.uuid4().hex[:6]}"  # the tests may be repeated
    plan_client.create_plan(plan, templates_dir=str(EXAMPLE))
    plan_client.deploy(plan, [str(EXAMPLE / "environments" / "debug.yaml")])
    heat_log = undercloud.request_log("heat")
    mark = heat_log.mark()
    (undercloud.pause_dir / action).touch()
    started = []
    thread, outcome = in_background(plan_client.update, plan, parameters={"CloudName": "lost.example.com"},
                                    on_start=started.append)
    lost = executor_of(undercloud, held(undercloud.pause_dir, action))
    undercloud.kill_service(lost)
    try:
        thread.join(300)
        assert not thread.is_alive() and "error" not in outcome, outcome
        result = outcome["result"]
        assert result["status"] == "succeeded" and result["outputs"]["CloudName"] == "lost.example.com"
        # exactly one revision for the update, succeeded, and one Heat update call
        history = [(r["number"], r["operation"], r["status"]) for r in plan_client.history(plan)]
        assert sorted(history) == [(1, "create", "succeeded"), (2, "deploy", "succeeded"),
                                   (3, "update", "succeeded")], history
        updates = [r for r in heat_log.since(mark) if r["method"] == "PUT" and r["path"].startswith("/v1/")]
        assert len(updates) == 1, updates
        # the step ran twice: lost with its executor, then again on the other one
        runs = step_runs(mistral, started[0], action)
        lost_run = mistral.action_executions.get(runs[0].id)
        assert lost_run.state == "ERROR" and "Heartbeat wasn't received" in lost_run.output
        assert runs[-1].state == "SUCCESS"
        survivor = next(name for name in EXECUTORS if name != lost)
        assert runs[-1].id in undercloud.log_file(survivor).read_text()
    finally:
        undercloud.start_service(lost)


def step_runs(mistral, execution_id: str, action: str) -> list:
    """The action executions of ``action`` in the shared sub-workflow of ``execution_id``, oldest first."""
    [run_task] = mistral.tasks.list(workflow_execution_id=execution_id)
    [sub] = mistral.executions.list(task=run_task.id)
    found = sorted((a for task in mistral.tasks.list(workflow_execution_id=sub.id)
                    for a in mistral.action_executions.list(task_execution_id=task.id) if a.name == action),
                   key=lambda a: a.created_at)
    if action.endswith("stack_status"):  # polled again and again: the lost poll and the one after it
        lost = next(i for i, a in enumerate(found) if a.state == "ERROR")
        found = found[lost:lost + 2]
    return found
