"""Environment files for the benchmark and the thin client's functional test (examples/small-overcloud).

:func:`write_env_files` writes N user environment files, each about 3 KiB: every fourth maps
``OS::TripleO::PostDeploy`` to a nested template of its own (itself ~3 KiB, with a ``get_file``
script); the third maps ``OS::TripleO::Server::Config`` to the plan's own
``deployment/config.yaml`` through the templates directory (a plan reference: not shipped); the
last sets ``CloudName``.  Sized so that 1 and 5 files go inline and 20 go as one archive (over
``references.INLINE_LIMIT``).
"""
from __future__ import annotations

from pathlib import Path

CLOUD_NAME = "bench.example.com"
PADDING = "# " + "padding to make a realistic operator file " * 2 + "\n"


def write_env_files(directory: Path, count: int, templates_dir: Path) -> list[str]:
    """Write ``count`` environment files (and what they reference) under ``directory``; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nested").mkdir(exist_ok=True)
    (directory / "nested" / "scripts").mkdir(exist_ok=True)
    paths = []
    for index in range(count):
        lines = [f"# operator environment {index}\n", PADDING * 32, "parameter_defaults:\n",
                 f"  BenchSetting{index}: value-{index}\n"]
        if index == count - 1:
            lines.append(f"  CloudName: {CLOUD_NAME}\n")
        registry = []
        if index % 4 == 1:
            registry.append(f"  OS::TripleO::PostDeploy: nested/post-{index}.yaml\n")
            (directory / "nested" / f"post-{index}.yaml").write_text(
                "heat_template_version: wallaby\n" + PADDING * 32 + "resources:\n"
                "  Script:\n    type: OS::Heat::SoftwareConfig\n"
                f"    properties:\n      group: script\n      config: {{get_file: scripts/post-{index}.sh}}\n"
                f"  Marker:\n    type: OS::Heat::Value\n    properties: {{value: post-{index}}}\n")
            (directory / "nested" / "scripts" / f"post-{index}.sh").write_text(f"#!/bin/sh\necho post {index}\n")
        if index == 2:
            registry.append(f"  OS::TripleO::Server::Config: {templates_dir}/deployment/config.yaml\n")
        if registry:
            lines = ["resource_registry:\n", *registry, *lines]
        path = directory / f"env-{index:02d}.yaml"
        path.write_text("".join(lines))
        paths.append(str(path))
    return paths
