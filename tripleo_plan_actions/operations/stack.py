"""The stack operations' shared shape: a request, the state it is prepared from, the value it
becomes, and the steps that read the state and perform the value.

Every stack operation (deploy, update, upgrade, scale, rollback, undeploy: one module each) is

* a **request** — a dataclass of exactly the inputs its workflow declares (:class:`Common` and
  the mixins below), nothing else;
* ``prepare(request, state, stamp) -> StackOperation`` — PURE: from the plan's files, its recent
  revision records, the stack and the operator's request it decides everything: the Heat call
  with its complete arguments, the inputs to keep, the pending revision record, the stale pending
  record to close — or raises a typed error, before anything is written;
* :func:`perform` — applies the value: closes the stale record, writes the plan (an upgrade) and
  the inputs, writes the pending record, calls Heat; a dry run only asks Heat for a preview and
  writes NOTHING (no input, no record, no lock).

:func:`start` is the imperative shell around both: the lock, reading the state, then prepare and
perform.  ``finish`` (its own module) completes the record with Heat's outcome.

**A rerun is safe.**  Mistral runs ``start`` again, with the same execution, when the executor
that ran it is lost (the workbook's retry on "Heartbeat wasn't received").  That run may have done
anything up to returning its result, so a second run for the same execution finds its own work
instead of repeating it (:func:`rerun_of`): its own pending record and, when Heat already has the
call (:func:`heat_called`), only the result is made again; when Heat does not, the operation is
prepared again from the state as it was before that record, stamped as that record was
(:func:`stamp_of`: same time, same DeployIdentifier), so prepare, being pure, gives the same value,
and perform makes the Heat call once.  Every write before the record is content-addressed or the
same bytes again.
"""
from __future__ import annotations

import calendar
import dataclasses
import json
import time
from typing import Any, Callable, Mapping

from tripleo_plan_actions.core import archive as archives, passwords, plan as plans, revisions
from tripleo_plan_actions.errors import PlanError, PlanInputError, ServiceError
from tripleo_plan_actions.operations import inputs, records
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.services.heat_stacks import Stack
from tripleo_plan_actions.storage.store import PlanStore

DEFAULT_TIMEOUT = 240


@dataclasses.dataclass
class Common:
    """The inputs of every stack operation.

    ``dry_run``: what Heat would do, nothing written; ``timeout``: minutes Heat may take;
    ``force_unlock``: take the plan's lock (and close a pending revision) whoever holds it;
    ``history_limit``: revisions kept after the operation (None: 50; 0: all).
    """

    plan: str
    dry_run: bool = False
    timeout: int = DEFAULT_TIMEOUT
    force_unlock: bool = False
    history_limit: int | None = None


@dataclasses.dataclass
class WithFiles(Common):
    """Operations that take the operator's environment files and parameters.

    ``environments``: files to ADD, in order, ``{"path": <plan path>}`` or ``{"path": <operator's
    path>, "content": <text>}``; ``user_files``: ``{operator path: text}`` they reference;
    ``user_upload``: ONE archive in tripleo-plan-uploads of user files (``files/<absolute
    path>``), for environments given as ``{"path": <absolute path>}``; ``local_templates_dir``:
    where the operator's copy of the plan's templates lives; ``parameters``: overrides (highest
    precedence; each must be declared by a template of the plan); ``remove_environments``: tracked
    paths to drop; ``strict``: refuse (not only report) environment files' ``parameter_defaults``
    that no template of the plan declares; ``skip_deploy_identifier``: send the stack's current
    ``DeployIdentifier`` again (none yet: ``''``) instead of a new one, so that Heat does not run
    the software deployments again (tripleoclient's ``--skip-deploy-identifier``).
    """

    environments: list | None = None
    user_files: dict | None = None
    user_upload: str | None = None
    local_templates_dir: str | None = None
    parameters: dict | None = None
    remove_environments: list | None = None
    strict: bool = False
    skip_deploy_identifier: bool = False


@dataclasses.dataclass
class Replaying(WithFiles):
    """Operations that replay the last successful operation's inputs, changed as told:
    ``reset_environments`` (start from the plan's defaults), ``reset_parameters``,
    ``unset_parameters`` (names)."""

    reset_environments: bool = False
    reset_parameters: bool = False
    unset_parameters: list | None = None


@dataclasses.dataclass(frozen=True)
class Stamp:
    """Who runs the operation and when: the execution, the user, the time, the DeployIdentifier."""

    execution: str | None
    user: str | None
    now: str
    deploy_identifier: str
    project: str | None = None


@dataclasses.dataclass
class StackState:
    """Everything a stack operation is prepared from, read by :func:`read_state`.

    ``contents``: sha256 -> bytes of every input the replayed revision (``base``) references;
    ``uploaded``: the user files of ``user_upload``; ``uploaded_parameters``: the explicit
    parameters it carries (overriding the request's: the client sends them there when one is a
    secret, so that no secret is in Mistral's execution input); ``records``: every record (a rollback's
    choice of target); ``newest_state``: the Mistral state of the execution of the newest record
    when it is pending; ``new_files``: an upgrade's plan moved to the new templates.  ``rerun``:
    this execution's own pending record, written by an earlier run of ``start`` (then ``recent``
    and ``records`` are read as they were before it), and ``called``: Heat has its call (nothing
    more is read: the operation is only resumed).
    """

    files: dict[str, bytes]
    recent: records.Recent
    stack: Stack | None
    newest_state: str | None = None
    base: dict[str, Any] | None = None
    contents: dict[str, bytes] = dataclasses.field(default_factory=dict)
    uploaded: dict[str, bytes] = dataclasses.field(default_factory=dict)
    uploaded_parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    records: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    new_files: dict[str, bytes] | None = None
    rerun: dict[str, Any] | None = None
    called: bool = False


@dataclasses.dataclass
class HeatCall:
    """The Heat request an operation makes: ``action`` create, update or delete."""

    action: str
    arguments: dict[str, Any]
    timeout: int


@dataclasses.dataclass
class StackOperation:
    """A prepared stack operation: everything :func:`perform` writes and sends, decided."""

    plan: str
    operation: str
    dry_run: bool
    record: dict[str, Any]
    call: HeatCall
    stack: Stack | None
    close: dict[str, Any] | None = None
    inputs: dict[str, bytes] = dataclasses.field(default_factory=dict)
    plan_write: tuple[dict[str, bytes], dict[str, bytes]] | None = None
    history_limit: int | None = None
    rerun: bool = False
    #: the plan as stored (its archive): what closing ``close`` repairs the plan's objects to
    stored: dict[str, bytes] = dataclasses.field(default_factory=dict)

    @property
    def environments(self) -> list[str]:
        return [e["path"] for e in self.record["environments"]]


# -- checks every operation makes -------------------------------------------------------------

def check_common(request: Common) -> None:
    """Refuse, naming the input, what no stack operation can take (before anything is read)."""
    plans.check_name(request.plan)
    if isinstance(request.timeout, bool) or not isinstance(request.timeout, int) or request.timeout < 1:
        raise PlanInputError(f"timeout must be a whole number of minutes, 1 or more, not {request.timeout!r}")
    records.history_limit(request.history_limit)


def require_deployed(operation: str, state: StackState, plan: str) -> None:
    """Refuse ``operation`` on a plan whose stack never deployed successfully."""
    if state.stack is None or state.recent.last is None:
        raise PlanInputError(f"plan {plan} has no successful deployment to {operation}: deploy it first")


def closing(request: Common, state: StackState, stamp: Stamp) -> dict[str, Any] | None:
    """The stale pending record to close (PlanBusy when its operation still runs)."""
    return records.closing(state.recent.newest, state.newest_state, stamp.now, forced=request.force_unlock)


# -- reading the state, performing the value ----------------------------------------------------

def read_contents(store: PlanStore, plan: str, record: Mapping[str, Any] | None) -> dict[str, bytes]:
    """sha256 -> content of every input ``record`` references.  ONE request when the record names
    its replay archive (``replay``), else one per input (records written before it existed)."""
    if record is None:
        return {}
    if record.get("replay"):
        return archives.read_archive(store.input(plan, record["replay"]), max_total_bytes=1 << 40)
    return {digest: store.input(plan, digest) for digest in sorted(revisions.stored_inputs(record))}


def read_parameters(store: PlanStore, plan: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The real values of ``record``'s explicit parameters ({} when it has none): 1 request (its
    replay archive, or the parameters input of a record written before replay archives)."""
    digest = (record.get("parameters") or {}).get("sha256")
    if not digest:
        return {}
    if record.get("replay"):
        return json.loads(read_contents(store, plan, record)[digest])
    return json.loads(store.input(plan, digest))


def read_state(ctx: Context, request: Common, *, all_records: bool = False,
               base: Callable[[StackState], dict[str, Any] | None] | None = None) -> StackState:
    """The plan, its recent records, the stack, the replayed inputs and the user files of the
    request's ``user_upload``.  ``base`` chooses the replayed record (default: the last
    successful deploying one); ``all_records`` reads every record (a rollback's choice).  On a
    rerun whose Heat call was made (``called``) nothing after the stack is read.  Requests: Swift 1
    + 1 + 1 per recent record (+ every record) + 1 (the replay archive) + 1 (a user upload); Heat
    1; Mistral 1 when the newest record is pending."""
    store = ctx.store
    files = store.load(request.plan)
    recent = records.recent(store, request.plan)
    state = StackState(files=files, recent=recent, stack=ctx.stacks.find(request.plan))
    state.rerun = rerun_of(recent.newest, ctx.execution)
    if state.rerun is not None:
        state.called = heat_called(state.rerun, state.stack)
        if state.called:
            return state
        state.recent = records.Recent([n for n in recent.numbers if n != state.rerun["number"]], None, recent.last)
    else:
        state.newest_state = records.pending_state(ctx.mistral, recent.newest)
    if all_records:
        state.records = [store.revision(request.plan, n) for n in state.recent.numbers]
    state.base = base(state) if base else state.recent.last
    state.contents = read_contents(store, request.plan, state.base)
    state.uploaded, state.uploaded_parameters = inputs.user_upload(store, getattr(request, "user_upload", None))
    return state


def rerun_of(newest: Mapping[str, Any] | None, execution: str | None) -> dict[str, Any] | None:
    """``newest`` when it is the pending record of ``execution`` (an earlier run of this
    execution's ``start`` wrote it), else None.  Pure."""
    if execution and newest is not None and newest["status"] == revisions.PENDING \
            and newest.get("execution") == execution:
        return dict(newest)
    return None


def heat_called(record: Mapping[str, Any], stack: Stack | None) -> bool:
    """Whether Heat has the call of pending ``record``, from the stack as it is now.  Pure.

    An undeploy's call was made when the stack is gone or being deleted; any other's when the
    stack's current action began (``Stack.since``: its updated time, or creation time) at or
    after the record's start: the record is written before the call, and Heat stamps the stack
    when an action begins (both clocks are the undercloud's, compared to the second).
    """
    if record["operation"] == "undeploy":
        return stack is None or stack.status.startswith("DELETE")
    return stack is not None and (stack.since or "")[:19] >= str(record["started_at"])[:19]


def stamp_of(record: Mapping[str, Any]) -> Stamp:
    """The stamp ``record`` was prepared with (its execution, user and start; the DeployIdentifier
    follows from the start, see :func:`new_stamp`)."""
    return Stamp(execution=record.get("execution"), user=record.get("user"), now=record["started_at"],
                 deploy_identifier=deploy_identifier(record["started_at"]), project=record.get("project"))


def resumed(state: StackState, request: Common) -> dict[str, Any]:
    """What :func:`perform` returned for the rerun's own record (whose Heat call was made)."""
    record = state.rerun
    assert record is not None
    ref = state.stack.ref if state.stack is not None else f"{request.plan}/{record.get('stack', {}).get('id', '')}"
    return {"plan": request.plan, "operation": record["operation"], "revision": record["number"],
            "dry_run": False, "stack": ref, "environments": [e["path"] for e in record["environments"]],
            "preview": None, "timeout": request.timeout, "history_limit": request.history_limit,
            "warnings": list(record.get("warnings", []))}


def perform(op: StackOperation, ctx: Context) -> dict[str, Any]:
    """Apply ``op``: for a dry run only Heat's preview; else close, write, record, call Heat.
    A failed Heat call completes the record and is raised: ``refused`` when Heat answered 4xx (it
    changed nothing), else ``failed`` (the stack may have changed)."""
    result = {"plan": op.plan, "operation": op.operation, "revision": None, "dry_run": op.dry_run,
              "stack": None, "environments": op.environments, "preview": None,
              "timeout": op.call.timeout, "history_limit": op.history_limit,
              "warnings": list(op.record.get("warnings", []))}
    if op.dry_run:
        return {**result, "preview": preview(op, ctx)}
    store = ctx.store
    if op.close is not None:
        records.close(store, op.plan, op.close, op.stored)
    if op.plan_write is not None:
        store.write(op.plan, *op.plan_write)
    if op.inputs:
        store.store_inputs(op.plan, op.inputs)
    store.put_revision(op.plan, op.record, new=not op.rerun)
    try:
        ref = call_heat(op, ctx)
    except PlanError as error:
        refused = isinstance(error, ServiceError) and error.status is not None and 400 <= error.status < 500
        # Heat's message may quote a value it refused: every secret the call sent is masked in it
        error.args = (passwords.redact(str(error), sent_secrets(op.call.arguments)),)
        store.put_revision(op.plan, revisions.finish(op.record, revisions.REFUSED if refused else revisions.FAILED,
                                                     finished_at=ctx.now(), message=str(error)))
        raise
    return {**result, "revision": op.record["number"], "stack": ref}


def sent_secrets(arguments: Mapping[str, Any]) -> set[str]:
    """Every secret value a Heat call's arguments give (:func:`passwords.secret_values` of each of
    its environment files: the generated passwords, the operator's files, the parameters).  Pure."""
    found: set[str] = set()
    files = arguments.get("files") or {}
    for name in arguments.get("environment_files") or []:
        content = files.get(name)
        try:
            document = plans.load_yaml(name, content) if isinstance(content, (str, bytes)) else None
        except PlanInputError:
            continue
        found |= passwords.secret_values(document)
    return found


def preview(op: StackOperation, ctx: Context) -> dict[str, Any]:
    if op.call.action == "delete":
        return {"delete": [op.plan]}
    return ctx.stacks.preview(op.plan, op.stack, op.call.arguments)


def call_heat(op: StackOperation, ctx: Context) -> str:
    if op.call.action == "create":
        return ctx.stacks.create(op.plan, op.call.arguments, op.call.timeout)
    assert op.stack is not None
    if op.call.action == "delete":
        return ctx.stacks.delete(op.stack)
    return ctx.stacks.update(op.stack, op.call.arguments, op.call.timeout, op.operation)


def new_stamp(ctx: Context) -> Stamp:
    """Who runs the operation now, and a new DeployIdentifier (Heat reruns the deployments)."""
    now = ctx.now()
    return Stamp(execution=ctx.execution, user=ctx.user, now=now, deploy_identifier=deploy_identifier(now),
                 project=ctx.project)


def deploy_identifier(now: str) -> str:
    """The DeployIdentifier of an operation started at ``now`` (ISO 8601 UTC): its Unix time."""
    return str(calendar.timegm(time.strptime(now[:19], "%Y-%m-%dT%H:%M:%S")))


Reader = Callable[[Context, Any], StackState]
Preparer = Callable[[Any, StackState, Stamp], StackOperation]


def _prepared(prepare: Preparer, request: Common, state: StackState, stamp: Stamp) -> StackOperation:
    op = prepare(request, state, stamp)
    op.history_limit = request.history_limit
    op.rerun = state.rerun is not None
    return op


def _started(read: Reader, prepare: Preparer, request: Common, ctx: Context) -> dict[str, Any]:
    state = read(ctx, request)
    if state.called:
        return resumed(state, request)
    stamp = new_stamp(ctx) if state.rerun is None else stamp_of(state.rerun)
    return perform(_prepared(prepare, request, state, stamp), ctx)


def start(operation: str, read: Reader, prepare: Preparer, request: Common, ctx: Context) -> dict[str, Any]:
    """Run one stack operation: ``read(ctx, request)`` the state, ``prepare(request, state,
    stamp)`` the value, :func:`perform` it — under the plan's lock, which stays held until
    ``finish`` unless something fails here; a dry run takes no lock.  A rerun for the same
    execution resumes (see the module docstring).  The request's uploads (``user_upload``, an
    upgrade's ``upload``) are removed when this ends, however it ends (not when the process is
    lost: the rerun reads them)."""
    check_common(request)
    with inputs.consuming(ctx.store, getattr(request, "user_upload", None), getattr(request, "upload", None)):
        if request.dry_run:
            return perform(_prepared(prepare, request, read(ctx, request), new_stamp(ctx)), ctx)
        lock = ctx.lock(request.plan)
        if request.force_unlock:
            lock.force()
        lock.acquire(ctx.execution, operation)
        try:
            return _started(read, prepare, request, ctx)
        except BaseException:
            lock.release(ctx.execution)
            raise
