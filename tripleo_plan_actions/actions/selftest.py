"""Self-test actions: prove that the pack reaches Swift and Heat from inside Mistral.

Used by the ``tripleo_plan.selftest`` workbook, which an operator runs to check an undercloud
before trusting it with a plan, and by the functional tests of the local undercloud.
"""
from __future__ import annotations

import secrets
import time
from typing import Any

from tripleo_plan_actions.actions.base import PlanAction
from tripleo_plan_actions.errors import ServiceError, StackFailed
from tripleo_plan_actions.services import connections
from tripleo_plan_actions.services.heat_stacks import failed_resources, wait_for_stack

SELFTEST_CONTAINER = "tripleo-plan-selftest"

#: A stack that needs no other OpenStack service: a random string and a value derived from it.
DEFAULT_TEMPLATE: dict[str, Any] = {
    "heat_template_version": "wallaby",
    "parameters": {"length": {"type": "number", "default": 16}},
    "resources": {
        "secret": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "length"}}},
        "greeting": {"type": "OS::Heat::Value",
                     "properties": {"value": {"str_replace": {"template": "length LEN",
                                                               "params": {"LEN": {"get_param": "length"}}}}}},
    },
    "outputs": {"greeting": {"value": {"get_attr": ["greeting", "value"]}}},
}


class SwiftRoundTrip(PlanAction):
    """Write an object to Swift, read it back, compare, delete it.

    Output: ``{"container", "object", "bytes", "seconds"}``.
    """

    def __init__(self, container: str = SELFTEST_CONTAINER, size: int = 1024) -> None:
        self.container = container
        self.size = size

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        from swiftclient.exceptions import ClientException

        started = time.monotonic()
        name = f"roundtrip-{secrets.token_hex(8)}"
        body = secrets.token_bytes(self.size)
        swift = services.swift()
        try:
            swift.put_container(self.container)
            swift.put_object(self.container, name, body, content_type="application/octet-stream")
            _, read = swift.get_object(self.container, name)
            swift.delete_object(self.container, name)
        except ClientException as error:
            raise ServiceError(f"Swift refused the self-test on container {self.container}: {error}") from error
        if read != body:
            raise ServiceError(f"Swift returned other bytes than were written to {self.container}/{name}")
        return {"container": self.container, "object": name, "bytes": len(body),
                "seconds": round(time.monotonic() - started, 3)}


class HeatStackCheck(PlanAction):
    """Create a stack from ``template``, wait for it, report its outputs, delete it.

    Output: ``{"stack", "status", "outputs", "seconds"}``.  A stack that ends in a FAILED state
    fails the action with the failed resources and their reasons (the stack is deleted anyway unless
    ``keep``).
    """

    def __init__(self, stack_name: str = "tripleo-plan-selftest", template: dict | None = None,
                 parameters: dict | None = None, timeout: int = 300, keep: bool = False) -> None:
        self.stack_name = stack_name
        self.template = template or DEFAULT_TEMPLATE
        self.parameters = parameters or {}
        self.timeout = timeout
        self.keep = keep

    def perform(self, services: connections.Connections, context: Any) -> dict[str, Any]:
        from heatclient import exc as heat_exc

        started = time.monotonic()
        heat = services.heat()
        try:
            created = heat.stacks.create(stack_name=self.stack_name, template=self.template,
                                         parameters=self.parameters, timeout_mins=max(1, self.timeout // 60))
            # "name/id" addresses the stack directly; a bare id costs a 302 redirect per call.
            stack_id = f"{self.stack_name}/{created['stack']['id']}"
            try:
                stack = wait_for_stack(heat, stack_id, self.timeout, outputs=True)
                if stack.stack_status != "CREATE_COMPLETE":
                    raise StackFailed(self.stack_name, stack.stack_status, stack.stack_status_reason,
                                      failed_resources(heat, stack_id))
                outputs = {o["output_key"]: o.get("output_value") for o in stack.to_dict().get("outputs", [])}
            finally:
                if not self.keep:
                    heat.stacks.delete(stack_id)
                    wait_for_stack(heat, stack_id, self.timeout, deleting=True)
        except heat_exc.HTTPException as error:
            raise ServiceError(f"Heat refused stack {self.stack_name}: {error}") from error
        return {"stack": self.stack_name, "status": stack.stack_status, "outputs": outputs,
                "seconds": round(time.monotonic() - started, 3)}

