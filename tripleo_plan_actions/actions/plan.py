"""Plan management actions: create, amend, list, show, export, import, delete.

Thin adapters: read the inputs (and the plan, in one request), call the pure rules of
:mod:`tripleo_plan_actions.core.plan`, write through :class:`~tripleo_plan_actions.storage.swift.PlanStore`.
Files given inline are text (``{path: content}``); anything else comes as ONE archive the client put in
``tripleo-plan-uploads`` beforehand (input ``upload``: its object name).
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Mapping

from tripleo_plan_actions.actions import recording
from tripleo_plan_actions.actions.base import PlanAction, execution_id, now
from tripleo_plan_actions.core import archive as archives, passwords, plan as plans, revisions
from tripleo_plan_actions.core.render import Renderer
from tripleo_plan_actions.errors import PlanError
from tripleo_plan_actions.services import connections
from tripleo_plan_actions.storage.lock import PlanLock
from tripleo_plan_actions.storage.swift import SwiftPlanStore

EXPORT_FORMAT = 1
#: One renderer per Mistral process: templates compiled once stay compiled for later operations.
RENDERER = Renderer()


def _encode(files: Mapping[str, Any] | None, what: str) -> dict[str, bytes]:
    encoded = {}
    for path, content in (files or {}).items():
        if not isinstance(content, str):
            raise plans.PlanInputError(f"{what} {path}: inline content must be text")
        encoded[archives.clean_path(path)] = content.encode("utf-8")
    return encoded


def _read_directory(directory: str) -> dict[str, bytes]:
    """A templates tree on the undercloud, hidden files left out (as THT's tools do)."""
    from tripleo_plan_actions.storage.tree import read_tree

    if not os.path.isdir(directory):
        raise plans.PlanInputError(f"templates directory {directory} does not exist on the undercloud")
    return read_tree(directory)


def read_templates(store: PlanStore, upload: str | None, templates_dir: str | None) -> dict[str, bytes]:
    """A templates tree from exactly one of: an uploaded archive (its single top folder dropped) or a
    directory on the undercloud.  Used by plan create and by upgrade."""
    if bool(upload) == bool(templates_dir):
        raise plans.PlanInputError("give exactly one of 'upload' (an uploaded archive) or 'templates_dir'")
    if templates_dir:
        return _read_directory(templates_dir)
    return archives.read_archive(store.take_upload(upload), strip_root=True)


def _created(store: PlanStore, plan: str, context: Any, started_at: str, files: Mapping[str, bytes],
             inputs: Mapping[str, bytes], message: str) -> list[dict[str, Any]]:
    """After ``store.create``: keep ``inputs`` and record revision 1; undo the whole plan on failure."""
    try:
        kept = store.store_inputs(plan, inputs) if inputs else []
        record = recording.plan_record(store, plan, 1, "create", context, started_at=started_at, files=files,
                                       inputs=kept, message=message)
        store.put_revision(plan, revisions.finish(record, revisions.SUCCEEDED, finished_at=now()), new=True)
        return kept
    except BaseException:
        try:
            store.delete(plan)  # nothing half-made: no plan without its first revision
        except PlanError:
            pass  # the original failure says more (the same service is likely down)
        raise


@contextlib.contextmanager
def consuming(store: PlanStore, upload: str | None):
    """Remove the client's uploaded archive when the action ends, however it ends."""
    try:
        yield
    finally:
        if upload:
            store.drop_upload(upload)


class CreatePlan(PlanAction):
    """Create plan ``plan`` from a templates archive or directory; generate its passwords; render it.

    Output: ``{plan, files, rendered, passwords, inputs}`` (``passwords``: how many were generated; never
    their values; ``inputs``: the operator's own files kept, ``[{path, sha256, size}]``).
    """

    def __init__(self, plan: str, upload: str | None = None, templates_dir: str | None = None,
                 roles_data: str | None = None, network_data: str | None = None,
                 description: str = "") -> None:
        self.plan = plan
        self.upload = upload
        self.templates_dir = templates_dir
        self.roles_data = roles_data
        self.network_data = network_data
        self.description = description

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        store = SwiftPlanStore(services.swift())
        started_at = now()
        with consuming(store, self.upload):
            plans.check_name(self.plan)
            given = _encode({k: v for k, v in ((plans.ROLES_DATA, self.roles_data),
                                               (plans.NETWORK_DATA, self.network_data)) if v is not None},
                            "file")
            files = plans.new_plan(self.plan, read_templates(store, self.upload, self.templates_dir),
                                   roles_data=given.get(plans.ROLES_DATA),
                                   network_data=given.get(plans.NETWORK_DATA),
                                   description=self.description, generated_passwords=passwords.generate())
            files, render = plans.render(files, RENDERER)
            store.create(self.plan, files)
            inputs = _created(store, self.plan, context, started_at, files, given,
                              f"create of {self.plan}: {len(files)} files, {render['rendered']} rendered")
        environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
        return {"plan": self.plan, "files": len(files), "rendered": render["rendered"],
                "passwords": len(environment["passwords"]), "inputs": inputs}


class AmendPlan(PlanAction):
    """Add, replace or delete particular files of plan ``plan``, nothing else.

    ``files``: ``{path: text}``; ``upload``: an archive of files to add or replace; ``delete``: paths.
    ``allow_meta`` must be set to change plan-environment.yaml.  The files given are also kept in the
    plan's user inputs.  The plan is rendered again only when something the render reads changed
    (sources, fragments, roles, networks).  Takes the plan's lock (one operation at a time) and
    records a revision (pending before the plan is written, completed after; ``history_limit`` as
    for deploys).  Output: ``{plan, added, replaced, deleted, render: {rendered, skipped, removed},
    inputs, revision, pruned}``.
    """

    def __init__(self, plan: str, files: dict | None = None, upload: str | None = None,
                 delete: list | None = None, allow_meta: bool = False,
                 history_limit: int | None = None) -> None:
        self.history_limit = history_limit
        self.plan = plan
        self.files = files
        self.upload = upload
        self.delete = delete or []
        self.allow_meta = allow_meta

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        store = SwiftPlanStore(services.swift())
        with consuming(store, self.upload):
            plans.check_name(self.plan)
            lock = PlanLock(services.mistral(), self.plan)
            lock.acquire(execution_id(context), "amend")
            try:
                return self._amend(store, services, context)
            finally:
                lock.release(execution_id(context))

    def _amend(self, store: PlanStore, services: connections.Connections, context: Any) -> dict[str, Any]:
        started_at = now()
        old = store.load(self.plan)
        put = _encode(self.files, "file")
        if self.upload:
            put.update(archives.read_archive(store.take_upload(self.upload)))
        if not put and not self.delete:
            raise plans.PlanInputError("nothing to amend: give files, an upload or paths to delete")
        new, changes = plans.amend(old, put, self.delete, allow_meta=self.allow_meta)
        new, render = plans.render(new, RENDERER, previous=old)
        numbers, newest, _ = recording.recent(store, self.plan)
        if newest and newest["status"] == revisions.PENDING:
            recording.close_pending(store, services, self.plan, newest)
        inputs = store.store_inputs(self.plan, put) if put else []
        record = recording.plan_record(
            store, self.plan, revisions.next_number(numbers), "amend", context, started_at=started_at,
            files=new, inputs=inputs,
            message=f"amend of {self.plan}: {len(changes['added'])} added, {len(changes['replaced'])} replaced, "
                    f"{len(changes['deleted'])} deleted")
        store.put_revision(self.plan, record, new=True)
        try:
            store.write(self.plan, old, new)
        except PlanError as error:
            store.put_revision(self.plan, revisions.finish(record, revisions.FAILED, finished_at=now(),
                                                           message=f"{record['message']}: {error}"))
            raise
        store.put_revision(self.plan, revisions.finish(record, revisions.SUCCEEDED, finished_at=now()))
        pruned = recording.prune(store, self.plan, self.history_limit, numbers=[*numbers, record["number"]])
        return {"plan": self.plan, **changes, "render": render, "inputs": inputs, "revision": record["number"],
                "pruned": pruned}


class ListPlans(PlanAction):
    """Output: ``{plans: [name, ...]}``."""

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        return {"plans": SwiftPlanStore(services.swift()).list()}


class ShowPlan(PlanAction):
    """Roles, networks, available and used environments, parameters (secrets masked)."""

    def __init__(self, plan: str) -> None:
        self.plan = plan

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        return {**plans.describe(self.plan, store.load(self.plan)), "inputs": len(store.inputs(self.plan))}


class ExportPlan(PlanAction):
    """One archive with the plan, its passwords and user inputs: a full backup (SENSITIVE).

    ``include_secrets: false`` leaves the generated passwords out (for sharing).  Output:
    ``{plan, container, object, bytes, secrets}``; download it from Swift.
    """

    def __init__(self, plan: str, include_secrets: bool = True) -> None:
        self.plan = plan
        self.include_secrets = include_secrets

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        import json

        plans.check_name(self.plan)
        store = SwiftPlanStore(services.swift())
        files = store.load(self.plan)
        if not self.include_secrets:
            environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
            environment["passwords"] = {}
            files[plans.PLAN_ENVIRONMENT] = plans.dump_yaml(environment)
        members = {f"plan/{path}": content for path, content in files.items()}
        for digest in store.inputs(self.plan):
            members[f"inputs/{digest}"] = store.input(self.plan, digest)
        members["export.json"] = json.dumps({"format": EXPORT_FORMAT, "plan": self.plan,
                                             "secrets": self.include_secrets}).encode()
        data = archives.write_archive(members)
        obj = store.put_export(self.plan, data)
        return {"plan": self.plan, "container": "tripleo-plan-exports", "object": obj,
                "bytes": len(data), "secrets": self.include_secrets}


class ImportPlan(PlanAction):
    """Create plan ``plan`` from an export archive (uploaded), with its passwords and user inputs.

    Passwords missing from the archive (an export without secrets) are generated anew.
    """

    def __init__(self, plan: str, upload: str) -> None:
        self.plan = plan
        self.upload = upload

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        import json

        store = SwiftPlanStore(services.swift())
        started_at = now()
        with consuming(store, self.upload):
            plans.check_name(self.plan)
            members = archives.read_archive(store.take_upload(self.upload))
            if "export.json" not in members:
                raise plans.PlanInputError("not a plan export: the archive has no export.json")
            header = json.loads(members["export.json"])
            if header.get("format") != EXPORT_FORMAT:
                raise plans.PlanInputError(f"export format {header.get('format')} is not supported")
            files = {p[len("plan/"):]: c for p, c in members.items() if p.startswith("plan/")}
            inputs = {p[len("inputs/"):]: c for p, c in members.items() if p.startswith("inputs/")}
            for digest, content in inputs.items():
                if plans.sha256(content) != digest:
                    raise plans.PlanInputError(f"inputs/{digest}: content does not match its sha256")
            environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
            environment["name"] = self.plan
            environment["passwords"] = passwords.generate(environment.get("passwords") or {})
            files[plans.PLAN_ENVIRONMENT] = plans.dump_yaml(environment)
            store.create(self.plan, files)
            _created(store, self.plan, context, started_at, files,
                     {f"imported/{d}": c for d, c in inputs.items()},
                     f"create of {self.plan} from an export of plan {header.get('plan')}")
        return {"plan": self.plan, "files": len(files), "inputs": len(inputs)}


class DeletePlan(PlanAction):
    """Delete the plan, its user inputs and records; refused while stack ``plan`` exists unless ``force``."""

    def __init__(self, plan: str, force: bool = False) -> None:
        self.plan = plan
        self.force = force

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        from heatclient import exc as heat_exc

        plans.check_name(self.plan)
        if not self.force:
            try:
                stack = services.heat().stacks.get(self.plan)
            except heat_exc.HTTPNotFound:
                stack = None
            if stack is not None and stack.stack_status != "DELETE_COMPLETE":
                raise PlanError(f"plan {self.plan} is deployed (stack {self.plan} is {stack.stack_status}); "
                                "delete the stack first, or set force to delete the plan anyway")
        removed = SwiftPlanStore(services.swift()).delete(self.plan)
        return {"plan": self.plan, "objects_removed": removed}
