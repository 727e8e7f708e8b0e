"""What the thin client's process costs before and around its requests: wall times of
``tripleo-plan --help``, of ``import tripleo_plan_actions.client`` (with ``-X importtime``'s own
figure), of ``tripleo-plan plan list`` whose first request is refused (the client side of an
operation: every import and object it needs, no service work) and against a local undercloud,
each the median of N runs (after one warm-up run that fills the bytecode caches).  Run:
``tox -e bench-client``.

``--baseline REV`` measures the same commands with the package of git revision REV too (extracted
with ``git archive`` into a temporary directory and put first on ``PYTHONPATH``), in the same run,
against the same undercloud: e.g. ``--baseline 8791118``, the hand-written urllib client.
Never a test: times are only reported here.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

HELP = ["-c", "import sys; from tripleo_plan_actions.client.cli import main; sys.exit(main(['--help']))"]
IMPORT = ["-X", "importtime", "-c", "import tripleo_plan_actions.client"]
#: A whole operation's client side without the service's work: every import and object an
#: operation needs, then its first request refused at once (port 9 is closed).
REFUSED = ["-c", "import sys; from tripleo_plan_actions.client.cli import main; "
           "sys.exit(main(['--mistral-url', 'http://127.0.0.1:9/v2', 'plan', 'list', '--no-progress']) != 1)"]
PLAN_LIST = ["-c", "import sys; from tripleo_plan_actions.client.cli import main; "
             "sys.exit(main(['plan', 'list', '-f', 'value', '--no-progress']))"]


def extract(revision: str, into: Path) -> Path:
    """The package as it was at ``revision`` (``git archive``), under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "tripleo_plan_actions"],
                             check=True, stdout=subprocess.PIPE).stdout
    into.mkdir(parents=True, exist_ok=True)
    archive_file = into / "package.tar"
    archive_file.write_bytes(archive)
    with tarfile.open(archive_file) as tar:
        tar.extractall(into, filter="data")
    return into


def timed(arguments: list[str], environ: dict[str, str]) -> tuple[float, str]:
    """Seconds of one ``python ARGUMENTS`` process, and its stderr (run in ``/``: the current
    directory would come first on ``sys.path``)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *arguments], env=environ, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, cwd="/")
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{arguments} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stderr


def import_microseconds(stderr: str) -> int:
    """``-X importtime``'s cumulative microseconds of tripleo_plan_actions.client."""
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)tripleo_plan_actions\.client$", line)
        if match:
            return int(match.group(1))
    raise RuntimeError("tripleo_plan_actions.client not in the -X importtime output")


def measure(trees: dict[str, dict[str, str]], runs: int, undercloud: bool) -> dict[str, dict[str, float]]:
    """Per tree, the medians (seconds; ``importtime`` in milliseconds) of each command; the trees'
    runs alternate, so a load change on the machine affects them alike."""
    commands = {"help": HELP, "import": IMPORT, "refused": REFUSED, **({"plan list": PLAN_LIST} if undercloud else {})}
    medians: dict[str, dict[str, float]] = {label: {} for label in trees}
    for name, arguments in commands.items():
        samples: dict[str, list[tuple[float, str]]] = {label: [] for label in trees}
        for environ in trees.values():
            timed(arguments, environ)  # warm-up: bytecode caches
        for _ in range(runs):
            for label, environ in trees.items():
                samples[label].append(timed(arguments, environ))
        for label, found in samples.items():
            medians[label][name] = statistics.median(s for s, _ in found)
            if name == "import":
                medians[label]["importtime"] = statistics.median(import_microseconds(e) for _, e in found) / 1000
    return medians


def where(environ: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", "import tripleo_plan_actions; print(tripleo_plan_actions.__file__)"],
                          env=environ, check=True, stdout=subprocess.PIPE, text=True, cwd="/")
    return str(Path(done.stdout.strip()).parents[1])


def report(label: str, tree: str, medians: dict[str, float], runs: int) -> None:
    print(f"{label} ({tree}), median of {runs}:")
    print(f"  tripleo-plan --help                        {medians['help']:.3f} s")
    print(f"  import tripleo_plan_actions.client         {medians['import']:.3f} s "
          f"(-X importtime: {medians['importtime']:.0f} ms)")
    print(f"  tripleo-plan plan list, Mistral refusing   {medians['refused']:.3f} s")
    if "plan list" in medians:
        print(f"  tripleo-plan plan list (local undercloud)  {medians['plan list']:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", metavar="REV", help="also measure the package of this git revision")
    parser.add_argument("--no-undercloud", action="store_true", help="skip the plan list (no local services)")
    options = parser.parse_args()
    # Bytecode caches as an installed package has them (tox sets PYTHONDONTWRITEBYTECODE).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    trees = {"this tree": dict(base, PYTHONPATH=str(ROOT))}
    with tempfile.TemporaryDirectory() as scratch:
        if options.baseline:
            baseline = extract(options.baseline, Path(scratch) / "baseline")
            trees[options.baseline] = dict(base, PYTHONPATH=str(baseline))
        cloud = None if options.no_undercloud else LocalUndercloud(Path(scratch) / "undercloud")
        if cloud is not None:
            cloud.install()
            cloud.start()
        try:
            if cloud is not None:
                for environ in trees.values():
                    environ.update(cloud.client_environment())
            medians = measure(trees, options.runs, cloud is not None)
            found = {label: where(environ) for label, environ in trees.items()}
        finally:
            if cloud is not None:
                cloud.stop()
    for label in trees:
        report(label, found[label], medians[label], options.runs)


if __name__ == "__main__":
    main()
