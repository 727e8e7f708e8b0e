"""mypy over the paths of pyproject.toml's [tool.mypy] files that exist (one may be still unwritten).

Extra arguments go to mypy; given paths replace the list.  Used by `tox -e pep8`.
"""
import pathlib
import subprocess
import sys

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    with open(ROOT / "pyproject.toml", "rb") as config:
        listed = tomllib.load(config)["tool"]["mypy"]["files"]
    options = [arg for arg in argv if arg.startswith("-")]
    paths = [arg for arg in argv if not arg.startswith("-")] or [p for p in listed if (ROOT / p).exists()]
    for path in listed:
        if not (ROOT / path).exists():
            print(f"tools/typecheck.py: {path} does not exist (yet): not checked", file=sys.stderr)
    return subprocess.call([sys.executable, "-m", "mypy", *options, *paths], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
