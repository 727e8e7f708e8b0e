"""Mistral's v2 API as the pack uses it, on python-mistralclient over a keystoneauth1 session.

Used by the actions (:meth:`Connections.mistral <tripleo_plan_actions.services.connections.Connections.mistral>`,
the per-plan lock :mod:`tripleo_plan_actions.storage.lock`, the history reads) and by the thin
client (:mod:`tripleo_plan_actions.client.api`): executions (create, read, cancel, their state
and tasks, the newest action execution result of a task, waiting and watching one),
environments (the lock), and for ``tripleo-plan setup`` (:mod:`tripleo_plan_actions.client.setup`)
workbooks (read, create, update) and which actions Mistral knows.  "Is this state final" is
:data:`tripleo_plan_actions.core.history.FINAL_STATES`.

Every request sends ``X-Auth-Token`` when there is a token (or the session's), and the user agent
the caller names, exactly (``tripleo-plan-client`` for the client, ``tripleo-plan-actions`` for
the actions): the servers' request logs tell them apart by it.  Each method says its requests.
A refusal raises ServiceError with ``status`` (the HTTP code); an unreachable Mistral raises
ServiceError naming its URL.  python-mistralclient and keystoneauth1 are imported on the first
request, so importing this module stays cheap.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterable, NamedTuple

from tripleo_plan_actions.core import polling
from tripleo_plan_actions.core.history import FINAL_STATES, current_task
from tripleo_plan_actions.errors import PlanError, ServiceError
from tripleo_plan_actions.services.discovery import ACTIONS_AGENT, Access

#: The step of the stack operations' shared sub-workflow (tripleo_plan.deploy.run) that polls Heat.
WAIT_STEP = "wait"
LOCK_DESCRIPTION = "tripleo-plan-actions lock"


class OperationFailed(PlanError):
    """The workflow execution ended in ERROR or CANCELLED; the message is Mistral's state_info."""

    kind = "operation_failed"

    def __init__(self, execution: dict[str, Any]) -> None:
        super().__init__(f"{execution.get('workflow_name')} {execution['state']}: "
                         f"{execution.get('state_info') or 'no reason given'}")
        self.execution = execution


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


def decode(value: Any) -> Any:
    """A JSON field as Mistral may return it (text, or already decoded); ``""`` and None are None."""
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def action_result(action_executions: list[dict[str, Any]]) -> Any:
    """The ``result`` of the first action execution's output, or None when there is none yet."""
    output = decode(action_executions[0].get("output")) if action_executions else None
    return output.get("result") if isinstance(output, dict) else None


def finished(execution: dict[str, Any]) -> dict[str, Any]:
    """A final execution with its ``output`` decoded (``{}`` when empty); raises OperationFailed
    unless it succeeded."""
    execution = {**execution, "output": decode(execution.get("output")) or {}}
    if execution["state"] != "SUCCESS":
        raise OperationFailed(execution)
    return execution


def current(tasks: list[dict[str, Any]], sub_tasks: Callable[[str], list[dict[str, Any]]]) -> dict[str, Any] | None:
    """The task an execution is at (:func:`~tripleo_plan_actions.core.history.current_task` of
    ``tasks``); when that task runs a sub-workflow (a stack operation's shared ``run``), the task
    the sub-workflow is at (``sub_tasks(task id)``: the sub-workflow's tasks)."""
    task = current_task(tasks)
    if task is not None and task.get("type") == "WORKFLOW":
        task = current_task(sub_tasks(task["id"]))
    return task


def look(execution: dict[str, Any], tasks: Callable[[], list[dict[str, Any]]],
         latest_result: Callable[[str], Any],
         sub_tasks: Callable[[str], list[dict[str, Any]]] = lambda _: []) -> Progress:
    """Where ``execution`` is: no more reads when it is final; else the running step
    (:func:`current` of ``tasks()``, into a sub-workflow with ``sub_tasks``) and, while that is the
    wait step, its latest poll's status and resource count (``latest_result(task id)``)."""
    if execution["state"] in FINAL_STATES:
        return Progress(execution, None, None, None)
    task = current(tasks(), sub_tasks)
    resources = stack_status = None
    if task is not None and task["name"] == WAIT_STEP and task.get("state") not in FINAL_STATES:
        result = latest_result(task["id"])
        if isinstance(result, dict):
            resources = result.get("resources")
            stack_status = result.get("status")
    return Progress(execution, task["name"] if task else None, stack_status, resources)


class MistralAPI:
    """Mistral at ``url`` with ``token`` (or ``session``, a keystoneauth1 session that supplies the
    token), every request with the user agent ``agent``; ``timeout`` seconds per request (for a
    session of its own; a given session keeps its own timeout)."""

    def __init__(self, url: str, token: str | None = None, *, session: Any = None, agent: str = ACTIONS_AGENT,
                 timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.session = session
        self.agent = agent
        self.timeout = timeout
        self._client: Any = None

    @classmethod
    def for_access(cls, access: Access, agent: str, **options: Any) -> "MistralAPI":
        """The API at a discovered :class:`~tripleo_plan_actions.services.discovery.Access`."""
        return cls(access.url, access.token, session=access.session, agent=agent, **options)

    @property
    def client(self) -> Any:
        """The python-mistralclient v2 client (built on first use; sends nothing itself)."""
        if self._client is None:
            from keystoneauth1 import adapter, session, token_endpoint
            from mistralclient.api.v2 import client

            own = self.session
            if own is None:
                auth = token_endpoint.Token(self.url, self.token) if self.token else None
                own = session.Session(auth=auth, timeout=self.timeout)
            verify = getattr(own, "verify", True)
            self._client = client.Client(mistral_url=self.url, session=adapter.Adapter(own, user_agent=self.agent),
                                         insecure=verify is False, cacert=verify if isinstance(verify, str) else None)
        return self._client

    def _call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)``, Mistral's refusals and a Mistral out of reach raised as
        ServiceError.  A read (``what`` starts with ``GET``) is sent once more when the connection
        failed: a kept-alive connection the server closed as it was reused is reset, and a read
        is safe to repeat (a write is not: it may have been done)."""
        from keystoneauth1 import exceptions
        from mistralclient.api.base import APIException

        for attempt in (1, 2):
            try:
                return function(*args, **kwargs)
            except APIException as error:
                failure = ServiceError(f"Mistral answered {error.error_code} to {what}: {error.error_message}")
                failure.status = error.error_code
                raise failure from error
            except (exceptions.ConnectionError, OSError) as error:
                if attempt == 1 and what.startswith("GET "):
                    continue
                raise ServiceError(f"cannot reach Mistral at {self.url}: {error}") from error
        raise AssertionError("unreachable")

    # -- executions ----------------------------------------------------------------------------
    def start(self, workflow: str, inputs: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
        """Create ONE execution of ``workflow``; return it as Mistral shows it (1 POST /executions)."""
        created = self._call("POST /executions", self.client.executions.create, workflow,
                             workflow_input=json.dumps(inputs or {}), description=description)
        return created.to_dict()

    def execution(self, execution_id: str) -> dict[str, Any]:
        """The execution as Mistral shows it (``output``, ``input`` still JSON text; 1 GET)."""
        return self._call(f"GET /executions/{execution_id}", self.client.executions.get, execution_id).to_dict()

    def cancel(self, execution_id: str) -> dict[str, Any]:
        """Cancel an execution (how an operator ends one that is stuck, e.g. lost in a Mistral
        restart); 1 PUT /executions/<id>."""
        return self._call(f"PUT /executions/{execution_id}", self.client.executions.update, execution_id,
                          "CANCELLED").to_dict()

    def execution_state(self, execution_id: str | None) -> str | None:
        """The state of an execution, or None when there is none (no id, or it no longer exists);
        1 GET (none without an id)."""
        if not execution_id:
            return None
        try:
            return self.execution(execution_id)["state"]
        except ServiceError as error:
            if error.status == 404:
                return None
            raise

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        """The task executions of an execution (name, state, created_at, ...), oldest first
        (1 GET /executions/<id>/tasks)."""
        found = self._call(f"GET /executions/{execution_id}/tasks", self.client.tasks.list, execution_id)
        return sorted((t.to_dict() for t in found), key=lambda t: t.get("created_at") or "")

    def sub_tasks(self, task_execution_id: str) -> list[dict[str, Any]]:
        """The tasks of the sub-workflow a workflow task started, oldest first ([] before it
        exists; 1 GET /executions?task_execution_id=<id>, then 1 for its tasks)."""
        found = self._call(f"GET /executions?task_execution_id={task_execution_id}",
                           self.client.executions.list, task=task_execution_id)
        return self.tasks(found[0].id) if found else []

    def step(self, execution_id: str) -> dict[str, Any] | None:
        """The task an execution is at, into a stack operation's sub-workflow (see :func:`current`;
        1 GET, 3 within a sub-workflow)."""
        return current(self.tasks(execution_id), self.sub_tasks)

    def latest_action_result(self, task_execution_id: str) -> Any:
        """The result of the newest action execution of a task (a retried task has one per try), or
        None when none has finished yet (1 GET /tasks/<id>/action_executions, newest only)."""
        found = self._call(f"GET /tasks/{task_execution_id}/action_executions", self.client.action_executions.list,
                           task_execution_id, limit=1, sort_keys="created_at", sort_dirs="desc",
                           include_output="true")
        return action_result([a.to_dict() for a in found])

    def progress(self, execution_id: str) -> Progress:
        """Where an execution is (see :func:`look`): 1 GET when it is final, else 2, 4 within a
        stack operation's sub-workflow, and 5 while its wait step polls the stack."""
        return look(self.execution(execution_id), lambda: self.tasks(execution_id), self.latest_action_result,
                    self.sub_tasks)

    def watch(self, execution_id: str, on_progress: Callable[[Progress], None] | None = None, *,
              interval: float = 1.0, timeout: float = 3600.0) -> dict[str, Any]:
        """Read the execution every ``interval`` seconds until it is final, and every
        :data:`~tripleo_plan_actions.core.polling.DEFAULT` ``slow`` seconds (10) once it has been
        watched for ``fast_for`` (60): as often as the wait step polls Heat, whose latest poll is
        what a look shows.  Return it, its ``output`` decoded.  With ``on_progress``, each look is
        a :meth:`progress` passed to it; without, one execution GET.  Raises OperationFailed
        (ERROR, CANCELLED) or ServiceError (still running after ``timeout`` seconds)."""
        began = time.monotonic()
        deadline = began + timeout
        while True:
            if on_progress is None:
                seen = Progress(self.execution(execution_id), None, None, None)
            else:
                seen = self.progress(execution_id)
                on_progress(seen)
            if seen.state in FINAL_STATES:
                return finished(seen.execution)
            if time.monotonic() > deadline:
                raise ServiceError(f"execution {execution_id} still {seen.state} after {timeout} s")
            long = time.monotonic() - began >= polling.DEFAULT.fast_for
            time.sleep(max(interval, polling.DEFAULT.slow) if long else interval)

    def wait(self, execution_id: str, timeout: float = 3600.0, interval: float = 0.2) -> dict[str, Any]:
        """:meth:`watch` without progress: execution GETs only."""
        return self.watch(execution_id, interval=interval, timeout=timeout)

    def run(self, workflow: str, inputs: dict[str, Any] | None = None, **wait_options: Any) -> dict[str, Any]:
        """Start ``workflow`` and wait for it: one execution-create, then reads."""
        return self.wait(self.start(workflow, inputs)["id"], **wait_options)

    # -- environments (the per-plan lock) ----------------------------------------------------
    def create_environment(self, name: str, variables: dict[str, Any], description: str = LOCK_DESCRIPTION) -> bool:
        """Create an environment; False when one of that name exists (names are unique in Mistral's
        database, so of two concurrent creators exactly one gets True); 1 POST /environments."""
        try:
            self._call("POST /environments", self.client.environments.create, name=name, variables=variables,
                       description=description)
        except ServiceError as error:
            if error.status == 409:
                return False
            raise
        return True

    def environment(self, name: str) -> dict[str, Any] | None:
        """The environment (``variables`` decoded), or None when there is none (1 GET)."""
        try:
            found = self._call(f"GET /environments/{name}", self.client.environments.get, name).to_dict()
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        found["variables"] = decode(found.get("variables")) or {}
        return found

    def delete_environment(self, name: str) -> None:
        """Delete the environment; one that does not exist is fine (1 DELETE)."""
        try:
            self._call(f"DELETE /environments/{name}", self.client.environments.delete, name)
        except ServiceError as error:
            if error.status != 404:
                raise

    # -- workbooks and actions (tripleo-plan setup) ----------------------------------------------
    def workbooks(self, names: Iterable[str]) -> dict[str, str]:
        """``{name: definition}`` of those of the workbooks ``names`` that exist, the definition as
        Mistral keeps it (1 GET /workbooks?name=in:...; none when ``names`` is empty)."""
        wanted = sorted(set(names))
        if not wanted:
            return {}
        found = self._call("GET /workbooks", self.client.workbooks.list, name="in:" + ",".join(wanted))
        return {w.name: w.definition for w in found}

    def create_workbook(self, definition: str, scope: str = "private") -> None:
        """Create a workbook from its YAML text in Mistral's ``scope`` (``private``: the caller's
        project only; ``public``: every project may run it, which only an admin may ask) (1 POST
        /workbooks; Mistral validates it)."""
        self._call("POST /workbooks", self.client.workbooks.create, definition, scope=scope)

    def update_workbook(self, definition: str, scope: str = "private") -> None:
        """Replace the workbook the YAML text names, in ``scope`` (1 PUT /workbooks); running
        executions keep the definition they started with."""
        self._call("PUT /workbooks", self.client.workbooks.update, definition, scope=scope)

    def known_actions(self, names: Iterable[str]) -> set[str]:
        """Those of the action ``names`` that Mistral's API knows (1 GET /actions?name=in:...; none
        when ``names`` is empty).  Mistral 23 answers from its action providers: the
        ``mistral.actions`` entry points its API process loaded when it started, Mistral's own and
        the ad-hoc actions of its database."""
        wanted = sorted(set(names))
        if not wanted:
            return set()
        found = self._call("GET /actions", self.client.actions.list, name="in:" + ",".join(wanted))
        return {a.name for a in found} & set(wanted)
