"""Never half-written: a service dies during an operation, and the story still tells what happened.

These tests kill real service processes, so they run on an undercloud of their own (started for
this module) and leave the session's undercloud alone.

The fault matrix (issue #15): each of plan create, amend, deploy and update, with each of Swift,
Heat and Mistral killed (SIGKILL) in its middle -- create and amend held between writing the plan's
files and its archive (the commit point; :mod:`tripleo_plan_actions.pauses`), deploy and update
while Heat works on the stack.  Afterwards the commit point is the old plan or the new one, the
history and the lock tell what happened, and the same operation succeeds once the service is back,
leaving both containers whole: every plan object equal (name and MD5 ETag) to the plan archive.
"""
import hashlib
import io
import os
import tarfile
import time
from pathlib import Path

import pytest

from tests.functional.conftest import running
from tripleo_plan_actions import pauses
from tripleo_plan_actions.client import MistralClient, OperationFailed
from tripleo_plan_actions.core.history import FINAL_STATES
from tripleo_plan_actions.services import connections
from tripleo_plan_actions.storage import lock, swift as swift_store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
SLOW_ENV = {"path": "/home/stack/slow.yaml",
            "content": "resource_registry:\n  OS::TripleO::PostDeploy: slow-post.yaml\n"}


def slow_files(value="slow"):
    """A nested template whose one resource takes 6 s to create or (``value`` changed) to update."""
    return {"/home/stack/slow-post.yaml": (
        "heat_template_version: wallaby\nresources:\n  Slow:\n    type: OS::Heat::TestResource\n"
        f"    properties: {{value: {value}, action_wait_secs: {{create: 6, update: 6}}}}\n")}


SLOW_FILES = slow_files()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("outages"))


@pytest.fixture
def client(cloud):
    return MistralClient(cloud.endpoints["mistral"])


@pytest.fixture
def swift(cloud):
    return connections.for_settings(str(cloud.settings_file)).swift()


def run(client, workflow, plan, **inputs):
    return client.run(workflow, {"plan": plan, **inputs}, timeout=600)["output"]["result"]


def wait_for_step(client, execution, step, timeout=120):
    deadline = time.monotonic() + timeout
    while (client.step(execution) or {}).get("name") != step:
        assert time.monotonic() < deadline, client.execution(execution)
        time.sleep(0.2)


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


# -- the fault matrix -----------------------------------------------------------------------------

OPERATIONS = {  # the workflow and its inputs; the same inputs again are the operation's retry
    "create": ("tripleo_plan.plan.create", {"templates_dir": str(EXAMPLE)}),
    # a new file and new roles data: the plan is rendered again (many files written)
    "amend": ("tripleo_plan.plan.amend", {"files": {
        "environments/fault.yaml": "parameter_defaults: {}\n",
        "roles_data.yaml": (EXAMPLE / "roles_data.yaml").read_text() + "- name: Extra\n  CountDefault: 0\n"}}),
    "deploy": ("tripleo_plan.deploy.deploy", {"environments": [SLOW_ENV], "user_files": SLOW_FILES}),
    "update": ("tripleo_plan.deploy.update", {"environments": [SLOW_ENV], "user_files": slow_files("faster")}),
}


def objects(swift, container):
    """``{name: MD5 ETag}`` of ``container``'s objects; None when it does not exist."""
    from swiftclient.exceptions import ClientException

    try:
        return {o["name"]: o["hash"] for o in swift.get_container(container, full_listing=True)[1]}
    except ClientException as error:
        assert error.http_status == 404, error
        return None


def stored(swift, plan):
    """Both containers of ``plan`` as listings with ETags, and the plan archive's members' MD5s."""
    records = objects(swift, swift_store.side(plan))
    archive = None
    if records and swift_store.BUNDLE in records:
        data = swift.get_object(swift_store.side(plan), swift_store.BUNDLE)[1]
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            archive = {m.name: hashlib.md5(tar.extractfile(m).read()).hexdigest() for m in tar if m.isfile()}
    return {"plan": objects(swift, plan), "records": records, "archive": archive}


def assert_whole(found):
    """The plan exists and every object of its container is its archive's member (name and MD5)."""
    assert found["archive"] is not None and found["plan"] == found["archive"], found


def commit_point(found):
    return (found["records"] or {}).get(swift_store.BUNDLE)


def ready(client, operation, plan):
    """What ``operation`` needs before it can run: a plan (amend, deploy), a deployed plan (update)."""
    if operation != "create":
        client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    if operation == "update":
        workflow, inputs = OPERATIONS["deploy"]
        assert run(client, workflow, plan, **inputs)["stack_status"] == "CREATE_COMPLETE"


def to_the_middle(cloud, client, operation, plan):
    """Start ``operation`` and return its execution once it is in its middle (see the module doc)."""
    workflow, inputs = OPERATIONS[operation]
    if operation in ("create", "amend"):
        (cloud.pause_dir / pauses.COMMIT).touch()
    execution = client.start(workflow, {"plan": plan, **inputs})["id"]
    if operation in ("create", "amend"):
        held_at_commit(cloud, client, execution)
    else:
        wait_for_step(client, execution, "wait")
    return execution


def held_at_commit(cloud, client, execution, timeout=120):
    deadline = time.monotonic() + timeout
    while not any(n.startswith(pauses.COMMIT + ".held.") for n in os.listdir(cloud.pause_dir)):
        assert time.monotonic() < deadline and client.execution_state(execution) == "RUNNING", \
            client.execution(execution)
        time.sleep(0.05)


def let_go(cloud):
    """Let a held action go on (after its service was killed), or forget the hold of a dead one."""
    for name in os.listdir(cloud.pause_dir):
        if name.startswith(pauses.COMMIT):
            os.unlink(cloud.pause_dir / name)


def settle(client, execution, seconds=10):
    """The execution's end state; one still RUNNING after ``seconds`` is cancelled, the documented
    remedy: after Mistral was killed it lost its action (not failed before its heartbeat timeout);
    after Heat was killed the stack stays IN_PROGRESS (no engine takes it over) and the wait step
    would poll it until the operation's timeout."""
    deadline = time.monotonic() + seconds
    while client.execution_state(execution) == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.25)
    if client.execution_state(execution) == "RUNNING":
        client.cancel(execution)
        return "CANCELLED"
    return client.execution_state(execution)


def assert_the_story(client, operation, plan, execution, state):
    """History and lock after an operation that did not succeed: the lock released or stale; the
    operation's revision shown interrupted (its execution's end named) or failed; none for a create."""
    holder = client.environment(lock.name(plan))
    assert holder is None or client.execution_state(holder["variables"]["execution"]) in FINAL_STATES
    if operation == "create":
        with pytest.raises(OperationFailed, match=f"plan {plan} does not exist"):
            run(client, "tripleo_plan.plan.show", plan)
        return
    status = run(client, "tripleo_plan.history.status", plan)
    assert status["state"] == "idle", status
    newest = run(client, "tripleo_plan.history.list", plan)["revisions"][0]
    assert newest["operation"] == operation and newest["status"] in ("interrupted", "failed"), newest
    if newest["status"] == "interrupted":
        assert f"execution {execution} ended {state}" in newest["message"], newest


# The whole matrix, on the embedded profile only (tests/functional/conftest.py, EMBEDDED_ONLY).
MATRIX = [(operation, service) for operation in OPERATIONS for service in ("swift", "heat", "mistral")]


@pytest.mark.parametrize("operation, service", MATRIX, ids=[f"{o}-{s}" for o, s in MATRIX])
def test_a_service_killed_in_the_middle_of_an_operation(cloud, client, swift, operation, service):
    plan = f"fault-{operation}-{service}"
    ready(client, operation, plan)
    before = stored(swift, plan)
    execution = to_the_middle(cloud, client, operation, plan)
    cloud.kill_service(service)
    let_go(cloud)
    if service == "swift":  # Swift stays down until the operation has met its absence
        state = settle(client, execution, seconds=120)
        cloud.start_service(service)
    else:
        cloud.start_service(service)
        state = settle(client, execution)
    after = stored(swift, plan)
    workflow, inputs = OPERATIONS[operation]
    print(f"\nfault {operation} x {service}: execution {state}; commit point "
          f"{'kept' if commit_point(after) == commit_point(before) else 'new'}; plan objects "
          f"{'equal to' if after['plan'] == after['archive'] else 'not yet equal to'} the archive")
    if state == "SUCCESS":
        assert_whole(after)
        assert commit_point(after) != commit_point(before) or operation == "update"
        newest = run(client, "tripleo_plan.history.list", plan)["revisions"][0]
        assert (newest["operation"], newest["status"]) == (operation, "succeeded"), newest
    else:
        assert commit_point(after) == commit_point(before), (before, after)  # the plan read is the old one
        assert_the_story(client, operation, plan, execution, state)
        result = run(client, workflow, plan, **inputs)  # the same operation, once the service is back
        assert result["plan"] == plan
        assert_whole(stored(swift, plan))
        if operation != "create" and after["plan"] != after["archive"]:  # half-written: repaired first
            closed = run(client, "tripleo_plan.history.list", plan)["revisions"][1]
            assert closed["status"] == "interrupted" and "plan file(s) it had half-written" in closed["message"]
    if operation in ("deploy", "update"):
        assert run(client, "tripleo_plan.history.status", plan)["last"]["stack_status"].endswith("_COMPLETE")
