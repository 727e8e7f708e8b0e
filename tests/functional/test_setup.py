"""``tripleo-plan setup`` on the real local undercloud: the pack's side of an installation, idempotent.

The session's undercloud is shared: every test that loads other workbooks loads the repository's
own again in a ``finally`` (and checks they are back).
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tripleo_plan_actions.client import PlanClient

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "workbooks"
EXAMPLE = ROOT / "examples" / "small-overcloud"
NAMES = sorted(path.stem for path in WORKBOOKS.glob("*.yaml"))
BROKEN = """---
version: '2.0'
name: tripleo_plan.broken
workflows:
  call:
    tasks:
      nope:
        action: tripleo_plan.nope
"""
# A post-deploy step that takes a few seconds: an update still running while setup loads workbooks.
SLOW_ENV = "resource_registry:\n  OS::TripleO::PostDeploy: slow-post.yaml\n"
SLOW_POST = ("heat_template_version: wallaby\nresources:\n  Slow:\n    type: OS::Heat::TestResource\n"
             "    properties: {value: slow, action_wait_secs: {create: 6, update: 6}}\n")


def setup_cli(undercloud, *args, **popen):
    """``tripleo-plan setup ARGS -f json``: (exit code, the report, stderr); with ``popen``, the process."""
    command = [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), "setup", *args, "-f", "json"]
    environment = dict(os.environ, **undercloud.client_environment())
    if popen:
        return subprocess.Popen(command, env=environment, text=True, **popen)
    done = subprocess.run(command, env=environment, text=True, capture_output=True, timeout=300)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


def copy_workbooks(directory, change=None):
    """The repository's workbooks in ``directory``, each text passed through ``change``."""
    directory.mkdir()
    for path in WORKBOOKS.glob("*.yaml"):
        text = path.read_text()
        (directory / path.name).write_text(change(text) if change else text)
    return directory


def definition(mistral, name):
    return mistral.workbooks.get(name).definition


def restore(undercloud, mistral):
    """Load the repository's workbooks again and check Mistral has exactly them."""
    code, report, stderr = setup_cli(undercloud)
    assert code == 0, stderr
    assert all(definition(mistral, n) == (WORKBOOKS / f"{n}.yaml").read_text() for n in NAMES)
    return report


def test_setup_on_the_running_undercloud_changes_nothing(undercloud, mistral):
    logs = {name: undercloud.request_log(name) for name in ("mistral", "swift")}
    marks = {name: log.mark() for name, log in logs.items()}
    code, report, stderr = setup_cli(undercloud)
    assert code == 0 and stderr == ""
    assert report["workbooks"] == dict.fromkeys(NAMES, "unchanged")
    assert report["uploads_container"] == "present" and report["ok"] is True
    assert report["actions"]["missing"] == {} and report["actions"]["declared"] >= 16
    assert report["workbooks_dir"] == str(WORKBOOKS)  # the checkout's (an editable install)
    seen = {name: [(r["method"], r["path"].split("?")[0]) for r in log.since(marks[name])
                   if r["agent"] == "tripleo-plan-client"] for name, log in logs.items()}
    # Reads only: the workbooks and the actions (one GET each), then the container's PUT (202: there).
    assert seen["mistral"] == [("GET", "/v2/workbooks"), ("GET", "/v2/actions")]
    assert [m for m, p in seen["swift"] if p.endswith("/tripleo-plan-uploads")] == ["PUT"]
    # The human summary says the same.
    human = subprocess.run([os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), "setup"],
                           env=dict(os.environ, **undercloud.client_environment()), text=True,
                           capture_output=True, timeout=300)
    assert human.returncode == 0 and "tripleo_plan.deploy: unchanged" in human.stdout


def test_a_changed_workbook_is_updated_and_mistral_has_the_new_definition(undercloud, mistral, tmp_path):
    name = "tripleo_plan.selftest"
    changed = copy_workbooks(tmp_path / "workbooks")
    text = (changed / f"{name}.yaml").read_text().replace("---\n", "---\n# a newer release of the pack\n", 1)
    (changed / f"{name}.yaml").write_text(text)
    try:
        code, report, stderr = setup_cli(undercloud, "--workbooks", str(changed), "--dry-run")
        assert code == 1 and "Workbooks not up to date: tripleo_plan.selftest" in stderr
        assert report["workbooks"][name] == "to update" and definition(mistral, name) != text  # nothing written
        code, report, stderr = setup_cli(undercloud, "--workbooks", str(changed))
        assert code == 0, stderr
        assert report["workbooks"] == {**dict.fromkeys(NAMES, "unchanged"), name: "updated"}
        assert definition(mistral, name) == text
        result = PlanClient.from_environment(environ=undercloud.client_environment()).check()
        assert result["heat"]["status"] == "CREATE_COMPLETE"  # the updated workflow runs
    finally:
        report = restore(undercloud, mistral)
    assert report["workbooks"] == {**dict.fromkeys(NAMES, "unchanged"), name: "updated"}


def test_a_missing_action_is_named_and_no_workbook_is_written(undercloud, mistral, tmp_path):
    broken = copy_workbooks(tmp_path / "workbooks")
    (broken / "tripleo_plan.broken.yaml").write_text(BROKEN)
    try:
        code, report, stderr = setup_cli(undercloud, "--workbooks", str(broken))
        assert code == 1
        assert report["actions"]["missing"] == {"tripleo_plan.nope": ["workbook tripleo_plan.broken"]}
        assert report["workbooks"]["tripleo_plan.broken"] == "to create" and report["ok"] is False
        assert "Mistral lacks actions: tripleo_plan.nope (needed by workbook tripleo_plan.broken)" in stderr
        assert "tripleo_plan.nope: not an action of this pack" in stderr and "No workbook was written." in stderr
        assert "tripleo_plan.broken" not in {w.name for w in mistral.workbooks.list()}
    finally:
        if "tripleo_plan.broken" in {w.name for w in mistral.workbooks.list()}:
            mistral.workbooks.delete("tripleo_plan.broken")


def test_a_deleted_uploads_container_is_created_again(undercloud, swift):
    from tripleo_plan_actions.storage.swift import UPLOADS

    for entry in swift.get_container(UPLOADS, full_listing=True)[1]:
        swift.delete_object(UPLOADS, entry["name"])
    swift.delete_container(UPLOADS)
    try:
        code, report, stderr = setup_cli(undercloud, "--dry-run")
        assert code == 1 and report["uploads_container"] == "missing"
        assert "tripleo-plan-uploads is missing" in stderr
        code, report, stderr = setup_cli(undercloud)
        assert code == 0 and report["uploads_container"] == "created", stderr
        swift.head_container(UPLOADS)
    finally:
        swift.put_container(UPLOADS)


def _history(client, plan):
    return [(r["number"], r["operation"], r["status"], r.get("rollback_of")) for r in client.history(plan)]


def test_an_upgrade_of_the_pack_keeps_plans_and_history(undercloud, mistral, tmp_path):
    """The previous release's workbooks (here: these, each a line different) load, a plan is made
    and deployed; then setup loads this release's while an update runs: the update ends, and update,
    history and rollback work on the plan with its old revisions intact."""
    plan = "upgraded"
    client = PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE))
    previous = copy_workbooks(tmp_path / "previous", lambda text: "# the previous release\n" + text)
    (tmp_path / "slow.yaml").write_text(SLOW_ENV)
    (tmp_path / "slow-post.yaml").write_text(SLOW_POST)
    try:
        code, report, stderr = setup_cli(undercloud, "--workbooks", str(previous))
        assert code == 0 and report["workbooks"] == dict.fromkeys(NAMES, "updated"), stderr
        client.create_plan(plan, templates_dir=str(EXAMPLE))
        client.deploy(plan, [str(EXAMPLE / "environments" / "debug.yaml"), str(tmp_path / "slow.yaml")])
        before = client.revision(plan, 2)

        started = client.mistral.start("tripleo_plan.deploy.update", {"plan": plan})
        time.sleep(1)
        code, report, stderr = setup_cli(undercloud)  # the upgrade, while the update runs
        assert code == 0 and report["workbooks"] == dict.fromkeys(NAMES, "updated"), stderr
        assert client.watch(started["id"])["revision"] == 3
    finally:
        restore(undercloud, mistral)
    assert client.update(plan)["revision"] == 4
    assert client.rollback(plan, to=2)["revision"] == 5
    assert _history(client, plan) == [(5, "rollback", "succeeded", 2), (4, "update", "succeeded", None),
                                      (3, "update", "succeeded", None), (2, "deploy", "succeeded", None),
                                      (1, "create", "succeeded", None)]
    assert client.revision(plan, 2) == before
    assert client.diff(plan, 2, 5)["environments"]["added"] == []
    client.undeploy(plan)
