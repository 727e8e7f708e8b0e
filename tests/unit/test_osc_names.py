"""Our ``openstack`` command names never meet python-tripleoclient's.

Both plugins load into the same ``openstack``: a name in both hides one of them, and cliff (which
matches the longest run of words first, each word also by an unambiguous abbreviation) would run
the wrong class where one name is a prefix of the other, word by word.  Theirs are the real
entry points of python-tripleoclient 20.0.0 and of 12.6.0, the last Train (12.x) release, stored
in tests/unit/data by tools/tripleoclient_entry_points.py (its header says version, file and
sha256).  Ours are every ``openstack.*`` command group of setup.cfg.
"""
from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from cliff.command import Command
from cliff.commandmanager import CommandManager

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
RELEASES = ("20.0.0", "12.6.0")
EXTENSION = "openstack.cli.extension"


def _names(path: Path, groups: str) -> set[str]:
    """The command names (``_`` read as a space, as cliff's command manager does for osc) of the
    entry point groups whose names start with ``groups`` in an INI file (but the plugin's own
    group, ``openstack.cli.extension``)."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    if parser.has_section("options.entry_points"):  # setup.cfg: each group a multi-line value
        section = parser["options.entry_points"]
        lines = [line for group, value in section.items() if group.startswith(groups) and group != EXTENSION
                 for line in value.strip().splitlines()]
    else:  # an entry_points.txt: each group a section
        lines = [f"{name} = x" for group in parser.sections() if group.startswith(groups) for name in parser[group]]
    return {line.partition("=")[0].strip().replace("_", " ") for line in lines}


def ours() -> set[str]:
    return _names(ROOT / "setup.cfg", "openstack.")


def theirs(version: str) -> set[str]:
    return _names(DATA / f"python-tripleoclient-{version}.entry_points.txt", "openstack.tripleoclient.")


def clash(a: str, b: str) -> str | None:
    """How cliff could take command name ``a`` for ``b`` (or ``b`` for ``a``), else None.

    Over the words both names have, each pair sharing a first letter is enough: typed as those
    common beginnings, either command matches (cliff then refuses an abbreviation it accepted
    before, or, with the shorter one's arguments after it, runs the longer one)."""
    x, y = a.split(), b.split()
    if x == y:
        return "the same name"
    shared = min(len(x), len(y))
    if x[:shared] == y[:shared]:
        return "one is the first words of the other"
    if all(p[0] == q[0] for p, q in zip(x[:shared], y[:shared])):
        return "the same words abbreviated"
    return None


def clashes(names: set[str], version: str) -> list[tuple[str, str, str]]:
    return sorted((a, b, why) for a in names for b in theirs(version) if (why := clash(a, b)))


@pytest.mark.parametrize("version", RELEASES)
def test_the_stored_entry_points_are_the_releases(version):
    text = (DATA / f"python-tripleoclient-{version}.entry_points.txt").read_text()
    assert text.startswith(f"# python-tripleoclient {version}: the entry points of python_tripleoclient-{version}-")
    names = theirs(version)
    assert {"tripleo deploy", "tripleo upgrade", "overcloud deploy", "undercloud install"} <= names
    assert not any(name.startswith("tripleo plan") for name in names)  # the name we take
    assert len(names) > 60


def test_our_commands_are_all_under_tripleo_plan():
    from tripleo_plan_actions.client import osc_plugin

    assert ours() == set(osc_plugin.OPENSTACK_NAMES.values())
    assert all(name.startswith("tripleo plan ") for name in ours())


@pytest.mark.parametrize("version", RELEASES)
def test_no_name_of_ours_meets_one_of_tripleoclient(version):
    assert clashes(ours(), version) == []


@pytest.mark.parametrize("version", RELEASES)
def test_the_check_catches_the_old_names(version):
    old = {"tripleo check", "tripleo setup", "tripleo deploy", "tripleo update", "tripleo upgrade", "tripleo show"}
    found = {(a, b): why for a, b, why in clashes(old, version)}
    assert found[("tripleo deploy", "tripleo deploy")] == "the same name"
    assert found[("tripleo upgrade", "tripleo upgrade")] == "the same name"
    assert found[("tripleo update", "tripleo upgrade")] == "the same words abbreviated"  # "tripleo up"
    assert clash("tripleo", "tripleo deploy") == clash("tripleo validator list x", "tripleo validator list") == \
        "one is the first words of the other"
    assert clash("tripleo plan deploy", "tripleo deploy") is None


@pytest.mark.parametrize("version", RELEASES)
def test_cliff_runs_each_name_with_its_own_class(version):
    """cliff's own resolution, as in ``openstack``: every name of both, followed by an argument,
    finds its own command and leaves the argument."""
    manager = CommandManager("tripleo_plan.none")  # no entry points: the names are added below
    owners: dict[str, type] = {}
    for owner, names in (("tripleoclient", theirs(version)), ("tripleo_plan", ours())):
        for name in names:
            owners[name] = type(owner, (Command,), {"take_action": lambda self, parsed_args: None})
            manager.add_command(name, owners[name])
    for name, command in owners.items():
        assert manager.find_command(name.split() + ["overcloud"]) == (command, name, ["overcloud"]), name
