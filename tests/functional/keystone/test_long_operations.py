"""Operations that outlive their caller's token, on the real Keystone (token expiration 120 s in
the functional-keystone tier): a deploy and an update that each take longer than a token lives
succeed, their revisions ``succeeded``, through ``tripleo-plan`` (the actions send the caller's
token with the pack's service token, doc/install.rst "Keystone"; the thin client's keystoneauth
session authenticates again by itself)."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "small-overcloud"
SLOW_ENV = "resource_registry:\n  OS::TripleO::PostDeploy: slow/post-deploy.yaml\n"
SLOW_TEMPLATE = """heat_template_version: wallaby
resources:
  Wait:
    type: OS::Heat::TestResource
    properties: {{value: {{get_file: value.txt}}, action_wait_secs: {{create: {seconds}, update: {seconds}}}}}
"""


def token_life() -> int:
    return int(os.environ.get("TRIPLEO_PLAN_TOKEN_EXPIRATION", "3600"))


def slow_files(directory: Path, value: str) -> str:
    """An environment whose post-deploy step outlasts a token by 30 s (create and update)."""
    (directory / "slow").mkdir(parents=True, exist_ok=True)
    (directory / "slow.yaml").write_text(SLOW_ENV)
    (directory / "slow" / "post-deploy.yaml").write_text(SLOW_TEMPLATE.format(seconds=token_life() + 30))
    (directory / "slow" / "value.txt").write_text(value)
    return str(directory / "slow.yaml")


def tripleo_plan(environment, *args, timeout=900):
    command = [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), *args]
    return subprocess.run(command, env=environment, text=True, capture_output=True, timeout=timeout)


def test_a_deploy_and_an_update_outlive_the_callers_token(keystone_env, tmp_path):
    assert token_life() <= 180, "the tier runs with short tokens (TRIPLEO_PLAN_TOKEN_EXPIRATION)"
    operator = keystone_env("operator")
    created = tripleo_plan(operator, "plan", "create", "long", "--templates", str(EXAMPLE))
    assert created.returncode == 0, created.stderr
    slow = slow_files(tmp_path, "first")
    timings = {}
    for operation in ("deploy", "update"):
        if operation == "update":
            (tmp_path / "slow" / "value.txt").write_text("second")  # the slow resource is updated too
        started = time.monotonic()
        done = tripleo_plan(operator, operation, "long", "-e", slow, "--no-progress", "-f", "json")
        timings[operation] = time.monotonic() - started
        assert done.returncode == 0, (operation, done.stderr)
        assert timings[operation] > token_life(), timings  # the token it began with had expired
    history = tripleo_plan(operator, "history", "long", "-f", "json", "-c", "number", "-c", "operation",
                           "-c", "status", "-c", "user", "-c", "project")
    assert json.loads(history.stdout) == [
        {"number": 3, "operation": "update", "status": "succeeded", "user": "operator", "project": "admin"},
        {"number": 2, "operation": "deploy", "status": "succeeded", "user": "operator", "project": "admin"},
        {"number": 1, "operation": "create", "status": "succeeded", "user": "operator", "project": "admin"}]
    print(f"\ntoken life {token_life()} s; deploy {timings['deploy']:.1f} s, update {timings['update']:.1f} s")
