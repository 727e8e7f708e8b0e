"""Plans and stacks made by the REAL old code (tripleo-common 11.7.0, Train, run by
tests/legacy/make_plan.py in .venvs/legacy) from examples/small-overcloud, then adopted with the
real CLI (``tripleo-plan plan adopt``) and updated with no ``-e``: the stack's environment
(Heat's ``stacks.environment``) is as tripleo-common left it, no password changed.

The first plan has two ``-e`` files, the second one outside the tree and referencing a nested
template (and that one a script) beside it; the second lacks a password its stack uses (refused,
then adopted once the operator gives it); the third has an update prepared, never converged
(refused)."""
import copy
import json

import yaml

from tests.functional.legacy import SMALL_OVERCLOUD, make_legacy_plan, remove_legacy_plan
from tests.functional.test_thin_client import cli

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

        adopted_then_updated(undercloud, swift, heat, made)
    finally:
        remove_legacy_plan(undercloud, made)


def comparable(environment, plan):
    """``stacks.environment`` without its DeployIdentifier, the registry's paths relative to the
    plan: tripleo-common sent the Swift URLs of the plan's objects, the pack sends their paths."""
    environment = copy.deepcopy(environment)
    environment["parameter_defaults"].pop("DeployIdentifier")

    def relative(value):
        if isinstance(value, dict):
            return {key: relative(item) for key, item in value.items()}
        if isinstance(value, str) and value.startswith("http") and f"/{plan}/" in value:
            return value.split(f"/{plan}/", 1)[1]
        return value

    environment["resource_registry"] = relative(environment["resource_registry"])
    return environment


def objects(swift, container):
    return {entry["name"]: entry["hash"] for entry in swift.get_container(container, full_listing=True)[1]}


def admin_key(heat, made):
    return heat.resources.get(made.stack_id, "AdminKey").attributes["value"]


def adopted_then_updated(undercloud, swift, heat, made, *adopt_options):
    """Adopt ``made`` with the CLI, then ``update`` it with no -e: UPDATE_COMPLETE, the same stack
    environment, the same AdminPassword (hidden: read through the resource that uses it), the
    old container unwritten, and the history 1 adopt, 2 update."""
    before, old_objects = heat.stacks.environment(made.stack_id), objects(swift, made.name)
    swift_log, heat_log = undercloud.request_log("swift"), undercloud.request_log("heat")
    marks = swift_log.mark(), heat_log.mark()
    adopted = cli(undercloud, "plan", "adopt", made.name, *adopt_options, "-f", "json")
    assert adopted.returncode == 0, adopted.stderr
    # Swift: HEAD records' container (a killed adopt's?), account listing, HEAD + listing + 1 GET
    # per object of the plan container, PUT records' container + plan archive, inputs listing +
    # PUT replay archive, PUT revision 1 (+ the client's upload of the passwords: PUT, GET, DELETE).
    calls = [(r["method"], r["path"]) for r in swift_log.since(marks[0]) if not r["path"].startswith("/auth")]
    assert len(calls) == 9 + len(old_objects) + (3 if adopt_options else 0), calls
    inside = f"/{made.name}/"
    read = [path.split(inside, 1)[1] for method, path in calls if method == "GET" and inside in path]
    assert sorted(read) == sorted(old_objects)  # each object once
    assert [method for method, _ in calls].count("PUT") == 4 + (1 if adopt_options else 0)
    assert [r["method"] for r in heat_log.since(marks[1])] == ["GET"] * 3  # the stack (found by name), its environment
    result = json.loads(adopted.stdout)
    assert (result["revision"], result["stack"]) == (1, "CREATE_COMPLETE")
    assert result["environments"][:3] == ["overcloud-resource-registry-puppet.yaml",
                                          "environments/containers-default-parameters.yaml", "user-environment.yaml"]
    assert objects(swift, made.name) == old_objects  # read, never written

    updated = cli(undercloud, "update", made.name, "--no-progress", "-f", "json")
    assert updated.returncode == 0, updated.stderr
    assert heat.stacks.get(made.stack_id).stack_status == "UPDATE_COMPLETE"
    after = heat.stacks.environment(made.stack_id)
    assert comparable(after, made.name) == comparable(before, made.name)
    assert after["parameter_defaults"]["DeployIdentifier"] != before["parameter_defaults"]["DeployIdentifier"]
    assert admin_key(heat, made) == made.passwords["AdminPassword"]
    shown = {key: value for key, value in after["parameter_defaults"].items() if key in made.passwords}
    assert shown and all(value in (made.passwords[key], "******") for key, value in shown.items())
    history = cli(undercloud, "history", made.name, "-f", "json", "-c", "number", "-c", "operation")
    assert json.loads(history.stdout) == [{"number": 2, "operation": "update"}, {"number": 1, "operation": "adopt"}]
    return result


def test_a_plan_lacking_a_password_its_stack_uses_is_refused_naming_it_then_adopted_with_it(
        undercloud, swift, heat, tmp_path):
    made = make_legacy_plan(undercloud, "legacy-lost", environments=(SMALL_OVERCLOUD / "environments" / "debug.yaml",),
                            remove_passwords=("AdminPassword",))
    try:
        assert "AdminPassword" not in yaml.safe_load(swift.get_object(made.name, "plan-environment.yaml")[1])[
            "passwords"]
        refused = cli(undercloud, "plan", "adopt", made.name)
        assert refused.returncode != 0
        assert "lacks 1 passwords its deployed stack uses" in refused.stderr and "AdminPassword" in refused.stderr
        assert made.name not in cli(undercloud, "plan", "list", "-f", "value").stdout.split()

        given = tmp_path / "passwords.yaml"
        given.write_text(yaml.safe_dump({"parameter_defaults": {"AdminPassword": made.passwords["AdminPassword"]}}))
        result = adopted_then_updated(undercloud, swift, heat, made, "--passwords-file", str(given))
        assert result["given_passwords"] == ["AdminPassword"]
    finally:
        remove_legacy_plan(undercloud, made)


def test_a_plan_with_an_update_prepared_and_never_converged_is_refused(undercloud, swift, heat):
    made = make_legacy_plan(undercloud, "legacy-prepared", update_prepare=True)
    try:
        refused = cli(undercloud, "plan", "adopt", made.name)
        assert refused.returncode != 0
        assert "prepared but not converged" in refused.stderr and "PreConfig: OS::Heat::None" in refused.stderr
        assert f"{made.name}-tripleo-plan" not in {c["name"] for c in swift.get_account()[1]}
    finally:
        remove_legacy_plan(undercloud, made)
