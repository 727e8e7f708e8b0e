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
import urllib.request
from typing import Any, Callable

from tripleo_plan_actions.errors import PlanError, ServiceError

DEFAULT_MISTRAL_URL = "http://127.0.0.1:8989/v2"
FINAL_STATES = ("SUCCESS", "ERROR", "CANCELLED")


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
                 agent: str = "tripleo-plan-client") -> None:
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

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        """The task executions of an execution (name, state, created_at, ...)."""
        return self._call("GET", f"/executions/{execution_id}/tasks").get("tasks", [])

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
