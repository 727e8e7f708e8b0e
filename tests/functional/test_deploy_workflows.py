"""Deploy, update, scale through ONE execution each, against the real Mistral, Swift and Heat.

Tests run in order on one plan made from examples/small-overcloud (THT-shaped, Heat-only resources).
"""
from pathlib import Path

import pytest

from tripleo_plan_actions.client import OperationFailed
from tripleo_plan_actions.storage.swift import SwiftPlanStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "small"
USER_ENV = """resource_registry:
  OS::TripleO::Server::Config: nested/config.yaml
parameter_defaults:
  CloudName: cloud.example.com
"""
USER_NESTED = """heat_template_version: wallaby
parameters:
  Name: {type: string}
resources:
  Marker:
    type: OS::Heat::Value
    properties: {value: {get_param: Name}}
"""
EXTRA_ENV = "parameter_defaults:\n  CloudName: extra.example.com\n"


def operate(client, operation, **inputs):
    """ONE execution of the operation's own workflow, tripleo_plan.deploy.<operation>."""
    return client.run(f"tripleo_plan.deploy.{operation}", {"plan": PLAN, **inputs}, timeout=600)["output"]["result"]


def containers(swift, plan):
    """Every object of the plan's two containers with its ETag, and their metadata."""
    found = {}
    for container in (plan, f"{plan}-tripleo-plan"):
        headers, listing = swift.get_container(container, full_listing=True)
        meta = {k: v for k, v in headers.items() if k.startswith("x-container-meta-")}
        found[container] = (meta, {o["name"]: o["hash"] for o in listing})
    return found


def files_without_identifier(heat, stack):
    import yaml

    files = heat.stacks.files(stack)
    parameters = yaml.safe_load(files.pop("tripleo-plan/parameters.yaml"))
    parameters["parameter_defaults"].pop("DeployIdentifier")
    return files, parameters


def environment_without_identifier(heat, stack):
    environment = heat.stacks.environment(stack)
    environment["parameter_defaults"].pop("DeployIdentifier")
    return environment


@pytest.fixture(scope="module")
def deployed(undercloud):
    from tripleo_plan_actions.client import MistralClient

    client = MistralClient(undercloud.endpoints["mistral"])
    client.run("tripleo_plan.plan.create", {"plan": PLAN, "templates_dir": str(EXAMPLE)})
    log = undercloud.request_log("mistral")
    mark = log.mark()
    result = operate(client, "deploy", environments=[
        {"path": "environments/debug.yaml"},
        {"path": "/home/stack/templates/my-env.yaml", "content": USER_ENV}],
        user_files={"/home/stack/templates/nested/config.yaml": USER_NESTED})
    calls = log.since(mark)
    return {"result": result, "client_calls": calls}


def test_deploy_with_two_environment_files(deployed, heat, swift):
    result = deployed["result"]
    assert result["status"] == "succeeded" and result["stack_status"] == "CREATE_COMPLETE"
    assert result["environments"] == ["overcloud-resource-registry-puppet.yaml", "environments/debug.yaml",
                                      "/home/stack/templates/my-env.yaml"]
    assert result["outputs"]["CloudName"] == "cloud.example.com"
    assert result["outputs"]["ComputeServers"] == ["compute-0.cloud.example.com"]
    # ONE execution-create by the client, then only reads of it (the actions' own calls to Mistral,
    # for the plan's lock, carry another user agent).
    client_calls = [c for c in deployed["client_calls"] if c["agent"] == "tripleo-plan-client"]
    assert [c["method"] for c in client_calls if c["method"] != "GET"] == ["POST"]
    assert all(c["path"].startswith("/v2/executions") for c in client_calls)
    # The user's nested template replaced the plan's, as its environment said.
    files = heat.stacks.files(f"{PLAN}/{heat.stacks.get(PLAN).id}")
    assert any("Marker" in content for content in files.values())
    created, record = (SwiftPlanStore(swift).revision(PLAN, n) for n in (1, 2))
    assert (created["status"], created["operation"], created["environments"]) == ("succeeded", "create", [])
    assert record["status"] == "succeeded" and record["operation"] == "deploy"
    assert [e["source"] for e in record["environments"]] == ["plan", "plan", "user"]


def test_update_without_environment_files_replays_them(deployed, client, heat, undercloud):
    stack = f"{PLAN}/{heat.stacks.get(PLAN).id}"
    before_env, before_files = environment_without_identifier(heat, stack), files_without_identifier(heat, stack)
    swift_log, heat_log = undercloud.request_log("swift"), undercloud.request_log("heat")
    swift_mark, heat_mark = swift_log.mark(), heat_log.mark()
    result = operate(client, "update")
    # Server side, counted at Swift: plan archive, revision listing, last revision, its replay
    # archive (the user env file and the user file it references, in ONE object), pending record;
    # then last revision, plan archive (plan-environment.yaml already shows this list: nothing to
    # write), final record, revision listing (the history limit: nothing to prune).  Heat: one
    # full PUT update.
    swift_calls = [r["method"] for r in swift_log.since(swift_mark) if not r["path"].startswith("/auth")]
    assert swift_calls == ["GET"] * 4 + ["PUT"] + ["GET"] * 2 + ["PUT", "GET"]
    assert [r["method"] for r in heat_log.since(heat_mark) if r["method"] != "GET"] == ["PUT"]
    assert result["stack_status"] == "UPDATE_COMPLETE" and result["revision"] == 3
    assert environment_without_identifier(heat, stack) == before_env
    assert files_without_identifier(heat, stack) == before_files
    assert result["outputs"]["CloudName"] == "cloud.example.com"


def test_update_adding_one_file_and_removing_another(deployed, client, heat):
    stack = f"{PLAN}/{heat.stacks.get(PLAN).id}"
    before = environment_without_identifier(heat, stack)
    result = operate(client, "update", environments=[{"path": "/home/stack/extra.yaml", "content": EXTRA_ENV}],
                     remove_environments=["environments/debug.yaml"])
    assert result["environments"] == ["overcloud-resource-registry-puppet.yaml",
                                      "/home/stack/templates/my-env.yaml", "/home/stack/extra.yaml"]
    after = environment_without_identifier(heat, stack)
    assert after["parameter_defaults"].pop("CloudName") == "extra.example.com"
    assert before["parameter_defaults"].pop("CloudName") == "cloud.example.com"
    assert before["parameter_defaults"].pop("Debug") is True
    assert after == before
    assert result["outputs"]["CloudName"] == "extra.example.com"


def test_parameter_override_wins_and_is_replayed(deployed, client):
    result = operate(client, "update", parameters={"CloudName": "override.example.com"})
    assert result["outputs"]["CloudName"] == "override.example.com"
    assert operate(client, "update")["outputs"]["CloudName"] == "override.example.com"


def test_scale_a_role_up_and_down(deployed, client):
    assert len(operate(client, "scale", role_counts={"Compute": 3})["outputs"]["ComputeServers"]) == 3
    assert len(operate(client, "scale", role_counts={"Compute": 2})["outputs"]["ComputeServers"]) == 2
    assert len(operate(client, "update")["outputs"]["ComputeServers"]) == 2  # the count is tracked too


def test_failing_environment_ends_in_error_naming_the_resource(deployed, client, swift):
    with pytest.raises(OperationFailed) as failed:
        operate(client, "update", environments=[{"path": "environments/broken-post-deploy.yaml"}])
    state_info = failed.value.execution["state_info"]
    assert state_info.startswith(f"stack {PLAN} ended UPDATE_FAILED")
    assert "  Boot (OS::Heat::TestResource): ValueError: resources.Boot: Test Resource failed Boot" \
        in state_info.splitlines()
    store = SwiftPlanStore(swift)
    last = store.revision(PLAN, store.revision_numbers(PLAN)[-1])
    assert last["status"] == "failed" and last["stack"]["failures"]
    # The next update replays the last SUCCESSFUL list, not the failed one.
    result = operate(client, "update")
    assert "environments/broken-post-deploy.yaml" not in result["environments"]
    assert result["stack_status"] == "UPDATE_COMPLETE"


def test_dry_run_changes_nothing(deployed, client, heat, swift):
    store = SwiftPlanStore(swift)
    numbers = store.revision_numbers(PLAN)
    stack = heat.stacks.get(PLAN)
    result = operate(client, "scale", role_counts={"Compute": 4}, dry_run=True)
    assert result["dry_run"] and result["revision"] is None
    assert "Compute" in result["preview"]["updated"]
    assert store.revision_numbers(PLAN) == numbers
    assert heat.stacks.get(PLAN).updated_time == stack.updated_time


DRY_ENV = {"path": "/home/stack/dry/env.yaml",
           "content": "resource_registry:\n  OS::TripleO::Server::Config: dry-config.yaml\n"
                      "parameter_defaults:\n  CloudName: dry.example.com\n"}
DRY_FILES = {"/home/stack/dry/dry-config.yaml": USER_NESTED}


@pytest.mark.parametrize("operation", ["update", "upgrade"])
def test_a_dry_run_with_user_files_leaves_swift_byte_identical(deployed, client, heat, swift, operation):
    from tripleo_plan_actions.storage import lock

    before = containers(swift, PLAN)
    stack = heat.stacks.get(PLAN)
    extra = {"templates_dir": str(EXAMPLE)} if operation == "upgrade" else {}
    result = operate(client, operation, environments=[DRY_ENV], user_files=DRY_FILES,
                     parameters={"CloudName": "dry-run.example.com"}, dry_run=True, **extra)
    assert result["dry_run"] and result["revision"] is None and result["preview"]
    assert "/home/stack/dry/env.yaml" in result["environments"]
    assert containers(swift, PLAN) == before  # no input, no record, no plan file: listing and ETags
    assert client.environment(lock.name(PLAN)) is None
    assert heat.stacks.get(PLAN).updated_time == stack.updated_time


def test_the_deprecated_operate_still_runs_and_refuses_what_an_operation_cannot_take(deployed, client):
    preview = client.run("tripleo_plan.deploy.operate", {"plan": PLAN, "operation": "scale", "dry_run": True,
                                                         "role_counts": {"Compute": 2}})["output"]["result"]
    assert preview["dry_run"] and preview["operation"] == "scale"
    with pytest.raises(OperationFailed) as refused:
        client.run("tripleo_plan.deploy.operate", {"plan": PLAN, "operation": "undeploy",
                                                   "environments": [{"path": "environments/debug.yaml"}]})
    assert refused.value.execution["state_info"].startswith("undeploy does not take environments")


def test_an_operation_refuses_an_input_it_does_not_take_naming_it(deployed, client):
    from tripleo_plan_actions.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        client.start("tripleo_plan.deploy.scale", {"plan": PLAN, "role_counts": {"Compute": 2}, "to": 3})
    assert "to" in str(refused.value) and "unexpected" in str(refused.value).lower()


def test_a_lock_left_by_a_dead_execution_is_released(deployed, client, swift):
    from tripleo_plan_actions.core import revisions

    store = SwiftPlanStore(swift)
    number = store.revision_numbers(PLAN)[-1] + 1
    store.put_revision(PLAN, revisions.new_record(
        PLAN, number, "update", started_at="2026-01-01T00:00:00Z", user=None, environments=[],
        execution="00000000-0000-0000-0000-00000000dead"))  # as if Mistral died mid-operation
    result = operate(client, "update")
    assert result["revision"] == number + 1 and result["status"] == "succeeded"
    closed = store.revision(PLAN, number)
    assert closed["status"] == "interrupted" and "no longer exists" in closed["message"]


SLOW_ENV = """resource_registry:
  OS::TripleO::PostDeploy: slow-post-deploy.yaml
"""
SLOW_TEMPLATE = """heat_template_version: wallaby
resources:
  Wait:
    type: OS::Heat::TestResource
    properties: {value: slow, action_wait_secs: {create: 8, update: 8}}
"""


def test_two_operations_started_together_exactly_one_runs(deployed, client):
    # An update that takes 8 s or more, so that the two executions surely overlap.
    slow = {"plan": PLAN,
            "environments": [{"path": "/home/stack/slow.yaml", "content": SLOW_ENV}],
            "user_files": {"/home/stack/slow-post-deploy.yaml": SLOW_TEMPLATE}}
    import time

    from tripleo_plan_actions.storage import lock

    started = [client.start("tripleo_plan.deploy.update", slow)]
    deadline = time.monotonic() + 60
    while client.environment(lock.name(PLAN)) is None:  # the first holds the plan's lock ...
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started.append(client.start("tripleo_plan.deploy.update", slow))  # ... while the second starts
    outcomes = []
    for execution in started:
        try:
            outcomes.append(client.wait(execution["id"], timeout=600)["output"]["result"]["status"])
        except OperationFailed as failed:
            outcomes.append(failed.execution["state_info"])
    assert outcomes[0] == "succeeded", outcomes
    assert outcomes[1].startswith(f"plan {PLAN} is busy: update running in Mistral execution "
                                  f"{started[0]['id']}"), outcomes
    assert client.environment(lock.name(PLAN)) is None  # released at the end
    operate(client, "update", remove_environments=["/home/stack/slow.yaml"])


def test_upgrade_moves_to_new_templates_keeping_inputs_and_passwords(deployed, client, swift, tmp_path):
    import shutil

    import yaml

    before = yaml.safe_load(swift.get_object(PLAN, "plan-environment.yaml")[1])["passwords"]
    release = tmp_path / "release-2"
    shutil.copytree(EXAMPLE, release)
    root = release / "overcloud.j2.yaml"
    root.write_text(root.read_text().replace("outputs:\n", "outputs:\n  Release:\n    value: two\n", 1))
    preview = operate(client, "upgrade", templates_dir=str(release), dry_run=True)
    assert preview["dry_run"] and "Release" not in swift.get_object(PLAN, "overcloud.yaml")[1].decode()
    result = operate(client, "upgrade", templates_dir=str(release))
    assert result["stack_status"] == "UPDATE_COMPLETE"
    assert result["outputs"]["Release"] == "two"
    assert result["outputs"]["CloudName"] == "override.example.com"  # tracked inputs replayed
    assert "/home/stack/templates/my-env.yaml" in result["environments"]
    after = yaml.safe_load(swift.get_object(PLAN, "plan-environment.yaml")[1])
    assert after["passwords"] == before
    # plan-environment.yaml shows what the plan now deploys with (for the UI and other tools).
    assert [e["path"] for e in after["environments"]] == result["environments"]


def test_upgrade_to_an_identical_release_renders_it_again(deployed, client, tmp_path):
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "same")
    result = operate(client, "upgrade", templates_dir=str(tmp_path / "same"))
    assert result["stack_status"] == "UPDATE_COMPLETE" and "Release" not in result["outputs"]


def test_undeploy_deletes_the_stack_and_is_recorded(deployed, client, heat, swift):
    result = operate(client, "undeploy")
    assert result["operation"] == "undeploy" and result["stack_status"] == "DELETE_COMPLETE"
    assert not [s for s in heat.stacks.list() if s.stack_name == PLAN]
    store = SwiftPlanStore(swift)
    assert store.revision(PLAN, store.revision_numbers(PLAN)[-1])["status"] == "succeeded"


def test_dry_run_of_a_first_deploy_creates_nothing(undercloud, client, heat, swift):
    client.run("tripleo_plan.plan.create", {"plan": "small-preview", "templates_dir": str(EXAMPLE)})
    before = containers(swift, "small-preview")
    result = client.run("tripleo_plan.deploy.deploy", {"plan": "small-preview", "dry_run": True,
                                                       "environments": [DRY_ENV], "user_files": DRY_FILES})
    result = result["output"]["result"]
    assert result["dry_run"] and result["preview"]["create"] > 0
    assert containers(swift, "small-preview") == before
    assert not [s for s in heat.stacks.list() if s.stack_name == "small-preview"]
    assert SwiftPlanStore(swift).revision_numbers("small-preview") == [1]  # the plan's create only
