"""The demo, run by ``tools/demo`` inside a freshly started local undercloud.

Each step is ONE workflow execution in Mistral started by the thin client ``tripleo-plan``; the
pack's actions do the Swift and Heat work server side.
"""
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.tht import tht_tree  # noqa: E402
from tripleo_plan_actions import cli  # noqa: E402
from tripleo_plan_actions.client import MistralClient  # noqa: E402


def step(title: str, *args: str) -> None:
    print(f"\n== tripleo-plan {' '.join(args)}\n   ({title})", flush=True)
    if cli.main(list(args)) != 0:
        sys.exit(1)


work = Path(tempfile.mkdtemp())
my_env = work / "my-cloud.yaml"
my_env.write_text("parameter_defaults:\n  CloudName: demo.example.com\n")

step("the pack reaches Swift and Heat from inside Mistral", "check")

example = ROOT / "examples" / "small-overcloud"
step("a plan from a small THT-shaped tree (Heat-only resources), rendered server side",
     "plan", "create", "demo", "--templates-dir", str(example))
step("deploy with two environment files: one of the plan, one of mine",
     "deploy", "demo", "-e", "environments/debug.yaml", "-e", str(my_env))
step("update with NO -e: the tracked list is replayed (the old client forgot it)", "update", "demo")
step("scale Compute to 3", "scale", "demo", "--role-count", "Compute=3")

print("\n== the story so far (revision records, as stored next to the plan)")
from tripleo_plan_actions import connections  # noqa: E402
from tripleo_plan_actions.core import history  # noqa: E402
from tripleo_plan_actions.storage.plans import PlanStore  # noqa: E402

store = PlanStore(connections.Connections(connections.load_settings()).swift())
records = [store.revision("demo", n) for n in store.revision_numbers("demo")]
for row in history.listing(records):
    print(f"  {row['number']:>3} {row['operation']:9} {row['status']:10} {row['stack_status'] or '':16} "
          f"{row['environments']} env files  {row['started_at']}")

templates = tht_tree()  # tripleo-heat-templates 18.0.0, from PyPI (cached in .cache/)
step("a plan from the real tripleo-heat-templates 18.0.0: ~1,800 files, 52 generated passwords",
     "plan", "create", "overcloud", "--templates-dir", str(templates), "--description", "THT 18 plan")
print("\n== tripleo-plan plan show overcloud   (summarised: the full output lists every environment)")
shown = MistralClient().run("tripleo_plan.plan.show", {"plan": "overcloud"})["output"]["result"]
print(json.dumps({"roles": [r["name"] for r in shown["roles"]], "deploys with": shown["environments"],
                  "files": shown["files"], "available environments": len(shown["available_environments"]),
                  "passwords (names only)": len(shown["passwords"])}, indent=2))
