"""The demo, run by ``tools/demo`` inside a freshly started local undercloud.

Each step is ONE workflow execution in Mistral started by the thin client ``tripleo-plan``; the
pack's actions do the Swift and Heat work server side.  It grows with the project: deploy, update
and history come with their workflows.
"""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.tht import tht_tree  # noqa: E402
from tripleo_plan_actions import cli  # noqa: E402
from tripleo_plan_actions.client import MistralClient  # noqa: E402


def step(title: str, *args: str) -> None:
    print(f"\n== tripleo-plan {' '.join(args)}\n   ({title})", flush=True)
    if cli.main(list(args)) != 0:
        sys.exit(1)


templates = tht_tree()  # tripleo-heat-templates 18.0.0, from PyPI (cached in .cache/)
step("the pack reaches Swift and Heat from inside Mistral", "check")
step("a plan from the real tripleo-heat-templates 18.0.0: ~1,800 files, 52 generated passwords",
     "plan", "create", "overcloud", "--templates-dir", str(templates), "--description", "demo plan")
env = Path(subprocess.check_output(["mktemp", "--suffix=.yaml"], text=True).strip())
env.write_text("parameter_defaults:\n  ComputeCount: 2\n")
step("amend the plan with one operator file, nothing else re-uploaded",
     "plan", "amend", "overcloud", "--file", f"environments/my-scale.yaml={env}")
print("\n== tripleo-plan plan show overcloud   (summarised here: the full output lists every environment)")
shown = MistralClient().run("tripleo_plan.plan.show", {"plan": "overcloud"})["output"]["result"]
print(json.dumps({"roles": [r["name"] for r in shown["roles"]], "networks": shown["networks"],
                  "deploys with": shown["environments"], "files": shown["files"],
                  "available environments": len(shown["available_environments"]),
                  "first available": shown["available_environments"][:3],
                  "passwords (names only)": len(shown["passwords"]), "user inputs": shown["inputs"]}, indent=2))
step("the plans", "plan", "list")
