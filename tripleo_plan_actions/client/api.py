"""The thin client's side of the contract: start ONE Mistral execution per operation, then read it.

Plain HTTP to Mistral's v2 REST API (standard library only), so scripts, tripleoclient and the
``tripleo-plan`` command can use it without loading any OpenStack client library.  The client never
talks to Swift or Heat for plan work: the pack's actions do that inside Mistral.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from tripleo_plan_actions.core.history import FINAL_STATES, current_task
from tripleo_plan_actions.core.references import MissingUserFile
from tripleo_plan_actions.errors import ConfigurationError, PlanError, PlanInputError, ServiceError
from tripleo_plan_actions.services import discovery
from tripleo_plan_actions.services.discovery import CLIENT_AGENT, DEFAULT_MISTRAL_URL
from tripleo_plan_actions.storage.tree import LocalFiles, read_tree



class OperationFailed(PlanError):
    """The workflow execution ended in ERROR or CANCELLED; the message is Mistral's state_info."""

    kind = "operation_failed"

    def __init__(self, execution: dict[str, Any]) -> None:
        super().__init__(f"{execution.get('workflow_name')} {execution['state']}: "
                         f"{execution.get('state_info') or 'no reason given'}")
        self.execution = execution


class MistralClient:
    """Just the calls an operation needs: create an execution, read it (and its tasks)."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60.0,
                 agent: str = CLIENT_AGENT) -> None:
        self.url = (url or os.environ.get("OS_MISTRAL_URL") or DEFAULT_MISTRAL_URL).rstrip("/")
        self.token = token or os.environ.get("OS_AUTH_TOKEN")
        self.timeout = timeout
        self.agent = agent

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json", "User-Agent": self.agent}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["X-Auth-Token"] = self.token
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            try:
                detail = json.loads(detail).get("faultstring", detail)
            except (ValueError, AttributeError):
                pass
            failure = ServiceError(f"Mistral answered {error.code} to {method} {path}: {detail}")
            failure.status = error.code
            raise failure from error
        except (urllib.error.URLError, OSError) as error:
            raise ServiceError(f"cannot reach Mistral at {self.url}: {error}") from error

    def start(self, workflow: str, inputs: dict[str, Any] | None = None,
              description: str = "") -> dict[str, Any]:
        """Create one execution of ``workflow``; return it as Mistral shows it."""
        return self._call("POST", "/executions", {
            "workflow_name": workflow, "input": json.dumps(inputs or {}), "description": description})

    def execution(self, execution_id: str) -> dict[str, Any]:
        return self._call("GET", f"/executions/{execution_id}")

    def cancel(self, execution_id: str, reason: str = "cancelled by the operator") -> dict[str, Any]:
        """Cancel an execution (how an operator ends one that is stuck, e.g. lost in a Mistral restart)."""
        return self._call("PUT", f"/executions/{execution_id}", {"state": "CANCELLED", "state_info": reason})

    def execution_state(self, execution_id: str | None) -> str | None:
        """The state of an execution, or None when there is none (no id, or it no longer exists)."""
        if not execution_id:
            return None
        try:
            return self.execution(execution_id)["state"]
        except ServiceError as error:
            if error.status == 404:
                return None
            raise

    def create_environment(self, name: str, variables: dict[str, Any]) -> bool:
        """Create a Mistral environment; False when one of that name exists (names are unique in
        Mistral's database, so of two concurrent creators exactly one gets True)."""
        try:
            self._call("POST", "/environments", {"name": name, "variables": variables,
                                                 "description": "tripleo-plan-actions lock"})
        except ServiceError as error:
            if error.status == 409:
                return False
            raise
        return True

    def environment(self, name: str) -> dict[str, Any] | None:
        try:
            found = self._call("GET", f"/environments/{name}")
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        variables = found.get("variables") or {}
        found["variables"] = json.loads(variables) if isinstance(variables, str) else variables
        return found

    def delete_environment(self, name: str) -> None:
        try:
            self._call("DELETE", f"/environments/{name}")
        except ServiceError as error:
            if error.status != 404:
                raise

    def wait(self, execution_id: str, timeout: float = 3600.0, interval: float = 0.2,
             on_poll: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Read the execution until it is final; return it, its ``output`` decoded.

        Raises OperationFailed when it ends in ERROR or CANCELLED.
        """
        deadline = time.monotonic() + timeout
        while True:
            execution = self.execution(execution_id)
            if on_poll:
                on_poll(execution)
            if execution["state"] in FINAL_STATES:
                break
            if time.monotonic() > deadline:
                raise ServiceError(f"execution {execution_id} still {execution['state']} after {timeout} s")
            time.sleep(interval)
        execution["output"] = json.loads(execution.get("output") or "{}")
        if execution["state"] != "SUCCESS":
            raise OperationFailed(execution)
        return execution

    def run(self, workflow: str, inputs: dict[str, Any] | None = None, **wait_options: Any) -> dict[str, Any]:
        """Start ``workflow`` and wait for it: one execution-create, then reads."""
        return self.wait(self.start(workflow, inputs)["id"], **wait_options)

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        """The task executions of an execution (name, state, created_at, ...), oldest first (1 read)."""
        found = self._call("GET", f"/executions/{execution_id}/tasks")
        return sorted(found.get("tasks", []), key=lambda t: t.get("created_at") or "")

    def latest_action_result(self, task_execution_id: str) -> Any:
        """The result of the newest action execution of a task (a retried task has one per try), or
        None when none has finished yet (1 read)."""
        query = urllib.parse.urlencode({"task_execution_id": task_execution_id, "sort_keys": "created_at",
                                        "sort_dirs": "desc", "limit": 1, "include_output": "true"})
        found = self._call("GET", f"/action_executions?{query}").get("action_executions", [])
        output = found[0].get("output") if found else None
        if isinstance(output, str):
            output = json.loads(output or "null")
        return (output or {}).get("result") if isinstance(output, dict) else None

    def progress(self, execution_id: str) -> "Progress":
        """Where an execution is: its state, the running step and, while the ``wait`` step polls a
        stack, the top-level Heat resources done out of total.  Reads: the execution, its tasks,
        and the wait step's latest result (3 reads while a stack operation runs, fewer otherwise)."""
        execution = self.execution(execution_id)
        if execution["state"] in FINAL_STATES:
            return Progress(execution, None, None, None)
        task = current_task(self.tasks(execution_id))
        step = task["name"] if task else None
        resources = stack_status = None
        if task is not None and task["name"] == WAIT_STEP and task.get("state") not in FINAL_STATES:
            result = self.latest_action_result(task["id"])
            if isinstance(result, dict):
                resources = result.get("resources")
                stack_status = result.get("status")
        return Progress(execution, step, stack_status, resources)

    def watch(self, execution_id: str, on_progress: Callable[["Progress"], None], interval: float = 1.0,
              timeout: float = 3600.0) -> dict[str, Any]:
        """As :meth:`wait`, calling ``on_progress`` after each look (see :meth:`progress` for the reads)."""
        deadline = time.monotonic() + timeout
        while True:
            progress = self.progress(execution_id)
            on_progress(progress)
            if progress.state in FINAL_STATES:
                break
            if time.monotonic() > deadline:
                raise ServiceError(f"execution {execution_id} still {progress.state} after {timeout} s")
            time.sleep(interval)
        execution = progress.execution
        execution["output"] = json.loads(execution.get("output") or "{}")
        if execution["state"] != "SUCCESS":
            raise OperationFailed(execution)
        return execution


#: The step of tripleo_plan.deploy.operate that polls Heat (its action returns ``resources``).
WAIT_STEP = "wait"


class Progress(NamedTuple):
    """One look at a running execution: ``step`` (the running task's name), ``stack_status`` and
    ``resources`` (``{done, total}``) while the wait step polls Heat, else None."""

    execution: dict[str, Any]
    step: str | None
    stack_status: str | None
    resources: dict[str, int] | None

    @property
    def state(self) -> str:
        return self.execution["state"]


# -- where the services are: the usual places --------------------------------------------------

class Connection(NamedTuple):
    """How the client reaches the undercloud: Mistral (always) and Swift (for the one upload an
    operation may need; ``swift`` is None when nothing says where Swift is)."""

    mistral: MistralClient
    swift: "SwiftUploader | None"
    source: str  # "keystone", "settings" or "default": where the settings came from


def connection_for(found: discovery.Discovery, agent: str = CLIENT_AGENT) -> Connection:
    """The client's Mistral and Swift as ``found`` says.  Raises ConfigurationError when it cannot
    say where Mistral is (with Keystone: when Keystone cannot answer).  Sends nothing but a
    Keystone session's authentication."""
    mistral = found.access("mistral")
    token = mistral.token
    if mistral.session is not None:
        try:
            token = mistral.session.get_token()
        except Exception as error:  # keystoneauth1's own exceptions: unreachable, refused
            raise ConfigurationError(f"Keystone: {error}") from error
    swift = found.find("swift")
    uploader = None
    if swift is not None:
        uploader = SwiftUploader(url=swift.url, token=token if swift.session else swift.token,
                                 auth_url=swift.auth_url, user=swift.user, key=swift.key, agent=agent)
    return Connection(MistralClient(mistral.url, token=token, agent=agent), uploader, found.source)


def connect(mistral_url: str | None = None, environ: Mapping[str, str] | None = None,
            agent: str = CLIENT_AGENT) -> Connection:
    """The undercloud's Mistral (and Swift) from the usual places, first found wins (see
    :func:`tripleo_plan_actions.services.discovery.from_environment`).  Raises ConfigurationError
    naming what is wrong."""
    return connection_for(discovery.from_environment(environ, mistral_url), agent)


class SwiftUploader:
    """The client's only Swift request: ONE object PUT into ``tripleo-plan-uploads``.

    With a storage URL and token (Keystone) nothing else is sent; with Swift's own auth (the local
    undercloud's tempauth) one authentication request comes first (Keystone's work on a real
    undercloud).  When the container does not exist yet (a cloud's very first upload) it is created
    and the PUT tried again.
    """

    def __init__(self, url: str | None = None, token: str | None = None, auth_url: str | None = None,
                 user: str | None = None, key: str | None = None, agent: str = CLIENT_AGENT,
                 timeout: float = 600.0) -> None:
        self.url = url.rstrip("/") if url else None
        self.token = token
        self.auth_url = auth_url
        self.user = user
        self.key = key
        self.agent = agent
        self.timeout = timeout

    def _request(self, method: str, url: str, data: bytes | None = None,
                 headers: Mapping[str, str] | None = None) -> Any:
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"User-Agent": self.agent, **(headers or {})})
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            failure = ServiceError(f"Swift answered {error.code} to {method} {url}")
            failure.status = error.code
            raise failure from error
        except (urllib.error.URLError, OSError) as error:
            raise ServiceError(f"cannot reach Swift at {url}: {error}") from error

    def _authenticate(self) -> None:
        with self._request("GET", self.auth_url, headers={"X-Auth-User": self.user or "",
                                                           "X-Auth-Key": self.key or ""}) as response:
            self.url = response.headers["X-Storage-Url"].rstrip("/")
            self.token = response.headers["X-Auth-Token"]

    def upload(self, data: bytes) -> str:
        """Put ``data`` (a tar.gz) into tripleo-plan-uploads; return its object name."""
        from tripleo_plan_actions.storage.swift import UPLOADS

        if self.url is None or self.token is None and self.auth_url:
            self._authenticate()
        name = f"{uuid.uuid4()}.tar.gz"
        headers = {"Content-Type": "application/gzip", **({"X-Auth-Token": self.token} if self.token else {})}
        try:
            self._request("PUT", f"{self.url}/{UPLOADS}/{name}", data, headers).close()
        except ServiceError as error:
            if error.status != 404:
                raise
            self._request("PUT", f"{self.url}/{UPLOADS}", b"", {k: v for k, v in headers.items()
                                                                 if k != "Content-Type"}).close()
            self._request("PUT", f"{self.url}/{UPLOADS}/{name}", data, headers).close()
        return name

    def download(self, container: str, obj: str) -> bytes:
        """One object GET (an export archive)."""
        if self.url is None or self.token is None and self.auth_url:
            self._authenticate()
        headers = {"X-Auth-Token": self.token} if self.token else {}
        with self._request("GET", f"{self.url}/{container}/{obj}", headers=headers) as response:
            return response.read()


# -- the Python API: one method per operation ------------------------------------------------

DEFAULT_TEMPLATES = "/usr/share/openstack-tripleo-heat-templates"
TEMPLATES_ENV = "TRIPLEO_PLAN_TEMPLATES"
OPERATE = "tripleo_plan.deploy.operate"


class PlanClient:
    """What tripleoclient or a script calls: one method per operation, each ONE workflow execution.

    Every method starts one execution, reads it until it ends and returns its result as plain
    data.  Failures raise :class:`~tripleo_plan_actions.errors.PlanError` subclasses:
    :class:`OperationFailed` (the workflow failed; the message is the operator-facing reason),
    ServiceError (Mistral or Swift unreachable or refusing), ConfigurationError, PlanInputError and
    :class:`~tripleo_plan_actions.core.references.MissingUserFile` (raised before anything is sent).
    Local files an operation needs go inline in the execution input when small, else in ONE
    archive uploaded to Swift first (see :data:`tripleo_plan_actions.core.references.INLINE_LIMIT`):
    at most one Swift request per operation, and the client never reads or writes plan objects.

    ``on_progress`` (optional, every waiting method): called with a :class:`Progress` after each
    look at the execution; ``on_start``: called with the execution's id once it exists (so a
    caller can tell an operator how to watch it again).
    """

    def __init__(self, mistral: MistralClient, swift: SwiftUploader | None = None, *,
                 templates_dir: str | None = None, inline_limit: int | None = None,
                 timeout: float = 4 * 3600, interval: float = 1.0, cwd: str | None = None) -> None:
        from tripleo_plan_actions.core import references

        self.mistral = mistral
        self.swift = swift
        self.templates_dir = templates_dir
        self.inline_limit = references.INLINE_LIMIT if inline_limit is None else inline_limit
        self.timeout = timeout
        self.interval = interval
        self.cwd = cwd

    @classmethod
    def from_discovery(cls, found: discovery.Discovery, environ: Mapping[str, str] | None = None,
                       **options: Any) -> "PlanClient":
        """A client for the services ``found`` names (templates directory: ``$TRIPLEO_PLAN_TEMPLATES``
        of ``environ``, else the default); see :func:`connection_for`."""
        connection = connection_for(found)
        environ = os.environ if environ is None else environ
        options.setdefault("templates_dir", environ.get(TEMPLATES_ENV) or DEFAULT_TEMPLATES)
        return cls(connection.mistral, connection.swift, **options)

    @classmethod
    def from_environment(cls, mistral_url: str | None = None, environ: Mapping[str, str] | None = None,
                         **options: Any) -> "PlanClient":
        """A client for the undercloud the usual settings name (see :func:`connect`)."""
        return cls.from_discovery(discovery.from_environment(environ, mistral_url), environ, **options)

    # -- executions ------------------------------------------------------------------------------
    def run(self, workflow: str, inputs: dict[str, Any], on_progress: Callable[[Progress], None] | None = None,
            on_start: Callable[[str], None] | None = None) -> Any:
        """Start ONE execution of ``workflow`` and wait for it; its ``result`` output."""
        execution_id = self.mistral.start(workflow, inputs)["id"]
        if on_start:
            on_start(execution_id)
        return self.watch(execution_id, on_progress)

    def watch(self, execution_id: str, on_progress: Callable[[Progress], None] | None = None) -> Any:
        """Wait for an execution (started here or elsewhere); its ``result`` output (or the whole
        output when it has no ``result``).  Raises OperationFailed when it failed."""
        if on_progress is None:
            execution = self.mistral.wait(execution_id, timeout=self.timeout, interval=self.interval)
        else:
            execution = self.mistral.watch(execution_id, on_progress, interval=self.interval, timeout=self.timeout)
        output = execution["output"]
        return output["result"] if isinstance(output, dict) and "result" in output else output

    def _upload(self, files: Mapping[str, bytes], what: str) -> str:
        from tripleo_plan_actions.core import archive

        if self.swift is None:
            raise ConfigurationError(f"{what} must be uploaded to Swift, and no setting says where Swift is: "
                                     "set the OS_* (Keystone) variables or TRIPLEO_PLAN_ACTIONS_CONFIG")
        return self.swift.upload(archive.write_archive(dict(files)))

    def _fits_inline(self, files: Mapping[str, bytes]) -> bool:
        try:
            for content in files.values():
                content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return sum(len(c) for c in files.values()) <= self.inline_limit

    # -- self-test and plans ----------------------------------------------------------------
    def check(self, stack_name: str = "tripleo-plan-selftest", **watching: Any) -> dict[str, Any]:
        """The undercloud self-test: ``{swift: {...}, heat: {...}}`` (the pack reaches both from Mistral)."""
        return self.run("tripleo_plan.selftest.check", {"stack_name": stack_name}, **watching)

    def create_plan(self, plan: str, *, templates: str | None = None, templates_dir: str | None = None,
                    roles_file: str | None = None, networks_file: str | None = None, description: str = "",
                    **watching: Any) -> dict[str, Any]:
        """Create ``plan`` from a LOCAL templates directory (``templates``: one archive upload) or
        a directory on the undercloud (``templates_dir``: read there, nothing uploaded)."""
        if bool(templates) == bool(templates_dir):
            raise PlanInputError("give exactly one of templates (a local directory, uploaded) or "
                                 "templates_dir (a directory on the undercloud)")
        inputs: dict[str, Any] = {"plan": plan, "description": description,
                                  "roles_data": _read_text(roles_file), "network_data": _read_text(networks_file)}
        if templates:
            inputs["upload"] = self._upload(read_tree(templates), f"templates directory {templates}")
        else:
            inputs["templates_dir"] = os.path.abspath(templates_dir)
        return self.run("tripleo_plan.plan.create", inputs, **watching)

    def amend_plan(self, plan: str, files: Mapping[str, str] | None = None, delete: Sequence[str] = (),
                   allow_meta: bool = False, **watching: Any) -> dict[str, Any]:
        """Add or replace plan files (``{plan path: local file}``) and delete others; small text
        goes inline, anything else in one archive upload."""
        contents = {}
        for plan_path, local in (files or {}).items():
            try:
                contents[plan_path] = LocalFiles()[os.path.abspath(local)]
            except KeyError:
                raise MissingUserFile(os.path.abspath(local)) from None
        inputs: dict[str, Any] = {"plan": plan, "delete": list(delete), "allow_meta": allow_meta}
        if self._fits_inline(contents):
            inputs["files"] = {p: c.decode("utf-8") for p, c in contents.items()}
        else:
            inputs["upload"] = self._upload(contents, "the files to amend")
        return self.run("tripleo_plan.plan.amend", inputs, **watching)

    def list_plans(self, **watching: Any) -> list[str]:
        return self.run("tripleo_plan.plan.list", {}, **watching)["plans"]

    def show_plan(self, plan: str, **watching: Any) -> dict[str, Any]:
        return self.run("tripleo_plan.plan.show", {"plan": plan}, **watching)

    def export_plan(self, plan: str, include_secrets: bool = True, output: str | None = None,
                    **watching: Any) -> dict[str, Any]:
        """Export ``plan`` into Swift; with ``output`` the archive is also downloaded there (1 Swift GET)."""
        result = self.run("tripleo_plan.plan.export", {"plan": plan, "include_secrets": include_secrets}, **watching)
        if output:
            if self.swift is None:
                raise ConfigurationError("downloading the export needs Swift: set the OS_* (Keystone) "
                                         "variables or TRIPLEO_PLAN_ACTIONS_CONFIG")
            with open(output, "wb") as stream:
                stream.write(self.swift.download(result["container"], result["object"]))
            result = {**result, "file": os.path.abspath(output)}
        return result

    def import_plan(self, plan: str, archive: str, **watching: Any) -> dict[str, Any]:
        """Create ``plan`` from an export archive (a local file, uploaded once)."""
        try:
            data = LocalFiles()[os.path.abspath(archive)]
        except KeyError:
            raise MissingUserFile(os.path.abspath(archive)) from None
        if self.swift is None:
            raise ConfigurationError("importing needs Swift: set the OS_* (Keystone) variables or "
                                     "TRIPLEO_PLAN_ACTIONS_CONFIG")
        return self.run("tripleo_plan.plan.import", {"plan": plan, "upload": self.swift.upload(data)}, **watching)

    def delete_plan(self, plan: str, force: bool = False, **watching: Any) -> dict[str, Any]:
        return self.run("tripleo_plan.plan.delete", {"plan": plan, "force": force}, **watching)

    # -- the stack's life cycle --------------------------------------------------------------
    def operation_inputs(self, plan: str, operation: str, environments: Sequence[str] = (), *,
                         parameters: Mapping[str, Any] | None = None, role_counts: Mapping[str, int] | None = None,
                         remove_environments: Sequence[str] = (), reset_environments: bool = False,
                         reset_parameters: bool = False, unset_parameters: Sequence[str] = (),
                         dry_run: bool = False, templates_dir: str | None = None,
                         rollback_to: int | None = None, timeout_minutes: int | None = None,
                         force_unlock: bool = False, history_limit: int | None = None) -> dict[str, Any]:
        """The ``operate`` input for an operation, the ``-e`` files resolved and shipped (inline,
        or ONE archive upload when they are large or binary).  Raises MissingUserFile before
        anything is sent when an environment file or a file it references is missing."""
        from tripleo_plan_actions.core import references

        cwd = self.cwd or os.getcwd()
        local = LocalFiles()
        templates = os.path.abspath(self.templates_dir) if self.templates_dir else None
        classified = [references.classify(e, cwd, templates, local) for e in environments]
        closure = references.user_file_closure([e.path for e in classified if e.source == "user"], local, templates)
        shipment = references.ship(classified, closure, local, self.inline_limit)
        inputs: dict[str, Any] = {
            "plan": plan, "operation": operation, "environments": shipment.environments,
            "user_files": shipment.user_files, "parameters": dict(parameters or {}),
            "role_counts": dict(role_counts or {}), "remove_environments": list(remove_environments),
            "reset_environments": reset_environments, "reset_parameters": reset_parameters,
            "unset_parameters": list(unset_parameters), "dry_run": dry_run,
            "templates_dir": os.path.abspath(templates_dir) if templates_dir else None,
            "rollback_to": rollback_to, "force_unlock": force_unlock, "history_limit": history_limit}
        if timeout_minutes is not None:
            inputs["timeout"] = timeout_minutes
        if templates and any(r.source == "plan" for r in closure):
            inputs["local_templates_dir"] = templates
        if shipment.archive is not None:
            inputs["user_upload"] = self._upload(shipment.archive, "the environment files")
        return inputs

    def operate(self, plan: str, operation: str, environments: Sequence[str] = (),
                on_progress: Callable[[Progress], None] | None = None,
                on_start: Callable[[str], None] | None = None, **options: Any) -> dict[str, Any]:
        """Run ``operation`` (deploy, update, upgrade, scale, rollback, undeploy) on ``plan``'s stack:
        ONE execution of tripleo_plan.deploy.operate.  ``environments``: the ``-e`` files in
        order; ``options``: see :meth:`operation_inputs`.  The finished revision (or, for a dry
        run, the preview)."""
        return self.run(OPERATE, self.operation_inputs(plan, operation, environments, **options),
                        on_progress=on_progress, on_start=on_start)

    def deploy(self, plan: str, environments: Sequence[str] = (), **options: Any) -> dict[str, Any]:
        return self.operate(plan, "deploy", environments, **options)

    def update(self, plan: str, environments: Sequence[str] = (), **options: Any) -> dict[str, Any]:
        return self.operate(plan, "update", environments, **options)

    def upgrade(self, plan: str, templates_dir: str, environments: Sequence[str] = (), **options: Any) -> dict[str, Any]:
        return self.operate(plan, "upgrade", environments, templates_dir=templates_dir, **options)

    def scale(self, plan: str, role_counts: Mapping[str, int], environments: Sequence[str] = (),
              **options: Any) -> dict[str, Any]:
        return self.operate(plan, "scale", environments, role_counts=role_counts, **options)

    def rollback(self, plan: str, to: int, **options: Any) -> dict[str, Any]:
        return self.operate(plan, "rollback", rollback_to=to, **options)

    def undeploy(self, plan: str, **options: Any) -> dict[str, Any]:
        return self.operate(plan, "undeploy", **options)

    # -- history ---------------------------------------------------------------------------------
    def history(self, plan: str, limit: int | None = None, **watching: Any) -> list[dict[str, Any]]:
        """The plan's revisions, newest first."""
        return self.run("tripleo_plan.history.list", {"plan": plan, "limit": limit}, **watching)["revisions"]

    def revision(self, plan: str, number: int, **watching: Any) -> dict[str, Any]:
        """One revision record (parameters masked)."""
        return self.run("tripleo_plan.history.show", {"plan": plan, "revision": number}, **watching)

    def status(self, plan: str, **watching: Any) -> dict[str, Any]:
        """What runs on the plan now (operation, execution, step, progress) and the last outcome."""
        return self.run("tripleo_plan.history.status", {"plan": plan}, **watching)

    def diff(self, plan: str, a: int, b: int, **watching: Any) -> dict[str, Any]:
        """What changed from revision ``a`` to ``b`` (secrets only as changed/unchanged)."""
        return self.run("tripleo_plan.history.diff", {"plan": plan, "a": a, "b": b}, **watching)


def _read_text(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return LocalFiles()[os.path.abspath(path)].decode("utf-8")
    except KeyError:
        raise MissingUserFile(os.path.abspath(path)) from None
    except UnicodeDecodeError:
        raise PlanInputError(f"{path}: must be UTF-8 text") from None
