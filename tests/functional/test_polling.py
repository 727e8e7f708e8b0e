"""The wait step's adaptive polling against the real Mistral and Heat: the retry takes each poll's
``next_poll`` (core/polling.py), survives failed polls, and costs what the schedule says.

Counts, not times: the number of the wait task's action executions (its polls) is bounded by
:func:`~tripleo_plan_actions.core.polling.polls` of the span Mistral recorded between the first and
the last poll (each real poll takes time, and each next poll comes at least ``next_poll`` seconds
after the last began, so never more).  The figures themselves are in benchmarks/polling.py.

These tests change the settings' ``poll`` section and stop Heat, so they run on an undercloud of
their own (started for this module).
"""
import datetime
import json
import time
from pathlib import Path

import pytest

from benchmarks.polling import rows, slow_inputs
from tests.functional.conftest import running
from tripleo_plan_actions.client import MistralClient
from tripleo_plan_actions.core import polling

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("polling"))


@pytest.fixture
def client(cloud):
    return MistralClient(cloud.endpoints["mistral"])


@pytest.fixture
def poll_settings(cloud):
    """Set the settings' ``poll`` section (the actions read the file on every run); restored after."""
    original = cloud.settings_file.read_text()

    def set_policy(**section):
        cloud.settings_file.write_text(json.dumps({**json.loads(original), "poll": section}))
        return polling.Policy(**section)

    yield set_policy
    cloud.settings_file.write_text(original)


def deploy(client, plan, seconds):
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    return client.start("tripleo_plan.deploy.deploy", slow_inputs(plan, seconds))["id"]


def assert_bounded_by_the_schedule(found, policy):
    assert found["wait"] <= polling.polls(found["wait_seconds"], policy), found
    assert found["next_polls"] == sorted(found["next_polls"]), found  # fast, then slow, never back
    assert set(found["next_polls"]) <= {policy.fast, policy.slow}, found


def test_a_short_operation_is_polled_every_second(client):
    execution = deploy(client, "poll-short", 6)
    assert client.wait(execution, timeout=600)["output"]["result"]["stack_status"] == "CREATE_COMPLETE"
    found = rows(client, execution)
    # the progress a client reads is as fresh as before: every poll in the first minute 1 s apart
    assert set(found["next_polls"]) == {1}, found
    assert_bounded_by_the_schedule(found, polling.DEFAULT)
    assert found["tasks"] == 4 and found["wait_errors"] == 0, found  # run; start, wait, finish


def test_a_long_operation_is_polled_slowly_after_its_first_seconds(client, poll_settings):
    # the schedule scaled down: 1 s for the first 5 s of the stack operation, then 5 s
    policy = poll_settings(fast=1, fast_for=5, slow=5)
    execution = deploy(client, "poll-long", 30)
    assert client.wait(execution, timeout=600)["output"]["result"]["stack_status"] == "CREATE_COMPLETE"
    found = rows(client, execution)
    assert found["next_polls"][0] == 1 and found["next_polls"][-1] == 5, found
    assert_bounded_by_the_schedule(found, policy)
    # one a second would be up to one poll per second of the span; the schedule allows 5 + span / 5
    assert found["wait_seconds"] >= 25 and polling.polls(found["wait_seconds"], policy) < found["wait_seconds"] * 0.6


def test_a_failed_poll_is_retried_after_a_second_and_the_wait_goes_on(cloud, client, poll_settings):
    """Heat goes away between two polls: the failed polls (error results, not mappings) are
    retried every second until Heat answers again; the wait then sees the stack done."""
    from heatclient import client as heat_client

    poll_settings(fast=1, fast_for=0, slow=30)  # one poll as the wait begins, the next 30 s later
    execution = deploy(client, "poll-outage", 6)
    heat = heat_client.Client("1", endpoint=cloud.endpoints["heat"], token="fake")
    deadline = time.monotonic() + 120
    while not wait_actions(client, execution):  # the first poll is in: the stack exists
        assert time.monotonic() < deadline, client.execution(execution)
        time.sleep(0.5)
    while heat.stacks.get("poll-outage").stack_status != "CREATE_COMPLETE":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    cloud.stop_service("heat")  # before the second poll: it fails
    try:
        while not any(a.state == "ERROR" for a in wait_actions(client, execution)):
            assert time.monotonic() < deadline, client.execution(execution)
            time.sleep(0.5)
    finally:
        cloud.start_service("heat")
    result = client.wait(execution, timeout=600)["output"]["result"]
    assert result["stack_status"] == "CREATE_COMPLETE"
    found = rows(client, execution)
    assert found["wait_errors"] >= 1 and found["wait"] == found["wait_errors"] + 2, found
    polls = wait_actions(client, execution)
    said = [json.loads(a.output)["result"] for a in polls if a.state == "ERROR"]
    assert all("a service could not be reached" in text or "Heat refused" in text for text in said), said
    gaps = [seconds(b.created_at) - seconds(a.created_at) for a, b in zip(polls[1:], polls[2:])]
    assert all(gap < 30 for gap in gaps), gaps  # after a failed poll: 1 s, not the slow 30


def wait_actions(client, execution):
    """The wait task's action executions, oldest first ([] before the wait task exists)."""
    mistral = client.client
    runs = [t for t in mistral.tasks.list(workflow_execution_id=execution) if t.type == "WORKFLOW"]
    subs = mistral.executions.list(task=runs[0].id) if runs else []
    waits = [t for t in mistral.tasks.list(workflow_execution_id=subs[0].id) if t.name == "wait"] if subs else []
    if not waits:
        return []
    return list(mistral.action_executions.list(waits[0].id, sort_keys="created_at", sort_dirs="asc",
                                               include_output="true"))


def seconds(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "").replace("T", " ")).timestamp()
