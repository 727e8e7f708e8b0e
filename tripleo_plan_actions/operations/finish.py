"""Finish: complete an operation's revision with Heat's outcome, then apply the history limit.

On success plan-environment.yaml is made to show what the plan now deploys with; on failure the
record keeps the failed resources and the execution fails with them (:class:`StackFailed`).  The
plan's lock is released whatever happens.

A rerun is safe (Mistral runs ``finish`` again when the executor that ran it is lost): a record
that is no longer pending was completed by the earlier run, so nothing is written again (the lock
may already be another operation's); the result is made again from the record and the stack.
"""
from __future__ import annotations

from typing import Any, Mapping

from tripleo_plan_actions.core import passwords, plan as plans, revisions
from tripleo_plan_actions.errors import PlanError, StackFailed
from tripleo_plan_actions.operations import records
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.services.heat_stacks import Outcome


def completed(record: Mapping[str, Any], outcome: Outcome, now: str) -> tuple[dict[str, Any], StackFailed | None]:
    """The record completed with ``outcome`` (pure), and the failure to raise when it failed.

    An undeploy succeeds when the stack is gone; any other operation when the stack is COMPLETE."""
    plan = record["plan"]
    wanted = "DELETE_COMPLETE" if record["operation"] == "undeploy" else "_COMPLETE"
    # Heat's reasons may quote a secret parameter's value (a failed constraint): masked
    reason, failures = passwords.redact(outcome.reason), passwords.redact(outcome.failures)
    stack = {"status": outcome.status, "reason": reason}
    if outcome.id is not None:
        stack["id"] = outcome.id
    if not outcome.status.endswith(wanted):
        failed = StackFailed(plan, outcome.status, reason or "", failures)
        done = revisions.finish(record, revisions.FAILED, finished_at=now,
                                stack={**stack, "failures": failures}, message=str(failed))
        return done, failed
    done = revisions.finish(record, revisions.SUCCEEDED, finished_at=now, stack=stack,
                            message=f"{record['operation']} of {plan}: {outcome.status}")
    return done, None


def finish(ctx: Context, plan: str, revision: int, stack: str, history_limit: int | None = None) -> dict[str, Any]:
    """Complete revision ``revision`` of ``plan`` with the outcome of stack ``stack`` (``name/id``).

    Returns ``{plan, revision, operation, status, stack_status, outputs, environments, pruned}``;
    raises StackFailed (the record stored ``failed``) when the stack failed.
    """
    try:
        limit = records.history_limit(history_limit)
        store = ctx.store
        record = store.revision(plan, revision)
        undeploy = record["operation"] == "undeploy"
        outcome = ctx.stacks.outcome(stack, outputs=not undeploy)
        if record["status"] != revisions.PENDING:
            return finished_before(record, outcome)
        done, failed = completed(record, outcome, ctx.now())
        generated: Any = None
        if failed is None and not undeploy:
            files = store.load(plan)
            store.write(plan, files, plans.with_environments(files, record["environments"]))
            generated = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT]).get("passwords")
        store.put_revision(plan, done)
        if failed is not None:
            raise failed
        return {**result(record, outcome, generated), "pruned": records.prune(store, plan, limit)}
    finally:
        ctx.lock(plan).release(ctx.execution)


def result(record: Mapping[str, Any], outcome: Outcome, generated: Any = None) -> dict[str, Any]:
    """The result of a finish of ``record`` that succeeded with ``outcome`` (but ``pruned``).

    The stack's outputs are shown redacted (:func:`passwords.redact`): THT's hold the
    ``AdminPassword`` and, in ``RoleData``, every service's password (some inside connection
    URLs); every value found under a secret's name in them, and every ``generated`` password
    (plan-environment.yaml's ``passwords``), is masked wherever it occurs."""
    known = passwords.secret_values(outcome.outputs) | passwords.secret_values({"passwords": generated or {}})
    return {"plan": record["plan"], "revision": record["number"], "operation": record["operation"],
            "status": revisions.SUCCEEDED, "stack_status": outcome.status,
            "outputs": passwords.redact(outcome.outputs, known),
            "environments": [e["path"] for e in record["environments"]], "warnings": list(record.get("warnings", []))}


def finished_before(record: Mapping[str, Any], outcome: Outcome) -> dict[str, Any]:
    """A rerun's result for a ``record`` already completed (pure): the earlier run's result
    (nothing pruned now), or its failure raised again."""
    if record["status"] == revisions.SUCCEEDED:
        return {**result(record, outcome), "pruned": []}
    stack = record.get("stack") or {}
    if record["status"] == revisions.FAILED and stack.get("status"):
        raise StackFailed(record["plan"], stack["status"], stack.get("reason") or "", stack.get("failures") or [])
    raise PlanError(f"revision {record['number']} of plan {record['plan']} was closed {record['status']}: "
                    f"{record.get('message', '')}")
