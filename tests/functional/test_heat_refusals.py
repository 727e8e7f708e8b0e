"""A request Heat refuses before changing anything is recorded ``refused``, not ``failed``, on the
real Heat: the stack stays as it was, the next update replays the last succeeded revision."""
from pathlib import Path

import pytest

from tripleo_plan_actions.client import OperationFailed

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
MISSING_TYPE = {"path": "/home/stack/missing-type.yaml",
                "content": "resource_registry:\n  OS::TripleO::PostDeploy: OS::Nope::Missing\n"}


def run(client, workflow, plan, **inputs):
    return client.run(workflow, {"plan": plan, **inputs}, timeout=600)["output"]["result"]


def statuses(client, plan):
    return [(r["number"], r["operation"], r["status"])
            for r in run(client, "tripleo_plan.history.list", plan)["revisions"]]


def test_heat_refusing_a_deploy_and_an_update_records_refused_revisions(client, heat):
    plan = "refusals"
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    with pytest.raises(OperationFailed, match=r"The Resource Type \(OS::TripleO::PostDeploy\) could not be found"):
        run(client, "tripleo_plan.deploy.deploy", plan, environments=[MISSING_TYPE])
    assert [s.stack_name for s in heat.stacks.list()].count(plan) == 0
    deployed = run(client, "tripleo_plan.deploy.deploy", plan, environments=[{"path": "environments/debug.yaml"}])
    assert deployed["stack_status"] == "CREATE_COMPLETE"
    with pytest.raises(OperationFailed, match=r"The Resource Type \(OS::TripleO::PostDeploy\) could not be found"):
        run(client, "tripleo_plan.deploy.update", plan, environments=[MISSING_TYPE])
    assert heat.stacks.get(plan).stack_status == "CREATE_COMPLETE"  # Heat changed nothing
    updated = run(client, "tripleo_plan.deploy.update", plan)
    assert updated["environments"] == deployed["environments"]  # revision 3, not the refused 4
    assert statuses(client, plan) == [(5, "update", "succeeded"), (4, "update", "refused"),
                                      (3, "deploy", "succeeded"), (2, "deploy", "refused"),
                                      (1, "create", "succeeded")]
    with pytest.raises(OperationFailed, match="cannot roll back to revision 4"):
        run(client, "tripleo_plan.deploy.rollback", plan, to=4)
