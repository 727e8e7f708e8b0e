"""The plan store: the narrow interface every operation reads and writes plans through.

Two implementations: :class:`~tripleo_plan_actions.storage.swift.SwiftPlanStore` (the undercloud's
Swift, layout in doc/storage.rst) and :class:`~tripleo_plan_actions.storage.memory.MemoryPlanStore`
(a dict, for the unit tests of every operation).  Both raise the same typed errors:

* :class:`~tripleo_plan_actions.errors.PlanNotFound` — the plan does not exist (``load``,
  ``delete``, ``revision_numbers``);
* :class:`~tripleo_plan_actions.errors.PlanExists` — ``create`` of a plan that exists;
* :class:`~tripleo_plan_actions.errors.PlanBusy` — ``put_revision(new=True)`` of a revision number
  another operation has just written (of two racing writers exactly one wins);
* :class:`~tripleo_plan_actions.errors.PlanError` — an upload that does not exist;
* :class:`~tripleo_plan_actions.errors.ServiceError` — the storage refused or is unreachable.

Contents are bytes; inputs are content-addressed by their sha256 (stored once per plan); revision
records are JSON-serialisable dicts (:mod:`tripleo_plan_actions.core.revisions`).
"""
from __future__ import annotations

import builtins
from typing import Any, Iterable, Mapping, Protocol


class PlanStore(Protocol):
    """What an operation may do to stored plans; nothing else reaches the storage."""

    # -- plans
    def list(self) -> list[str]:
        """The names of every plan, sorted."""

    def exists(self, name: str) -> bool:
        """Whether plan ``name`` (or what is left of it) exists."""

    def load(self, name: str) -> dict[str, bytes]:
        """The plan's files (PlanNotFound when there is no such plan)."""

    def create(self, name: str, files: Mapping[str, bytes], owner: str | None = None,
               completed_by: int = 1) -> None:
        """Create the plan with ``files`` for execution ``owner`` (PlanExists when it exists);
        nothing is left on failure, and what a killed create left is recognised by :meth:`unfinished`:
        the create is complete once revision ``completed_by`` (1; an import keeping records: its
        own, the last it writes) or a later one exists."""

    def unfinished(self, name: str) -> dict[str, Any] | None:
        """What a create (or adopt) killed before its end left of plan ``name``: ``{"execution": <the
        creating execution or None>, "adopted": <a takeover's, to undo with release>}`` while no
        revision from ``completed_by`` on exists (pruning removes older ones, never the newest);
        None for a whole plan, no plan, or containers another tool made."""

    def legacy(self, name: str) -> dict[str, bytes]:
        """The files of plan ``name`` as tripleo-common left it, read only (PlanNotFound: no such
        plan container; PlanExists: the pack already has the plan; PlanInputError: a container
        not marked as a plan)."""

    def take_over(self, name: str, files: Mapping[str, bytes], owner: str | None = None) -> None:
        """Make legacy plan ``name`` (holding ``files``) the pack's, its container untouched; the
        takeover is complete once revision 1 exists (until then :meth:`unfinished` says
        ``adopted``: :meth:`release` undoes it)."""

    def release(self, name: str) -> int:
        """Undo :meth:`take_over` (the pack's records of ``name`` removed, its container kept)."""

    def write(self, name: str, old: Mapping[str, bytes], new: Mapping[str, bytes]) -> dict[str, builtins.list[str]]:
        """Make stored plan ``old`` into ``new`` whole, or leave it as it was; ``{written, deleted}``."""

    def repair(self, name: str, files: Mapping[str, bytes]) -> builtins.list[str]:
        """Make the plan's file objects equal ``files`` (what its archive, the commit point, holds)
        after an operation was killed between writing them and the archive; the paths put back or
        removed."""

    def delete(self, name: str) -> int:
        """Delete the plan, its inputs and records; how many objects went (PlanNotFound)."""

    # -- the operator's inputs, content-addressed
    def store_inputs(self, name: str, files: Mapping[str, bytes]) -> builtins.list[dict[str, Any]]:
        """Keep ``files`` (``{path: content}``); ``[{path, sha256, size}]`` in their order."""

    def input(self, name: str, digest: str) -> bytes:
        """One stored input by its sha256."""

    def inputs(self, name: str) -> builtins.list[str]:
        """The sha256 of every stored input."""

    def forget(self, name: str, numbers: Iterable[int], digests: Iterable[str]) -> None:
        """Delete revision records ``numbers`` and inputs ``digests`` (history pruning)."""

    # -- revision records
    def revision_numbers(self, name: str) -> builtins.list[int]:
        """The numbers of the plan's revision records, oldest first (PlanNotFound)."""

    def revision(self, name: str, number: int) -> dict[str, Any]:
        """One revision record."""

    def put_revision(self, name: str, record: Mapping[str, Any], new: bool = False) -> None:
        """Write a record; ``new``: it must not exist yet (PlanBusy when another writer won)."""

    # -- what clients upload, and exports
    def take_upload(self, upload: str) -> bytes:
        """An archive a client uploaded before starting the execution (PlanError when missing)."""

    def drop_upload(self, upload: str) -> None:
        """Remove a consumed upload; a missing one is fine."""

    def put_export(self, name: str, data: bytes) -> str:
        """Store an export archive; its object name."""
