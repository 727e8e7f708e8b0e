"""The thin client against the real Mistral, Swift and Heat: requests counted at the servers.

The servers' request logs tell callers apart by user agent: ``tripleo-plan-client`` is the client
(PlanClient / ``tripleo-plan``); everything else is the pack's actions inside Mistral (and the
supervisor's health checks, ``Python-urllib``, left out).  Swift authentication (``/auth``) is
counted apart: on a real undercloud it is Keystone's work, not Swift's.

Asserted: per operation ONE execution-create by the client and otherwise only reads; at most ONE
client Swift request (the archive upload) and no Heat request, whatever the number of -e files;
every Swift and Mistral request (authentication included) sent as the client's or the actions'
user agent, exactly;
server-side Swift counts that do not depend on how the files travelled; exactly one Heat write per
operation.  Heat reads are not asserted exactly: the wait step polls the stack status every second
(2 GETs per poll), so their number depends on how long Heat takes.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.env_files import CLOUD_NAME, write_env_files
from tripleo_plan_actions.client import CLIENT_AGENT, PlanClient
from tripleo_plan_actions.services.discovery import ACTIONS_AGENT
from tripleo_plan_actions.storage.swift import UPLOADS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
#: An update's server-side Swift requests, whatever the number of user files: start reads the plan,
#: the revision listing, the newest record and the replay archive and writes the pending record;
#: finish reads the record and the plan, writes the record and lists the revisions (history limit).
REPLAY_SWIFT_REQUESTS = 9
#: A first deploy's, whatever the number of user files: start reads the plan, the revision listing
#: and the newest record, lists the inputs, writes the replay archive and the pending record;
#: finish reads the record and the plan, writes plan-environment.yaml (its environment list), the
#: plan archive and the record, and lists the revisions.
DEPLOY_SWIFT_REQUESTS = 12
HEALTH = "Python-urllib"


class Counter:
    """Requests each service received since :meth:`mark`, split into client and server."""

    def __init__(self, undercloud):
        self.logs = {name: undercloud.request_log(name) for name in ("mistral", "swift", "heat")}
        self.marks = {}

    def mark(self):
        self.marks = {name: log.mark() for name, log in self.logs.items()}

    def requests(self, service, client):
        found = [r for r in self.logs[service].since(self.marks[service]) if not r["agent"].startswith(HEALTH)]
        return [r for r in found if (r["agent"] == CLIENT_AGENT) == client]

    def agents(self):
        """Every user agent Swift and Mistral saw (health checks left out)."""
        return {r["agent"] for name in ("swift", "mistral") for r in self.logs[name].since(self.marks[name])
                if not r["agent"].startswith(HEALTH)}

    def counts(self):
        mistral = self.requests("mistral", client=True)
        swift = self.requests("swift", client=True)
        return {
            "agents": self.agents(),
            "mistral_execution_create": [(r["method"], r["path"]) for r in mistral if r["method"] != "GET"],
            "mistral_reads": sum(r["method"] == "GET" for r in mistral),
            "swift": [r["method"] for r in swift if not r["path"].startswith("/auth")],
            "heat": len(self.requests("heat", client=True)),
            "server_swift": [r["method"] for r in self.requests("swift", client=False)
                             if not r["path"].startswith("/auth")],
            "server_heat_writes": [r["method"] for r in self.requests("heat", client=False) if r["method"] != "GET"],
            "server_uploads": [r["method"] for r in self.requests("swift", client=False)
                               if f"/{UPLOADS}/" in r["path"]],
        }


@pytest.fixture(scope="module")
def plan_client(undercloud):
    return PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE),
                                       interval=0.2)


def run_counted(counter, call, *args, **kwargs):
    counter.mark()
    result = call(*args, **kwargs)
    return result, counter.counts()


def test_each_operation_is_one_execution_and_at_most_one_swift_request(undercloud, plan_client, tmp_path):
    counter = Counter(undercloud)
    seen = {}
    for env_files in (1, 5, 20):
        plan = f"thin-{env_files}"
        paths = write_env_files(tmp_path / f"operator-{env_files}", env_files, EXAMPLE)
        release = tmp_path / f"release-{env_files}"
        shutil.copytree(EXAMPLE, release)
        steps = [("create", plan_client.create_plan, (plan,), {"templates": str(EXAMPLE)}),
                 ("deploy", plan_client.deploy, (plan, paths), {}),
                 ("update", plan_client.update, (plan,), {}),
                 ("upgrade", plan_client.upgrade, (plan, str(release)), {}),
                 ("scale", plan_client.scale, (plan, {"Compute": 2}), {})]
        results, counts = {}, {}
        for name, call, args, kwargs in steps:
            results[name], counts[name] = run_counted(counter, call, *args, **kwargs)
        seen[env_files] = (paths, counts)

        for name, found in counts.items():
            assert found["mistral_execution_create"] == [("POST", "/v2/executions")], (name, found)
            assert found["mistral_reads"] >= 1 and found["heat"] == 0, (name, found)
            assert found["agents"] == {CLIENT_AGENT, ACTIONS_AGENT}, (name, found)
            assert len(found["swift"]) <= 1, (name, found)
            # Heat: exactly one write per operation (reads include the time-dependent status polls)
            writes = {"create": [], "deploy": ["POST"]}.get(name, ["PUT"])
            assert found["server_heat_writes"] == writes, (name, found)
        # The one client Swift request is an archive upload: the templates at create, the -e
        # files at deploy when they are too large to go inline (20 of them here); nothing else.
        assert counts["create"]["swift"] == ["PUT"]
        assert counts["deploy"]["swift"] == (["PUT"] if env_files == 20 else [])
        assert all(counts[name]["swift"] == [] for name in ("update", "upgrade", "scale"))

        assert results["deploy"]["stack_status"] == "CREATE_COMPLETE"
        assert results["deploy"]["outputs"]["CloudName"] == CLOUD_NAME
        assert results["update"]["environments"] == results["deploy"]["environments"]  # replayed
        assert results["update"]["outputs"]["CloudName"] == CLOUD_NAME
        assert results["scale"]["outputs"]["ComputeServers"] == [f"compute-{i}.{CLOUD_NAME}" for i in range(2)]
        assert results["upgrade"]["stack_status"] == "UPDATE_COMPLETE"

    # Server side.  A create from an upload costs the same whatever comes later, and consumes
    # the upload (read first, removed last).
    creates = {tuple(counts["create"]["server_swift"]) for _, counts in seen.values()}
    assert len(creates) == 1, creates
    create = creates.pop()
    assert create.count("DELETE") == 1 and create[-1] == "DELETE"
    # Every stack operation keeps the operator's inputs in ONE replay archive: a deploy writes one
    # object whatever the number of files (plus, for the archive of -e files, reading and removing
    # it), and an update, upgrade or scale reads one: the same number of Swift requests for 1, 5
    # and 20 files.
    fixed = {}
    for env_files, (paths, counts) in seen.items():
        deploy = counts["deploy"]["server_swift"]
        archived = env_files == 20
        # the archive of -e files is read, then removed; without one the uploads are not touched
        assert counts["deploy"]["server_uploads"] == (["GET", "DELETE"] if archived else [])
        fixed.setdefault("deploy", set()).add(len(deploy) - 2 * archived)
        for name in ("update", "upgrade", "scale"):
            fixed.setdefault(name, set()).add(len(counts[name]["server_swift"]))
    assert all(len(values) == 1 for values in fixed.values()), fixed
    assert fixed["update"] == {REPLAY_SWIFT_REQUESTS} and fixed["deploy"] == {DEPLOY_SWIFT_REQUESTS}, fixed
    assert undercloud_uploads(undercloud) == []  # every upload was consumed


def undercloud_uploads(undercloud):
    from tripleo_plan_actions.services import connections
    from tripleo_plan_actions.storage.swift import UPLOADS

    swift = connections.for_settings(str(undercloud.settings_file)).swift()
    return [o["name"] for o in swift.get_container(UPLOADS, full_listing=True)[1]]


SLOW_ENV = """resource_registry:
  OS::TripleO::PostDeploy: slow/post-deploy.yaml
parameter_defaults:
  CloudName: slow.example.com
"""
SLOW_TEMPLATE = """heat_template_version: wallaby
resources:
  Wait:
    type: OS::Heat::TestResource
    properties: {value: {get_file: value.txt}, action_wait_secs: {create: 6, update: 6}}
"""


def slow_files(directory):
    (directory / "slow").mkdir(parents=True, exist_ok=True)
    (directory / "slow.yaml").write_text(SLOW_ENV)
    (directory / "slow" / "post-deploy.yaml").write_text(SLOW_TEMPLATE)
    (directory / "slow" / "value.txt").write_text("slow")
    return str(directory / "slow.yaml")


def cli(undercloud, *args, **popen):
    command = [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), *args]
    environment = dict(os.environ, **undercloud.client_environment(), TRIPLEO_PLAN_TEMPLATES=str(EXAMPLE))
    if popen:
        return subprocess.Popen(command, env=environment, text=True, **popen)
    return subprocess.run(command, env=environment, text=True, capture_output=True, timeout=600)


def test_progress_names_the_step_and_counts_heat_resources(undercloud, plan_client, heat, tmp_path):
    plan_client.create_plan("progress", templates_dir=str(EXAMPLE))
    looks = []
    result = plan_client.deploy("progress", [str(EXAMPLE / "environments" / "debug.yaml"), slow_files(tmp_path)],
                                on_progress=looks.append)
    # -e inside the templates directory named the plan's own file
    assert result["environments"][1:] == ["environments/debug.yaml", slow_files(tmp_path)]
    assert result["outputs"]["Debug"] is True and result["outputs"]["CloudName"] == "slow.example.com"
    top_level = len(heat.resources.list("progress"))
    # the steps in the workflow's order; start may end between two looks, the 6-s wait never does
    steps = [look.step for look in looks if look.step]
    assert steps == sorted(steps, key=["start", "wait", "finish"].index) and "wait" in steps, steps
    counted = [look.resources for look in looks if look.resources]
    assert counted and all(r["total"] == top_level for r in counted)
    assert any(r["done"] < r["total"] for r in counted)  # seen while Heat worked (6 s)
    assert looks[-1].state == "SUCCESS"


STEPS = ["(starting)", "start", "wait", "finish"]  # "(starting)": a look before the first task exists


def assert_progress_lines(lines, top_level):
    """What ``tripleo-plan`` writes on stderr off a terminal: the execution, then one line per
    change: the steps in the workflow's order (a step that ends between two looks is not shown,
    but the 6-s wait always is), the wait step with the stack's status and its top-level Heat
    resources done out of all, growing; then the outcome."""
    assert re.fullmatch(r"execution [0-9a-f-]{36} started", lines[0]), lines
    assert lines[-1] == "finished: SUCCESS", lines
    looks = [re.fullmatch(r"step (\S+)(?:: stack CREATE_(?:IN_PROGRESS|COMPLETE))?(?: (\d+)/(\d+) resources)?",
                          line) for line in lines[1:-1]]
    assert all(looks) and all(look.group(1) in STEPS for look in looks), lines
    steps = [look.group(1) for look in looks]
    assert steps == sorted(steps, key=STEPS.index) and "wait" in steps, lines
    assert all(look.group(1) == "wait" for look in looks if look.group(0) != f"step {look.group(1)}"), lines
    assert len(set(lines)) == len(lines), lines  # one line per change
    counts = [(int(look.group(2)), int(look.group(3))) for look in looks if look.group(2)]
    assert counts and all(total == top_level for _, total in counts), lines
    assert [done for done, _ in counts] == sorted(done for done, _ in counts), lines


def test_cli_formats_history_show_and_diff(undercloud, plan_client, heat, tmp_path):
    import json

    plan_client.create_plan("cli-history", templates_dir=str(EXAMPLE))
    env = tmp_path / "mine.yaml"
    env.write_text("parameter_defaults:\n  CloudName: cli.example.com\n")
    # the slow resource keeps the wait step going 6 s: several looks at it, whatever the machine
    deployed = cli(undercloud, "deploy", "cli-history", "-e", slow_files(tmp_path), "-e", str(env),
                   "-e", "environments/debug.yaml", "-f", "json")
    assert deployed.returncode == 0, deployed.stderr
    assert json.loads(deployed.stdout)["outputs"]["CloudName"] == "cli.example.com"
    assert_progress_lines(deployed.stderr.splitlines(), len(heat.resources.list("cli-history")))
    assert cli(undercloud, "update", "cli-history", "--no-progress").returncode == 0
    history = cli(undercloud, "history", "cli-history", "-f", "json", "-c", "number", "-c", "operation",
                  "-c", "status")
    assert json.loads(history.stdout) == [{"number": 3, "operation": "update", "status": "succeeded"},
                                          {"number": 2, "operation": "deploy", "status": "succeeded"},
                                          {"number": 1, "operation": "create", "status": "succeeded"}]
    shown = cli(undercloud, "show", "cli-history", "2", "-f", "value", "-c", "operation")
    assert shown.stdout.strip() == "deploy"
    diff = json.loads(cli(undercloud, "diff", "cli-history", "2", "3", "-f", "json").stdout)
    assert diff["environments"]["added"] == [] and diff["environments"]["removed"] == []
    status = json.loads(cli(undercloud, "status", "cli-history", "-f", "json").stdout)
    assert status["state"] == "idle" and status["running"] is None
    plans = cli(undercloud, "plan", "list", "-f", "value")
    assert "cli-history" in plans.stdout.split()
    failed = cli(undercloud, "show", "cli-history", "99")
    assert failed.returncode == 1 and "99" in failed.stderr


def test_a_missing_referenced_file_fails_before_anything_is_sent(undercloud, tmp_path):
    counter = Counter(undercloud)
    env = tmp_path / "env.yaml"
    env.write_text("resource_registry:\n  OS::TripleO::PostDeploy: gone/post.yaml\n")
    counter.mark()
    done = cli(undercloud, "update", "cli-history", "-e", str(env))
    assert done.returncode == 1
    assert f"{tmp_path}/gone/post.yaml does not exist (referenced by {env}" in done.stderr
    assert counter.requests("mistral", client=True) == [] and counter.requests("swift", client=True) == []


def test_ctrl_c_stops_watching_not_the_operation(undercloud, plan_client, tmp_path):
    import json

    plan_client.create_plan("interrupted", templates_dir=str(EXAMPLE))
    running = cli(undercloud, "deploy", "interrupted", "-e", slow_files(tmp_path), stderr=subprocess.PIPE,
                  stdout=subprocess.PIPE)
    lines = []
    for line in running.stderr:  # plain progress lines (not a terminal)
        lines.append(line)
        if line.startswith("step wait"):
            break
    running.send_signal(signal.SIGINT)
    _, rest = running.communicate(timeout=60)
    said = "".join(lines) + rest
    assert running.returncode == 130, said
    execution = lines[0].split()[1]
    assert lines[0] == f"execution {execution} started\n"
    assert f"Resume watching with: tripleo-plan watch {execution}" in said
    watched = cli(undercloud, "watch", execution, "-f", "json")
    assert watched.returncode == 0, watched.stderr
    assert json.loads(watched.stdout)["stack_status"] == "CREATE_COMPLETE"


def test_an_old_openstack_overcloud_deploy_command_line_is_one_execution(undercloud, plan_client, heat, swift,
                                                                         tmp_path):
    """``openstack overcloud deploy`` replaced by ``tripleo-plan deploy``: --stack, -r, -e,
    --environment-directory (and the default ~/.tripleo/environments), --answers-file (its
    templates: the -e file inside them is the plan's), -t, --skip-deploy-identifier; the plan
    amended and the stack created in ONE execution, the environment files in tripleoclient's
    order.  Then the DeployIdentifier: new for an update without --skip-deploy-identifier, kept
    by one with it."""
    import json

    plan_client.create_plan("old-cli", templates_dir=str(EXAMPLE))

    def env(path, cloud):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"parameter_defaults:\n  CloudName: {cloud}\n")
        return str(path)

    home = env(tmp_path / "home/.tripleo/environments/home.yaml", "home.example.com")
    listed = [env(tmp_path / "dir/2.yaml", "two.example.com"), env(tmp_path / "dir/1.yaml", "one.example.com")]
    answered = env(tmp_path / "answered.yaml", "answered.example.com")
    given = env(tmp_path / "given.yaml", "given.example.com")
    (tmp_path / "answers.yaml").write_text(f"templates: {EXAMPLE}\nenvironments: [{answered}]\n")
    roles = (EXAMPLE / "roles_data.yaml").read_text().replace("Compute role\n  CountDefault: 1",
                                                             "Compute role\n  CountDefault: 2")
    (tmp_path / "roles.yaml").write_text(roles)
    counter = Counter(undercloud)
    counter.mark()
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), "deploy", "--stack", "old-cli",
         "-r", str(tmp_path / "roles.yaml"), "-e", given, "-e", str(EXAMPLE / "environments/debug.yaml"),
         "--environment-directory", str(tmp_path / "dir"), "--answers-file", str(tmp_path / "answers.yaml"),
         "-t", "10", "--skip-deploy-identifier", "--no-progress", "-f", "json"],
        env=dict(os.environ, **undercloud.client_environment(), HOME=str(tmp_path / "home")), text=True,
        capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert counter.counts()["mistral_execution_create"] == [("POST", "/v2/executions")]
    # directories (the default first, each sorted), the answers file's, then -e in order
    assert result["environments"] == ["overcloud-resource-registry-puppet.yaml", home, *sorted(listed), answered,
                                      given, "environments/debug.yaml"]
    assert result["revision"] == 2 and result["stack_status"] == "CREATE_COMPLETE"
    assert result["outputs"]["CloudName"] == "given.example.com" and result["outputs"]["Debug"] is True
    assert len(result["outputs"]["ComputeServers"]) == 2  # the roles file, deployed
    assert swift.get_object("old-cli", "roles_data.yaml")[1].decode() == roles
    assert [r["operation"] for r in plan_client.history("old-cli")] == ["deploy", "create"]  # one revision
    assert heat.stacks.get("old-cli").parameters["DeployIdentifier"] == ""
    stack = heat.stacks.get("old-cli")
    assert int(stack.timeout_mins) == 10

    plan_client.update("old-cli")
    new = heat.stacks.get("old-cli").parameters["DeployIdentifier"]
    assert new.isdigit()
    plan_client.update("old-cli", skip_deploy_identifier=True)
    assert heat.stacks.get("old-cli").parameters["DeployIdentifier"] == new
