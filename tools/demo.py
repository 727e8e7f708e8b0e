"""The demo, run by ``tools/demo`` inside a freshly started local undercloud.

Each step is ONE workflow execution in Mistral started by the thin client ``tripleo-plan``; the
pack's actions do the Swift and Heat work server side.
"""
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.tht import tht_tree  # noqa: E402
from tripleo_plan_actions.client import cli  # noqa: E402


def step(title: str, *args: str) -> None:
    print(f"\n== tripleo-plan {' '.join(args)}\n   ({title})", flush=True)
    if cli.main(list(args)) != 0:
        sys.exit(1)


# tripleo-plan writes progress to stderr and results to stdout; here both go, in order, to stdout.
sys.stderr = sys.stdout
work = Path(tempfile.mkdtemp())
my_env = work / "my-cloud.yaml"
my_env.write_text("resource_registry:\n  OS::TripleO::PostDeploy: my-post-deploy.yaml\n"
                  "parameter_defaults:\n  CloudName: demo.example.com\n")
(work / "my-post-deploy.yaml").write_text("heat_template_version: wallaby\nresources:\n  Hello:\n"
                                          "    type: OS::Heat::SoftwareConfig\n"
                                          "    properties: {group: script, config: {get_file: hello.sh}}\n")
(work / "hello.sh").write_text("#!/bin/sh\necho hello from the operator's own script\n")

step("the pack reaches Swift and Heat from inside Mistral", "check", "-f", "yaml")

example = ROOT / "examples" / "small-overcloud"
os.environ["TRIPLEO_PLAN_TEMPLATES"] = str(example)  # -e paths inside it are the plan's own files
step("a plan from a local THT-shaped tree (Heat-only resources): ONE archive upload, rendered server side",
     "plan", "create", "demo", "--templates", str(example), "-f", "yaml")
step("deploy with two environment files: one of the plan (inside the templates), one of mine "
     "(shipped with the nested template and script it references)",
     "deploy", "demo", "-e", str(example / "environments" / "debug.yaml"), "-e", str(my_env),
     "-c", "revision", "-c", "stack_status", "-c", "environments", "-c", "outputs")
step("update with NO -e: the tracked list is replayed (the old client forgot it)",
     "update", "demo", "-c", "revision", "-c", "stack_status", "-c", "environments")
step("scale Compute to 3", "scale", "demo", "--role-count", "Compute=3", "-c", "revision", "-c", "outputs")
step("the story so far: every operation is a revision", "history", "demo",
     "-c", "number", "-c", "operation", "-c", "status", "-c", "stack_status", "-c", "environments",
     "-c", "started_at")
step("what changed from the deploy (revision 2; 1 is the create) to the scale",
     "diff", "demo", "2", "4", "-f", "yaml")

templates = tht_tree()  # tripleo-heat-templates 18.0.0, from PyPI (cached in .cache/)
step("a plan from the real tripleo-heat-templates 18.0.0: ~1,800 files, 52 generated passwords",
     "plan", "create", "overcloud", "--templates-dir", str(templates), "--description", "THT 18 plan",
     "-f", "yaml")
step("its roles and what it deploys with", "plan", "show", "overcloud", "-c", "roles", "-c", "environments",
     "-c", "files", "-f", "yaml")
