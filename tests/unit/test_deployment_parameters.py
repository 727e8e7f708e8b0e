"""The parameters python-tripleoclient 20.0.0 computed on the client, computed by the pure core."""
import copy

import pytest
import yaml

from tripleo_plan_actions.core import deployment_parameters as dp, environment as env
from tripleo_plan_actions.errors import PlanInputError

S = dp.SERVICE_PREFIX
ROLES = [
    {"name": "Controller", "CountDefault": 1,
     "ServicesDefault": [S + "Keystone", S + "NovaApi", S + "OVNDBs", S + "Sshd"]},
    {"name": "Compute", "CountDefault": 1, "ServicesDefault": [S + "NovaCompute", S + "OVNController", S + "Sshd"]},
    {"name": "CephStorage", "ServicesDefault": [S + "CephOSD", S + "Sshd"]},
]


# -- services ---------------------------------------------------------------------------------

def test_count_from_parameter_defaults_then_count_default_then_zero():
    assert dp.role_count(ROLES[0], {}) == 1
    assert dp.role_count(ROLES[0], {"ControllerCount": "3"}) == 3
    assert dp.role_count(ROLES[2], {}) == 0
    with pytest.raises(PlanInputError, match="ControllerCount must be an integer"):
        dp.role_count(ROLES[0], {"ControllerCount": "many"})


def test_services_default_without_the_none_mapped_and_empty_for_count_zero():
    registry = {S + "NovaApi": "OS::Heat::None", S + "Sshd": "deployment/sshd/sshd-baremetal-ansible.yaml"}
    services = dp.enabled_services(ROLES, registry, {"ComputeCount": 2})
    assert services == {
        "ControllerServices": [S + "Keystone", S + "OVNDBs", S + "Sshd"],  # order kept
        "ComputeServices": [S + "NovaCompute", S + "OVNController", S + "Sshd"],
        "CephStorageServices": [],
    }
    assert ROLES[0]["ServicesDefault"][1] == S + "NovaApi"  # the roles are not changed


def test_services_given_by_the_environments_are_used_unless_the_count_is_zero():
    given = {"ComputeServices": [S + "Sshd"], "CephStorageServices": [S + "CephOSD"]}
    services = dp.enabled_services(ROLES, {}, given)
    assert services["ComputeServices"] == [S + "Sshd"]
    assert services["CephStorageServices"] == []
    # A role with no ServicesDefault and a count: no services.
    assert dp.enabled_services([{"name": "Bare", "CountDefault": 2}], {}, {}) == {"BareServices": []}


# -- container images -------------------------------------------------------------------------

def test_default_image_parameters_are_all_148_with_the_default_names():
    images = dp.default_image_parameters()
    assert len(images) == 148
    assert images["ContainerKeystoneImage"] == "quay.io/tripleomastercentos9/openstack-keystone:current-tripleo"
    assert images["ContainerOvnControllerImage"].endswith("/openstack-ovn-controller:current-tripleo")
    assert images["ContainerCephDaemonImage"] == "quay.rdoproject.org/tripleomastercentos9/daemon:current-ceph"
    assert images["HaproxyContainerImage"] == "quay.io/ceph/haproxy:2.3"
    assert images["ContainerAEEImage"] == "quay.io/tripleomastercentos9/tripleo-ansible-ee:current-tripleo"
    assert all(name.startswith(("Container", "Prometheus", "AlertManager", "NodeExporter", "Grafana",
                                "Keepalived", "Haproxy")) for name in images)


def test_substitutions_hyphenate_prefix_and_suffix_and_drop_conditional_images():
    images = dp.default_image_parameters({"namespace": "registry.example.com/osp", "name_prefix": "rhosp",
                                          "name_suffix": "dev", "tag": "17.1", "neutron_driver": "other",
                                          "ceph_images": False})
    assert images["ContainerNovaComputeImage"] == "registry.example.com/osp/rhosp-nova-compute-dev:17.1"
    dropped = set(dp.default_image_parameters()) - set(images)
    assert sorted(name for name in dropped if "Ovn" in name) == [
        "ContainerOvnControllerConfigImage", "ContainerOvnControllerImage", "ContainerOvnDbsConfigImage",
        "ContainerOvnDbsImage", "ContainerOvnMetadataImage", "ContainerOvnNbDbImage", "ContainerOvnNorthdImage",
        "ContainerOvnSbDbImage"]
    assert sorted(dropped - {name for name in dropped if "Ovn" in name}) == [
        "AlertManagerContainerImage", "ContainerCephDaemonImage", "GrafanaContainerImage",
        "HaproxyContainerImage", "KeepalivedContainerImage", "NodeExporterContainerImage",
        "PrometheusContainerImage"]


def test_prepare_lists_only_images_of_enabled_services():
    images = dp.prepared_image_parameters(None, {S + "NovaCompute", S + "OVNController"}, {})
    assert images == {
        "ContainerNovaComputeImage": "quay.io/tripleomastercentos9/openstack-nova-compute:current-tripleo",
        "ContainerNovaLibvirtConfigImage": "quay.io/tripleomastercentos9/openstack-nova-compute:current-tripleo",
        "ContainerNeutronApiImage": "quay.io/tripleomastercentos9/openstack-neutron-server:current-tripleo",
        "ContainerNeutronConfigImage": "quay.io/tripleomastercentos9/openstack-neutron-server:current-tripleo",
        "ContainerOvnControllerImage": "quay.io/tripleomastercentos9/openstack-ovn-controller:current-tripleo",
        "ContainerOvnControllerConfigImage": "quay.io/tripleomastercentos9/openstack-ovn-controller:current-tripleo",
    }
    # An entry that does not set neutron_driver gets it from NeutronMechanismDrivers: without OVN,
    # OVNController needs no neutron-server (the default entry sets ovn itself).
    other = dp.prepared_image_parameters([{"set": {"tag": "current-tripleo"}}],
                                         {S + "NovaCompute", S + "OVNController"},
                                         {"NeutronMechanismDrivers": ["openvswitch"]})
    assert sorted(other) == ["ContainerNovaComputeImage", "ContainerNovaLibvirtConfigImage"]


def test_prepare_entries_with_includes_excludes_and_destinations():
    services = {S + "Keystone", S + "NovaCompute", S + "Memcached"}
    prepare = [
        {"set": {"namespace": "a.example.com/a", "tag": "1"}, "excludes": ["nova"]},
        {"set": {"namespace": "b.example.com/b", "tag": "2"}, "includes": ["nova"],
         "push_destination": "192.0.2.1:8787"},
    ]
    images = dp.prepared_image_parameters(prepare, services, {})
    assert images["ContainerKeystoneImage"] == "a.example.com/a/openstack-keystone:1"
    assert images["ContainerMemcachedImage"] == "a.example.com/a/openstack-memcached:1"
    assert images["ContainerNovaComputeImage"] == "192.0.2.1:8787/b/openstack-nova-compute:2"
    local = dp.prepared_image_parameters([{"set": {"tag": "x"}, "push_destination": True}], services,
                                         {"LocalContainerRegistry": "192.0.2.9"})
    assert local["ContainerKeystoneImage"] == "192.0.2.9:8787/tripleomastercentos9/openstack-keystone:x"


@pytest.mark.parametrize("entry, message", [
    ({"tag_from_label": "rdo_version", "set": {"namespace": "x"}}, "tag_from_label needs the registry"),
    ({"set": {"tag": "1"}, "modify_role": "tripleo-modify-image"}, "modify_role"),
    ({"set": {"tag": "1"}, "push_destination": True}, "LocalContainerRegistry"),
    ("not a mapping", "must be a mapping"),
])
def test_prepare_refuses_what_needs_a_registry(entry, message):
    with pytest.raises(PlanInputError, match=message):
        dp.prepared_image_parameters([entry], {S + "Keystone"}, {})


def test_the_default_prepare_entry_needs_no_registry():
    # tag_from_label is ignored when 'set' gives a tag, as tripleo-common did.
    assert dp.prepared_image_parameters(dp.DEFAULT_PREPARE, {S + "Keystone"}, {}) == {
        "ContainerKeystoneImage": "quay.io/tripleomastercentos9/openstack-keystone:current-tripleo",
        "ContainerKeystoneConfigImage": "quay.io/tripleomastercentos9/openstack-keystone:current-tripleo"}


# -- all of it ---------------------------------------------------------------------------------

def test_deployment_parameters_for_a_merged_environment():
    environment = {
        "resource_registry": {S + "NovaApi": "OS::Heat::None"},
        "parameter_defaults": {
            "ContainerImagePrepare": [{"set": {"namespace": "r.example.com/ns", "tag": "t"}}],
            "ComputeContainerImagePrepare": [{"set": {"namespace": "c.example.com/ns", "tag": "c"}}],
        },
    }
    parameters = dp.deployment_parameters(ROLES, environment, "overcloud")
    assert parameters["RootStackName"] == "overcloud"
    assert parameters["ControllerServices"] == [S + "Keystone", S + "OVNDBs", S + "Sshd"]
    assert parameters["CephStorageServices"] == []
    # Prepared images replace the defaults for enabled services; the others keep the defaults.
    assert parameters["ContainerKeystoneImage"] == "r.example.com/ns/openstack-keystone:t"
    assert parameters["ContainerGlanceApiImage"].startswith("quay.io/tripleomastercentos9/")
    assert parameters["ComputeParameters"] == {
        name: value.replace("r.example.com/ns", "c.example.com/ns").replace(":t", ":c")
        for name, value in parameters.items()
        if name in ("ContainerNovaComputeImage", "ContainerNovaLibvirtConfigImage", "ContainerNeutronApiImage",
                    "ContainerNeutronConfigImage", "ContainerOvnControllerImage",
                    "ContainerOvnControllerConfigImage")}
    assert "ControllerParameters" not in parameters


HOT = b"heat_template_version: wallaby\n"
PLAN = {
    "overcloud.yaml": HOT + b"""parameters:
  ControllerCount: {type: number, default: 1}
  ComputeCount: {type: number, default: 1}
  CephStorageCount: {type: number, default: 0}
  ControllerServices: {type: comma_delimited_list, default: []}
  ComputeServices: {type: comma_delimited_list, default: []}
  CephStorageServices: {type: comma_delimited_list, default: []}
  RootStackName: {type: string}
  AdminPassword: {type: string, hidden: true}
  ContainerKeystoneImage: {type: string, default: ''}
""",
    "roles_data.yaml": yaml.safe_dump(ROLES).encode(),
    "overcloud-resource-registry-puppet.yaml": b"""resource_registry:
  OS::TripleO::Services::NovaApi: OS::Heat::None
parameter_defaults:
  CephStorageServices: [OS::TripleO::Services::CephOSD, OS::TripleO::Services::Sshd]
""",
}


def arguments_for(environments, parameters=None, plan=PLAN):
    return env.heat_arguments(plan, environments, parameters=parameters, passwords={"AdminPassword": "x"})


def test_the_generated_environment_comes_first_and_the_operator_wins():
    operator = b"parameter_defaults:\n  ContainerKeystoneImage: mine/keystone:1\n  ComputeCount: 0\n"
    arguments = arguments_for([{"plan_path": "overcloud-resource-registry-puppet.yaml"},
                               {"user_path": "/home/stack/images.yaml", "content": operator}])
    before = copy.deepcopy(arguments)
    result = dp.with_deployment_parameters(arguments, PLAN, "overcloud")
    assert arguments == before  # not changed
    # Right after the resource registry, whose parameter_defaults set every role's services.
    assert result["environment_files"] == [env.PASSWORDS_ENVIRONMENT, "overcloud-resource-registry-puppet.yaml",
                                           dp.GENERATED_ENVIRONMENT, "user-files/home/stack/images.yaml"]
    generated = yaml.safe_load(result["files"][dp.GENERATED_ENVIRONMENT])["parameter_defaults"]
    assert generated["ControllerServices"] == [S + "Keystone", S + "OVNDBs", S + "Sshd"]
    assert generated["ComputeServices"] == []  # the operator's count 0 was read
    assert generated["RootStackName"] == "overcloud"
    merged = env.effective_environment(result)["parameter_defaults"]
    assert merged["ContainerKeystoneImage"] == "mine/keystone:1"  # the operator's file wins
    assert merged["ControllerServices"] == generated["ControllerServices"]
    assert merged["AdminPassword"] == "x"


def test_recomputed_from_the_counts_of_each_operation():
    registry = [{"plan_path": "overcloud-resource-registry-puppet.yaml"}]
    for count, services in ((0, []), (2, [S + "CephOSD", S + "Sshd"])):
        result = dp.with_deployment_parameters(arguments_for(registry, {"CephStorageCount": count}),
                                               PLAN, "overcloud")
        merged = env.effective_environment(result)["parameter_defaults"]
        assert merged["CephStorageServices"] == services


def test_a_plan_without_roles_gets_images_and_the_root_stack_name_only():
    # Without the registry file: right after the passwords.
    result = dp.with_deployment_parameters(arguments_for([]), PLAN, "overcloud")
    assert result["environment_files"] == [env.PASSWORDS_ENVIRONMENT, dp.GENERATED_ENVIRONMENT]
    plan = {key: value for key, value in PLAN.items() if key != "roles_data.yaml"}
    result = dp.with_deployment_parameters(arguments_for([], plan=plan), plan, "small")
    generated = yaml.safe_load(result["files"][dp.GENERATED_ENVIRONMENT])["parameter_defaults"]
    assert generated["RootStackName"] == "small" and len(generated) == 149
    with pytest.raises(PlanInputError, match="roles_data.yaml: must be a list of roles"):
        dp.with_deployment_parameters(arguments_for([], plan=plan), {**plan, "roles_data.yaml": b"{}"}, "x")
