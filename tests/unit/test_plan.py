import pytest
import yaml

from tests.plan_fixtures import ROLES, templates
from tripleo_plan_actions.core import passwords, plan
from tripleo_plan_actions.core.plan import PlanInputError


def new(**kwargs):
    return plan.new_plan("overcloud", templates(), generated_passwords={"AdminPassword": "s3cret"}, **kwargs)


@pytest.mark.parametrize("name", ["overcloud", "Cloud-2", "a"])
def test_valid_names(name):
    assert plan.check_name(name) == name


@pytest.mark.parametrize("name", ["", "2cloud", "over_cloud", "a/b", "a.b", "x" * 129, None,
                                  "over cloud", "p-tripleo-plan"])
def test_invalid_names(name):
    with pytest.raises(PlanInputError, match="plan name"):
        plan.check_name(name)


def test_new_plan_layout():
    files = new(description="lab")
    environment = yaml.safe_load(files["plan-environment.yaml"])
    assert environment == {
        "version": 1.0, "name": "overcloud", "description": "lab", "template": "overcloud.yaml",
        "environments": [{"path": "overcloud-resource-registry-puppet.yaml"}],
        "parameter_defaults": {}, "passwords": {"AdminPassword": "s3cret"}}
    # network_data_default.yaml is the default network data, as THT's client used.
    assert files["network_data.yaml"] == b"[]\n"
    assert set(templates()) < set(files)


def test_given_roles_and_networks_replace_the_trees():
    networks = b"- name: External\n  name_lower: external\n"
    files = new(roles_data=b"- name: Solo\n", network_data=networks)
    assert files["roles_data.yaml"] == b"- name: Solo\n"
    assert files["network_data.yaml"] == networks


def test_existing_plan_environment_keeps_its_passwords():
    tree = templates()
    tree["plan-environment.yaml"] = b"environments: [{path: a.yaml}]\npasswords: {AdminPassword: kept}\n"
    files = plan.new_plan("p", tree, generated_passwords={"AdminPassword": "new", "NovaPassword": "n"})
    environment = yaml.safe_load(files["plan-environment.yaml"])
    assert environment["passwords"] == {"AdminPassword": "kept", "NovaPassword": "n"}
    assert environment["environments"] == [{"path": "a.yaml"}] and environment["name"] == "p"


def test_yaml_error_names_file_and_line():
    tree = templates()
    tree["environments/broken.yaml"] = b"parameter_defaults:\n  A: 1\n   B: [\n"
    with pytest.raises(PlanInputError, match=r"environments/broken.yaml, line 3, column \d+: YAML does not parse"):
        plan.new_plan("overcloud", tree)


def test_bad_roles_data():
    with pytest.raises(PlanInputError, match="roles_data.yaml: must be a list of roles"):
        new(roles_data=b"Controller: 1\n")


def test_missing_root_template():
    tree = templates()
    del tree["overcloud.j2.yaml"]
    with pytest.raises(PlanInputError, match="no overcloud.yaml"):
        plan.new_plan("overcloud", tree)


def test_amend_adds_replaces_deletes():
    files = new()
    result, changes = plan.amend(files, {"environments/debug.yaml": b"parameter_defaults: {Debug: false}\n",
                                         "user/extra.yaml": b"a: 1\n"}, ["puppet/services/keystone.yaml"])
    assert changes == {"added": ["user/extra.yaml"], "replaced": ["environments/debug.yaml"],
                       "deleted": ["puppet/services/keystone.yaml"]}
    assert "puppet/services/keystone.yaml" not in result and result["user/extra.yaml"] == b"a: 1\n"
    assert files["environments/debug.yaml"] != result["environments/debug.yaml"]  # input untouched


def test_amend_protects_meta_files_and_keeps_passwords():
    files = new()
    replacement = {"plan-environment.yaml": b"environments: []\nparameter_defaults: {Debug: true}\n"}
    with pytest.raises(PlanInputError, match="plan-environment.yaml .* allow_meta"):
        plan.amend(files, replacement)
    result, _ = plan.amend(files, replacement, allow_meta=True)
    environment = yaml.safe_load(result["plan-environment.yaml"])
    assert environment["passwords"] == {"AdminPassword": "s3cret"}
    assert environment["parameter_defaults"] == {"Debug": True}


@pytest.mark.parametrize("delete,message", [
    (["nope.yaml"], "no such file"), (["roles_data.yaml"], "every plan needs one"),
])
def test_amend_refusals(delete, message):
    with pytest.raises(PlanInputError, match=message):
        plan.amend(new(), {}, delete)


def test_amend_checks_yaml_of_new_files():
    with pytest.raises(PlanInputError, match="env.yaml, line 2, column 4"):
        plan.amend(new(), {"env.yaml": b"a: 1\n  b: 2\n"})


def test_describe_masks_secrets():
    files = new()
    files["plan-environment.yaml"] = plan.dump_yaml({
        **yaml.safe_load(files["plan-environment.yaml"]),
        "parameter_defaults": {"NovaPassword": "hide-me", "ComputeCount": 3}})
    shown = plan.describe("overcloud", files)
    assert shown["parameters"] == {"NovaPassword": passwords.MASK, "ComputeCount": 3}
    assert shown["passwords"] == ["AdminPassword"] and "s3cret" not in repr(shown)
    assert shown["roles"][0] == {"name": "Controller", "count": 1, "tags": ["primary", "controller"]}
    assert {"path": "environments/debug.yaml", "description": "Enable debug logging everywhere."} \
        in shown["available_environments"]
    assert {"path": "environments/described.yaml", "description": "Turns on the thing."} \
        in shown["available_environments"]
    assert {"path": "environments/network-environment.yaml", "description": "Network settings."} \
        in shown["available_environments"]
    assert yaml.safe_load(ROLES)[1]["name"] == shown["roles"][1]["name"]


def test_render_in_place_keeps_sources_and_skips_unchanged_inputs():
    from tripleo_plan_actions.core.render import Renderer

    renderer = Renderer()
    files = new()
    rendered, info = plan.render(files, renderer)
    assert info == {"rendered": 3, "skipped": False, "removed": []}
    assert rendered["overcloud.yaml"] == b"heat_template_version: wallaby\n# Controller\n# Compute\n"
    assert "overcloud.j2.yaml" in rendered and "environments/network-environment.yaml" in rendered

    amended, _ = plan.amend(rendered, {"environments/debug.yaml": b"a: 1\n"})
    same, info = plan.render(amended, renderer, previous=rendered)
    assert info["skipped"] and same == amended

    fewer, _ = plan.amend(rendered, {"roles_data.yaml": b"- name: Controller\n"})
    again, info = plan.render(fewer, renderer, previous=rendered)
    assert not info["skipped"] and again["overcloud.yaml"] == b"heat_template_version: wallaby\n# Controller\n"


def test_render_removes_outputs_no_longer_made():
    from tripleo_plan_actions.core.render import Renderer

    tree = {**templates(), "roles.role.j2.yaml": b"name: {{role}}\n"}
    files = plan.new_plan("p", tree)
    rendered, _ = plan.render(files, Renderer())
    assert {"controller-roles.yaml", "compute-roles.yaml"} <= set(rendered)
    fewer, _ = plan.amend(rendered, {"roles_data.yaml": b"- name: Controller\n"})
    again, info = plan.render(fewer, Renderer(), previous=rendered)
    assert info["removed"] == ["compute-roles.yaml"] and "compute-roles.yaml" not in again
