"""Operations that outlive their caller's token, on the real Keystone (token expiration 120 s in
the functional-keystone tier): a deploy and an update that each take longer than a token lives
succeed, their revisions ``succeeded``, through ``tripleo-plan`` AND through ``openstack tripleo
plan ...`` (the actions send the caller's token with the pack's service token, doc/install.rst
"Keystone"; each client's keystoneauth1 session authenticates again by itself).

The two clients' stories run at once, in threads started as the session starts (the
``long_operations`` fixture of conftest.py), while the other tests of the tier run; the test here,
collected last, waits for them and checks what they did."""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tripleo_plan_actions.client.osc_plugin import OPENSTACK_NAMES

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "small-overcloud"
SLOW_ENV = "resource_registry:\n  OS::TripleO::PostDeploy: slow/post-deploy.yaml\n"
SLOW_TEMPLATE = """heat_template_version: wallaby
resources:
  Wait:
    type: OS::Heat::TestResource
    properties: {{value: {{get_file: value.txt}}, action_wait_secs: {{create: {seconds}, update: {seconds}}}}}
"""
CLIENTS = {"tripleo-plan": "long-cli", "openstack": "long-osc"}


def token_life() -> int:
    return int(os.environ.get("TRIPLEO_PLAN_TOKEN_EXPIRATION", "3600"))


def command(client: str, *args: str) -> list[str]:
    """``tripleo-plan ARGS`` or the same command through ``openstack`` (its name under ``tripleo plan``)."""
    binary = os.path.join(os.path.dirname(sys.executable), client)
    if client == "tripleo-plan":
        return [binary, *args]
    words = 2 if args[0] == "plan" else 1
    return [binary, *OPENSTACK_NAMES[" ".join(args[:words])].split(), *args[words:]]


class Story(threading.Thread):
    """Create plan ``plan`` then deploy and update it through ``client`` with a post-deploy step
    that outlasts a token by 30 s; ``results``: ``[(what, seconds, completed process)]``."""

    def __init__(self, client: str, plan: str, environment: dict, directory: Path) -> None:
        super().__init__(name=f"long-{client}", daemon=True)
        self.client, self.plan, self.environment, self.directory = client, plan, environment, directory
        self.results: list = []

    def step(self, what: str, *args: str) -> bool:
        started = time.monotonic()
        done = subprocess.run(command(self.client, *args), env=self.environment, text=True, capture_output=True,
                              timeout=1200)
        self.results.append((what, time.monotonic() - started, done))
        return done.returncode == 0

    def run(self) -> None:
        slow = self.directory / "slow.yaml"
        (self.directory / "slow").mkdir(parents=True)
        slow.write_text(SLOW_ENV)
        (self.directory / "slow" / "post-deploy.yaml").write_text(SLOW_TEMPLATE.format(seconds=token_life() + 30))
        (self.directory / "slow" / "value.txt").write_text("first")
        if not self.step("create", "plan", "create", self.plan, "--templates", str(EXAMPLE)):
            return
        if not self.step("deploy", "deploy", self.plan, "-e", str(slow), "--no-progress", "-f", "json"):
            return
        (self.directory / "slow" / "value.txt").write_text("second")  # the slow resource is updated too
        if not self.step("update", "update", self.plan, "-e", str(slow), "--no-progress", "-f", "json"):
            return
        self.step("history", "history", self.plan, "-f", "json", "-c", "number", "-c", "operation", "-c", "status",
                  "-c", "user", "-c", "project")


def start(environment: dict, directory: Path) -> list[Story]:
    stories = [Story(client, plan, environment, directory / plan) for client, plan in CLIENTS.items()]
    for story in stories:
        story.start()
    return stories


def test_a_deploy_and_an_update_outlive_the_callers_token_through_both_clients(long_operations):
    assert token_life() <= 180, "the tier runs with short tokens (TRIPLEO_PLAN_TOKEN_EXPIRATION)"
    for story in long_operations:
        story.join(timeout=1500)
        assert not story.is_alive(), f"{story.client} still running"
        said = {what: (round(seconds, 1), done.returncode, done.stderr[-2000:])
                for what, seconds, done in story.results}
        assert [what for what, _, done in story.results if done.returncode == 0] == [
            "create", "deploy", "update", "history"], (story.client, said)
        timings = {what: seconds for what, seconds, _ in story.results}
        # each took longer than a token lives: the token the client began with had expired
        assert timings["deploy"] > token_life() and timings["update"] > token_life(), (story.client, timings)
        history = json.loads(story.results[-1][2].stdout)
        assert history == [
            {"number": 3, "operation": "update", "status": "succeeded", "user": "operator", "project": "admin"},
            {"number": 2, "operation": "deploy", "status": "succeeded", "user": "operator", "project": "admin"},
            {"number": 1, "operation": "create", "status": "succeeded", "user": "operator", "project": "admin"}
        ], story.client
        print(f"\n{story.client}: token life {token_life()} s; deploy {timings['deploy']:.1f} s, "
              f"update {timings['update']:.1f} s")
