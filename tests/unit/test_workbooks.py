"""The public contract: workbooks parse, name only registered actions, and every action loads."""
import configparser
import importlib
from pathlib import Path

import pytest
import yaml
from mistral_lib import actions

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = sorted((ROOT / "workbooks").glob("*.yaml"))


def registered_actions() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.entry_points"]["mistral.actions"].strip().splitlines()
    return dict(tuple(part.strip() for part in line.split("=", 1)) for line in lines)


def test_there_are_workbooks():
    assert WORKBOOKS, "workbooks/ is empty"


@pytest.mark.parametrize("name,target", sorted(registered_actions().items()))
def test_entry_points_are_mistral_actions(name, target):
    module, _, attribute = target.partition(":")
    action = getattr(importlib.import_module(module), attribute)
    assert issubclass(action, actions.Action)
    assert name.startswith("tripleo_plan."), "every action lives in the tripleo_plan namespace"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_workbook_uses_only_known_actions(path):
    book = yaml.safe_load(path.read_text())
    assert book["version"] == "2.0"
    assert path.name == f"{book['name']}.yaml", "file name is the workbook name"
    known = registered_actions()
    for workflow in book["workflows"].values():
        for task_name, task in workflow["tasks"].items():
            action = task.get("action", "").split(" ")[0]
            if action and not action.startswith("std."):
                assert action in known, f"{path.name}: task {task_name} uses unregistered {action}"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_workbook_has_no_yaml_anchors_or_aliases(path):
    # Mistral's loader (mistral/utils/safe_yaml.py) reads '&' and '*' as plain text: a workbook
    # sharing tasks by anchors does not load.  Share steps with a sub-workflow instead.
    tokens = [t for t in yaml.scan(path.read_text()) if isinstance(t, (yaml.AnchorToken, yaml.AliasToken))]
    assert tokens == [], f"{path.name}: line {tokens[0].start_mark.line + 1}" if tokens else ""
