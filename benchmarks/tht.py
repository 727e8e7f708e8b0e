"""The tripleo-heat-templates source tree, fetched once from PyPI (the wheel holds no templates)."""
from __future__ import annotations

import glob
import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / ".cache"


def tht_sdist(version: str = "18.0.0") -> Path:
    """The path of the tripleo-heat-templates source archive, downloaded on first use."""
    CACHE.mkdir(exist_ok=True)
    found = glob.glob(str(CACHE / f"tripleo_heat_templates-{version}.tar.gz")) + \
        glob.glob(str(CACHE / f"tripleo-heat-templates-{version}.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--disable-pip-version-check", "-d", str(CACHE), f"tripleo-heat-templates=={version}"],
                       check=True, stderr=subprocess.DEVNULL)
        found = glob.glob(str(CACHE / f"tripleo*heat*templates-{version}.tar.gz"))
    return Path(found[0])


def tht_tree(version: str = "18.0.0") -> Path:
    """The unpacked source tree (cached)."""
    target = CACHE / f"tripleo-heat-templates-{version}"
    if not target.exists():
        with tarfile.open(tht_sdist(version)) as archive:
            archive.extractall(CACHE, filter="data")
    return target
