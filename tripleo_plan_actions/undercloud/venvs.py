"""The virtual environments the local servers run from, built from PyPI with pinned versions.

One environment per service, each pinned by ``constraints/<service>.txt``.  The pack itself is
installed (editable) into Mistral's environment, because its actions run inside the Mistral process.
An environment is rebuilt only when its requirements or pins change (a stamp file records them).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "swift": ("swift", "python-swiftclient"),
    # gunicorn serves the APIs in the production profile (undercloud/production/).
    "heat": ("openstack-heat", "python-heatclient", "yaql<3", "PyMySQL", "gunicorn"),
    "mistral": ("mistral", "python-mistralclient", "mistral-lib", "PyMySQL", "gunicorn"),
}
PACK_INSIDE = {"mistral"}


class InstallFailed(RuntimeError):
    """pip failed; the message ends with pip's last lines."""


def python(venvs_dir: Path, service: str) -> Path:
    return venvs_dir / service / "bin" / "python"


def _stamp(repo_root: Path, service: str) -> str:
    digest = hashlib.sha256()
    digest.update(repr(REQUIREMENTS[service]).encode())
    digest.update((repo_root / "constraints" / f"{service}.txt").read_bytes())
    if service in PACK_INSIDE:
        digest.update((repo_root / "setup.cfg").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure(venvs_dir: Path, repo_root: Path, service: str, log=print) -> float:
    """Build ``venvs_dir/service`` unless it is current; return the seconds spent (0 if current)."""
    target = venvs_dir / service
    stamp_file = target / ".tripleo-plan-stamp"
    stamp = _stamp(repo_root, service)
    if stamp_file.exists() and stamp_file.read_text() == stamp and python(venvs_dir, service).exists():
        return 0.0
    started = time.monotonic()
    log(f"installing the {service} environment into {target} ...")
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    command = [str(python(venvs_dir, service)), "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check", "--no-input",
               "-c", str(repo_root / "constraints" / f"{service}.txt"), *REQUIREMENTS[service]]
    if service in PACK_INSIDE:
        command += ["-e", str(repo_root)]
    env = dict(os.environ, PIP_NO_WARN_SCRIPT_LOCATION="1")
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    if done.returncode != 0:
        tail = "\n".join(line for line in done.stdout.decode(errors="replace").splitlines()
                         if "is ignored: it is neither a file nor a directory" not in line)[-4000:]
        raise InstallFailed(f"pip could not build the {service} environment:\n{tail}")
    stamp_file.write_text(stamp)
    return time.monotonic() - started


def ensure_all(venvs_dir: Path, repo_root: Path, log=print) -> dict[str, float]:
    """Build every service environment that is not current, in parallel; seconds per service."""
    venvs_dir.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(len(REQUIREMENTS)) as pool:
        futures = {name: pool.submit(ensure, venvs_dir, repo_root, name, log) for name in REQUIREMENTS}
        return {name: future.result() for name, future in futures.items()}
