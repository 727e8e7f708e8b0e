"""Our renderer against THT's own tool on tripleo-heat-templates 18.0.0 (default roles, default network
isolation: 42 sources, 70 rendered files).

Run from the repository root with a Python that has the pack, Jinja2 and PyYAML (the functional tox
venv): ``python benchmarks/render.py [--repeat N]``.  Prints, in one run:

* in one process: our ``render()`` with a fresh Renderer (cold: compiles everything) and again with
  the same Renderer (warm: what a long-lived server does for a changed plan), against THT's
  ``process-templates.py --dry-run`` run in this process (its whole run, and the part of it spent in
  Jinja's ``from_string`` and ``render``: the render itself);
* whole processes: ``python -m tripleo_plan_actions.client.local_render ... --only-rendered`` (with an empty
  compiled-template cache, and with the cache it left) against ``process-templates.py --dry-run``;
* one JSON line with every figure (seconds; medians of ``--repeat`` runs).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jinja2  # noqa: E402
import yaml  # noqa: E402

from benchmarks.tht import tht_tree  # noqa: E402
from tripleo_plan_actions.core import render as rendering  # noqa: E402

ROLES = "roles_data.yaml"
NETWORKS = "network-data-samples/default-network-isolation.yaml"


def plan(root: Path) -> dict[str, bytes]:
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, root)] = Path(path).read_bytes()
    return files


def ours_in_process(tree: Path, repeat: int) -> dict[str, float]:
    files = plan(tree)
    roles = yaml.safe_load((tree / ROLES).read_bytes())
    networks = yaml.safe_load((tree / NETWORKS).read_bytes())
    cold, warm = [], []
    for _ in range(repeat):
        renderer = rendering.Renderer()
        start = time.perf_counter()
        first = renderer.render(files, roles, networks)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        again = renderer.render(files, roles, networks)
        warm.append(time.perf_counter() - start)
        assert again == first and len(first) == 70
    return {"ours_cold": statistics.median(cold), "ours_warm": statistics.median(warm)}


class _TimedEnvironment(jinja2.Environment):
    """jinja2.Environment counting the time THT's tool spends compiling and rendering."""

    spent = 0.0

    def from_string(self, *args, **kwargs):
        start = time.perf_counter()
        template = super().from_string(*args, **kwargs)
        original = template.render

        def render(*a, **k):
            begin = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                _TimedEnvironment.spent += time.perf_counter() - begin

        template.render = render
        _TimedEnvironment.spent += time.perf_counter() - start
        return template


def reference_in_process(tree: Path, repeat: int) -> dict[str, float]:
    script = tree / "tools" / "process-templates.py"
    argv = [str(script), "-p", str(tree), "-r", ROLES, "-n", NETWORKS, "--dry-run"]
    whole, jinja = [], []
    saved_argv, saved_env = sys.argv, jinja2.Environment
    try:
        for _ in range(repeat):
            sys.argv, jinja2.Environment, _TimedEnvironment.spent = argv, _TimedEnvironment, 0.0
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                runpy.run_path(str(script), run_name="__main__")
            whole.append(time.perf_counter() - start)
            jinja.append(_TimedEnvironment.spent)
    finally:
        sys.argv, jinja2.Environment = saved_argv, saved_env
    return {"tht_run": statistics.median(whole), "tht_render": statistics.median(jinja)}


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def processes(tree: Path, repeat: int) -> dict[str, float]:
    reference = [sys.executable, str(tree / "tools" / "process-templates.py"), "-p", str(tree),
                 "-r", ROLES, "-n", NETWORKS, "--dry-run"]
    ref, cold, warm = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as work:
            ours = [sys.executable, "-m", "tripleo_plan_actions.client.local_render", "--templates", str(tree),
                    "--roles-file", ROLES, "--networks-file", NETWORKS, "--output-dir", f"{work}/out",
                    "--only-rendered", "--cache-dir", f"{work}/cache"]
            ref.append(_timed(reference))
            cold.append(_timed(ours))
            warm.append(_timed(ours))
    return {"tht_process": statistics.median(ref), "ours_process_cold_cache": statistics.median(cold),
            "ours_process_warm_cache": statistics.median(warm)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    args = parser.parse_args()
    tree = tht_tree()
    figures = {**ours_in_process(tree, args.repeat), **reference_in_process(tree, args.repeat),
               **processes(tree, args.repeat)}
    figures["speedup_render_warm"] = figures["tht_render"] / figures["ours_warm"]
    figures["speedup_render_cold"] = figures["tht_render"] / figures["ours_cold"]
    figures["speedup_process_cold_cache"] = figures["tht_process"] / figures["ours_process_cold_cache"]
    figures["speedup_process_warm_cache"] = figures["tht_process"] / figures["ours_process_warm_cache"]
    f = figures
    print(f"THT 18.0.0, {ROLES} + {NETWORKS}: 70 rendered files; medians of {args.repeat} runs; "
          f"{os.cpu_count()} CPUs")
    print(f"in one process   THT --dry-run run {f['tht_run']:.3f} s, of which Jinja compile+render "
          f"{f['tht_render']:.3f} s")
    print(f"                 ours cold {f['ours_cold']:.3f} s ({f['speedup_render_cold']:.1f}x), "
          f"warm {f['ours_warm']:.4f} s ({f['speedup_render_warm']:.1f}x; goal >= 5x)")
    print(f"whole processes  THT --dry-run {f['tht_process']:.3f} s; ours --only-rendered "
          f"{f['ours_process_cold_cache']:.3f} s with an empty cache ({f['speedup_process_cold_cache']:.1f}x), "
          f"{f['ours_process_warm_cache']:.3f} s with its cache ({f['speedup_process_warm_cache']:.1f}x; "
          "goal >= 2x)")
    print(json.dumps({key: round(value, 4) for key, value in figures.items()}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
