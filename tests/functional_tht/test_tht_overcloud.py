"""THT 18.0.0's overcloud (Controller x1, Compute x1, other roles 0, no network isolation) the way
TripleO Wallaby and later ran "ephemeral Heat": deployed servers, pre-provisioned ports and VIPs,
no Nova, Neutron, Keystone or Ironic. Only the pack's workflows, through the real Mistral:

plan create from the PyPI source tree (rendered server side) -> deploy -> CREATE_COMPLETE ->
update with NO environment files -> UPDATE_COMPLETE, same stack environment -> scale Compute 1 -> 2
(the operator's new `node provision` output) -> UPDATE_COMPLETE -> history.

The operator inputs are the files of examples/tht-overcloud (what the provisioning commands and the
undercloud gave python-tripleoclient); everything tripleoclient computed itself (services per role,
container images, RootStackName, DeployIdentifier, passwords) is the pack's, server side.
Tests run in order on one plan; each operation is ONE workflow execution.
"""
import time
from pathlib import Path

import pytest

from benchmarks.tht import tht_tree

PLAN = "overcloud"
INPUTS = Path(__file__).resolve().parents[2] / "examples" / "tht-overcloud"
OPERATOR = "/home/stack/overcloud-deploy/overcloud/"  # where tripleoclient 20.0.0 wrote these files
S = "OS::TripleO::Services::"
#: One workflow execution may take this long (Heat's time dominates: minutes on 2 cores).
TIMEOUT_S = 3600


def user_file(name, path=None):
    return {"path": OPERATOR + (path or name), "content": (INPUTS / name).read_text()}


ENVIRONMENTS = [
    {"path": "environments/deployed-networks.yaml"},  # network provision's resource_registry line
    user_file("client-parameters.yaml"),
    user_file("networks-deployed.yaml"),
    user_file("vips-deployed.yaml"),
    user_file("baremetal-deployed.yaml"),
]


def run(client, mistral, times, title, workflow, inputs):
    """Run ``workflow``; record its wall time and, per task, the time in the pack vs in Heat."""
    started = time.monotonic()
    execution = client.run(workflow, inputs, timeout=TIMEOUT_S, interval=2.0)
    measures = {"wall": time.monotonic() - started}
    for task in mistral.tasks.list(workflow_execution_id=execution["id"]):
        seconds = (_time(task.updated_at) - _time(task.created_at))
        measures[{"wait": "heat"}.get(task.name, task.name)] = seconds
    times.append((title, measures))
    return execution["output"]["result"]


def _time(stamp):
    import datetime

    return datetime.datetime.fromisoformat(stamp).timestamp()


def operate(client, mistral, times, operation, **inputs):
    return run(client, mistral, times, operation, f"tripleo_plan.deploy.{operation}",
               {"plan": PLAN, "timeout": 50, **inputs})


def environment_without_identifier(heat):
    environment = heat.stacks.environment(f"{PLAN}/{heat.stacks.get(PLAN).id}")
    environment["parameter_defaults"].pop("DeployIdentifier")
    return environment


@pytest.fixture(scope="module")
def story(undercloud, times):
    """The operations, in order; each test checks one step of it (a failed step fails the rest)."""
    from heatclient import client as heat_client
    from mistralclient.api import client as mistral_client

    from tripleo_plan_actions.client import MistralClient

    client = MistralClient(undercloud.endpoints["mistral"])
    mistral = mistral_client.client(mistral_url=undercloud.endpoints["mistral"])
    heat = heat_client.Client("1", endpoint=undercloud.endpoints["heat"], token="fake")
    tree = tht_tree()
    created = run(client, mistral, times, "plan create (+ render)", "tripleo_plan.plan.create",
                  {"plan": PLAN, "templates_dir": str(tree)})
    deployed = operate(client, mistral, times, "deploy", environments=ENVIRONMENTS)
    deployed_environment = environment_without_identifier(heat)
    updated = operate(client, mistral, times, "update")
    updated_environment = environment_without_identifier(heat)
    scaled = operate(client, mistral, times, "scale", role_counts={"Compute": 2},
                     environments=[user_file("baremetal-deployed-2-computes.yaml", "baremetal-deployed.yaml")])
    return {"created": created, "deployed": deployed, "deployed_environment": deployed_environment,
            "updated": updated, "updated_environment": updated_environment, "scaled": scaled}


def test_plan_created_and_rendered_from_the_source_tree(story):
    created = story["created"]
    assert created["rendered"] >= 40 and created["passwords"] == 52  # 50 files without isolated networks
    assert created["files"] > 1500


def test_deploy_reaches_create_complete(story, heat):
    deployed = story["deployed"]
    assert deployed["status"] == "succeeded" and deployed["stack_status"] == "CREATE_COMPLETE"
    assert deployed["environments"] == ["overcloud-resource-registry-puppet.yaml"] + \
        [e["path"] for e in ENVIRONMENTS]
    outputs = deployed["outputs"]
    assert outputs["HostsEntry"] and "overcloud-controller-0" in str(outputs["HostsEntry"])
    assert outputs["VipMap"]["ctlplane"] == "192.168.24.5"
    role_data = outputs["RoleData"]
    assert sorted(role_data) == ["BlockStorage", "CephStorage", "Compute", "Controller", "ObjectStorage"]


def test_the_generated_parameters_are_in_the_stack(story):
    parameters = story["deployed_environment"]["parameter_defaults"]
    assert parameters["RootStackName"] == PLAN
    assert S + "Keystone" in parameters["ControllerServices"]
    assert S + "NovaCompute" in parameters["ComputeServices"]
    assert parameters["CephStorageServices"] == [] and parameters["BlockStorageServices"] == []
    assert parameters["ContainerKeystoneImage"] == "quay.io/tripleomastercentos9/openstack-keystone:current-tripleo"
    # The operator's provisioning outputs are there as given.
    assert parameters["ControlPlaneVipData"]["fixed_ips"] == [{"ip_address": "192.168.24.5"}]
    registry = story["deployed_environment"]["resource_registry"]
    assert registry["OS::TripleO::Network"].endswith("network/deployed_networks.yaml")
    assert registry["OS::TripleO::Server"].endswith("deployed-server/deployed-server.yaml")


def test_update_without_environment_files_keeps_the_environment(story):
    updated = story["updated"]
    assert updated["status"] == "succeeded" and updated["stack_status"] == "UPDATE_COMPLETE"
    assert updated["environments"] == story["deployed"]["environments"]
    assert story["updated_environment"] == story["deployed_environment"]


def test_scale_compute_to_two(story, heat):
    scaled = story["scaled"]
    assert scaled["status"] == "succeeded" and scaled["stack_status"] == "UPDATE_COMPLETE"
    stack = f"{PLAN}/{heat.stacks.get(PLAN).id}"
    parameters = heat.stacks.environment(stack)["parameter_defaults"]
    assert parameters["ComputeCount"] == 2
    compute = heat.resources.get(stack, "Compute")
    members = heat.resources.list(compute.physical_resource_id)
    assert sorted(m.resource_name for m in members) == ["0", "1"]
    assert all(m.resource_status in ("CREATE_COMPLETE", "UPDATE_COMPLETE") for m in members)
    assert "overcloud-novacompute-1" in str(scaled["outputs"]["HostsEntry"])


def test_history_shows_every_operation(story, client):
    revisions = client.run("tripleo_plan.history.list", {"plan": PLAN})["output"]["result"]["revisions"]
    assert [(r["number"], r["operation"], r["status"], r["stack_status"]) for r in revisions] == [
        (4, "scale", "succeeded", "UPDATE_COMPLETE"), (3, "update", "succeeded", "UPDATE_COMPLETE"),
        (2, "deploy", "succeeded", "CREATE_COMPLETE"), (1, "create", "succeeded", None)]
    shown = client.run("tripleo_plan.history.show", {"plan": PLAN, "revision": 4})["output"]["result"]
    assert shown["parameters"] == {"ComputeCount": 2}
    assert [e["path"] for e in shown["environments"]] == story["scaled"]["environments"]
    assert shown["environments"][-1]["path"] == OPERATOR + "baremetal-deployed.yaml"  # the new content, last
