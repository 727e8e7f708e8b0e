"""The chain end to end: an execution in the real Mistral runs the pack's actions, which talk to the
real Swift and Heat; success and failure both come back through Mistral."""
import json
import os
import subprocess
import sys
import time

import pytest

from tripleo_plan_actions.client import MistralClient, OperationFailed

WORKFLOW = "tripleo_plan.selftest.check"

FAILING_TEMPLATE = {
    "heat_template_version": "wallaby",
    "resources": {
        "fine": {"type": "OS::Heat::Value", "properties": {"value": "ok"}},
        "broken": {"type": "OS::Heat::TestResource",
                   "properties": {"fail": True, "value": "boom"}, "depends_on": ["fine"]},
    },
}


def wait(mistral, execution_id, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        execution = mistral.executions.get(execution_id)
        if execution.state in ("SUCCESS", "ERROR", "CANCELLED"):
            return execution
        assert time.monotonic() < deadline, f"execution still {execution.state}"
        time.sleep(0.2)


def test_execution_runs_pack_actions_against_swift_and_heat(undercloud, mistral, heat):
    swift_log, heat_log = undercloud.request_log("swift"), undercloud.request_log("heat")
    swift_mark, heat_mark = swift_log.mark(), heat_log.mark()

    created = mistral.executions.create(WORKFLOW, workflow_input={"stack_name": "selftest-ok"})
    execution = wait(mistral, created.id)

    assert execution.state == "SUCCESS", execution.state_info
    output = json.loads(execution.output)
    assert output["swift"]["bytes"] == 1024
    assert output["heat"] == {**output["heat"], "stack": "selftest-ok", "status": "CREATE_COMPLETE",
                              "outputs": {"greeting": "length 16"}}
    # The stack really existed in Heat and was deleted afterwards.
    assert [s.stack_name for s in heat.stacks.list(show_deleted=True) if s.stack_name == "selftest-ok"]
    assert not [s for s in heat.stacks.list() if s.stack_name == "selftest-ok"]

    # Counted at the servers: the actions' writes are exactly these (reads of stack status poll).
    swift_calls = [(r["method"], r["path"].split("/", 4)[-1]) for r in swift_log.since(swift_mark)
                   if not r["path"].startswith("/auth/")]
    assert [m for m, _ in swift_calls] == ["PUT", "PUT", "GET", "DELETE"]
    heat_writes = [r["method"] for r in heat_log.since(heat_mark) if r["method"] != "GET"]
    assert heat_writes == ["POST", "DELETE"]


def test_stack_failure_is_an_error_execution_naming_the_resource(undercloud, mistral):
    created = mistral.executions.create(
        WORKFLOW, workflow_input={"stack_name": "selftest-fails", "template": FAILING_TEMPLATE})
    execution = wait(mistral, created.id)

    assert execution.state == "ERROR"
    assert execution.state_info.startswith("stack selftest-fails ended CREATE_FAILED")
    assert "broken (OS::Heat::TestResource)" in execution.state_info
    assert "Test Resource failed" in execution.state_info


def test_thin_client_makes_one_execution_create(undercloud):
    log = undercloud.request_log("mistral")
    mark = log.mark()
    client = MistralClient(undercloud.endpoints["mistral"])

    execution = client.run(WORKFLOW, {"stack_name": "selftest-client"})

    assert execution["output"]["heat"]["status"] == "CREATE_COMPLETE"
    calls = log.since(mark)
    assert [c["method"] for c in calls if c["method"] != "GET"] == ["POST"]
    assert all(c["path"].startswith("/v2/executions") for c in calls)

    with pytest.raises(OperationFailed, match="broken"):
        client.run(WORKFLOW, {"stack_name": "selftest-client-fails", "template": FAILING_TEMPLATE})


def test_mistral_cli_execution_create(undercloud):
    """What an operator types: the stock `mistral` CLI against the local undercloud."""
    env = dict(os.environ, **undercloud.client_environment())
    mistral_cli = os.path.join(os.path.dirname(sys.executable), "mistral")
    done = subprocess.run([mistral_cli, "execution-create", WORKFLOW, '{"stack_name": "selftest-cli"}',
                           "-f", "json"], env=env, capture_output=True, text=True, check=True)
    execution_id = json.loads(done.stdout)["ID"]
    client = MistralClient(undercloud.endpoints["mistral"])
    assert client.wait(execution_id)["output"]["heat"]["stack"] == "selftest-cli"


def test_heat_restart_keeps_stacks_and_serves_again(undercloud, heat):
    created = heat.stacks.create(stack_name="survives-restart", template={
        "heat_template_version": "wallaby",
        "resources": {"v": {"type": "OS::Heat::Value", "properties": {"value": "kept"}}}})
    stack_id = created["stack"]["id"]
    deadline = time.monotonic() + 60
    while heat.stacks.get(stack_id).stack_status == "CREATE_IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.2)

    undercloud.restart("heat")

    assert heat.stacks.get(stack_id).stack_status == "CREATE_COMPLETE"
    MistralClient(undercloud.endpoints["mistral"]).run(WORKFLOW, {"stack_name": "selftest-after-restart"})
    heat.stacks.delete(stack_id)
