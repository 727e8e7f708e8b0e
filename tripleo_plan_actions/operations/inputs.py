"""What the operator sent with an operation, read on the undercloud: uploaded archives (consumed
when the operation ends, however it ends) and templates trees (an upload or a directory)."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator, Mapping

from tripleo_plan_actions.core import archive as archives, references
from tripleo_plan_actions.core.plan import sha256
from tripleo_plan_actions.core.render import Renderer
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.storage.store import PlanStore
from tripleo_plan_actions.storage.tree import read_tree

#: One renderer per Mistral process: templates compiled once stay compiled for later operations.
RENDERER = Renderer()


@contextlib.contextmanager
def consuming(store: PlanStore, *uploads: str | None) -> Iterator[None]:
    """Remove the client's uploaded archives (None: none) when the block ends, however it ends."""
    try:
        yield
    finally:
        for upload in uploads:
            if upload:
                store.drop_upload(upload)


def templates(store: PlanStore, upload: str | None, templates_dir: str | None) -> dict[str, bytes]:
    """A templates tree from exactly one of: an uploaded archive (its single top folder dropped) or
    a directory on the undercloud (hidden files left out, as THT's tools do)."""
    if bool(upload) == bool(templates_dir):
        raise PlanInputError("give exactly one of 'upload' (an uploaded archive) or 'templates_dir'")
    if templates_dir:
        if not os.path.isdir(templates_dir):
            raise PlanInputError(f"templates directory {templates_dir} does not exist on the undercloud")
        tree = read_tree(templates_dir)
        if not tree:
            raise PlanInputError(f"templates directory {templates_dir} on the undercloud holds no files "
                                 "(hidden files and links are left out)")
        return tree
    assert upload is not None
    return archives.read_archive(store.take_upload(upload), strip_root=True, name=f"the templates upload {upload}")


def user_upload(store: PlanStore, upload: str | None) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The user files of a ``user_upload`` archive, ``{absolute path: bytes}``, and the explicit
    parameters it carries (the client sends them there when one is a secret); none without one.
    1 request; the caller removes the upload (:func:`consuming`)."""
    if not upload:
        return {}, {}
    members = archives.read_archive(store.take_upload(upload))
    return references.unpack(members), references.unpack_parameters(members)


def inline(files: Mapping[str, Any] | None) -> dict[str, bytes]:
    """Files given inline in the execution input (``{path: text}``) as ``{clean path: UTF-8 bytes}``;
    content that is not text, or over the per-file limit (from its length, before it is encoded
    or parsed), is refused, naming the path (no request)."""
    encoded = {}
    for path, content in (files or {}).items():
        if not isinstance(content, str):
            raise PlanInputError(f"file {path}: inline content must be text")
        archives.check_content(f"file {path}", content)
        encoded[archives.clean_path(path)] = content.encode("utf-8")
    return encoded


def entries(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """``[{path, sha256, size}]`` of ``files`` in their order: what the store's ``store_inputs``
    returns for them, computed in memory (an operation records it before it writes)."""
    return [{"path": path, "sha256": sha256(content), "size": len(content)} for path, content in files.items()]
