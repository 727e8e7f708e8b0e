"""``openstack overcloud deploy``'s options in ``tripleo-plan``: their resolution (pure, on a
temporary disk), the requests the client builds from them (nothing sent) and the server's
preparation of -r/-n/-p and --skip-deploy-identifier (in memory)."""
import pytest
import yaml

from tripleo_plan_actions.client import PlanClient, commands, deploy_options
from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.core.environment import PARAMETERS_ENVIRONMENT
from tripleo_plan_actions.errors import ConfigurationError, PlanInputError
from tripleo_plan_actions.operations import deploy, finish, replay, stack, update

PLAN = "overcloud"


def write(path, text="parameter_defaults: {}\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


# -- resolution -------------------------------------------------------------------------------

def test_order_is_directories_then_answers_environments_then_e_files(tmp_path):
    home = tmp_path / "home"
    default = [write(home / ".tripleo/environments" / n) for n in ("b.yaml", "a.yaml")]
    write(home / ".tripleo/environments/skipped.yml")  # tripleoclient globs *.yaml only
    given = [write(tmp_path / "d1" / n) for n in ("z.yaml", "y.yaml")]
    variable = write(tmp_path / "d2/v.yaml")
    answers = write(tmp_path / "answers.yaml", yaml.safe_dump(
        {"templates": "/tht", "environments": ["/x/ans1.yaml", "/x/ans2.yaml"]}))
    resolved = deploy_options.resolve(
        environments=["/x/e.yaml"], answers_file=answers, directories=[str(tmp_path / "d1")],
        environ={"HOME": str(home), "TRIPLEO_ENVIRONMENT_DIRECTORY": str(tmp_path / "d2")})
    assert resolved.environments == [*sorted(default), *sorted(given), variable, "/x/ans1.yaml", "/x/ans2.yaml",
                                      "/x/e.yaml"]
    assert resolved.templates == "/tht"


def test_templates_given_win_over_the_answers_file_and_roles_networks_come_from_it(tmp_path):
    answers = write(tmp_path / "a.yaml", "templates: /tht\nroles: r.yaml\nnetworks: n.yaml\n")
    resolved = deploy_options.resolve(answers_file=answers, templates="/mine", environ={"HOME": str(tmp_path)})
    assert (resolved.templates, resolved.roles_file, resolved.networks_file, resolved.environments) == \
        ("/mine", "r.yaml", "n.yaml", [])


def test_the_default_directory_missing_is_no_error_a_given_one_is(tmp_path):
    assert deploy_options.resolve(environ={"HOME": str(tmp_path)}).environments == []
    with pytest.raises(PlanInputError, match=r"--environment-directory /nope: no such directory"):
        deploy_options.resolve(directories=["/nope"], environ={"HOME": str(tmp_path)})


@pytest.mark.parametrize("text, message", [
    (None, r"--answers-file .*/answers.yaml: no such file"),
    ("- a\n- b\n", r"answers.yaml: must be a mapping .* not list"),
    ("templates: /t\nextra: 1\nparameters: {}\n", r"answers.yaml: unknown keys extra, parameters \(it takes"),
    ("environments: a.yaml\n", r"answers.yaml: environments must be a list of file paths"),
    ("templates: [1]\n", r"answers.yaml: templates must be a path"),
    ("templates: [\n", r"--answers-file .*answers.yaml.*YAML does not parse"),
])
def test_a_bad_answers_file_is_refused_naming_it(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(PlanInputError, match=message):
        deploy_options.resolve(answers_file=str(path), environ={"HOME": str(tmp_path)})


def test_plan_and_stack_name():
    assert deploy_options.plan_name(None, None) == "overcloud"
    assert deploy_options.plan_name("a", None) == deploy_options.plan_name(None, "a") == \
        deploy_options.plan_name("a", "a") == "a"
    with pytest.raises(PlanInputError, match="PLAN a and --stack b name different plans"):
        deploy_options.plan_name("a", "b")


def test_a_plan_environment_file_is_split_into_plan_sections_and_parameters():
    honoured, defaults = deploy_options.plan_environment("/p.yaml", yaml.safe_dump({
        "version": 1.0, "name": "x", "template": "overcloud.yaml", "description": "d",
        "environments": [{"path": "environments/e.yaml"}], "parameter_defaults": {"Debug": True}}).encode())
    assert honoured == {"description": "d", "environments": [{"path": "environments/e.yaml"}]}
    assert yaml.safe_load(defaults) == {"parameter_defaults": {"Debug": True}}
    assert deploy_options.plan_environment("/p.yaml", b"description: d\n") == ({"description": "d"}, None)


@pytest.mark.parametrize("text, message", [
    ("passwords: {AdminPassword: x}\n", r"refused sections passwords \(passwords: the plan generated"),
    ("workflow_parameters: {}\nfoo: 1\n", r"refused sections foo, workflow_parameters \(foo: not a section"),
    ("template: other.yaml\n", "template must be overcloud.yaml"),
    ("environments: [x.yaml]\n", r"environments must be a list of \{path"),
    ("- 1\n", "must be a mapping of sections"),
])
def test_a_plan_environment_file_section_the_pack_does_not_take_is_refused(text, message):
    with pytest.raises(PlanInputError, match="-p/--plan-environment-file /p.yaml: " + message):
        deploy_options.plan_environment("/p.yaml", text.encode())


def test_refused_passwords_are_never_quoted():
    with pytest.raises(PlanInputError) as error:
        deploy_options.plan_environment("/p.yaml", b"passwords: {AdminPassword: s3cr3t}\n")
    assert "s3cr3t" not in str(error.value)


# -- the requests the client builds (nothing sent) ----------------------------------------------

def inputs(operation, environments=(), **options):
    return PlanClient(None, None, templates_dir="/tht").operation_inputs(PLAN, operation, environments, **options)


def test_deploy_request_with_roles_networks_plan_environment_and_skip(tmp_path):
    roles, networks = write(tmp_path / "roles.yaml", "- name: Controller\n"), write(tmp_path / "n.yaml", "[]\n")
    e = write(tmp_path / "e.yaml")
    p = write(tmp_path / "plan-env.yaml", "description: mine\nparameter_defaults: {Debug: true}\n")
    sent = inputs("deploy", [e], roles_file=roles, networks_file=networks, plan_environment_file=p,
                  skip_deploy_identifier=True, timeout_minutes=10)
    assert sent["roles_data"] == "- name: Controller\n" and sent["network_data"] == "[]\n"
    assert sent["plan_environment"] == {"description": "mine"}
    assert [x["path"] for x in sent["environments"]] == [e, p]  # -p's parameter_defaults after the -e files
    assert yaml.safe_load(sent["environments"][1]["content"]) == {"parameter_defaults": {"Debug": True}}
    assert (sent["skip_deploy_identifier"], sent["timeout"]) == (True, 10)


def test_without_the_new_options_the_request_is_as_before(tmp_path):
    e = write(tmp_path / "e.yaml")
    assert set(inputs("deploy", [e])) == {"plan", "environments", "user_files"}


def test_a_plan_environment_setting_a_secret_never_goes_inline(tmp_path):
    p = write(tmp_path / "p.yaml", "parameter_defaults: {AdminPassword: s3cr3t}\n")
    with pytest.raises(ConfigurationError, match="must be uploaded to Swift"):
        inputs("deploy", plan_environment_file=p)


def test_missing_option_files_are_named_before_anything_is_sent(tmp_path):
    with pytest.raises(Exception, match=str(tmp_path / "nope.yaml")):
        inputs("deploy", roles_file=str(tmp_path / "nope.yaml"))
    with pytest.raises(Exception, match=str(tmp_path / "nope.yaml")):
        inputs("deploy", plan_environment_file=str(tmp_path / "nope.yaml"))


def test_update_takes_skip_but_not_the_plan_files():
    assert inputs("update", skip_deploy_identifier=True)["skip_deploy_identifier"] is True
    with pytest.raises(PlanInputError, match="update does not take roles_data"):
        inputs("update", roles_file="/r.yaml")


def parsed(command, argv):
    return command(None, None).get_parser("tripleo-plan").parse_args(argv)


def test_the_old_command_line_parses(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    e, answers = write(tmp_path / "e.yaml"), write(tmp_path / "ans.yaml", "environments: [/x/a.yaml]\n")
    a = parsed(commands.Deploy, ["--stack", "oc", "--templates", "-r", "r.yaml", "-n", "n.yaml", "-p", "p.yaml",
                                 "-e", e, "--answers-file", answers, "-t", "10", "--skip-deploy-identifier"])
    assert (a.name, a.stack, a.templates, a.timeout, a.skip_deploy_identifier) == \
        (None, "oc", commands.DEFAULT_TEMPLATES, 10, True)
    resolved = commands.Deploy(None, None).resolved(a)
    assert (resolved.environments, resolved.roles_file) == (["/x/a.yaml", e], "r.yaml")


def test_update_refuses_roles_file_saying_how_to_change_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    a = parsed(commands.Update, ["oc", "-r", "r.yaml"])
    with pytest.raises(PlanInputError, match=r"-r/--roles-file r.yaml: update does not amend the plan .* plan amend"):
        commands.Update(None, None).resolved(a)


# -- the server: the plan amended in the deploy, and the DeployIdentifier kept ------------------------

def identifier_sent(ctx):
    files = ctx.stacks.stacks[PLAN]["arguments"]["files"]
    return yaml.safe_load(files[PARAMETERS_ENVIRONMENT])["parameter_defaults"]["DeployIdentifier"]


def test_skip_deploy_identifier_sends_the_stacks_current_one_else_empty(ctx):
    state = deploy.read_state(ctx, deploy.Request(plan=PLAN))
    stamp = stack.Stamp("exec-9", "admin", "2026-12-01T12:00:00Z", "111")
    assert replay.deploy_identifier(deploy.Request(plan=PLAN), state, stamp) == "111"
    assert replay.deploy_identifier(deploy.Request(plan=PLAN, skip_deploy_identifier=True), state, stamp) == ""
    state.stack = stack.Stack(PLAN, "id", "CREATE_COMPLETE", None, deploy_identifier="42")
    skipped = update.Request(plan=PLAN, skip_deploy_identifier=True)
    assert replay.deploy_identifier(skipped, state, stamp) == "42"
    op = replay.prepare("update", skipped, state, stamp)
    assert op.record["skip_deploy_identifier"] is True


def test_an_update_with_skip_keeps_the_identifier_without_it_a_new_one(ctx):
    started = deploy.start(deploy.Request(plan=PLAN), ctx)
    ctx.stacks.settle(PLAN)
    finish.finish(ctx, PLAN, started["revision"], started["stack"])
    first = identifier_sent(ctx)
    ctx.now = lambda: "2026-12-01T13:00:00Z"
    update.start(update.Request(plan=PLAN, skip_deploy_identifier=True, force_unlock=True), ctx)
    assert identifier_sent(ctx) == first
    ctx.stacks.settle(PLAN)
    ctx.now = lambda: "2026-12-01T14:00:00Z"
    update.start(update.Request(plan=PLAN, force_unlock=True), ctx)
    assert identifier_sent(ctx) != first


def test_deploy_amends_the_plan_first_in_one_revision(ctx):
    roles = yaml.safe_load(ctx.store.plans[PLAN][plans.ROLES_DATA])
    roles[0]["description"] = "amended"
    given = yaml.safe_dump(roles)
    env_paths = [{"path": "overcloud-resource-registry-puppet.yaml"}]
    started = deploy.start(deploy.Request(plan=PLAN, roles_data=given,
                                          plan_environment={"description": "d", "environments": env_paths}), ctx)
    files = ctx.store.plans[PLAN]
    assert files[plans.ROLES_DATA] == given.encode()
    assert yaml.safe_load(files[plans.PLAN_ENVIRONMENT])["description"] == "d"
    assert yaml.safe_load(files[plans.PLAN_ENVIRONMENT])["passwords"]  # kept
    written = ctx.store.revision(PLAN, started["revision"])
    assert started["revision"] == 2 and written["operation"] == "deploy"
    assert plans.ROLES_DATA in written["amended"] and "the plan amended first" in written["message"]
    assert written["plan_digest"] == plans.plan_digest(files)


def test_a_refused_amending_deploy_writes_nothing(ctx):
    before = dict(ctx.store.plans[PLAN])
    with pytest.raises(PlanInputError, match="plan_environment: passwords cannot be set at deploy"):
        deploy.start(deploy.Request(plan=PLAN, plan_environment={"passwords": {}}), ctx)
    with pytest.raises(PlanInputError, match="environment file nope.yaml is not in plan"):
        deploy.start(deploy.Request(plan=PLAN, roles_data=before[plans.ROLES_DATA].decode(),
                                    plan_environment={"environments": [{"path": "nope.yaml"}]}), ctx)
    assert ctx.store.plans[PLAN] == before and ctx.stacks.calls == []
