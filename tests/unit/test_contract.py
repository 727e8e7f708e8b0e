"""The public contract agrees with itself: each workflow's inputs, its actions' parameters and the
list doc/contracts.rst gives (``tripleo_plan.<concern>.<name>(input, input=default, ...)``)."""
import configparser
import importlib
import re
from pathlib import Path

import pytest
import yaml
from mistral_lib.utils import inspect_utils

ROOT = Path(__file__).resolve().parents[2]
WHOLE_INPUT = "<% execution().input %>"
EMPTY = ([], {}, None)


def _actions() -> dict[str, type]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    found = {}
    for line in config["options.entry_points"]["mistral.actions"].strip().splitlines():
        name, _, target = (part.strip() for part in line.partition("="))
        module, _, attribute = target.partition(":")
        found[name] = getattr(importlib.import_module(module), attribute)
    return found


def _workflows() -> dict[str, dict]:
    found = {}
    for path in sorted((ROOT / "workbooks").glob("*.yaml")):
        book = yaml.safe_load(path.read_text())
        for name, workflow in book["workflows"].items():
            found[f"{book['name']}.{name}"] = workflow
    return found


def _inputs(workflow: dict) -> dict[str, object]:
    """``{name: default}`` of a workflow (a required input's default is the class ``Required``)."""
    inputs = {}
    for item in workflow.get("input", []):
        if isinstance(item, dict):
            inputs.update(item)
        else:
            inputs[item] = Required
    return inputs


class Required:
    """The default of an input that has none."""


def _parameters(action: type) -> dict[str, object]:
    spec = inspect_utils.get_arg_list_as_str(action.__init__)
    params = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, default = part.partition("=")
        params[name] = yaml.safe_load(default) if default else Required
    return params


def _documented() -> dict[str, dict[str, bool]]:
    """``{workflow: {input: required}}`` from the signature lines of doc/contracts.rst."""
    text = (ROOT / "doc" / "contracts.rst").read_text()
    found = {}
    for name, inside in re.findall(r"``(tripleo_plan\.\w+\.\w+)\(([^`]*)\)``", text):
        parts = [p.strip() for p in inside.split(",") if p.strip()]
        found[name] = {p.partition("=")[0]: "=" not in p for p in parts}
    return found


ACTIONS = _actions()
WORKFLOWS = _workflows()


def _agree(name: str, inputs: dict, parameters: dict, target: str) -> None:
    """The workflow's inputs are exactly ``target``'s parameters, with the same defaults."""
    assert set(inputs) == set(parameters), f"{name}: workflow inputs vs {target}"
    for key, default in inputs.items():
        wanted = parameters[key]
        # A required input may be optional in the request (dataclass fields keep their order),
        # which then refuses it missing (tests/unit/test_operations.py).
        same = default == wanted or (default in EMPTY and wanted in EMPTY) or \
            (default is Required and wanted is None)
        assert same, f"{name}: input {key} defaults to {default!r}, {target} to {wanted!r}"


def _fields(request: type) -> dict[str, object]:
    import dataclasses

    return {f.name: Required if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(request)}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_each_task_passes_exactly_its_actions_parameters(name):
    from tripleo_plan_actions.operations import STACK_OPERATIONS, operate

    inputs = _inputs(WORKFLOWS[name])
    for task_name, task in WORKFLOWS[name]["tasks"].items():
        action = task.get("action")
        if task.get("workflow") == "run":  # a stack operation: its whole input is the request
            assert task["input"]["request"] == WHOLE_INPUT
            operation = task["input"]["operation"]
            if task["input"].get("legacy"):
                _agree(name, inputs, {"plan": Required, "operation": "deploy", **operate.DEFAULTS}, "operate")
            else:
                _agree(name, inputs, _fields(STACK_OPERATIONS[operation].Request), f"{operation}.Request")
        elif action in ACTIONS:
            parameters = _parameters(ACTIONS[action])
            given = set(task.get("input") or {})
            required = {k for k, v in parameters.items() if v is Required}
            assert given <= set(parameters), f"{name}.{task_name}: {sorted(given - set(parameters))}"
            assert required <= given, f"{name}.{task_name} misses {sorted(required - given)}"
        else:
            assert action is None or action.startswith("std."), f"{name}.{task_name}: unknown {action}"


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_contract_document_lists_each_workflows_inputs(name):
    documented = _documented()
    assert name in documented, f"doc/contracts.rst has no ``{name}(...)`` signature line"
    inputs = _inputs(WORKFLOWS[name])
    assert documented[name] == {k: v is Required for k, v in inputs.items()}


def test_the_document_lists_no_workflow_that_does_not_exist():
    assert set(_documented()) <= set(WORKFLOWS)


def test_every_stack_operation_has_its_workflow_and_request():
    from tripleo_plan_actions.operations import STACK_OPERATIONS

    for operation in STACK_OPERATIONS:
        task = WORKFLOWS[f"tripleo_plan.deploy.{operation}"]["tasks"]["run"]
        assert task == {"workflow": "run", "input": {"operation": operation, "request": WHOLE_INPUT},
                        "publish": {"result": "<% task().result.result %>"},
                        "on-error": ["fail(msg=<% task().result.result %>)"]}


def test_the_thin_client_sends_each_operation_only_what_its_workflow_takes():
    from tripleo_plan_actions.client import api

    shipping = {"user_files", "user_upload", "local_templates_dir"}
    not_from_the_client = {"upload"}  # an upgrade's new tree: the client names a directory on the undercloud
    for operation, takes in api.OPERATION_INPUTS.items():
        inputs = set(_inputs(WORKFLOWS[f"tripleo_plan.deploy.{operation}"])) - {"plan"} - not_from_the_client
        sent = takes | api.COMMON_INPUTS | (shipping if "environments" in takes else set())
        assert sent == inputs, operation


def test_an_actions_entry_point_is_its_name_in_setup_cfg():
    named = {name: action for name, action in ACTIONS.items() if getattr(action, "entry_point", "")}
    assert {"tripleo_plan.deploy.start", "tripleo_plan.deploy.stack_status", "tripleo_plan.deploy.finish"} <= set(named)
    assert all(action.entry_point == name for name, action in named.items())


def test_the_steps_of_a_stack_operation_run_again_only_when_their_executor_is_lost():
    steps = WORKFLOWS["tripleo_plan.deploy.run"]
    assert steps["task-defaults"]["safe-rerun"] is True
    for task in ("start", "finish"):
        retry = steps["tasks"][task]["retry"]
        assert retry["count"] >= 1 and "Heartbeat wasn" in retry["break-on"], task
