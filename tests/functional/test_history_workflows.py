"""History through the real Mistral: list, show, diff — with secrets never shown."""
import json
from pathlib import Path

import pytest
import yaml

from tripleo_plan_actions.client import OperationFailed

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "storied"


def result(client, workflow, **inputs):
    return client.run(workflow, {"plan": PLAN, **inputs}, timeout=600)["output"]["result"]


def test_list_show_diff(client, swift):
    client.run("tripleo_plan.plan.create", {"plan": PLAN, "templates_dir": str(EXAMPLE)})
    operate = "tripleo_plan.deploy.operate"
    result(client, operate, operation="deploy", parameters={"AdminPassword": "s3cret-admin-pw"})
    result(client, operate, operation="update",
           environments=[{"path": "/home/stack/name.yaml", "content": "parameter_defaults: {CloudName: a.b}\n"}],
           parameters={"AdminPassword": "an0ther-admin-pw", "ComputeCount": 2})

    listed = result(client, "tripleo_plan.history.list")["revisions"]
    assert [(r["number"], r["operation"], r["status"]) for r in listed] == \
        [(2, "update", "succeeded"), (1, "deploy", "succeeded")]
    assert len(result(client, "tripleo_plan.history.list", limit=1)["revisions"]) == 1

    shown = result(client, "tripleo_plan.history.show", revision=2)
    assert shown["parameters"] == {"AdminPassword": "******", "ComputeCount": 2}
    assert [e["path"] for e in shown["environments"]][-1] == "/home/stack/name.yaml"

    changes = result(client, "tripleo_plan.history.diff", a=1, b=2)
    assert [e["path"] for e in changes["environments"]["added"]] == ["/home/stack/name.yaml"]
    assert changes["parameters"]["secrets"] == {"AdminPassword": "changed"}
    assert changes["parameters"]["added"] == {"ComputeCount": 2}

    generated = yaml.safe_load(swift.get_object(PLAN, "plan-environment.yaml")[1])["passwords"]
    text = json.dumps([listed, shown, changes])
    for secret in ["s3cret-admin-pw", "an0ther-admin-pw"] + [v for v in generated.values() if isinstance(v, str)]:
        assert secret not in text

    with pytest.raises(OperationFailed, match=f"plan {PLAN} has no revision 9 \\(it has 1, 2\\)"):
        result(client, "tripleo_plan.history.show", revision=9)


def test_rollback_deploys_an_earlier_revisions_inputs_again(client, heat):
    """deploy -> update(+1 env) -> failed update -> rollback to the deploy: a NEW revision, history kept."""
    plan = "rolled"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    operate = "tripleo_plan.deploy.operate"

    def run(**inputs):
        return client.run(operate, {"plan": plan, **inputs}, timeout=600)["output"]["result"]

    run(operation="deploy", parameters={"ComputeCount": 2})
    stack = f"{plan}/{heat.stacks.get(plan).id}"
    first = heat.stacks.environment(stack)
    run(operation="update", environments=[{"path": "/home/stack/x.yaml",
                                           "content": "parameter_defaults: {CloudName: x.example.com}\n"}])
    with pytest.raises(OperationFailed):
        run(operation="update", environments=[{"path": "environments/broken-post-deploy.yaml"}])
    with pytest.raises(OperationFailed, match="cannot roll back to revision 3: its update did not succeed "
                                              r"\(status failed\); revisions you can roll back to: 1, 2"):
        run(operation="rollback", rollback_to=3)

    rolled = run(operation="rollback", rollback_to=1)
    assert rolled["revision"] == 4 and rolled["stack_status"] == "UPDATE_COMPLETE"
    assert rolled["outputs"]["CloudName"] == "overcloud.localdomain"
    assert len(rolled["outputs"]["ComputeServers"]) == 2
    now = heat.stacks.environment(stack)
    for environment in (first, now):
        environment["parameter_defaults"].pop("DeployIdentifier")
    assert now == first

    story = result_of(client, plan)
    assert [(r["number"], r["operation"], r["status"], r["rollback_of"]) for r in story] == [
        (4, "rollback", "succeeded", 1), (3, "update", "failed", None), (2, "update", "succeeded", None),
        (1, "deploy", "succeeded", None)]


def result_of(client, plan):
    return client.run("tripleo_plan.history.list", {"plan": plan})["output"]["result"]["revisions"]
