"""Deploy, update, upgrade and scale: ONE workflow each, the environment list tracked and replayed.

``tripleo_plan.deploy.start`` resolves the operation's inputs (the tracked environment list and
parameters of the last successful deploying revision, changed only as the operator says), keeps
the operator's files in the plan's user inputs, builds Heat's arguments with the pure core, writes
a ``pending`` revision and calls Heat.  ``tripleo_plan.deploy.stack_status`` is polled by the
workflow (a Mistral retry: no executor thread is held while Heat works).
``tripleo_plan.deploy.finish`` completes the revision with Heat's outcome and, on success, makes
plan-environment.yaml show what the plan now deploys with.
"""
from __future__ import annotations

import json
import time
from typing import Any

from tripleo_plan_actions.services import connections, heat_stacks
from tripleo_plan_actions.actions import recording
from tripleo_plan_actions.actions.base import PlanAction, execution_id as _execution_id, now as _now, user as _user
from tripleo_plan_actions.core import deployment_parameters
from tripleo_plan_actions.core import environment as environments
from tripleo_plan_actions.core import history
from tripleo_plan_actions.core import passwords
from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.core import revisions
from tripleo_plan_actions.errors import PlanError, PlanInputError, ServiceError, StackFailed
from tripleo_plan_actions.storage.lock import PlanLock
from tripleo_plan_actions.storage.swift import SwiftPlanStore

OPERATIONS = ("deploy", "update", "upgrade", "scale", "rollback", "undeploy")
PARAMETERS_INPUT = "parameters.json"


def _lock(services: connections.Connections, plan: str) -> PlanLock:
    return PlanLock(services.mistral(), plan)


class StartOperation(PlanAction):
    """Start a deploy, update, upgrade or scale of plan ``plan`` (stack of the same name).

    ``environments``: files to ADD, in order, each ``{"path": <plan path>}`` (a file of the plan,
    possibly a render output) or ``{"path": <operator's path>, "content": <text>}`` (a user file);
    ``user_files``: ``{operator path: text}`` the user files reference.  ``user_upload``: ONE archive
    in tripleo-plan-uploads holding user files (``files/<absolute path>``, see
    :mod:`tripleo_plan_actions.core.references`), for environments given as ``{"path": <absolute
    path>}`` and the files they reference; it is removed when the action ends, however it ends.
    ``local_templates_dir``: where the operator's copy of the plan's templates lives; a user
    file's reference into it is the plan's own file (kept for replays).  ``update``, ``upgrade`` and
    ``scale`` replay the environment list and parameters of the last successful operation; change
    them with ``remove_environments``, ``reset_environments``, ``parameters`` (overrides),
    ``unset_parameters``, ``reset_parameters``; ``role_counts`` (``{Role: n}``) sets ``<Role>Count``.
    ``dry_run`` previews what Heat would do and records nothing.
    Output: ``{plan, operation, revision, stack, environments, dry_run, preview}``.
    """

    def __init__(self, plan: str, operation: str = "deploy", environments: list | None = None,
                 user_files: dict | None = None, parameters: dict | None = None,
                 remove_environments: list | None = None, reset_environments: bool = False,
                 reset_parameters: bool = False, unset_parameters: list | None = None,
                 role_counts: dict | None = None, dry_run: bool = False, timeout: int = 240,
                 upload: str | None = None, templates_dir: str | None = None,
                 rollback_to: int | None = None, force_unlock: bool = False,
                 user_upload: str | None = None, local_templates_dir: str | None = None) -> None:
        self.plan = plan
        self.operation = operation
        self.environments = environments or []
        self.user_files = user_files or {}
        self.parameters = parameters or {}
        self.remove_environments = remove_environments or []
        self.reset_environments = reset_environments
        self.reset_parameters = reset_parameters
        self.unset_parameters = unset_parameters or []
        self.role_counts = role_counts or {}
        self.dry_run = dry_run
        self.timeout = timeout
        self.upload = upload
        self.templates_dir = templates_dir
        self.rollback_to = rollback_to
        self.force_unlock = force_unlock
        self.user_upload = user_upload
        self.local_templates_dir = local_templates_dir
        self.uploaded: dict[str, bytes] = {}

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        if not self.user_upload:
            return self._perform(services, context)
        from tripleo_plan_actions.actions.plan import consuming
        from tripleo_plan_actions.core import archive, references

        store = SwiftPlanStore(services.swift())
        with consuming(store, self.user_upload):  # 2 requests: read it, then remove it
            self.uploaded = references.unpack(archive.read_archive(store.take_upload(self.user_upload)))
            environment_paths = {e.get("path") for e in self.environments if isinstance(e, dict)}
            referenced = {p: c for p, c in self.uploaded.items() if p not in environment_paths}
            self.user_files = {**referenced, **self.user_files}
            return self._perform(services, context)

    def _perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        plans.check_name(self.plan)
        if self.operation not in OPERATIONS:
            raise PlanInputError(f"operation {self.operation!r} is not one of {', '.join(OPERATIONS)}")
        if self.dry_run:
            return self._start(services, context)
        lock = _lock(services, self.plan)
        if self.force_unlock:
            lock.force()
        lock.acquire(_execution_id(context), self.operation)
        try:
            return self._start(services, context)  # the lock stays held until FinishOperation
        except BaseException:
            lock.release(_execution_id(context))
            raise

    def _start(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        store = SwiftPlanStore(services.swift())
        heat = services.heat()
        files = store.load(self.plan)
        numbers, newest, last = recording.recent(store, self.plan)
        if newest and newest["status"] == revisions.PENDING:
            recording.close_pending(store, services, self.plan, newest, forced=self.force_unlock)
        stack = heat_stacks.find(heat, self.plan)
        if self.operation == "deploy" and stack is not None and last is not None:
            raise PlanInputError(f"stack {self.plan} exists ({stack.stack_status}): use update, upgrade or scale")
        # deploy on a stack that exists but was never deployed successfully (a failed or interrupted
        # first deploy) updates that stack with the deploy's inputs.
        if self.operation != "deploy" and (stack is None or last is None):
            raise PlanInputError(f"plan {self.plan} has no successful deployment to {self.operation}: deploy it first")
        if self.operation == "undeploy":
            return self._undeploy(store, heat, stack, numbers, context)
        stored_files = files
        if self.upload or self.templates_dir:
            if self.operation != "upgrade":
                raise PlanInputError("new templates (upload or templates_dir) are for the upgrade operation only")
            files = self._upgrade_templates(store, files, last)  # written below, once all is checked

        base = last  # what is replayed: the last successful operation, or the rollback's target
        if self.operation == "rollback":
            base = self._rollback_target(store, numbers)
        plan_environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
        tracked, given_user = self._tracked_environments(store, files, plan_environment, base)
        parameters = self._tracked_parameters(store, base)
        user_files, user_file_records = self._user_files(store, base)
        local_templates_dir = self.local_templates_dir or (base or {}).get("local_templates_dir")
        arguments = environments.heat_arguments(
            files, self._entries(store, files, tracked, given_user), user_files=user_files,
            parameters={**parameters, "DeployIdentifier": str(int(time.time()))},
            passwords=plan_environment.get("passwords") or {}, templates_dir=local_templates_dir)
        arguments = deployment_parameters.with_deployment_parameters(arguments, files, self.plan)

        if self.dry_run:
            return {"plan": self.plan, "operation": self.operation, "revision": None, "dry_run": True,
                    "stack": None, "environments": [e["path"] for e in tracked],
                    "preview": self._preview(heat, stack, arguments)}

        parameters_sha = None
        if parameters:
            parameters_sha = store.store_inputs(
                self.plan, {PARAMETERS_INPUT: json.dumps(parameters, sort_keys=True).encode()})[0]["sha256"]
        if files is not stored_files:
            store.write(self.plan, stored_files, files)
        number = revisions.next_number(numbers)
        record = revisions.new_record(
            self.plan, number, self.operation, started_at=_now(), execution=_execution_id(context),
            user=_user(context), environments=tracked, user_files=user_file_records, parameters=parameters,
            parameters_sha256=parameters_sha, plan_digest=plans.plan_digest(files),
            message=f"{self.operation} of {self.plan} with {len(tracked)} environment files"
                    + (f" (the inputs of revision {self.rollback_to})" if self.operation == "rollback" else ""),
            rollback_of=self.rollback_to if self.operation == "rollback" else None)
        if local_templates_dir:
            record["local_templates_dir"] = local_templates_dir
        store.put_revision(self.plan, record, new=True)
        try:
            stack_id = self._call_heat(heat, stack, arguments)
        except PlanError as error:
            store.put_revision(self.plan, revisions.finish(record, revisions.FAILED, finished_at=_now(),
                                                           message=str(error)))
            raise
        return {"plan": self.plan, "operation": self.operation, "revision": number, "dry_run": False,
                "stack": stack_id, "environments": [e["path"] for e in tracked], "preview": None}

    def _tracked_environments(self, store: PlanStore, files: dict, plan_environment: dict,
                              base: dict | None) -> tuple[list[dict], dict[str, bytes]]:
        """The environment list to deploy (``base``'s, or the plan's defaults on a first deploy or a
        reset, with the inputs' additions and removals), and the added user contents by sha256."""
        added, given_user = self._added(store, files)
        if base is None or self.reset_environments:
            previous = [self._plan_entry(files, e["path"]) for e in plan_environment.get("environments", [])
                        if isinstance(e, dict) and "path" in e and "user_input" not in e]
        else:
            previous = base["environments"]
        return revisions.tracked_environments(previous, add=added, remove=self.remove_environments), given_user

    def _tracked_parameters(self, store: PlanStore, base: dict | None) -> dict[str, Any]:
        """``base``'s parameters (their stored real values) changed as the inputs say."""
        previous = {}
        if base is not None and base["parameters"]["sha256"]:
            previous = json.loads(store.input(self.plan, base["parameters"]["sha256"]))
        overrides = {**self.parameters, **{f"{role}Count": count for role, count in self.role_counts.items()}}
        return revisions.tracked_parameters(previous, overrides, reset=self.reset_parameters,
                                            unset=self.unset_parameters)

    def _user_files(self, store: PlanStore, base: dict | None) -> tuple[dict[str, bytes], list[dict[str, str]]]:
        """The user files (given now, stored as inputs; else ``base``'s, read back) and their records."""
        user_files = {p: t.encode() if isinstance(t, str) else t for p, t in self.user_files.items()}
        stored = store.store_inputs(self.plan, user_files) if user_files else []
        kept = [] if base is None else [f for f in base["user_files"] if f["path"] not in user_files]
        for record in kept:
            user_files[record["path"]] = store.input(self.plan, record["sha256"])
        return user_files, kept + [{"path": r["path"], "sha256": r["sha256"]} for r in stored]

    def _entries(self, store: PlanStore, files: dict, tracked: list[dict],
                 given_user: dict[str, bytes]) -> list[dict[str, Any]]:
        """The tracked list as :func:`environments.heat_arguments` takes it (user contents read back)."""
        entries = []
        for entry in tracked:
            if entry["source"] == "plan":
                if entry["path"] not in files:
                    raise PlanInputError(f"environment file {entry['path']} is not in plan {self.plan}")
                entries.append({"plan_path": entry["path"]})
            else:
                content = given_user.get(entry["sha256"]) or store.input(self.plan, entry["sha256"])
                entries.append({"user_path": entry["path"], "content": content})
        return entries

    def _rollback_target(self, store: PlanStore, numbers: list[int]) -> dict:
        """Revision ``rollback_to`` (a successful deploying one): its inputs are deployed again."""
        if self.rollback_to is None:
            raise PlanInputError("rollback needs rollback_to: the revision whose inputs to deploy again")
        records = [store.revision(self.plan, n) for n in numbers]
        history.rollback_inputs(records, self.rollback_to)  # refuses a revision that cannot be a target
        return next(r for r in records if r["number"] == self.rollback_to)

    def _upgrade_templates(self, store: PlanStore, files: dict, last: dict) -> dict:
        """The plan moved to the new templates tree, in memory (every tracked plan file must exist)."""
        from tripleo_plan_actions.actions.plan import RENDERER, consuming, read_templates

        with consuming(store, self.upload):
            templates = read_templates(store, self.upload, self.templates_dir)
        plan_environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]) or {}
        new = plans.upgraded(files, templates, passwords.generate(plan_environment.get("passwords") or {}))
        new, _ = plans.render(new, RENDERER)  # a fresh tree: every output is made anew
        missing = [e["path"] for e in last["environments"] if e["source"] == "plan" and e["path"] not in new]
        if missing and not self.reset_environments:
            raise PlanInputError(f"the new templates have no {', '.join(missing)}, which plan {self.plan} deploys "
                                 "with: remove them (remove_environments) or reset the list")
        return new

    def _undeploy(self, store: PlanStore, heat: Any, stack: Any, numbers: list[int], context: Any) -> dict:
        from heatclient import exc as heat_exc

        number = revisions.next_number(numbers)
        record = revisions.new_record(self.plan, number, "undeploy", started_at=_now(),
                                      execution=_execution_id(context), user=_user(context), environments=[],
                                      message=f"undeploy of {self.plan}")
        if self.dry_run:
            return {"plan": self.plan, "operation": "undeploy", "revision": None, "dry_run": True, "stack": None,
                    "environments": [], "preview": {"delete": [self.plan]}}
        store.put_revision(self.plan, record, new=True)
        stack_id = f"{self.plan}/{stack.id}"
        try:
            heat.stacks.delete(stack_id)
        except heat_exc.HTTPException as error:
            store.put_revision(self.plan, revisions.finish(record, revisions.FAILED, finished_at=_now(),
                                                           message=str(error)))
            raise ServiceError(f"Heat refused to delete stack {self.plan}: {error}") from error
        return {"plan": self.plan, "operation": "undeploy", "revision": number, "dry_run": False,
                "stack": stack_id, "environments": [], "preview": None}

    def _plan_entry(self, files: dict, path: str) -> dict[str, str]:
        if path not in files:
            raise PlanInputError(f"environment file {path} is not in plan {self.plan}")
        return revisions.environment_entry(path, "plan", plans.sha256(files[path]))

    def _added(self, store: PlanStore, files: dict) -> tuple[list[dict[str, str]], dict[str, bytes]]:
        """The environment entries to add, and the user contents by sha256 (stored as user inputs)."""
        added, user_contents = [], {}
        for index, entry in enumerate(self.environments):
            if not isinstance(entry, dict) or not entry.get("path"):
                raise PlanInputError(f"environments[{index}]: give {{path}} or {{path, content}}")
            if "content" in entry or entry["path"].startswith("/"):
                if "content" in entry:
                    content = str(entry["content"]).encode()
                elif entry["path"] in self.uploaded:
                    content = self.uploaded[entry["path"]]
                else:
                    raise PlanInputError(f"environments[{index}]: {entry['path']} is a user file: give its "
                                         "content, or ship it in user_upload")
                user_contents[plans.sha256(content)] = content
                added.append(revisions.environment_entry(entry["path"], "user", plans.sha256(content)))
            else:
                added.append(self._plan_entry(files, entry["path"]))
        if user_contents:
            paths = {e["sha256"]: e["path"] for e in added if e["source"] == "user"}
            store.store_inputs(self.plan, {paths[sha]: content for sha, content in user_contents.items()})
        return added, user_contents

    def _preview(self, heat: Any, stack: Any, arguments: dict) -> dict[str, Any]:
        from heatclient import exc as heat_exc

        try:
            if stack is None:
                preview = heat.stacks.preview(stack_name=self.plan, **arguments)
                resources = preview.to_dict().get("resources", [])
                return {"create": len(resources)}
            changes = heat.stacks.preview_update(f"{self.plan}/{stack.id}", show_nested=False, **arguments)
            summary = changes.get("resource_changes", {})
            return {kind: sorted(r["resource_name"] for r in items) for kind, items in summary.items()}
        except heat_exc.HTTPException as error:
            raise ServiceError(f"Heat refused the preview of stack {self.plan}: {error}") from error

    def _call_heat(self, heat: Any, stack: Any, arguments: dict) -> str:
        from heatclient import exc as heat_exc

        try:
            if stack is None:
                created = heat.stacks.create(stack_name=self.plan, timeout_mins=self.timeout, **arguments)
                return f"{self.plan}/{created['stack']['id']}"
            stack_id = f"{self.plan}/{stack.id}"
            # A full PUT update (not PATCH): the stack's environment becomes exactly these files.
            heat.stacks.update(stack_id, existing=False, timeout_mins=self.timeout, **arguments)
            return stack_id
        except heat_exc.HTTPException as error:
            raise ServiceError(f"Heat refused to {self.operation} stack {self.plan}: {error}") from error


class StackStatus(PlanAction):
    """``{status, done, reason, resources: {done, total}}`` of a stack; the workflow polls it with a
    Mistral retry, and clients read its latest result for progress.

    ``resources`` counts the stack's TOP-LEVEL resources (one ``resources.list``, no nesting):
    those COMPLETE for the stack's current action out of all (see
    :func:`tripleo_plan_actions.services.heat_stacks.resource_progress`).  2 Heat requests per poll.
    """

    def __init__(self, stack: str) -> None:
        self.stack = stack

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        found = heat_stacks.with_progress(services.heat(), self.stack)
        if found is None:
            return {"status": "DELETE_COMPLETE", "done": True, "reason": "the stack is gone",
                    "resources": {"done": 0, "total": 0}}
        stack, progress = found
        return {"status": stack.stack_status, "done": not stack.stack_status.endswith("IN_PROGRESS"),
                "reason": stack.stack_status_reason, "resources": progress}


class FinishOperation(PlanAction):
    """Complete revision ``revision`` with the outcome of ``stack``; fail with the failed resources.

    Then applies the history limit (``history_limit``: revisions kept, default
    :data:`recording.DEFAULT_HISTORY_LIMIT`, 0 keeps all) while still holding the plan's lock.
    Output: ``{plan, revision, operation, status, stack_status, outputs, environments, pruned}``.
    """

    def __init__(self, plan: str, revision: int, stack: str, history_limit: int | None = None) -> None:
        self.plan = plan
        self.revision = revision
        self.stack = stack
        self.history_limit = history_limit

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        try:
            result = self._finish(services)
            result["pruned"] = recording.prune(SwiftPlanStore(services.swift()), self.plan, self.history_limit)
            return result
        finally:
            _lock(services, self.plan).release(_execution_id(context))

    def _finish(self, services: connections.Connections) -> dict[str, Any]:
        store = SwiftPlanStore(services.swift())
        heat = services.heat()
        record = store.revision(self.plan, self.revision)
        if record["operation"] == "undeploy":
            return self._undeployed(store, heat, record)
        stack = heat.stacks.get(self.stack)
        status = stack.stack_status
        outcome = {"id": stack.id, "status": status, "reason": stack.stack_status_reason}
        if not status.endswith("_COMPLETE"):
            failures = heat_stacks.failed_resources(heat, self.stack)
            failed = StackFailed(self.plan, status, stack.stack_status_reason, failures)
            store.put_revision(self.plan, revisions.finish(
                record, revisions.FAILED, finished_at=_now(), stack={**outcome, "failures": failures},
                message=str(failed)))
            raise failed
        files = store.load(self.plan)
        store.write(self.plan, files, plans.with_environments(files, record["environments"]))
        store.put_revision(self.plan, revisions.finish(
            record, revisions.SUCCEEDED, finished_at=_now(), stack=outcome,
            message=f"{record['operation']} of {self.plan}: {status}"))
        outputs = {o["output_key"]: o.get("output_value") for o in stack.to_dict().get("outputs", [])}
        return {"plan": self.plan, "revision": self.revision, "operation": record["operation"],
                "status": revisions.SUCCEEDED, "stack_status": status, "outputs": outputs,
                "environments": [e["path"] for e in record["environments"]]}

    def _undeployed(self, store: PlanStore, heat: Any, record: dict) -> dict[str, Any]:
        from heatclient import exc as heat_exc

        try:
            stack = heat.stacks.get(self.stack, resolve_outputs=False)
            status, reason = stack.stack_status, stack.stack_status_reason
        except heat_exc.HTTPNotFound:
            status, reason = "DELETE_COMPLETE", "the stack is gone"
        if status != "DELETE_COMPLETE":
            failed = StackFailed(self.plan, status, reason, heat_stacks.failed_resources(heat, self.stack))
            store.put_revision(self.plan, revisions.finish(record, revisions.FAILED, finished_at=_now(),
                                                           stack={"status": status, "reason": reason},
                                                           message=str(failed)))
            raise failed
        store.put_revision(self.plan, revisions.finish(record, revisions.SUCCEEDED, finished_at=_now(),
                                                       stack={"status": status, "reason": reason},
                                                       message=f"undeploy of {self.plan}: {status}"))
        return {"plan": self.plan, "revision": self.revision, "operation": "undeploy",
                "status": revisions.SUCCEEDED, "stack_status": status, "outputs": {}, "environments": []}
