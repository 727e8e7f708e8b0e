"""The thin client's pure parts: progress counting and display, settings, errors before sending."""
import io
import json

import pytest

from tripleo_plan_actions import client
from tripleo_plan_actions.client import cli, commands
from tripleo_plan_actions.errors import ConfigurationError, PlanInputError
from tripleo_plan_actions.services import heat_stacks


def test_resource_progress_counts_top_level_resources_done_for_this_operation():
    resources = [
        {"action": "UPDATE", "status": "COMPLETE", "updated_time": "2026-01-01T10:00:05Z"},  # done now
        {"action": "UPDATE", "status": "COMPLETE", "updated_time": "2026-01-01T09:00:00Z"},  # last update
        {"action": "CREATE", "status": "COMPLETE", "updated_time": "2026-01-01T08:00:00Z"},  # untouched
        {"action": "UPDATE", "status": "IN_PROGRESS", "updated_time": "2026-01-01T10:00:06Z"},
    ]
    assert heat_stacks.resource_progress("UPDATE", "IN_PROGRESS", "2026-01-01T10:00:00Z", resources) == \
        {"done": 1, "total": 4}
    assert heat_stacks.resource_progress("UPDATE", "COMPLETE", "2026-01-01T10:00:00Z", resources) == \
        {"done": 4, "total": 4}
    assert heat_stacks.resource_progress("CREATE", "IN_PROGRESS", None, resources) == {"done": 1, "total": 4}
    assert heat_stacks.resource_progress("CREATE", "IN_PROGRESS", None, []) == {"done": 0, "total": 0}


def progress(state="RUNNING", step="wait", stack_status=None, resources=None):
    return client.Progress({"state": state, "id": "x"}, step, stack_status, resources)


def test_progress_lines_plain_and_bar():
    look = progress(stack_status="CREATE_IN_PROGRESS", resources={"done": 3, "total": 12})
    assert commands.ProgressReporter.describe(look) == "step wait: stack CREATE_IN_PROGRESS 3/12 resources"
    assert commands.ProgressReporter.describe(look, width=12, bar=True) == \
        "step wait: stack CREATE_IN_PROGRESS [###.........] 3/12 resources"
    assert commands.ProgressReporter.describe(progress(step=None)) == "step (starting)"
    assert commands.ProgressReporter.describe(progress(state="SUCCESS")) == "finished: SUCCESS"


def test_plain_progress_writes_one_line_per_change_and_says_how_to_resume():
    stream = io.StringIO()
    reporter = commands.ProgressReporter(stream, tty=False)
    reporter.started("e-1")
    for look in (progress(step="start"), progress(step="start"), progress(resources={"done": 1, "total": 2}),
                 progress(), progress(resources={"done": 1, "total": 2}),  # a poll whose result is not in
                 progress(state="SUCCESS")):
        reporter(look)
    reporter.interrupted()
    assert stream.getvalue().splitlines() == [
        "execution e-1 started", "step start", "step wait 1/2 resources", "finished: SUCCESS",
        "stopped watching; the operation goes on in Mistral execution e-1.",
        "Resume watching with: tripleo-plan watch e-1"]


def test_terminal_progress_redraws_one_line():
    stream = io.StringIO()
    reporter = commands.ProgressReporter(stream, tty=True)
    reporter(progress(resources={"done": 0, "total": 2}))
    reporter(progress(resources={"done": 2, "total": 2}))
    reporter(progress(state="SUCCESS"))
    assert stream.getvalue().count("\r\033[K") == 3 and stream.getvalue().endswith("finished: SUCCESS\n")


def test_pairs_are_yaml_values_and_bad_ones_are_named():
    assert commands._pairs(["A=1", "B=[x, y]", "C={k: v}"], "--parameter") == {"A": 1, "B": ["x", "y"], "C": {"k": "v"}}
    assert commands._pairs(["Compute=3"], "--role-count", int) == {"Compute": 3}
    with pytest.raises(PlanInputError, match="--role-count Compute: use NAME=VALUE"):
        commands._pairs(["Compute"], "--role-count", int)
    with pytest.raises(PlanInputError, match="--role-count Compute=many"):
        commands._pairs(["Compute=many"], "--role-count", int)


def test_show_columns_keep_nested_values_for_machine_formats():
    names, values = commands.one({"b": {"x": 1}, "a": 2})
    assert names == ("a", "b") and values[0] == 2
    assert values[1].machine_readable() == {"x": 1} and values[1].human_readable() == "x: 1"


def test_connect_reads_the_local_settings_file(tmp_path):
    settings = tmp_path / "services.yaml"
    settings.write_text(json.dumps({"mistral": {"endpoint": "http://127.0.0.1:1/v2"},
                                    "swift": {"auth_url": "http://127.0.0.1:2/auth/v1.0", "user": "a:b", "key": "k"}}))
    found = client.connect(None, {"TRIPLEO_PLAN_ACTIONS_CONFIG": str(settings)})
    assert found.source == "settings" and found.mistral.url == "http://127.0.0.1:1/v2"
    assert found.swift.access.auth_url == "http://127.0.0.1:2/auth/v1.0"
    assert found.mistral.agent == found.swift.agent == client.CLIENT_AGENT
    assert isinstance(found.mistral, client.MistralClient)
    # --mistral-url and OS_MISTRAL_URL come first
    assert client.connect("http://h:3/v2", {"TRIPLEO_PLAN_ACTIONS_CONFIG": str(settings)}).mistral.url == "http://h:3/v2"
    nothing = client.connect(None, {"TRIPLEO_PLAN_ACTIONS_CONFIG": str(tmp_path / "none.yaml"),
                                    "OS_MISTRAL_URL": "http://h:4/v2"})
    assert nothing.source == "default" and nothing.swift is None and nothing.mistral.url == "http://h:4/v2"


def test_incomplete_keystone_settings_are_a_clear_error():
    with pytest.raises(ConfigurationError, match="^Keystone at http://127.0.0.1:1/v3: password is a required"):
        client.connect(None, {"OS_AUTH_URL": "http://127.0.0.1:1/v3", "OS_AUTH_TYPE": "password"})


def test_a_missing_environment_file_fails_before_anything_is_sent(tmp_path, capsys, monkeypatch):
    env = tmp_path / "env.yaml"
    env.write_text("resource_registry:\n  OS::TripleO::X: missing/nested.yaml\n")
    monkeypatch.setenv("TRIPLEO_PLAN_ACTIONS_CONFIG", str(tmp_path / "none.yaml"))
    # Port 9 (discard) is closed: had the client sent anything, the error would be "cannot reach".
    code = cli.main(["--mistral-url", "http://127.0.0.1:9/v2", "deploy", "p", "-e", str(env), "--no-progress"])
    assert code == 1
    assert f"{tmp_path}/missing/nested.yaml does not exist (referenced by {env}: resource_registry " \
           "OS::TripleO::X -> missing/nested.yaml)" in capsys.readouterr().err


def test_a_large_shipment_without_swift_settings_is_a_clear_error(tmp_path, capsys, monkeypatch):
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  Big: '" + "x" * 70000 + "'\n")
    monkeypatch.setenv("TRIPLEO_PLAN_ACTIONS_CONFIG", str(tmp_path / "none.yaml"))
    code = cli.main(["--mistral-url", "http://127.0.0.1:9/v2", "update", "p", "-e", str(env), "--no-progress"])
    assert code == 1
    assert "the environment files must be uploaded to Swift, and no setting says where Swift is" in \
        capsys.readouterr().err


def test_an_unreachable_mistral_is_named(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRIPLEO_PLAN_ACTIONS_CONFIG", str(tmp_path / "none.yaml"))
    assert cli.main(["--mistral-url", "http://127.0.0.1:9/v2", "plan", "list", "--no-progress"]) == 1
    assert "cannot reach Mistral at http://127.0.0.1:9/v2" in capsys.readouterr().err


def test_the_openstack_plugin_declares_the_same_commands():
    import configparser
    import importlib
    from pathlib import Path

    from cliff.command import Command

    from tripleo_plan_actions.client import osc_plugin

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).resolve().parents[2] / "setup.cfg")
    entry_points = setup["options.entry_points"]
    assert entry_points["openstack.cli.extension"].strip() == \
        f"{osc_plugin.API_NAME} = tripleo_plan_actions.client.osc_plugin"
    declared = {}
    for line in entry_points[f"openstack.{osc_plugin.API_NAME}.v1"].strip().splitlines():
        name, target = (part.strip() for part in line.split("="))
        module, _, attribute = target.partition(":")
        declared[name] = getattr(importlib.import_module(module), attribute)
    assert all(issubclass(command, Command) for command in declared.values())
    # "openstack tripleo plan deploy" runs the class "tripleo-plan deploy" runs
    assert set(osc_plugin.OPENSTACK_NAMES) == set(cli.COMMANDS)
    assert declared == {osc_plugin.OPENSTACK_NAMES[name].replace(" ", "_"): command
                        for name, command in cli.COMMANDS.items()}


def test_the_openstack_plugin_builds_the_client_on_the_osc_session(monkeypatch):
    from tripleo_plan_actions.client import osc_plugin

    class Session:
        verify = True

        def get_endpoint(self, service_type, interface, region_name):
            assert (interface, region_name) == ("internal", "regionOne")
            return {"workflowv2": "http://m/v2", "object-store": "http://s/v1/AUTH_p"}[service_type]

    class Instance:
        session = Session()
        interface = "internal"
        region_name = "regionOne"

    monkeypatch.setenv("TRIPLEO_PLAN_TEMPLATES", "/tht")
    made = osc_plugin.make_client(Instance())
    assert isinstance(made, client.PlanClient) and made.templates_dir == "/tht"
    assert (made.mistral.url, made.mistral.session, made.mistral.agent) == ("http://m/v2", Instance.session,
                                                                            client.CLIENT_AGENT)
    assert made.swift.access.url == "http://s/v1/AUTH_p" and made.swift.access.session is Instance.session
    assert made.swift.agent == client.CLIENT_AGENT
