"""Adopt: a tripleo-common plan taken over in place (operations/plans/adopt.py over the in-memory
store and Heat; the pure takeover of core/legacy.py).  The merge oracle is heatclient's own
``template_utils.deep_update``, which tripleo-common's deploy used."""
import copy
import json

import pytest
import yaml
from heatclient.common import template_utils

from tests.unit import memory
from tripleo_plan_actions.core import archive, environment as environments, legacy, plan as plans, revisions
from tripleo_plan_actions.errors import PlanBusy, PlanExists, PlanInputError
from tripleo_plan_actions.operations import update
from tripleo_plan_actions.operations.plans import adopt, create

PLAN = "overcloud"
USER_ENV = {"resource_registry": {"OS::TripleO::Compute::Server": "deployment/server.yaml"},
            "parameter_defaults": {"ExtraConfig": {"a": 1, "nested": {"x": 1}}}}
DEBUG_ENV = {"parameter_defaults": {"Debug": True, "ExtraConfig": {"b": 2, "nested": {"y": 2}}}}


def legacy_files(**sections):
    """A plan as tripleo-common left it: the small overcloud, two listed files and one inline
    environment; plan-environment.yaml with passwords, derived parameters and parameter_defaults."""
    files = memory.example_plan(PLAN)
    environment = yaml.safe_load(files[plans.PLAN_ENVIRONMENT])
    environment["environments"] = [{"path": "overcloud-resource-registry-puppet.yaml"},
                                   {"path": "environments/debug.yaml"}, {"data": {"parameter_defaults": {
                                       "CloudName": "inline.example.com"}}}, {"path": "user-environment.yaml"}]
    environment["parameter_defaults"] = {"CloudName": "legacy.example.com", "DeployIdentifier": "1700000000",
                                         "ExtraConfig": {"c": 3}}
    environment["derived_parameters"] = {"ComputeCount": 1}
    environment.update(sections)
    files[plans.PLAN_ENVIRONMENT] = yaml.safe_dump(environment).encode()
    files["environments/debug.yaml"] = yaml.safe_dump(DEBUG_ENV).encode()
    files["user-environment.yaml"] = yaml.safe_dump(USER_ENV).encode()
    return files


def legacy_merge(files):
    """What tripleo-common sent Heat: every environment deep-merged by heatclient, in its order."""
    environment = yaml.safe_load(files[plans.PLAN_ENVIRONMENT])
    merged = {}
    deployed = legacy.deployed_environments(environment, files)
    for document in [*(yaml.safe_load(files[p]) for p in deployed.paths), *(d for _n, d in deployed.inline),
                     deployed.generated]:
        merged = template_utils.deep_update(merged, copy.deepcopy(document))
    return merged["parameter_defaults"]


def legacy_context(files, stack_environment=None, status="CREATE_COMPLETE"):
    ctx = memory.context()
    ctx.store.legacy_plans[PLAN] = dict(files)
    if stack_environment is not None:
        ctx.stacks.stacks[PLAN] = {"id": "id-legacy", "status": status, "reason": "", "since": "t0",
                                   "arguments": {}, "timeout": 240, "outputs": {},
                                   "environment": stack_environment}
    return ctx


def upload_passwords(ctx, given):
    ctx.store.uploads["up-1"] = archive.write_archive({"parameters.json": json.dumps(given).encode()})
    return "up-1"


def test_adopt_tracks_what_tripleo_common_deployed_and_an_update_sends_the_same_values():
    files = legacy_files()
    ctx = legacy_context(files, {"parameter_defaults": {"AdminPassword": legacy.HIDDEN}})
    result = adopt.start(adopt.Request(plan=PLAN), ctx)
    assert result["environments"] == ["overcloud-resource-registry-puppet.yaml", "environments/debug.yaml",
                                      "user-environment.yaml", "/tripleo-plan/adopted/environments-2.yaml",
                                      legacy.GENERATED]
    assert ctx.store.plans[PLAN] == files  # the plan as it was: nothing rewritten
    record = ctx.store.revision(PLAN, 1)
    assert (record["operation"], record["status"], record["deployment_parameters"]) == ("adopt", "succeeded", False)
    assert record["stack"]["status"] == "CREATE_COMPLETE"

    update.start(update.Request(plan=PLAN), ctx)
    arguments = ctx.stacks.stacks[PLAN]["arguments"]
    assert "tripleo-plan/deployment-parameters.yaml" not in arguments["environment_files"]
    sent = environments.effective_environment(arguments)["parameter_defaults"]
    expected = legacy_merge(files)
    assert sent.pop("DeployIdentifier") != expected.pop("DeployIdentifier")  # a new one, as an update sends
    assert {k: sent[k] for k in expected} == expected  # deep-merged ExtraConfig, inline CloudName lost to the plan's
    assert sent["ExtraConfig"] == {"a": 1, "b": 2, "c": 3, "nested": {"x": 1, "y": 2}}
    assert ctx.store.revision(PLAN, 2)["deployment_parameters"] is False


def test_plain_passwords_stay_in_the_plan_only_those_a_file_also_sets_are_adopted():
    files = legacy_files()
    environment = yaml.safe_load(files[plans.PLAN_ENVIRONMENT])
    files["user-environment.yaml"] = yaml.safe_dump({"parameter_defaults": {"AdminPassword": "from-a-file"}}).encode()
    taken = legacy.takeover(PLAN, environment, files, {}, {})
    adopted = yaml.safe_load(taken.inputs[legacy.GENERATED])["parameter_defaults"]
    assert adopted["AdminPassword"] == environment["passwords"]["AdminPassword"]  # tripleo-common's passwords won
    assert not set(adopted) & (set(environment["passwords"]) - {"AdminPassword"})
    assert {"CloudName", "DeployIdentifier", "ComputeCount", "ExtraConfig"} <= set(adopted)


def test_a_password_the_stack_hides_and_the_plan_lacks_is_refused_by_name_then_taken_from_the_operator():
    files = legacy_files()
    environment = yaml.safe_load(files[plans.PLAN_ENVIRONMENT])
    old = environment["passwords"].pop("AdminPassword")
    files[plans.PLAN_ENVIRONMENT] = yaml.safe_dump(environment).encode()
    stack_env = {"parameter_defaults": {"AdminPassword": legacy.HIDDEN, "OldServicePassword": "shown-by-heat"}}
    ctx = legacy_context(files, stack_env)
    with pytest.raises(PlanInputError, match=r"lacks 1 passwords .* \*\*\*\*\*\*: AdminPassword\. Give"):
        adopt.start(adopt.Request(plan=PLAN), ctx)
    assert PLAN not in ctx.store.plans and ctx.store.legacy_plans[PLAN] == files
    with pytest.raises(PlanInputError, match="does not lack: CinderPassword"):
        adopt.start(adopt.Request(plan=PLAN, user_upload=upload_passwords(ctx, {
            "AdminPassword": old, "CinderPassword": "x"})), ctx)

    result = adopt.start(adopt.Request(plan=PLAN, user_upload=upload_passwords(ctx, {"AdminPassword": old})), ctx)
    assert (result["given_passwords"], result["recovered_passwords"]) == (["AdminPassword"], ["OldServicePassword"])
    assert "up-1" not in ctx.store.uploads
    record = ctx.store.revision(PLAN, 1)
    assert old not in json.dumps(record) and "AdminPassword" in record["message"]
    update.start(update.Request(plan=PLAN), ctx)
    sent = environments.effective_environment(ctx.stacks.stacks[PLAN]["arguments"])["parameter_defaults"]
    assert (sent["AdminPassword"], sent["OldServicePassword"]) == (old, "shown-by-heat")


def test_a_pending_update_prepare_is_refused_naming_the_mapping():
    files = legacy_files(resource_registry={"OS::TripleO::DeploymentSteps": "OS::Heat::None"})
    ctx = legacy_context(files, {"parameter_defaults": {}})
    with pytest.raises(PlanInputError, match="prepared but not converged .*DeploymentSteps: OS::Heat::None"):
        adopt.start(adopt.Request(plan=PLAN), ctx)
    assert ctx.store.writes == [] and PLAN not in ctx.store.plans


def test_a_stack_in_progress_a_managed_plan_and_no_container_are_refused():
    ctx = legacy_context(legacy_files(), {"parameter_defaults": {}}, status="UPDATE_IN_PROGRESS")
    with pytest.raises(PlanBusy, match="stack overcloud is UPDATE_IN_PROGRESS"):
        adopt.start(adopt.Request(plan=PLAN), ctx)
    managed = memory.created(PLAN, memory.example_plan(PLAN))
    with pytest.raises(PlanExists, match="already managed"):
        adopt.start(adopt.Request(plan=PLAN), managed)
    with pytest.raises(Exception, match="no plan container nothing"):
        adopt.start(adopt.Request(plan="nothing"), memory.context())


def test_a_plan_never_deployed_is_adopted_and_its_first_deploy_replays_it():
    ctx = legacy_context(legacy_files())
    assert adopt.start(adopt.Request(plan=PLAN), ctx)["stack"] is None
    assert revisions.last_deployed([ctx.store.revision(PLAN, 1)])["operation"] == "adopt"


def test_what_a_killed_adopt_left_is_undone_and_never_deletes_the_old_container():
    files = legacy_files()
    ctx = legacy_context(files, {"parameter_defaults": {}})
    ctx.store.take_over(PLAN, files, owner="exec-gone")  # killed before revision 1
    ctx.store.left[PLAN] = {"execution": "exec-gone", "adopted": True}
    ctx.mistral.states["exec-gone"] = "ERROR"
    with pytest.raises(PlanExists):  # a create of that name leaves both containers alone
        create.start(create.Request(plan=PLAN, templates_dir=str(memory.EXAMPLE)), ctx)
    assert ctx.store.plans[PLAN] == files
    assert adopt.start(adopt.Request(plan=PLAN), ctx)["revision"] == 1
    assert ctx.store.revision_numbers(PLAN) == [1]


def test_old_overclouds_resource_passwords_and_the_rabbit_default_are_recovered_not_refused():
    files = legacy_files()
    environment = yaml.safe_load(files[plans.PLAN_ENVIRONMENT])
    rabbit = environment["passwords"]["RabbitPassword"]
    for name in ("PcsdPassword", "RpcPassword"):
        del environment["passwords"][name]
    files[plans.PLAN_ENVIRONMENT] = yaml.safe_dump(environment).encode()
    ctx = legacy_context(files, {"parameter_defaults": {"RpcPassword": legacy.HIDDEN}})
    ctx.stacks.stacks[PLAN]["resource_values"] = {"PcsdPassword": "from-the-resource"}  # an old RandomString
    result = adopt.start(adopt.Request(plan=PLAN), ctx)
    assert (result["recovered_passwords"], result["given_passwords"]) == (["PcsdPassword", "RpcPassword"], [])
    update.start(update.Request(plan=PLAN), ctx)
    sent = environments.effective_environment(ctx.stacks.stacks[PLAN]["arguments"])["parameter_defaults"]
    assert (sent["PcsdPassword"], sent["RpcPassword"]) == ("from-the-resource", rabbit)
