"""The demo, run by ``tools/demo`` inside a freshly started local undercloud.

Today it runs the undercloud self-test through the thin client: ONE workflow execution in Mistral,
whose actions write and read Swift and create a stack in Heat.  It grows with the plan workflows.
"""
import sys

from tripleo_plan_actions import cli

print("== tripleo-plan check: one Mistral execution; the pack's actions talk to Swift and Heat", flush=True)
sys.exit(cli.main(["check"]))
