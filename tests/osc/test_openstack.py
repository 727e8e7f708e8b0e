"""A real ``openstack`` (tox -e osc): python-openstackclient with this package's plugin and
python-tripleoclient 20.0.0 in one environment.  Both sets of commands are loaded and each name
runs its own class: tripleoclient's ``tripleo deploy`` and ``tripleo upgrade``, our ``tripleo plan
deploy`` and ``tripleo plan upgrade``.  Only ``--help`` and name resolution: no Keystone.

cliff imports every command of every plugin when ``openstack`` starts and drops, with "Could not
load '<name>': <error>" on stderr, each one whose module does not import: the environment installs
what tripleoclient's modules import (tox.ini), and these tests fail if any command is dropped.
"""
from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tripleo_plan_actions.client import osc_plugin

DATA = Path(__file__).resolve().parents[1] / "unit" / "data"
OPENSTACK = shutil.which("openstack", path=os.path.dirname(sys.executable)) or shutil.which("openstack")
OURS = sorted(osc_plugin.OPENSTACK_NAMES.values())


def tripleoclient_names(version: str = "20.0.0") -> set[str]:
    entry_points = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    entry_points.optionxform = str  # type: ignore[assignment,method-assign]
    entry_points.read(DATA / f"python-tripleoclient-{version}.entry_points.txt")
    return {name.replace("_", " ") for group in entry_points.sections() if group.startswith("openstack.tripleoclient.")
            for name in entry_points[group]}


def run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """``command`` with no cloud settings (no OS_* variables, an empty home) and a cache of its own:
    stevedore keeps the entry points it found in ``$XDG_CACHE_HOME/python-entrypoints``, keyed by
    file times that a reinstall of this package in place may leave as they were."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def openstack(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    assert OPENSTACK, "no openstack command: run this in tox -e osc"
    return run([OPENSTACK, *args], tmp_path)


def test_the_stored_names_are_those_of_the_installed_tripleoclient():
    from importlib.metadata import distribution

    dist = distribution("python-tripleoclient")
    assert dist.version == "20.0.0"
    installed = {ep.name.replace("_", " ") for ep in dist.entry_points
                 if ep.group.startswith("openstack.tripleoclient.")}
    assert installed == tripleoclient_names() and {"tripleo deploy", "tripleo upgrade"} <= installed


def test_command_list_has_every_command_of_both(tmp_path):
    run = openstack("command", "list", "--group", "tripleo", "-f", "json", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Could not load" not in run.stderr, run.stderr
    groups = {group["Command Group"]: set(group["Commands"]) for group in json.loads(run.stdout)}
    assert groups["openstack.tripleo_plan.v1"] == set(OURS)
    assert groups["openstack.tripleoclient.v2"] == tripleoclient_names()
    # A name in two groups is listed in both, and openstack says nothing of it (cliff's "duplicate
    # implementations" warning is not shown, even with --debug): one class silently hides the other.
    assert not groups["openstack.tripleo_plan.v1"] & groups["openstack.tripleoclient.v2"]


@pytest.mark.parametrize("args, usage, marker", [
    (["tripleo", "deploy", "--help"], "usage: openstack tripleo deploy ", "--standalone-role"),
    (["tripleo", "upgrade", "--help"], "usage: openstack tripleo upgrade ", "--standalone-role"),
    (["tripleo", "plan", "deploy", "--help"], "usage: openstack tripleo plan deploy ", "--no-progress"),
    (["help", "tripleo", "plan", "deploy"], "usage: openstack tripleo plan deploy ", "--no-progress"),
    (["tripleo", "plan", "upgrade", "--help"], "usage: openstack tripleo plan upgrade ", "--no-progress"),
    (["tripleo", "plan", "create", "--help"], "usage: openstack tripleo plan create ", "--templates"),
    (["help", "tripleo", "plan", "revision", "show"], "usage: openstack tripleo plan revision show ", "REVISION"),
])
def test_each_help_is_its_own_commands(args, usage, marker, tmp_path):
    run = openstack(*args, tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(usage) and marker in run.stdout, run.stdout[:2000]


#: Run by the environment's python: the real shell, plugins loaded and global options parsed as
#: for ``openstack tripleo plan list``, then, instead of running that, what each NAME of argv[1:]
#: followed by an argument resolves to: {name: [top-level package of the class, name, the rest]}.
RESOLVE = """
import json, sys
from openstackclient import shell

app = shell.OpenStackShell()
found = {}

def resolve(argv):
    for name in sys.argv[1:]:
        factory, matched, rest = app.command_manager.find_command(name.split() + ["overcloud"])
        found[name] = [factory.__module__.split(".")[0], matched, rest]
    return 0

app.run_subcommand = resolve
code = app.run(["tripleo", "plan", "list"])
print(json.dumps(found))
sys.exit(code)
"""


def test_openstack_resolves_every_name_to_its_own_class(tmp_path):
    """What ``openstack NAME ARG`` runs, for every name of both: our classes for ours,
    tripleoclient's for theirs, and the argument left as an argument."""
    names = OURS + sorted(tripleoclient_names())
    done = run([sys.executable, "-c", RESOLVE, *names], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert {name: owner for name, (owner, _, _) in found.items()} == \
        {**{name: "tripleoclient" for name in tripleoclient_names()}, **{name: "tripleo_plan_actions" for name in OURS}}
    assert all(matched == name and rest == ["overcloud"] for name, (_, matched, rest) in found.items())
