"""Regenerate tests/unit/data/python-tripleoclient-<VERSION>.entry_points.txt from PyPI.

    python tools/tripleoclient_entry_points.py [--check] [VERSION ...]    (default: 20.0.0 12.6.0)

For each version: ``pip download --no-deps python-tripleoclient==VERSION`` into a temporary
directory, then the wheel's ``*.dist-info/entry_points.txt``, verbatim.  Each file starts
with comment lines saying where it came from (version, downloaded file, its sha256).  ``--check``
writes nothing and exits 1 when a stored file differs from what PyPI gives now.

The files are the test data of tests/unit/test_osc_names.py: the ``openstack`` command names of
python-tripleoclient 20.0.0 (the last release) and 12.6.0 (the last 12.x: Train), which our
``openstack tripleo plan ...`` names must never shadow or be shadowed by.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "unit" / "data"
DEFAULT_VERSIONS = ("20.0.0", "12.6.0")


def download(version: str, directory: Path) -> Path:
    """The one file pip downloads for python-tripleoclient==``version`` (no dependencies)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-d", str(directory), f"python-tripleoclient=={version}"],
                   check=True)
    (found,) = [path for path in directory.iterdir() if path.is_file()]
    return found


def entry_points(dist: Path) -> str:
    """The ``*.dist-info/entry_points.txt`` of a wheel (both versions are wheels on PyPI)."""
    with zipfile.ZipFile(dist) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        return wheel.read(name).decode()


def render(version: str) -> str:
    with tempfile.TemporaryDirectory() as directory:
        dist = download(version, Path(directory))
        digest = hashlib.sha256(dist.read_bytes()).hexdigest()
        text = entry_points(dist)
    return (f"# python-tripleoclient {version}: the entry points of {dist.name} from PyPI\n"
            f"# sha256 {digest}\n"
            f"# made by tools/tripleoclient_entry_points.py (verbatim below this header)\n" + text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored files, write nothing")
    parser.add_argument("versions", nargs="*", default=list(DEFAULT_VERSIONS))
    options = parser.parse_args(argv)
    differs = 0
    for version in options.versions:
        path = DATA / f"python-tripleoclient-{version}.entry_points.txt"
        text = render(version)
        if options.check:
            same = path.exists() and path.read_text() == text
            print(f"{path.relative_to(DATA.parents[2])}: {'same' if same else 'DIFFERS'}")
            differs += not same
        else:
            DATA.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(DATA.parents[2])}")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
