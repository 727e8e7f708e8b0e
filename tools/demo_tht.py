"""The real-overcloud demo, run by ``tools/demo-tht`` inside a freshly started local undercloud.

tripleo-heat-templates 18.0.0 (from PyPI) deployed the way TripleO Wallaby and later ran
"ephemeral Heat" (deployed servers, pre-provisioned ports and VIPs: no Nova, Neutron, Keystone or
Ironic), with the operator inputs of examples/tht-overcloud.  Each step is ONE workflow execution
started by the thin client ``tripleo-plan``.  Takes about half an hour on 2 cores (Heat's time).
"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.tht import tht_tree  # noqa: E402
from tripleo_plan_actions.client import MistralClient, cli  # noqa: E402

INPUTS = ROOT / "examples" / "tht-overcloud"


def step(title: str, *args: str) -> None:
    print(f"\n== tripleo-plan {' '.join(args)}\n   ({title})", flush=True)
    started = time.monotonic()
    if cli.main(list(args)) != 0:
        sys.exit(1)
    print(f"   -> {time.monotonic() - started:.0f} s", flush=True)


#: The columns worth a screen (the stack's outputs are pages of Ansible data).
SUMMARY = ("-c", "revision", "-c", "status", "-c", "stack_status", "-c", "environments")


def inputs(*names: str) -> list[str]:
    return [arg for name in names for arg in ("-e", str(INPUTS / name))]


step("a plan from tripleo-heat-templates 18.0.0, rendered server side (default roles, no network isolation)",
     "plan", "create", "overcloud", "--templates-dir", str(tht_tree()))
step("deploy: deployed servers; the provisioning outputs are the operator's -e files; services per role, "
     "container images and passwords are generated server side",
     "deploy", "overcloud", "-e", "environments/deployed-networks.yaml",
     *inputs("client-parameters.yaml", "networks-deployed.yaml", "vips-deployed.yaml", "baremetal-deployed.yaml"),
     *SUMMARY)
step("update with NO -e: the tracked list is replayed", "update", "overcloud", *SUMMARY)
step("scale Compute 1 -> 2 with the new node provision output",
     "scale", "overcloud", "--role-count", "Compute=2", *inputs("baremetal-deployed-2-computes.yaml"), *SUMMARY)

print("\n== the history (tripleo_plan.history.list)")
listed = MistralClient().run("tripleo_plan.history.list", {"plan": "overcloud"})["output"]["result"]
for row in listed["revisions"]:
    print(f"  {row['number']:>3} {row['operation']:9} {row['status']:10} {row['stack_status'] or '':16} "
          f"{row['environments']} env files  {row['started_at']} -> {row['finished_at']}")
