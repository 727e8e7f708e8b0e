"""Typed failures of the pack.

Every failure an operator can act on is a :class:`PlanError`; its message is written for a person
and names the plan, file, line, parameter or service concerned.  Actions turn them into error
``Result`` values at the edge (:mod:`tripleo_plan_actions.actions.base`); anything else is a bug and
propagates with its traceback.
"""
from __future__ import annotations


class PlanError(Exception):
    """A failure with a message fit to show to an operator as it is."""

    kind = "error"

    def to_dict(self) -> dict[str, str]:
        """What workflow outputs and the UI receive: ``{"kind": ..., "message": ...}``."""
        return {"kind": self.kind, "message": str(self)}


class PlanInputError(PlanError):
    """Input that cannot make a valid plan: the message names the plan, file, line or parameter."""

    kind = "bad_input"


class PlanExists(PlanError):
    kind = "plan_exists"


class PlanNotFound(PlanError):
    kind = "plan_not_found"


class PlanBusy(PlanError):
    """Another operation on the plan is running (one operation at a time per plan)."""

    kind = "plan_busy"


class ConfigurationError(PlanError):
    """The pack cannot tell how to reach a service (settings file or Keystone catalog)."""

    kind = "configuration"


class ServiceError(PlanError):
    """Swift, Heat or Mistral refused a request or could not be reached (``status``: HTTP code, if any)."""

    kind = "service"
    status: int | None = None


class Unauthenticated(PlanError):
    """A service refused the caller's credentials (HTTP 401): a token expired, revoked or bogus."""

    kind = "unauthenticated"


class Forbidden(PlanError):
    """The pack's policy does not let the caller's roles do what was asked (doc/install.rst, "Policy")."""

    kind = "forbidden"


class StackFailed(PlanError):
    """A Heat stack operation ended in a FAILED state; the message lists the failed resources."""

    kind = "stack_failed"

    def __init__(self, stack: str, status: str, reason: str, failures: list[dict[str, str]]) -> None:
        lines = [f"stack {stack} ended {status}: {reason}"]
        lines += [f"  {f['resource']} ({f['type']}): {f['reason']}" for f in failures]
        super().__init__("\n".join(lines))
        self.stack = stack
        self.status = status
        self.failures = failures

    def to_dict(self) -> dict:
        return {**super().to_dict(), "stack": self.stack, "status": self.status,
                "failures": self.failures}
