"""Files on a local disk: the operator's (read by the thin client) or a templates tree on the
undercloud (read by plan create and upgrade with ``templates_dir``)."""
from __future__ import annotations

import os
from typing import Iterator, Mapping

from tripleo_plan_actions.errors import PlanInputError


class LocalFiles(Mapping[str, bytes]):
    """The local disk as ``{absolute path: bytes}``, read lazily (a missing file is a missing key)."""

    def __getitem__(self, path: str) -> bytes:
        try:
            with open(path, "rb") as stream:
                return stream.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(path) from None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and os.path.isfile(path)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def read_tree(directory: str) -> dict[str, bytes]:
    """A local directory as ``{relative path: bytes}``, hidden files and links left out (as THT's
    tools and the server's own reader do).  Raises PlanInputError when it is not a directory."""
    if not os.path.isdir(directory):
        raise PlanInputError(f"{directory} is not a directory")
    files = {}
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            full = os.path.join(root, name)
            if name.startswith(".") or os.path.islink(full) or not os.path.isfile(full):
                continue
            with open(full, "rb") as stream:
                files[os.path.relpath(full, directory).replace(os.sep, "/")] = stream.read()
    return files
