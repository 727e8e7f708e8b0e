"""A plan store in memory: the same contract as the Swift store (:mod:`.store`), for unit tests.

Not a mock: it keeps plans, inputs, records and uploads in dicts and enforces the same rules and
errors as :class:`~tripleo_plan_actions.storage.swift.SwiftPlanStore` (the functional tests prove
that one against the real Swift).  ``writes`` counts the calls that change something, so a test
can assert that a refused or dry-run operation wrote nothing; ``fail_on`` names a method that
raises ServiceError (a storage outage at that step).
"""
from __future__ import annotations

import builtins
import copy
import json
from typing import Any, Iterable, Mapping

from tripleo_plan_actions.core.plan import check_name, sha256
from tripleo_plan_actions.errors import PlanBusy, PlanError, PlanExists, PlanNotFound, ServiceError


class MemoryPlanStore:
    """Plans in dicts; see the module docstring."""

    def __init__(self) -> None:
        self.plans: dict[str, dict[str, bytes]] = {}
        self.input_store: dict[str, dict[str, bytes]] = {}
        self.records: dict[str, dict[int, str]] = {}
        self.uploads: dict[str, bytes] = {}
        self.exports: dict[str, bytes] = {}
        self.writes: list[tuple[str, str]] = []
        self.fail_on: set[str] = set()
        #: plan containers another tool (tripleo-common) made: ``legacy``, ``take_over``
        self.legacy_plans: dict[str, dict[str, bytes]] = {}
        #: what a killed create left (``unfinished``): a test puts ``{plan: {"execution": ...}}``
        self.left: dict[str, dict[str, Any]] = {}
        #: the paths a killed write left differing from the archive (``repair`` puts them back)
        self.half_written: dict[str, builtins.list[str]] = {}

    def _check(self, method: str, name: str = "") -> None:
        if method in self.fail_on:
            raise ServiceError(f"Swift refused to {method} {name}: 503 Service Unavailable")

    def _wrote(self, method: str, name: str) -> None:
        self._check(method, name)
        self.writes.append((method, name))

    def _plan(self, name: str) -> dict[str, bytes]:
        if name not in self.plans:
            raise PlanNotFound(f"plan {name} does not exist")
        return self.plans[name]

    # -- plans
    def list(self) -> list[str]:
        return sorted(self.plans)

    def exists(self, name: str) -> bool:
        return name in self.plans or name in self.left or name in self.legacy_plans

    def legacy(self, name: str) -> dict[str, bytes]:
        self._check("legacy", name)
        if name in self.plans or name in self.left:
            raise PlanExists(f"plan {name} is already managed by tripleo-plan")
        if name not in self.legacy_plans:
            raise PlanNotFound(f"there is no plan container {name} to adopt")
        return dict(self.legacy_plans[name])

    def take_over(self, name: str, files: Mapping[str, bytes], owner: str | None = None) -> None:
        if name in self.plans or name not in self.legacy_plans:
            raise PlanExists(f"plan {name} is already managed by tripleo-plan")
        self._wrote("take_over", name)
        self.plans[name] = dict(files)
        self.input_store[name] = {}
        self.records[name] = {}
        del self.legacy_plans[name]

    def release(self, name: str) -> int:
        self._wrote("release", name)
        self.left.pop(name, None)
        if name in self.plans:
            self.legacy_plans[name] = self.plans.pop(name)
            removed = 1 + len(self.input_store.pop(name)) + len(self.records.pop(name))
            return removed
        return 0

    def load(self, name: str) -> dict[str, bytes]:
        self._check("load", name)
        return dict(self._plan(name))

    def create(self, name: str, files: Mapping[str, bytes], owner: str | None = None,
               completed_by: int = 1) -> None:
        check_name(name)
        if name in self.plans or name in self.left:
            raise PlanExists(f"plan {name} already exists")
        self._wrote("create", name)
        self.plans[name] = dict(files)
        self.input_store[name] = {}
        self.records[name] = {}

    def write(self, name: str, old: Mapping[str, bytes], new: Mapping[str, bytes]) -> dict[str, builtins.list[str]]:
        stored = self._plan(name)
        changed = sorted(p for p, c in new.items() if old.get(p) != c)
        gone = sorted(p for p in old if p not in new)
        if not changed and not gone:
            return {"written": [], "deleted": []}
        self._wrote("write", name)
        stored.clear()
        stored.update(new)
        return {"written": changed, "deleted": gone}

    def unfinished(self, name: str) -> dict[str, Any] | None:
        return self.left.get(name)

    def repair(self, name: str, files: Mapping[str, bytes]) -> builtins.list[str]:
        self._check("repair", name)  # the plan and its archive are one dict here: only what a test left
        repaired = self.half_written.pop(name, [])
        if repaired:
            self._wrote("repair", name)
        return repaired

    def delete(self, name: str) -> int:
        if self.left.pop(name, None) is not None:
            self._wrote("delete", name)
            return 0
        files = self._plan(name)
        self._wrote("delete", name)
        removed = len(files) + 1 + len(self.input_store[name]) + len(self.records[name])
        for area in (self.plans, self.input_store, self.records):
            del area[name]
        return removed

    # -- inputs
    def store_inputs(self, name: str, files: Mapping[str, bytes]) -> builtins.list[dict[str, Any]]:
        self._plan(name)
        records: builtins.list[dict[str, Any]] = [
            {"path": path, "sha256": sha256(content), "size": len(content)} for path, content in files.items()]
        new = {r["sha256"]: c for r, c in zip(records, files.values()) if r["sha256"] not in self.input_store[name]}
        if new:
            self._wrote("store_inputs", name)
            self.input_store[name].update(new)
        return records

    def input(self, name: str, digest: str) -> bytes:
        self._check("input", name)
        try:
            return self.input_store[name][digest]
        except KeyError:
            raise ServiceError(f"Swift refused to read input {digest}: 404 Not Found") from None

    def inputs(self, name: str) -> builtins.list[str]:
        return sorted(self.input_store.get(name, {}))

    def forget(self, name: str, numbers: Iterable[int], digests: Iterable[str]) -> None:
        numbers, digests = list(numbers), list(digests)
        if not numbers and not digests:
            return
        self._wrote("forget", name)
        for number in numbers:
            self.records[name].pop(number, None)
        for digest in digests:
            self.input_store[name].pop(digest, None)

    # -- revision records
    def revision_numbers(self, name: str) -> builtins.list[int]:
        self._plan(name)
        return sorted(self.records[name])

    def revision(self, name: str, number: int) -> dict[str, Any]:
        self._check("revision", name)
        try:
            return json.loads(self.records[name][number])
        except KeyError:
            raise ServiceError(f"Swift refused to read revision {number} of plan {name}: 404 Not Found") from None

    def put_revision(self, name: str, record: Mapping[str, Any], new: bool = False) -> None:
        number = record["number"]
        if new and number in self.records.get(name, {}):
            raise PlanBusy(f"plan {name} is busy: another operation started revision {number} "
                           "at the same time; try again when it has finished")
        self._wrote("put_revision", name)
        self.records.setdefault(name, {})[number] = json.dumps(copy.deepcopy(dict(record)), sort_keys=True)

    # -- uploads and exports
    def take_upload(self, upload: str) -> bytes:
        try:
            return self.uploads[upload]
        except KeyError:
            raise PlanError(f"no uploaded archive tripleo-plan-uploads/{upload}") from None

    def drop_upload(self, upload: str) -> None:
        self.uploads.pop(upload, None)

    def put_export(self, name: str, data: bytes) -> str:
        self._wrote("put_export", name)
        obj = f"{name}-{len(self.exports):04d}.tar.gz"
        self.exports[obj] = data
        return obj
