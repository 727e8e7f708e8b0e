"""The life-cycle story through the real Mistral, Swift and Heat: revisions, diffs, rollback, status.

The main test is the sequence of the history issue: create -> deploy -> update (no -e) ->
update (+1 env) -> failed update -> rollback to the second revision.
"""
import json
import threading
import time
from pathlib import Path

import pytest
import yaml

from tripleo_plan_actions.client import OperationFailed
from tripleo_plan_actions.storage.swift import SwiftPlanStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
ADMIN_PASSWORD = "s3cret-admin-pw"
NAME_ENV = {"path": "/home/stack/name.yaml", "content": "parameter_defaults: {CloudName: named.example.com}\n"}
# A post-deploy step that takes a few seconds: time to look at a running operation.
SLOW_ENV = {"path": "/home/stack/slow.yaml",
            "content": "resource_registry:\n  OS::TripleO::PostDeploy: slow-post.yaml\n"}
SLOW_POST = ("heat_template_version: wallaby\nresources:\n  Slow:\n    type: OS::Heat::TestResource\n"
             "    properties: {value: slow, action_wait_secs: {create: 6, update: 6}}\n")


def run(client, workflow, plan, **inputs):
    return client.run(workflow, {"plan": plan, **inputs}, timeout=600)["output"]["result"]


def stack_environment(heat, plan):
    environment = heat.stacks.environment(f"{plan}/{heat.stacks.get(plan).id}")
    environment["parameter_defaults"].pop("DeployIdentifier")
    return environment


def test_the_story_create_deploy_update_update_fail_rollback(client, heat, swift):
    plan = "storied"
    outputs = [client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})["output"]]
    outputs.append(run(client, "tripleo_plan.deploy.deploy", plan, parameters={"AdminPassword": ADMIN_PASSWORD},
                       environments=[{"path": "environments/debug.yaml"}]))
    second = stack_environment(heat, plan)
    outputs.append(run(client, "tripleo_plan.deploy.update", plan))
    assert stack_environment(heat, plan) == second  # nothing given: the same inputs again
    outputs.append(run(client, "tripleo_plan.deploy.update", plan, environments=[NAME_ENV]))
    with pytest.raises(OperationFailed, match="Test Resource failed"):
        run(client, "tripleo_plan.deploy.update", plan, environments=[{"path": "environments/broken-post-deploy.yaml"}])
    with pytest.raises(OperationFailed, match="cannot roll back to revision 5: its update did not succeed "
                                              r"\(status failed\); revisions you can roll back to: 2, 3, 4"):
        run(client, "tripleo_plan.deploy.rollback", plan, to=5)
    rolled = run(client, "tripleo_plan.deploy.rollback", plan, to=2)
    outputs.append(rolled)
    assert rolled["revision"] == 6 and rolled["stack_status"] == "UPDATE_COMPLETE"
    assert stack_environment(heat, plan) == second  # exactly the second revision's environment again

    # Six revisions, newest first, with their inputs and outcomes.
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["operation"], r["status"], r["environments"], r["rollback_of"]) for r in listed] == [
        (6, "rollback", "succeeded", 2, 2), (5, "update", "failed", 4, None), (4, "update", "succeeded", 3, None),
        (3, "update", "succeeded", 2, None), (2, "deploy", "succeeded", 2, None),
        (1, "create", "succeeded", 0, None)]
    assert [r["stack_status"] for r in listed] == [
        "UPDATE_COMPLETE", "UPDATE_FAILED", "UPDATE_COMPLETE", "UPDATE_COMPLETE", "CREATE_COMPLETE", None]
    assert [r["number"] for r in run(client, "tripleo_plan.history.list", plan, limit=2)["revisions"]] == [6, 5]
    shown = {n: run(client, "tripleo_plan.history.show", plan, revision=n) for n in range(1, 7)}
    paths = {n: [e["path"] for e in shown[n]["environments"]] for n in shown}
    registry, debug = "overcloud-resource-registry-puppet.yaml", "environments/debug.yaml"
    assert paths == {1: [], 2: [registry, debug], 3: [registry, debug], 4: [registry, debug, NAME_ENV["path"]],
                     5: [registry, debug, NAME_ENV["path"], "environments/broken-post-deploy.yaml"],
                     6: [registry, debug]}
    assert shown[6]["environments"] == shown[2]["environments"]  # same files, same digests
    assert shown[2]["parameters"] == {"AdminPassword": "******"}
    assert "Test Resource failed" in json.dumps(shown[5]["stack"]["failures"])
    assert shown[1]["plan_digest"] == shown[2]["plan_digest"]  # deploying changes no plan file

    # Diffs between them.
    diffs = {(a, b): run(client, "tripleo_plan.history.diff", plan, a=a, b=b)
             for a, b in [(2, 3), (3, 4), (4, 5), (2, 6), (4, 6), (1, 2)]}
    quiet = {"added": [], "removed": [], "changed": []}
    assert {k: diffs[2, 3]["environments"][k] for k in quiet} == quiet
    assert diffs[2, 3]["parameters"]["secrets"] == {"AdminPassword": "unchanged"}
    assert [e["path"] for e in diffs[3, 4]["environments"]["added"]] == [NAME_ENV["path"]]
    assert [e["path"] for e in diffs[4, 5]["environments"]["added"]] == ["environments/broken-post-deploy.yaml"]
    assert diffs[4, 5]["b"]["stack"]["status"] == "UPDATE_FAILED"
    assert {k: diffs[2, 6]["environments"][k] for k in quiet} == quiet
    assert not diffs[2, 6]["environments"]["order_changed"]
    assert [e["path"] for e in diffs[4, 6]["environments"]["removed"]] == [NAME_ENV["path"]]
    assert [e["path"] for e in diffs[1, 2]["environments"]["added"]] == [registry, debug]
    assert diffs[1, 2]["parameters"]["added"] == {"AdminPassword": "******"}

    # The status object: idle, the rollback as last outcome.
    status = run(client, "tripleo_plan.history.status", plan)
    assert status["state"] == "idle" and status["running"] is None
    assert (status["last"]["revision"], status["last"]["operation"], status["last"]["status"]) == \
        (6, "rollback", "succeeded")

    # No password value anywhere: not the operator's, not one of the generated ones.
    generated = yaml.safe_load(swift.get_object(plan, "plan-environment.yaml")[1])["passwords"]
    secrets = [ADMIN_PASSWORD] + [v for v in generated.values() if isinstance(v, str) and len(v) >= 8]
    assert len(secrets) > 40
    records = [SwiftPlanStore(swift).revision(plan, n) for n in range(1, 7)]
    text = json.dumps([outputs, listed, shown, list(diffs.values()), status, records])
    assert [s for s in secrets if s in text] == []

    with pytest.raises(OperationFailed, match=f"plan {plan} has no revision 9 \\(it has 1, 2, 3, 4, 5, 6\\)"):
        run(client, "tripleo_plan.history.show", plan, revision=9)


def test_two_operations_started_together_exactly_one_runs(client, heat):
    plan = "racing"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    run(client, "tripleo_plan.deploy.deploy", plan)
    started = []
    barrier = threading.Barrier(2)

    def start(cloud_name):
        barrier.wait()
        inputs = {"plan": plan, "parameters": {"CloudName": cloud_name}}
        started.append(client.start("tripleo_plan.deploy.update", inputs)["id"])

    threads = [threading.Thread(target=start, args=(f"{n}.example.com",)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = []
    for execution in started:
        try:
            ended.append(client.wait(execution, timeout=600))
        except OperationFailed as failed:
            ended.append(failed.execution)
    assert sorted(e["state"] for e in ended) == ["ERROR", "SUCCESS"], [e.get("state_info") for e in ended]
    winner = next(e for e in ended if e["state"] == "SUCCESS")
    loser = next(e for e in ended if e["state"] == "ERROR")
    assert f"plan {plan} is busy" in loser["state_info"] and winner["id"] in loser["state_info"]
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["operation"], r["status"]) for r in listed] == [
        (3, "update", "succeeded"), (2, "deploy", "succeeded"), (1, "create", "succeeded")]


def test_status_while_an_operation_runs(client, heat):
    plan = "watched"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    execution = client.start("tripleo_plan.deploy.deploy", {"plan": plan, "environments": [SLOW_ENV],
                                       "user_files": {"/home/stack/slow-post.yaml": SLOW_POST}})["id"]
    seen = []
    deadline = time.monotonic() + 120
    while client.execution_state(execution) not in ("SUCCESS", "ERROR"):
        assert time.monotonic() < deadline
        seen.append(run(client, "tripleo_plan.history.status", plan))
        time.sleep(0.5)
    assert client.execution_state(execution) == "SUCCESS"
    waiting = [s for s in seen if s["state"] == "running" and s["running"]["step"] == "wait"]
    assert waiting, seen
    running = waiting[-1]["running"]
    assert (running["revision"], running["operation"], running["execution"]) == (2, "deploy", execution)
    progress = [s["running"]["progress"] for s in waiting]
    assert all(0 <= p["done"] <= p["total"] and p["total"] == progress[0]["total"] > 0 for p in progress)
    assert any(p["done"] < p["total"] for p in progress)  # seen while the slow resource worked
    assert all(s["last"]["operation"] == "create" for s in seen if s["state"] == "running")
    done = run(client, "tripleo_plan.history.status", plan)
    assert done["state"] == "idle" and done["last"]["revision"] == 2 and done["last"]["status"] == "succeeded"


def test_history_limit_prunes_revisions_but_keeps_inputs_still_referenced(client, swift):
    plan = "pruned"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    store = SwiftPlanStore(swift)

    def amend(path, content, limit=2):
        return run(client, "tripleo_plan.plan.amend", plan, files={path: content}, history_limit=limit)

    amend("extra/x.yaml", "x: 1\n", limit=0)                       # revision 2 (0: keep everything)
    amend("extra/y.yaml", "y: 1\n", limit=0)                       # 3
    assert store.revision_numbers(plan) == [1, 2, 3]
    x, y = (store.revision(plan, n)["user_files"][0]["sha256"] for n in (2, 3))
    result = amend("extra/z.yaml", "x: 1\n")                      # 4: the same content as x
    assert result["revision"] == 4 and result["pruned"] == [1, 2]
    assert store.revision_numbers(plan) == [3, 4]
    assert store.unfinished(plan) is None  # revision 1 pruned: still a whole plan, not a killed create
    assert {x, y} <= set(store.inputs(plan))  # x is referenced by revision 4 now, y by 3
    assert amend("extra/w.yaml", "w: 1\n")["pruned"] == [3]
    assert store.revision_numbers(plan) == [4, 5]
    assert y not in store.inputs(plan) and x in store.inputs(plan)
    listed = run(client, "tripleo_plan.history.list", plan)["revisions"]
    assert [(r["number"], r["operation"]) for r in listed] == [(5, "amend"), (4, "amend")]


@pytest.mark.parametrize("workflow", ["tripleo_plan.history.list", "tripleo_plan.history.status"])
def test_reading_the_story_of_a_plan_that_does_not_exist(client, workflow):
    with pytest.raises(OperationFailed, match="plan nowhere does not exist$"):
        run(client, workflow, "nowhere")


def test_a_plan_moves_with_its_story_export_import_rollback(client, heat, swift):
    """create -> deploy (a plan file, a user file, a secret parameter), exported (format 2) and
    imported under a new name: the history reads 1 create, 2 deploy, 3 import with the old users,
    times and outcomes; once the new plan has its own stack (a deploy from its defaults), a rollback
    to imported revision 2 deploys exactly revision 2's inputs.  Three stack operations in all (the
    60 s budget on a loaded 2-core machine)."""
    from tripleo_plan_actions.storage.swift import UPLOADS

    plan, moved = "travels", "travelled"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    run(client, "tripleo_plan.deploy.deploy", plan, parameters={"AdminPassword": ADMIN_PASSWORD},
        environments=[{"path": "environments/debug.yaml"}, NAME_ENV])
    deployed = stack_environment(heat, plan)
    exported = run(client, "tripleo_plan.plan.export", plan)
    _, data = swift.get_object(exported["container"], exported["object"])
    swift.put_container(UPLOADS)
    swift.put_object(UPLOADS, "travels-export.tar.gz", data)
    imported = run(client, "tripleo_plan.plan.import", moved, upload="travels-export.tar.gz")
    assert imported["plan"] == moved
    marks = swift.head_container(moved + "-tripleo-plan")
    assert marks["x-container-meta-tripleo-plan-completed-by"] == "3"  # its own revision completes it
    assert SwiftPlanStore(swift).unfinished(moved) is None

    before = run(client, "tripleo_plan.history.list", plan)["revisions"]
    after = run(client, "tripleo_plan.history.list", moved)["revisions"]
    kept = ("number", "operation", "status", "user", "started_at", "finished_at", "stack_status", "environments")
    assert [(r["number"], r["operation"], r["status"]) for r in after] == [
        (3, "import", "succeeded"), (2, "deploy", "succeeded"), (1, "create", "succeeded")]
    assert [{k: r[k] for k in kept} for r in after[1:]] == [{k: r[k] for k in kept} for r in before]
    assert f"from the export of plan {plan}" in after[0]["message"]

    with pytest.raises(OperationFailed, match=f"plan {moved} has no stack on this undercloud"):
        run(client, "tripleo_plan.deploy.rollback", moved, to=2)
    run(client, "tripleo_plan.deploy.deploy", moved)  # its own stack, from the plan's defaults
    assert stack_environment(heat, moved) != deployed
    rolled = run(client, "tripleo_plan.deploy.rollback", moved, to=2)
    assert rolled["revision"] == 5 and rolled["status"] == "succeeded"
    assert rolled["stack_status"] == "UPDATE_COMPLETE"
    assert stack_environment(heat, moved) == deployed  # revision 2's inputs, on the new plan's stack
