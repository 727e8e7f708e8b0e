"""The legacy environment (tripleo-common 11.7.0 for tests/legacy/make_plan.py): optional, pinned,
and never part of the pack's own requirements."""
import configparser
from pathlib import Path

from tripleo_plan_actions.undercloud import cli, venvs

ROOT = Path(__file__).resolve().parents[2]


def test_built_only_when_asked_for():
    assert "legacy" not in venvs.wanted()
    assert venvs.wanted(("legacy",)) == ["swift", "heat", "mistral", "legacy"]
    assert "tripleo-common==11.7.0" in venvs.REQUIREMENTS["legacy"]


def test_pinned_and_kept_out_of_the_pack():
    pins = (ROOT / "constraints" / "legacy.txt").read_text().splitlines()
    assert "tripleo-common==11.7.0" in pins
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    requirements = " ".join(section.get(key, "") for section in setup.values() for key in section)
    assert "tripleo-common" not in requirements and "tripleo_common" not in requirements


def test_install_takes_legacy():
    assert "--legacy" in cli.__doc__
