"""The virtual environments the local servers run from, built from PyPI with pinned versions.

One environment per service, each pinned by ``constraints/<service>.txt``.  The pack itself is
installed (editable) into Mistral's environment, because its actions run inside the Mistral process.
An environment is rebuilt only when its requirements or pins change (a stamp file records them).
The :data:`OPTIONAL` ones (Keystone; ``legacy``: tripleo-common 11.7.0) are built only when asked
for (``ensure_all(..., optional=...)``).
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
    # keystonemiddleware: the proxy's authtoken filter when the undercloud runs with Keystone.
    "swift": ("swift", "python-swiftclient", "keystonemiddleware"),
    # gunicorn serves the APIs in the production profile (undercloud/production/).
    "heat": ("openstack-heat", "python-heatclient", "yaql<3", "PyMySQL", "gunicorn"),
    "mistral": ("mistral", "python-mistralclient", "mistral-lib", "PyMySQL", "gunicorn"),
    # python-keystoneclient: the local undercloud's catalog, users and roles (servers/keystone_setup.py).
    "keystone": ("keystone", "python-keystoneclient", "PyMySQL", "gunicorn"),
    # The REAL old code (Train), for the tests' legacy plans (tests/legacy/, doc/legacy-plans.rst): run
    # as a separate process, never imported by the pack or its tests.  setuptools<81: pkg_resources.
    "legacy": ("tripleo-common==11.7.0", "setuptools<81"),
}
PACK_INSIDE = {"mistral"}
#: Environments built only when asked for: the local undercloud without Keystone never pays for them.
OPTIONAL = ("keystone", "legacy")


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


def wanted(optional: tuple[str, ...] = ()) -> list[str]:
    """The environments to build: every one but the :data:`OPTIONAL` ones not in ``optional``."""
    unknown = set(optional) - set(OPTIONAL)
    if unknown:
        raise ValueError(f"no optional environment {', '.join(sorted(unknown))}; known: {', '.join(OPTIONAL)}")
    return [name for name in REQUIREMENTS if name not in OPTIONAL or name in optional]


def ensure_all(venvs_dir: Path, repo_root: Path, log=print, optional: tuple[str, ...] = ()) -> dict[str, float]:
    """Build every service environment that is not current (the :data:`OPTIONAL` ones only when
    named in ``optional``), in parallel; seconds per service."""
    venvs_dir.mkdir(parents=True, exist_ok=True)
    names = wanted(optional)
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        futures = {name: pool.submit(ensure, venvs_dir, repo_root, name, log) for name in names}
        return {name: future.result() for name, future in futures.items()}
