"""Our pure merge of environment files against Heat's OWN merge code, run in the local Heat's venv."""
import json
import subprocess

from tests.unit.test_environment import PLAN_ENVIRONMENTS, arguments
from tripleo_plan_actions.core import environment as env
from tripleo_plan_actions.undercloud import venvs
from tripleo_plan_actions.undercloud.local import default_venvs_dir

HEAT_PYTHON = venvs.python(default_venvs_dir(), "heat")  # built by `tripleo-plan-undercloud install`
HEAT_MERGE = """
import json, sys
from heat.common import environment_format, environment_util
from heat.engine import template
results = []
for args in json.load(open(sys.argv[1])):
    params = {}
    environment_format.default_for_missing(params)
    tmpl = template.Template(args["template"], files=args["files"])
    environment_util.merge_environments(args["environment_files"], args["files"], params,
                                        tmpl.all_param_schemata(args["files"]))
    results.append(params)
json.dump(results, open(sys.argv[2], "w"))
"""


def test_effective_environment_matches_heat_itself(tmp_path):
    strategies = {"user_path": "/s/strategies.yaml", "content": b"""parameter_merge_strategies:
  NtpServer: merge
  ControllerExtraConfig: deep_merge
parameter_defaults:
  NtpServer: [b]
  ControllerExtraConfig: {x: {y: 2}, l: [2], s: t}
"""}
    registry = {"user_path": "/s/registry.yaml", "content": b"""resource_registry:
  OS::TripleO::Disabled: null
  resources: {Unused: {hooks: pre-create}}
parameter_defaults: {Undeclared: 1, ControllerExtraConfig: {z: 1}, Debug: null}
"""}
    first = {"user_path": "/s/first.yaml", "content":
             b"parameter_defaults:\n  NtpServer: [a]\n  ControllerExtraConfig: {x: {w: 1}, l: [1], s: s}\n"}
    cases = [
        arguments(passwords={"AdminPassword": "generated", "Extra": "x"},
                  parameters={"Debug": False, "Undeclared": 2}),
        arguments(environments=[{"plan_path": p} for p in PLAN_ENVIRONMENTS] + [registry]),
        arguments(environments=[strategies, first]),
        arguments(environments=[strategies, registry, first], passwords={"AdminPassword": "x"}),
    ]
    given, received = tmp_path / "in.json", tmp_path / "out.json"
    given.write_text(json.dumps(cases))
    done = subprocess.run([str(HEAT_PYTHON), "-W", "ignore", "-c", HEAT_MERGE, str(given), str(received)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    heat = json.loads(received.read_text())
    ours = [env.effective_environment(case) for case in cases]
    assert ours == heat
    assert ours[2]["parameter_defaults"] == {
        "NtpServer": ["b", "a"], "ControllerExtraConfig": {"x": {"y": 2, "w": 1}, "l": [2, 1], "s": "ts"}}
