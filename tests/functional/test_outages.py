"""Never half-written: a service dies during an operation, and the story still tells what happened.

These tests kill real service processes, so they run on an undercloud of their own (started for
this module) and leave the session's undercloud alone.
"""
import time
from pathlib import Path

import pytest

from tests.functional.conftest import running
from tripleo_plan_actions.client import MistralClient, OperationFailed
from tripleo_plan_actions.storage import lock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
SLOW_ENV = {"path": "/home/stack/slow.yaml",
            "content": "resource_registry:\n  OS::TripleO::PostDeploy: slow-post.yaml\n"}
SLOW_FILES = {"/home/stack/slow-post.yaml": (
    "heat_template_version: wallaby\nresources:\n  Slow:\n    type: OS::Heat::TestResource\n"
    "    properties: {value: slow, action_wait_secs: {create: 6, update: 6}}\n")}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("outages"))


@pytest.fixture
def client(cloud):
    return MistralClient(cloud.endpoints["mistral"])


def run(client, workflow, plan, **inputs):
    return client.run(workflow, {"plan": plan, **inputs}, timeout=600)["output"]["result"]


def wait_for_step(client, execution, step, timeout=120):
    deadline = time.monotonic() + timeout
    while (client.step(execution) or {}).get("name") != step:
        assert time.monotonic() < deadline, client.execution(execution)
        time.sleep(0.2)


def deploying(client, plan):
    """Create ``plan`` and start a deploy that takes a few seconds; return once Heat works on it."""
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    execution = client.start("tripleo_plan.deploy.deploy", {"plan": plan, "environments": [SLOW_ENV],
                                       "user_files": SLOW_FILES})["id"]
    wait_for_step(client, execution, "wait")
    return execution


def test_swift_dies_while_heat_works(cloud, client):
    """Swift is gone when the operation ends: the execution fails saying so; the history then shows
    the revision interrupted (not a silent gap), and the next deploy records that and succeeds."""
    plan = "swiftless"
    execution = deploying(client, plan)
    cloud.kill_service("swift")
    try:
        with pytest.raises(OperationFailed, match="a service could not be reached: .*127.0.0.1"):
            client.wait(execution, timeout=300)
    finally:
        cloud.start_service("swift")
    assert client.environment(lock.name(plan)) is None  # the lock went with the execution

    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["operation"], r["status"]) for r in listed] == [
        (2, "deploy", "interrupted"), (1, "create", "succeeded")]
    assert f"execution {execution} ended ERROR while the operation was pending" in listed[0]["message"]
    status = run(client, "tripleo_plan.history.status", plan)
    assert status["state"] == "idle" and status["last"]["status"] == "interrupted"

    # The stack exists (Heat finished it) but no deploy ever succeeded: deploy again updates it.
    again = run(client, "tripleo_plan.deploy.deploy", plan)
    assert again["revision"] == 3 and again["stack_status"] == "UPDATE_COMPLETE"
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["status"]) for r in listed] == [(3, "succeeded"), (2, "interrupted"),
                                                             (1, "succeeded")]
    stored = run(client, "tripleo_plan.history.show", plan, revision=2)  # now closed in storage too
    assert stored["status"] == "interrupted" and stored["finished_at"]


def test_heat_down_when_an_operation_starts_writes_nothing(cloud, client):
    plan = "heatless"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    cloud.stop_service("heat")
    try:
        with pytest.raises(OperationFailed, match="a service could not be reached: .*127.0.0.1"):
            run(client, "tripleo_plan.deploy.deploy", plan)
    finally:
        cloud.start_service("heat")
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["operation"]) for r in listed] == [(1, "create")]  # no trace of a half start
    assert client.environment(lock.name(plan)) is None
    assert run(client, "tripleo_plan.deploy.deploy", plan)["stack_status"] == "CREATE_COMPLETE"


def test_mistral_restarted_while_heat_works(cloud, client):
    """Mistral is killed mid-operation and started again.  Which of two things happens depends on
    the instant of the kill, and both must leave a true story:

    * between two stack polls (most of the time): the next poll is a job in Mistral's database, so
      the restarted Mistral carries the execution on to the end: the revision succeeds;
    * during a poll: the local executor lost that running action and Mistral does not fail it by
      itself (not before its one-hour first-heartbeat timeout), so the execution stays RUNNING: the
      status says so, naming it; a second operation is refused naming it; the operator cancels it;
      the story then shows the revision interrupted and the next deploy goes ahead.
    """
    plan = "restarted"
    execution = deploying(client, plan)
    cloud.kill_service("mistral")
    cloud.start_service("mistral")
    deadline = time.monotonic() + 30  # the stack needs 6 s
    while client.execution_state(execution) == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.5)
    state = client.execution_state(execution)
    assert state in ("SUCCESS", "RUNNING"), client.execution(execution)
    if state == "SUCCESS":
        listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
        assert [(r["number"], r["status"], r["stack_status"]) for r in listed] == [
            (2, "succeeded", "CREATE_COMPLETE"), (1, "succeeded", None)]
        assert client.environment(lock.name(plan)) is None
        return
    status = run(client, "tripleo_plan.history.status", plan)
    assert status["state"] == "running" and status["running"]["execution"] == execution
    with pytest.raises(OperationFailed, match=f"plan {plan} is busy: deploy running in Mistral execution {execution}"):
        run(client, "tripleo_plan.deploy.deploy", plan)
    client.cancel(execution)
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert (listed[0]["number"], listed[0]["status"]) == (2, "interrupted")
    assert f"execution {execution} ended CANCELLED" in listed[0]["message"]
    again = run(client, "tripleo_plan.deploy.deploy", plan)
    assert again["revision"] == 3 and again["stack_status"] == "UPDATE_COMPLETE"
