"""core/legacy.py: what a tripleo-common plan was deployed with, and what stops its takeover."""
import pytest
import yaml

from tripleo_plan_actions.core import legacy
from tripleo_plan_actions.errors import PlanInputError

REGISTRY = b"resource_registry:\n  OS::TripleO::Tasks::ControllerPreConfig: OS::Heat::None\n"
FILES = {
    "overcloud-resource-registry-puppet.yaml": REGISTRY,
    "environments/net.yaml": b"parameter_defaults:\n  NtpServer: [a]\n",
    "user-environment.yaml": b"parameter_defaults:\n  AdminPassword: given-in-a-file\n",
}


def plan_environment(**sections):
    environment = {"version": 1.0, "name": "overcloud", "template": "overcloud.yaml",
                   "environments": [{"path": "overcloud-resource-registry-puppet.yaml"},
                                    {"data": {"parameter_defaults": {"Inline": 1}}},
                                    {"path": "environments/net.yaml"}]}
    environment.update(sections)
    return environment


def test_files_in_order_then_inline_data_then_the_generated_environment():
    deployed = legacy.deployed_environments(plan_environment(
        passwords={"AdminPassword": "p", "RabbitPassword": "r"},
        derived_parameters={"RabbitPassword": "derived", "NovaReservedHostMemory": 4096,
                            "ComputeParameters": {"KernelArgs": "a", "IsolCpusList": "1"}},
        parameter_defaults={"RabbitPassword": "operator", "ComputeParameters": {"KernelArgs": "b"}},
        resource_registry={"OS::TripleO::NodeUserData": "firstboot.yaml"}), FILES)
    # build_env_paths: every {path} first, every {data} after them, then the generated one
    assert deployed.paths == ["overcloud-resource-registry-puppet.yaml", "environments/net.yaml"]
    assert deployed.inline == [("environments[1]", {"parameter_defaults": {"Inline": 1}})]
    # passwords < derived_parameters (a plain update) < parameter_defaults (deep-merged)
    assert deployed.generated == {
        "parameter_defaults": {"AdminPassword": "p", "RabbitPassword": "operator", "NovaReservedHostMemory": 4096,
                               "ComputeParameters": {"KernelArgs": "b", "IsolCpusList": "1"}},
        "resource_registry": {"OS::TripleO::NodeUserData": "firstboot.yaml"}}


def test_empty_sections_generate_nothing():
    deployed = legacy.deployed_environments({"environments": [{"data": {}}]}, FILES)
    assert (deployed.paths, deployed.inline, deployed.generated) == ([], [], {})


@pytest.mark.parametrize("environments, message", [
    ([{"path": "environments/missing.yaml"}],
     r"environments\[0\]: environments/missing.yaml is not in the plan container"),
    ([{"path": "environments/net.yaml"}, "environments/net.yaml"],
     r"environments\[1\]: neither \{path: ...\} nor \{data: ...\}"),
    ({"path": "x"}, "environments must be a list"),
])
def test_a_bad_environments_list_is_named(environments, message):
    with pytest.raises(PlanInputError, match=message):
        legacy.deployed_environments({"environments": environments}, FILES)


def test_a_section_that_is_not_a_mapping_is_named():
    with pytest.raises(PlanInputError, match="plan-environment.yaml: passwords must be a mapping, not list"):
        legacy.deployed_environments({"passwords": ["a"]}, FILES)


def test_a_pending_update_prepare_is_found_and_named():
    files = {**FILES, "environments/lifecycle/update-prepare.yaml": yaml.safe_dump({"resource_registry": {
        "OS::TripleO::DeploymentSteps": "OS::Heat::None",
        "OS::TripleO::Tasks::*PreConfig": "OS::Heat::None",
        "OS::TripleO::Tasks::*PostConfig": "OS::Heat::None"}}).encode()}
    environment = plan_environment()
    environment["environments"].append({"path": "environments/lifecycle/update-prepare.yaml"})
    found = legacy.pending_prepare(legacy.deployed_environments(environment, files), files)
    assert found == ["environments/lifecycle/update-prepare.yaml: OS::TripleO::DeploymentSteps: OS::Heat::None",
                     "environments/lifecycle/update-prepare.yaml: OS::TripleO::Tasks::*PostConfig: OS::Heat::None",
                     "environments/lifecycle/update-prepare.yaml: OS::TripleO::Tasks::*PreConfig: OS::Heat::None"]


def test_thts_own_role_named_no_op_tasks_are_no_pending_prepare():
    # overcloud-resource-registry-puppet.yaml maps each role's tasks to OS::Heat::None by default
    assert legacy.pending_prepare(legacy.deployed_environments(plan_environment(), FILES), FILES) == []


def test_a_pending_prepare_in_inline_data_or_the_plans_registry_is_found():
    environment = plan_environment(resource_registry={"OS::TripleO::DeploymentSteps": "OS::Heat::None"})
    environment["environments"].append(
        {"data": {"resource_registry": {"OS::TripleO::Tasks::*PreConfig": "OS::Heat::None"}}})
    assert legacy.pending_prepare(legacy.deployed_environments(environment, FILES), FILES) == [
        "environments[3]: OS::TripleO::Tasks::*PreConfig: OS::Heat::None",
        "plan-environment.yaml resource_registry: OS::TripleO::DeploymentSteps: OS::Heat::None"]


def test_hidden_stack_parameters_the_plan_gives_no_value_are_missing():
    stack = {"AdminPassword": legacy.HIDDEN, "RabbitPassword": legacy.HIDDEN, "MysqlRootPassword": legacy.HIDDEN,
             "Inline": legacy.HIDDEN, "NtpServer": ["a"]}
    environment = plan_environment(passwords={"RabbitPassword": "r"})
    environment["environments"].append({"path": "user-environment.yaml"})  # as tripleoclient appended it
    deployed = legacy.deployed_environments(environment, FILES)
    # AdminPassword comes from a listed file, Inline from inline data, RabbitPassword from passwords
    assert legacy.missing_passwords(stack, deployed, FILES) == ["MysqlRootPassword"]


def test_deep_update_is_heatclients():
    assert legacy.deep_update({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": 3}, "l": [2], "n": None}) == {
        "a": {"b": 3, "c": 2}, "l": [2], "n": None}
