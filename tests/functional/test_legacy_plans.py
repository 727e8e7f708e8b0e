"""A plan and stack made by the REAL old code (tripleo-common 11.7.0, Train, run by
tests/legacy/make_plan.py in .venvs/legacy) from examples/small-overcloud with two ``-e`` files, the
second one outside the tree and referencing a nested template (and that one a script) beside it:
what the old code left in Swift and Heat, as the coming ``tripleo_plan.plan.adopt`` will find it."""
import yaml

from tests.functional.legacy import SMALL_OVERCLOUD, make_legacy_plan, remove_legacy_plan

NAME = "legacy-small"
POST_DEPLOY = """\
heat_template_version: wallaby
resources:
  Note:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: {get_file: notes/post.sh}
"""


def operator_files(directory):
    """The operator's files outside --templates: an environment, the template it maps, a script."""
    (directory / "notes").mkdir()
    (directory / "notes" / "post.sh").write_text("#!/bin/sh\necho posted\n")
    (directory / "post-deploy.yaml").write_text(POST_DEPLOY)
    outside = directory / "outside.yaml"
    outside.write_text("resource_registry:\n  OS::TripleO::PostDeploy: post-deploy.yaml\n"
                       "parameter_defaults:\n  CloudName: legacy.example.com\n")
    return outside


def test_a_train_plan_with_two_environments_one_outside_the_tree(undercloud, swift, heat, tmp_path):
    outside = operator_files(tmp_path)
    debug = SMALL_OVERCLOUD / "environments" / "debug.yaml"
    made = make_legacy_plan(undercloud, NAME, environments=(debug, outside))
    try:
        print(f"legacy plan made in {made.seconds:.1f} s")
        assert made.stack_status == "CREATE_COMPLETE"
        assert made.environments == [str(debug), str(outside)]
        assert swift.head_container(NAME)["x-container-meta-usage-tripleo"] == "plan"
        objects = {entry["name"] for entry in swift.get_container(NAME, full_listing=True)[1]}
        user_files = f"user-files{tmp_path}"
        assert {"plan-environment.yaml", "user-environment.yaml", "overcloud.yaml", f"{user_files}/post-deploy.yaml",
                f"{user_files}/notes/post.sh", "user-environments/tripleoclient-parameters.yaml"} <= objects

        plan_env = yaml.safe_load(swift.get_object(NAME, "plan-environment.yaml")[1])
        assert plan_env["environments"] == [{"path": "overcloud-resource-registry-puppet.yaml"},
                                            {"path": "environments/containers-default-parameters.yaml"},
                                            {"path": "user-environment.yaml"}]
        assert plan_env["passwords"] == made.passwords and "AdminPassword" in made.passwords
        defaults = plan_env["parameter_defaults"]
        assert (defaults["Debug"], defaults["CloudName"], defaults["RootStackName"]) == (True, "legacy.example.com",
                                                                                         NAME)
        # the merged -e files without their parameter_defaults, links rewritten into user-files/
        user_env = yaml.safe_load(swift.get_object(NAME, "user-environment.yaml")[1])
        assert user_env == {"resource_registry": {"OS::TripleO::PostDeploy": f"{user_files}/post-deploy.yaml"}}
        nested = yaml.safe_load(swift.get_object(NAME, f"{user_files}/post-deploy.yaml")[1])
        assert nested["resources"]["Note"]["properties"]["config"] == {"get_file": "notes/post.sh"}
        assert swift.get_object(NAME, f"{user_files}/notes/post.sh")[1] == b"#!/bin/sh\necho posted\n"

        assert heat.stacks.get(made.stack_id).stack_status == "CREATE_COMPLETE"
        stack_env = heat.stacks.environment(made.stack_id)
        merged = stack_env["parameter_defaults"]
        assert merged["AdminPassword"] == "******"  # hidden in the template
        assert merged["AodhPassword"] == made.passwords["AodhPassword"]  # not a parameter of it: shown
        assert (merged["Debug"], merged["CloudName"], merged["RootStackName"]) == (True, "legacy.example.com", NAME)
        assert merged["DeployIdentifier"] == defaults["DeployIdentifier"] != ""
        registry = stack_env["resource_registry"]
        assert registry["OS::TripleO::PostDeploy"].endswith(f"/{NAME}/{user_files}/post-deploy.yaml")
    finally:
        remove_legacy_plan(undercloud, made)
