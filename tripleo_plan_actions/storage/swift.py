"""Plans in Swift.  The layout (documented in doc/storage.rst) for a plan named ``P``:

* container ``P`` (metadata ``X-Container-Meta-Usage-Tripleo: plan``): every plan file, one object
  each, as TripleO tools and the UI read them;
* container ``P-tripleo-plan``, the pack's own records of the plan:
  ``plan.tar.gz`` — the same files as one archive, the source of truth the actions read in ONE
  request (written last: a plan without it does not exist);
  ``inputs/<sha256>`` — what the operator supplied, content-addressed (stored once per plan),
  object metadata ``Path`` = the path the operator gave first;
* container ``tripleo-plan-uploads``: archives a client uploads before starting an execution
  (removed by the action that consumes them); ``tripleo-plan-exports``: export archives.

Every write is staged: the new content is computed and checked in memory first, and a failed write
is undone before the error is raised, so a plan is never left half-written.
"""
from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterable, Mapping

from tripleo_plan_actions import pauses
from tripleo_plan_actions.core import archive as archives
from tripleo_plan_actions.core.plan import PlanExists, PlanNotFound, check_name, sha256
from tripleo_plan_actions.errors import PlanBusy, PlanError, PlanInputError, ServiceError

SIDE_SUFFIX = "-tripleo-plan"
BUNDLE = "plan.tar.gz"
INPUTS = "inputs/"
REVISIONS = "revisions/"
UPLOADS = "tripleo-plan-uploads"
EXPORTS = "tripleo-plan-exports"
PLAN_METADATA = {"X-Container-Meta-Usage-Tripleo": "plan"}
#: On the records' container: the execution that created the plan (see SwiftPlanStore.unfinished).
CREATOR = "X-Container-Meta-Tripleo-Plan-Execution"
#: On the records' container: the revision whose record completes the create (absent: 1; an
#: import keeping a plan's records: its own ``import`` revision, written after them).
COMPLETED_BY = "X-Container-Meta-Tripleo-Plan-Completed-By"
#: On the records' container of an adopted plan (:meth:`SwiftPlanStore.take_over`): container
#: ``P`` is tripleo-common's, so what a killed adopt left is removed without it.
ADOPTED = "X-Container-Meta-Tripleo-Plan-Adopted"
#: Above this many files a write goes as one extract-archive request instead of one PUT each.
BULK_THRESHOLD = 4
#: Swift's default (and usual maximum) number of entries per listing page.
LISTING_LIMIT = 10000


def side(name: str) -> str:
    return name + SIDE_SUFFIX


def content_type(path: str) -> str:
    if path.endswith((".yaml", ".yml")):
        return "application/x-yaml"
    if path.endswith(".json"):
        return "application/json"
    if path.endswith(".tar.gz"):
        return "application/gzip"
    return "application/octet-stream"


class SwiftPlanStore:
    """Plan storage over one ``swiftclient.Connection``; every method documents its requests."""

    def __init__(self, swift: Any) -> None:
        self.swift = swift

    # -- low level ---------------------------------------------------------------------------
    def _call(self, what: str, function, *args, **kwargs):
        from swiftclient.exceptions import ClientException

        try:
            return function(*args, **kwargs)
        except ClientException as error:
            failure = ServiceError(f"Swift refused to {what}: {error.http_status} {error.http_reason}")
            failure.status = error.http_status
            raise failure from error

    def _raw(self, method: str, path: str, query: str, body: bytes, content: str) -> dict:
        """A request whose JSON response body matters (bulk operations answer 200 even on failure)."""
        if not self.swift.url:
            self._call("authenticate", self.swift.get_auth)
        url = f"{self.swift.url}{path}?{query}"
        headers = {"X-Auth-Token": self.swift.token, "Accept": "application/json", "Content-Type": content,
                   "User-Agent": "tripleo-plan-actions"}
        if getattr(self.swift, "service_token", None):  # the caller's token may have expired (swift_api)
            headers["X-Service-Token"] = self.swift.service_token
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            failure = ServiceError(f"Swift refused {method} {path}?{query}: {error.code} "
                                   f"{error.read().decode(errors='replace')[:500]}")
            failure.status = error.code
            raise failure from error
        except (urllib.error.URLError, OSError) as error:
            raise ServiceError(f"cannot reach Swift for {method} {path}: {error}") from error

    def extract(self, container: str, files: Mapping[str, bytes], prefix: str = "") -> None:
        """Write ``files`` into ``container`` (under ``prefix``) with ONE extract-archive request."""
        target = "/" + urllib.parse.quote(container + ("/" + prefix.strip("/") if prefix else ""))
        result = self._raw("PUT", target, "extract-archive=tar.gz",
                           archives.write_archive(files), "application/gzip")
        errors = result.get("Errors") or []
        created = result.get("Number Files Created", 0)
        if errors or not str(result.get("Response Status", "")).startswith("201") or created != len(files):
            detail = "; ".join(f"{name}: {status}" for name, status in errors[:10])
            raise ServiceError(f"Swift stored {created} of {len(files)} files in {container} "
                               f"({result.get('Response Status')}): {detail or result.get('Response Body', '')}")

    def bulk_delete(self, paths: Iterable[str]) -> None:
        """Delete ``container/object`` paths, 10,000 per request; missing ones are fine."""
        paths = list(paths)
        for start in range(0, len(paths), 10000):
            body = "\n".join(urllib.parse.quote(p) for p in paths[start:start + 10000]).encode()
            result = self._raw("POST", "", "bulk-delete", body, "text/plain")
            errors = [e for e in result.get("Errors") or [] if not str(e[1]).startswith("404")]
            if errors:
                raise ServiceError("Swift could not delete: " + "; ".join(f"{n}: {s}" for n, s in errors[:10]))

    def _listing(self, what: str, function, *args, **kwargs) -> list[dict]:
        """Every entry of a listing, asking for the next page only when a page came back full.

        (swiftclient's ``full_listing`` always asks once more, for an empty page.)
        """
        entries: list[dict] = []
        marker = ""
        while True:
            _, page = self._call(what, function, *args, marker=marker, limit=LISTING_LIMIT, **kwargs)
            entries.extend(page)
            if len(page) < LISTING_LIMIT:
                return entries
            marker = page[-1]["name"]

    def _names(self, container: str, prefix: str | None = None) -> list[str]:
        return [item["name"] for item in self._listing(f"list {container}", self.swift.get_container,
                                                        container, prefix=prefix)]

    def _containers(self, prefix: str | None = None) -> set[str]:
        return {c["name"] for c in self._listing("list containers", self.swift.get_account, prefix=prefix)}

    # -- plans -------------------------------------------------------------------------------
    def list(self) -> list[str]:
        """Names of the plans (1 request: the account listing)."""
        names = self._containers()
        return sorted(n[: -len(SIDE_SUFFIX)] for n in names
                      if n.endswith(SIDE_SUFFIX) and n[: -len(SIDE_SUFFIX)] in names)

    def exists(self, name: str) -> bool:
        """Whether plan ``name`` or either of its containers exists (1 request)."""
        return bool(self._containers(prefix=name) & {name, side(name)})

    def load(self, name: str) -> dict[str, bytes]:
        """The plan's files (1 request: the plan archive)."""
        from swiftclient.exceptions import ClientException

        try:
            _, data = self.swift.get_object(side(name), BUNDLE)
        except ClientException as error:
            if error.http_status == 404:
                raise PlanNotFound(f"plan {name} does not exist") from None
            raise ServiceError(f"Swift refused to read plan {name}: {error.http_status} {error.http_reason}") from error
        return archives.read_archive(data, max_total_bytes=1 << 40)

    def create(self, name: str, files: Mapping[str, bytes], owner: str | None = None,
               completed_by: int = 1) -> None:
        """Create plan ``name`` with ``files``; on any failure remove what was written.

        The records' container comes first, marked with ``owner`` (the creating execution) and
        ``completed_by`` (when not 1), and revision ``completed_by`` (written by the caller) last:
        what a create killed in between leaves is recognised by :meth:`unfinished`.  Requests:
        account listing, 2 container PUTs, 1 extract-archive, 1 archive PUT.
        """
        check_name(name)
        if self.exists(name):
            raise PlanExists(f"plan {name} already exists")
        try:
            marks = {CREATOR: owner or "", **({COMPLETED_BY: str(completed_by)} if completed_by != 1 else {})}
            self._call(f"create container {side(name)}", self.swift.put_container, side(name), headers=marks)
            self._call(f"create container {name}", self.swift.put_container, name, headers=PLAN_METADATA)
            self.extract(name, files)
            pauses.hold(pauses.COMMIT)  # a fault test's kill (inert unless asked for)
            self._call(f"store plan {name}", self.swift.put_object, side(name), BUNDLE,
                       archives.write_archive(files), content_type="application/gzip")
        except BaseException:
            self._remove(name, paths=[f"{name}/{p}" for p in files])
            raise

    def unfinished(self, name: str) -> dict[str, Any] | None:
        """``{"execution": ...}`` when plan ``name``'s records' container exists without a revision
        numbered from its ``completed_by`` on (1 unless the create said otherwise: a create or import
        killed before its end), else None; a container ``name`` alone (another tool's plan) is never
        unfinished.  (A pruned plan lacking revision 1 is whole: pruning never removes the newest
        record.)  Requests: 1 HEAD, 1 listing when the container exists."""
        from swiftclient.exceptions import ClientException

        try:
            headers = self.swift.head_container(side(name))
        except ClientException as error:
            if error.http_status == 404:
                return None
            raise ServiceError(f"Swift refused to read container {side(name)}: {error.http_status}") from error
        completed_by = headers.get(COMPLETED_BY.lower()) or "1"
        if max(self.revision_numbers(name), default=0) >= (int(completed_by) if completed_by.isdigit() else 1):
            return None
        return {"execution": headers.get(CREATOR.lower()) or None, "adopted": ADOPTED.lower() in headers}

    # -- plans another tool made (tripleo-common) ----------------------------------------------
    def legacy(self, name: str) -> dict[str, bytes]:
        """The files of plan ``name`` as another tool (tripleo-common, Stein/Train) left it: its
        container marked ``X-Container-Meta-Usage-Tripleo: plan``, without the pack's records.
        Read only.  PlanNotFound without that container; PlanExists when the pack has the plan
        (or what a killed adopt left: :meth:`unfinished`); PlanInputError for a container that is
        not marked as a plan.  Requests: 1 account listing, 1 HEAD, 1 listing per 10,000 objects,
        1 GET per object."""
        found = self._containers(prefix=name) & {name, side(name)}
        if side(name) in found:
            raise PlanExists(f"plan {name} is already managed by tripleo-plan")
        if name not in found:
            raise PlanNotFound(f"there is no plan container {name} to adopt")
        usage = self._call(f"read container {name}", self.swift.head_container, name).get(
            "x-container-meta-usage-tripleo")
        if usage != "plan":
            raise PlanInputError(f"container {name} is not a TripleO plan (X-Container-Meta-Usage-Tripleo: "
                                 f"{usage or 'not set'}, not plan)")
        return {path: self._call(f"read {name}/{path}", self.swift.get_object, name, path)[1]
                for path in self._names(name)}

    def take_over(self, name: str, files: Mapping[str, bytes], owner: str | None = None) -> None:
        """Make the legacy plan ``name`` (whose container holds ``files``, as :meth:`legacy` read
        them) the pack's: its records' container, marked with ``owner`` and as an adoption, and
        the plan archive.  Container ``name`` is not touched.  On failure what was written is
        removed (:meth:`release`).  Requests: 1 container PUT, 1 archive PUT."""
        marks = {CREATOR: owner or "", ADOPTED: "true"}
        try:
            self._call(f"create container {side(name)}", self.swift.put_container, side(name), headers=marks)
            pauses.hold(pauses.COMMIT)
            self._call(f"store plan {name}", self.swift.put_object, side(name), BUNDLE,
                       archives.write_archive(files), content_type="application/gzip")
        except BaseException:
            self.release(name)
            raise

    def release(self, name: str) -> int:
        """Undo :meth:`take_over`: remove the records' container of plan ``name`` and every object
        in it, leaving container ``name`` (tripleo-common's) as it is; the objects removed.
        Requests: 1 listing, 1 bulk-delete when not empty, 1 container DELETE."""
        from swiftclient.exceptions import ClientException

        try:
            names = [f"{side(name)}/{o}" for o in self._names(side(name))]
        except ServiceError:
            names = []
        if names:
            self.bulk_delete(names)
        try:
            self.swift.delete_container(side(name))
        except ClientException as error:
            if error.http_status != 404:
                raise ServiceError(f"Swift refused to delete container {side(name)}: {error}") from error
        return len(names)

    def write(self, name: str, old: Mapping[str, bytes], new: Mapping[str, bytes]) -> dict[str, list[str]]:
        """Make stored plan ``old`` into ``new``: changed files, then the plan archive (the commit).

        Requests: 1 extract-archive (or one PUT per file when few), 1 bulk-delete when files go,
        1 archive PUT; none at all when nothing changed.  On failure the changed files are put back
        as they were.
        """
        changed = {p: c for p, c in new.items() if old.get(p) != c}
        gone = [p for p in old if p not in new]
        if not changed and not gone:
            return {"written": [], "deleted": []}  # nothing to write, not even the archive
        try:
            self._put_files(name, changed)
            if gone:
                self.bulk_delete(f"{name}/{p}" for p in gone)
            pauses.hold(pauses.COMMIT)  # a fault test's kill (inert unless asked for)
            self._call(f"store plan {name}", self.swift.put_object, side(name), BUNDLE,
                       archives.write_archive(new), content_type="application/gzip")
        except BaseException:
            restore = {p: old[p] for p in list(changed) + gone if p in old}
            added = [p for p in changed if p not in old]
            try:
                self._put_files(name, restore)
                if added:
                    self.bulk_delete(f"{name}/{p}" for p in added)
            except PlanError:
                pass  # the original error says more; the archive (source of truth) was not replaced
            raise
        return {"written": sorted(changed), "deleted": sorted(gone)}

    def repair(self, name: str, files: Mapping[str, bytes]) -> list[str]:
        """Make container ``name``'s objects equal ``files`` (names and MD5 ETags); the paths put
        back or removed.  For an operation killed between a plan's files and its archive (only the
        next operation on the plan, closing that one's record, calls this).  Requests: 1 listing,
        then only what differs: 1 PUT each (1 extract-archive above 4 files), 1 bulk-delete."""
        listed = {entry["name"]: entry.get("hash") for entry in
                  self._listing(f"list {name}", self.swift.get_container, name)}
        differ = {path: content for path, content in files.items()
                  if listed.get(path) != hashlib.md5(content, usedforsecurity=False).hexdigest()}
        extra = sorted(path for path in listed if path not in files)
        self._put_files(name, differ)
        if extra:
            self.bulk_delete(f"{name}/{path}" for path in extra)
        return sorted([*differ, *extra])

    def _put_files(self, name: str, files: Mapping[str, bytes]) -> None:
        if len(files) > BULK_THRESHOLD:
            self.extract(name, files)
            return
        for path, content in sorted(files.items()):
            self._call(f"write {name}/{path}", self.swift.put_object, name, path, content,
                       content_type=content_type(path))

    def delete(self, name: str) -> int:
        """Delete the plan, its inputs and records; the number of objects removed.

        Requests: 2 listings, 1 bulk-delete per 10,000 objects, 2 container DELETEs.
        """
        if not self.exists(name):
            raise PlanNotFound(f"plan {name} does not exist")
        return self._remove(name)

    def _remove(self, name: str, paths: list[str] | None = None) -> int:
        from swiftclient.exceptions import ClientException

        removed = 0
        for container in (name, side(name)):
            try:
                names = [f"{container}/{o}" for o in self._names(container)]
            except ServiceError:
                names = []
            if names:
                self.bulk_delete(names)
                removed += len(names)
            try:
                self.swift.delete_container(container)
            except ClientException as error:
                if error.http_status != 404:
                    raise ServiceError(f"Swift refused to delete container {container}: {error}") from error
        return removed

    # -- user inputs ---------------------------------------------------------------------------
    def store_inputs(self, name: str, files: Mapping[str, bytes]) -> list[dict[str, Any]]:
        """Keep what the operator supplied, content-addressed; ``[{path, sha256, size}]`` in order.

        Requests: 1 listing of the stored inputs, then 1 PUT per new content (none when all are
        already stored).
        """
        records = [{"path": path, "sha256": sha256(content), "size": len(content)}
                   for path, content in files.items()]
        stored = set(self._names(side(name), prefix=INPUTS))
        pending: dict[str, tuple[str, bytes]] = {}
        for record, content in zip(records, files.values()):
            key = INPUTS + record["sha256"]
            if key not in stored and key not in pending:
                pending[key] = (record["path"], content)
        for key, (path, content) in pending.items():
            self._call(f"store input {path}", self.swift.put_object, side(name), key, content,
                       content_type=content_type(path),
                       headers={"X-Object-Meta-Path": urllib.parse.quote(path)})
        return records

    def input(self, name: str, digest: str) -> bytes:
        """One stored input by its sha256 (1 request)."""
        _, content = self._call(f"read input {digest}", self.swift.get_object, side(name), INPUTS + digest)
        return content

    def inputs(self, name: str) -> list[str]:
        """The sha256 of every stored input (1 request)."""
        return [n[len(INPUTS):] for n in self._names(side(name), prefix=INPUTS)]

    def forget(self, name: str, numbers: Iterable[int], digests: Iterable[str]) -> None:
        """Delete revision records ``numbers`` and inputs ``digests`` (1 bulk delete; none if empty)."""
        paths = [f"{side(name)}/{REVISIONS}{n:010d}.json" for n in numbers]
        paths += [f"{side(name)}/{INPUTS}{d}" for d in digests]
        if paths:
            self.bulk_delete(paths)

    # -- revision records -----------------------------------------------------------------------
    def revision_numbers(self, name: str) -> list[int]:
        """The numbers of the plan's revision records, oldest first (1 request).

        Raises PlanNotFound when the plan does not exist."""
        from swiftclient.exceptions import ClientException

        try:
            names = self._names(side(name), prefix=REVISIONS)
        except ServiceError as error:
            cause = error.__cause__
            if isinstance(cause, ClientException) and cause.http_status == 404:
                raise PlanNotFound(f"plan {name} does not exist") from None
            raise
        numbers = []
        for obj in names:
            stem = obj[len(REVISIONS):].removesuffix(".json")
            if stem.isdigit():
                numbers.append(int(stem))
        return sorted(numbers)

    def revision(self, name: str, number: int) -> dict[str, Any]:
        """One revision record (1 request)."""
        _, body = self._call(f"read revision {number} of plan {name}", self.swift.get_object,
                             side(name), f"{REVISIONS}{number:010d}.json")
        return json.loads(body)

    def put_revision(self, name: str, record: Mapping[str, Any], new: bool = False) -> None:
        """Write a revision record (1 request).

        ``new``: the record must not exist yet (``If-None-Match: *``): of two operations racing for
        the same revision number, exactly one wins; the other gets PlanBusy.
        """
        from swiftclient.exceptions import ClientException

        number = record["number"]
        try:
            self.swift.put_object(side(name), f"{REVISIONS}{number:010d}.json",
                                  json.dumps(record, indent=1, sort_keys=True).encode(),
                                  content_type="application/json",
                                  headers={"If-None-Match": "*"} if new else None)
        except ClientException as error:
            if new and error.http_status == 412:
                raise PlanBusy(f"plan {name} is busy: another operation started revision {number} "
                               "at the same time; try again when it has finished") from None
            raise ServiceError(f"Swift refused to write revision {number} of plan {name}: "
                               f"{error.http_status} {error.http_reason}") from error

    # -- uploads and exports ------------------------------------------------------------------
    def take_upload(self, upload: str) -> bytes:
        """Read an archive the client uploaded to tripleo-plan-uploads (1 request); one larger than
        an archive may be (:data:`~tripleo_plan_actions.core.archive.MAX_TOTAL_BYTES`) is refused
        from its length, before its body is read."""
        from swiftclient.exceptions import ClientException

        try:
            headers, body = self.swift.get_object(UPLOADS, upload, resp_chunk_size=1 << 20)
            size = int(headers.get("content-length") or 0)
            if size > archives.MAX_TOTAL_BYTES:
                body.close()
                raise PlanInputError(f"the uploaded archive {UPLOADS}/{upload}: {size} bytes is over the limit "
                                     f"of {archives.MAX_TOTAL_BYTES} bytes")
            return b"".join(body)
        except ClientException as error:
            if error.http_status == 404:
                raise PlanError(f"no uploaded archive {UPLOADS}/{upload}") from None
            raise ServiceError(f"Swift refused to read {UPLOADS}/{upload}: {error}") from error

    def drop_upload(self, upload: str) -> None:
        """Remove a consumed upload (1 request); a missing one is fine."""
        from swiftclient.exceptions import ClientException

        try:
            self.swift.delete_object(UPLOADS, upload)
        except ClientException as error:
            if error.http_status != 404:
                raise ServiceError(f"Swift refused to delete {UPLOADS}/{upload}: {error}") from error

    def put_export(self, name: str, data: bytes) -> str:
        """Store an export archive; its object name in tripleo-plan-exports (2 requests)."""
        self._call("create the exports container", self.swift.put_container, EXPORTS)
        obj = f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.tar.gz"
        self._call(f"store export {obj}", self.swift.put_object, EXPORTS, obj, data,
                   content_type="application/gzip")
        return obj
