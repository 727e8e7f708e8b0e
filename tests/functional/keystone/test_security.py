"""Nobody gets in where they do not belong, on the real Keystone: no token and a bogus token are
refused by every pack workflow; a user of another project can neither read nor operate the first
project's plans and cannot tell them from plans that do not exist; a reader is refused every
change by the pack's own policy (tripleo_plan_actions/core/policy.py); revisions name the real
user and project; no token or password appears in a revision, an output or a log line of the pack."""
import concurrent.futures
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import requests
import yaml

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "small-overcloud"
WORKBOOKS = Path(__file__).resolve().parents[3] / "workbooks"
PLAN = "guarded"


def tripleo_plan(environment, *args):
    command = [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), *args]
    return subprocess.run(command, env=environment, text=True, capture_output=True, timeout=600)


def workflows():
    for path in sorted(WORKBOOKS.glob("*.yaml")):
        book = yaml.safe_load(path.read_text())
        for name in book["workflows"]:
            yield f"{book['name']}.{name}"


@pytest.fixture(scope="module")
def guarded(keystone_env):
    """Plan ``guarded`` of project admin, created and deployed by ``operator`` (role member)."""
    operator = keystone_env("operator")
    created = tripleo_plan(operator, "plan", "create", PLAN, "--templates", str(EXAMPLE))
    assert created.returncode == 0, created.stderr
    deployed = tripleo_plan(operator, "deploy", PLAN, "-e", "environments/debug.yaml", "--no-progress")
    assert deployed.returncode == 0, deployed.stderr
    return PLAN


@pytest.mark.parametrize("token", [None, "bogus-token-0123456789abcdef"])
def test_every_pack_workflow_refuses_no_token_and_a_bogus_token(undercloud, token):
    url = undercloud.endpoints["mistral"].rstrip("/") + "/executions"
    headers = {"Content-Type": "application/json", **({"X-Auth-Token": token} if token else {})}
    names = list(workflows())
    assert len(names) >= 20
    for name in names:
        answer = requests.post(url, headers=headers, timeout=30,
                               data=json.dumps({"workflow_name": name, "input": json.dumps({"plan": PLAN})}))
        assert answer.status_code == 401, (name, answer.status_code, answer.text[:200])


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _said(done):
    """What a run printed, its execution ids left out (each run has its own)."""
    return UUID.sub("<execution>", (done.stdout + done.stderr).strip())


def in_parallel(environment, commands):
    """``tripleo-plan`` with each of ``commands`` (four at a time); their completed processes, in order."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda command: tripleo_plan(environment, *command), commands))


OTHER_PROJECT_COMMANDS = [
    ["plan", "show", "{plan}"], ["history", "{plan}"], ["show", "{plan}", "1"], ["diff", "{plan}", "1", "2"],
    ["status", "{plan}"], ["plan", "export", "{plan}", "--no-secrets"], ["update", "{plan}"],
    ["undeploy", "{plan}"], ["plan", "delete", "{plan}", "--force"],
    ["plan", "amend", "{plan}", "--delete", "roles_data.yaml"],
]


def test_another_projects_user_cannot_tell_the_plan_from_a_missing_one(guarded, keystone_env):
    other = keystone_env("other")
    # no progress lines: which steps a look catches differs from run to run
    commands = [[*(part.format(plan=plan) for part in command), "--no-progress"]
                for command in OTHER_PROJECT_COMMANDS for plan in (guarded, "no-such-plan")]
    done = in_parallel(other, commands)
    for index, command in enumerate(OTHER_PROJECT_COMMANDS):
        theirs, missing = done[2 * index], done[2 * index + 1]
        assert theirs.returncode == missing.returncode == 1, (command, _said(theirs), _said(missing))
        assert _said(theirs).replace(guarded, "PLAN") == _said(missing).replace("no-such-plan", "PLAN"), command
    listed = tripleo_plan(other, "plan", "list", "-f", "value")
    assert listed.returncode == 0 and guarded not in listed.stdout.split()


def test_the_plan_is_untouched_by_the_other_project(guarded, keystone_env):
    operator = keystone_env("operator")
    status = json.loads(tripleo_plan(operator, "status", guarded, "-f", "json").stdout)
    assert status["state"] == "idle"
    history = json.loads(tripleo_plan(operator, "history", guarded, "-f", "json").stdout)
    assert [(r["number"], r["operation"], r["status"]) for r in history] == [
        (2, "deploy", "succeeded"), (1, "create", "succeeded")]


def test_a_reader_reads_and_is_refused_every_change_by_the_packs_policy(guarded, keystone_env, tmp_path):
    viewer = keystone_env("viewer")
    reads = [["plan", "list"], ["plan", "show", guarded], ["history", guarded], ["show", guarded, "2"],
             ["diff", guarded, "1", "2"], ["status", guarded]]
    env = tmp_path / "mine.yaml"
    env.write_text("parameter_defaults: {CloudName: viewer.example.com}\n")
    changes = [["plan", "create", "viewers", "--templates-dir", str(EXAMPLE)], ["update", guarded, "-e", str(env)],
               ["update", guarded, "--dry-run"], ["scale", guarded, "--role-count", "Compute=2"],
               ["undeploy", guarded], ["plan", "delete", guarded, "--force"], ["plan", "export", guarded],
               ["plan", "export", guarded, "--no-secrets"], ["plan", "amend", guarded, "--delete", "roles_data.yaml"]]
    done = in_parallel(viewer, reads + [[*command, "--no-progress"] for command in changes])
    for command, run in zip(reads, done):
        assert run.returncode == 0, (command, _said(run))
    refusal = ("user viewer may not change plans: the pack's policy asks for one of the roles member, admin "
               "(held: reader)")
    for command, run in zip(changes, done[len(reads):]):
        assert run.returncode == 1 and refusal in _said(run), (command, _said(run))
    history = json.loads(tripleo_plan(keystone_env("operator"), "history", guarded, "-f", "json").stdout)
    assert [r["number"] for r in history] == [2, 1]  # nothing recorded for the refused changes


def test_revisions_name_the_real_user_and_project(guarded, keystone_env):
    shown = json.loads(tripleo_plan(keystone_env("viewer"), "show", guarded, "2", "-f", "json").stdout)
    assert (shown["user"], shown["project"]) == ("operator", "admin")


#: Keystone's fernet tokens (every token the tier's Keystone issues): "gAAAAA" and ~180 URL-safe characters
FERNET = re.compile(r"gAAAAA[A-Za-z0-9_-]{80,}")


def leaks(texts, passwords):
    """The names of the passwords, and "a token", found in ``texts``."""
    found = {name for name, value in passwords.items() if any(value in text for text in texts)}
    return found | ({"a token"} if any(FERNET.search(text) for text in texts) else set())


def test_no_token_or_password_in_revisions_outputs_or_the_packs_log_lines(guarded, undercloud,
                                                                         keystone_env):
    passwords = {f"password of {user}": keystone_env(user)["OS_PASSWORD"]
                 for user in ("admin", "operator", "viewer", "other")}
    operator = keystone_env("operator")
    shown = [tripleo_plan(operator, *command, "-f", "json").stdout for command in (
        ["history", guarded], ["show", guarded, "1"], ["show", guarded, "2"], ["diff", guarded, "1", "2"],
        ["status", guarded], ["plan", "show", guarded])]
    assert all(shown) and not leaks(shown, passwords)
    stored = raw_objects(operator, guarded)
    assert any("/revisions/" in name or name.startswith("revisions/") for name in stored), sorted(stored)[:20]
    assert not leaks(stored.values(), passwords)
    pack_lines = []
    for process in undercloud.processes().values():
        if process.name.startswith("mistral-executor"):
            text = Path(process.log_file).read_text(errors="replace")
            pack_lines += [line for line in text.splitlines() if "tripleo_plan_actions" in line]
    assert pack_lines, "the executors logged nothing of the pack's"
    assert not leaks(pack_lines, passwords)


def raw_objects(environment, plan):
    """Every object of the caller's Swift account that belongs to ``plan`` (its containers), as
    text, read with the caller's own Keystone session."""
    from tripleo_plan_actions.services import discovery, swift_api

    found = discovery.from_environment(environment)
    swift = swift_api.connection(found.access("swift"), "tests")
    texts = {}
    for container in swift.get_account(full_listing=True)[1]:
        if plan not in container["name"]:
            continue
        for item in swift.get_container(container["name"], full_listing=True)[1]:
            body = swift.get_object(container["name"], item["name"])[1]
            if item["name"].endswith(".tar.gz"):  # the plan's archive: its members, uncompressed
                with tarfile.open(fileobj=io.BytesIO(body)) as archive:
                    body = b"\n".join(archive.extractfile(m).read() for m in archive.getmembers() if m.isfile())
            texts[f"{container['name']}/{item['name']}"] = body.decode("utf-8", errors="replace")
    return texts
