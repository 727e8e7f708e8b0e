"""Every branch of the stack operations, on the in-memory store, Heat and Mistral (no service).

The functional tests prove the same operations through the real Mistral, Swift and Heat."""
from pathlib import Path

import pytest

from tests.unit import memory
from tripleo_plan_actions.core import plan as plans, revisions
from tripleo_plan_actions.errors import PlanBusy, PlanInputError, ServiceError, StackFailed
from tripleo_plan_actions.operations import (
    deploy,
    finish,
    operate,
    replay,
    rollback,
    scale,
    stack,
    undeploy,
    update,
)
from tripleo_plan_actions.storage import lock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "overcloud"
REGISTRY = "overcloud-resource-registry-puppet.yaml"  # the plan's default environment
USER_ENV = {"path": "/home/stack/env.yaml",
            "content": "resource_registry:\n  OS::X::Y: nested.yaml\nparameter_defaults:\n  ComputeCount: 2\n"}
NESTED = {"/home/stack/nested.yaml": "heat_template_version: wallaby\nresources: {}\n"}


def snapshot(ctx):
    store = ctx.store
    return (dict(store.plans), dict(store.input_store[PLAN]), dict(store.records[PLAN]),
            dict(ctx.mistral.environments), list(ctx.stacks.calls))


def run(module, ctx, settle=None, **request):
    """start, let Heat end (``settle``: a status), then finish: the finished revision."""
    started = module.start(module.Request(plan=PLAN, **request), ctx)
    ctx.stacks.settle(PLAN, settle)
    return finish.finish(ctx, PLAN, started["revision"], started["stack"])


def record(ctx, number):
    return ctx.store.revision(PLAN, number)


def deployed(ctx, **request):
    return run(deploy, ctx, environments=[USER_ENV], user_files=NESTED, parameters={"Debug": True}, **request)


# -- deploy, then replay ----------------------------------------------------------------------

def test_deploy_records_the_inputs_calls_heat_once_and_holds_the_lock_until_finish(ctx):
    started = deploy.start(deploy.Request(plan=PLAN, environments=[USER_ENV], user_files=NESTED), ctx)
    assert ctx.stacks.calls == [("create", PLAN)]
    assert record(ctx, 2)["status"] == revisions.PENDING
    assert ctx.mistral.environment(lock.name(PLAN))["variables"]["execution"] == "exec-1"
    ctx.stacks.settle(PLAN)
    done = finish.finish(ctx, PLAN, started["revision"], started["stack"])
    assert done["status"] == revisions.SUCCEEDED and done["environments"] == [REGISTRY, USER_ENV["path"]]
    assert ctx.mistral.environment(lock.name(PLAN)) is None
    shown = plans.load_yaml(plans.PLAN_ENVIRONMENT, ctx.store.load(PLAN)[plans.PLAN_ENVIRONMENT])
    user_input = record(ctx, 2)["environments"][1]["sha256"]
    assert shown["environments"] == [{"path": REGISTRY}, {"path": USER_ENV["path"], "user_input": user_input}]


def test_update_with_nothing_new_replays_everything_and_stores_no_new_input(ctx):
    deployed(ctx)
    before = dict(ctx.store.input_store[PLAN])
    run(update, ctx)
    first, second = record(ctx, 2), record(ctx, 3)
    assert second["environments"] == first["environments"] and second["user_files"] == first["user_files"]
    assert second["parameters"] == first["parameters"] and second["replay"] == first["replay"]
    assert ctx.store.input_store[PLAN] == before
    arguments = ctx.stacks.stacks[PLAN]["arguments"]
    assert "user-files/home/stack/nested.yaml" in arguments["files"]


def test_the_replay_archive_holds_every_input_the_record_references_and_is_the_only_one_stored(ctx):
    deployed(ctx)
    second = record(ctx, 2)
    assert ctx.store.inputs(PLAN) == [second["replay"]]
    assert stack.read_parameters(ctx.store, PLAN, second) == {"Debug": True}
    contents = stack.read_contents(ctx.store, PLAN, second)
    assert set(contents) == {e["sha256"] for e in second["environments"] if e["source"] == "user"} | \
        {f["sha256"] for f in second["user_files"]} | {second["parameters"]["sha256"]}


def test_a_deploy_with_no_operator_input_has_no_replay_archive_and_updates(ctx):
    run(deploy, ctx)
    assert record(ctx, 2)["replay"] is None and ctx.store.inputs(PLAN) == []
    run(update, ctx)
    assert record(ctx, 3)["status"] == revisions.SUCCEEDED and record(ctx, 3)["replay"] is None


def test_a_record_without_a_replay_archive_is_replayed_input_by_input(ctx):
    deployed(ctx)
    old = dict(record(ctx, 2))  # as written before replay archives: every input stored on its own
    contents = stack.read_contents(ctx.store, PLAN, old)
    ctx.store.store_inputs(PLAN, {f"input-{n}": c for n, c in enumerate(contents.values())})
    ctx.store.forget(PLAN, [], [old.pop("replay")])
    ctx.store.put_revision(PLAN, old)
    run(update, ctx)
    assert record(ctx, 3)["environments"] == old["environments"]


def test_update_changes_only_what_it_is_told(ctx):
    deployed(ctx)
    run(update, ctx, environments=[{"path": "environments/debug.yaml"}], parameters={"ComputeCount": 3},
        unset_parameters=["Debug"])
    third = record(ctx, 3)
    assert [e["path"] for e in third["environments"]] == [REGISTRY, USER_ENV["path"], "environments/debug.yaml"]
    assert third["parameters"]["display"] == {"ComputeCount": 3}
    run(update, ctx, remove_environments=[USER_ENV["path"]], reset_parameters=True)
    assert [e["path"] for e in record(ctx, 4)["environments"]] == [REGISTRY, "environments/debug.yaml"]
    assert record(ctx, 4)["parameters"]["display"] == {}


def test_scale_sets_the_role_counts(ctx):
    deployed(ctx)
    run(scale, ctx, role_counts={"Compute": 3})
    assert record(ctx, 3)["parameters"]["display"] == {"Debug": True, "ComputeCount": 3}


def test_rollback_deploys_the_targets_inputs_as_a_new_revision(ctx):
    deployed(ctx)
    run(update, ctx, reset_environments=True, reset_parameters=True)
    done = run(rollback, ctx, to=2)
    third, fourth = record(ctx, 3), record(ctx, 4)
    assert [e["path"] for e in third["environments"]] == [REGISTRY]
    assert done["revision"] == 4 and fourth["rollback_of"] == 2
    assert fourth["environments"] == record(ctx, 2)["environments"]
    assert fourth["parameters"] == record(ctx, 2)["parameters"]


def test_undeploy_deletes_the_stack_and_keeps_the_plan(ctx):
    deployed(ctx)
    done = run(undeploy, ctx, settle="DELETE_COMPLETE")
    assert ctx.stacks.calls[-1] == ("delete", PLAN) and done["stack_status"] == "DELETE_COMPLETE"
    assert record(ctx, 3)["status"] == revisions.SUCCEEDED and ctx.store.exists(PLAN)


# -- a dry run writes nothing ---------------------------------------------------------------

@pytest.mark.parametrize("module,extra", [(deploy, {}), (update, {}), (scale, {"role_counts": {"Compute": 2}})])
def test_a_dry_run_with_user_files_writes_nothing_and_takes_no_lock(ctx, module, extra):
    if module is not deploy:
        deployed(ctx)
    before = snapshot(ctx)
    result = module.start(module.Request(plan=PLAN, dry_run=True, environments=[USER_ENV], user_files=NESTED,
                                         **extra), ctx)
    assert result["dry_run"] and result["revision"] is None and result["preview"]
    assert snapshot(ctx) == before and ctx.stacks.previews == [PLAN]


def test_a_dry_run_leaves_a_stale_pending_record_as_it_is(ctx):
    deployed(ctx)
    pending = revisions.new_record(PLAN, 3, "update", started_at="t", execution="gone", user=None, environments=[])
    ctx.store.put_revision(PLAN, pending, new=True)
    before = snapshot(ctx)
    update.start(update.Request(plan=PLAN, dry_run=True), ctx)
    assert snapshot(ctx) == before


# -- refusals: nothing written ----------------------------------------------------------------

@pytest.mark.parametrize("module,request_,message", [
    (update, {}, "has no successful deployment to update: deploy it first"),
    (deploy, {"timeout": 0}, "timeout must be a whole number of minutes"),
    (deploy, {"timeout": -5}, "timeout must be a whole number of minutes"),
    (deploy, {"history_limit": -1}, "history_limit must be a whole number"),
    (deploy, {"environments": [{"path": "environments/nope.yaml"}]}, "environments/nope.yaml is not in plan"),
    (deploy, {"environments": [{"path": "/home/stack/x.yaml"}]}, "is a user file: give its content"),
    (deploy, {"environments": ["debug.yaml"]}, r"environments\[0\]: give \{path\}"),
    (deploy, {"parameters": ["Debug"]}, "parameters must be a mapping"),
    (deploy, {"remove_environments": ["x.yaml"]}, "cannot remove x.yaml"),
    (scale, {}, "scale needs role_counts"),
    (scale, {"role_counts": {"NoSuchRole": 2}}, "NoSuchRole is not a role of plan overcloud; its roles are "
                                                "Controller, Compute"),
    (scale, {"role_counts": {"compute": 3}}, r"compute is not a role of plan overcloud \(did you mean Compute\?\)"),
    (scale, {"role_counts": {"Compute": 2.5}}, "Compute=2.5: a count must be a whole number, 0 or more"),
    (scale, {"role_counts": {"Compute": True}}, "Compute=True: a count must be a whole number"),
    (scale, {"role_counts": {"Compute": -1}}, "Compute=-1: a count must be a whole number"),
    (rollback, {}, "rollback needs to"),
])
def test_a_refused_request_writes_nothing_and_releases_the_lock(ctx, module, request_, message):
    before = snapshot(ctx)
    with pytest.raises(PlanInputError, match=message):
        module.start(module.Request(plan=PLAN, **request_), ctx)
    assert snapshot(ctx) == before and ctx.store.writes == []


def test_deploy_of_a_deployed_stack_is_refused(ctx):
    deployed(ctx)
    with pytest.raises(PlanInputError, match="exists .*: use update, upgrade or scale"):
        deploy.start(deploy.Request(plan=PLAN), ctx)


def test_deploy_after_a_failed_first_deploy_updates_the_stack(ctx):
    with pytest.raises(StackFailed):
        run(deploy, ctx, settle="CREATE_FAILED")
    run(deploy, ctx)
    assert ctx.stacks.calls == [("create", PLAN), ("update", PLAN)]


def test_rollback_to_a_revision_that_is_not_a_target_names_the_targets(ctx):
    deployed(ctx)
    with pytest.raises(PlanInputError, match="cannot roll back to revision 1: create deploys nothing.*: 2"):
        rollback.start(rollback.Request(plan=PLAN, to=1), ctx)


# -- Heat's outcome, refusals and the lock -------------------------------------------------------

def test_heat_refusing_the_call_records_a_refused_revision_and_releases_the_lock(ctx):
    ctx.stacks.refuse = "Invalid template"
    with pytest.raises(ServiceError, match="Heat refused to create stack overcloud"):
        deploy.start(deploy.Request(plan=PLAN), ctx)
    assert record(ctx, 2)["status"] == revisions.REFUSED
    assert ctx.mistral.environment(lock.name(PLAN)) is None
    assert ctx.stacks.find(PLAN) is None
    started = deploy.start(deploy.Request(plan=PLAN), ctx)  # a refused first deploy does not block the next
    assert started["revision"] == 3


@pytest.mark.parametrize("status", [None, 500])
def test_a_heat_call_that_failed_otherwise_records_a_failed_revision(ctx, status):
    ctx.stacks.refuse, ctx.stacks.refuse_status = "Internal error", status
    with pytest.raises(ServiceError):
        deploy.start(deploy.Request(plan=PLAN), ctx)
    assert record(ctx, 2)["status"] == revisions.FAILED


def test_an_update_refused_by_heat_is_not_replayed_nor_a_rollback_target(ctx):
    started = deploy.start(deploy.Request(plan=PLAN, parameters={"CloudName": "good.example.com"}), ctx)
    ctx.stacks.settle(PLAN, "CREATE_COMPLETE")
    finish.finish(ctx, PLAN, started["revision"], started["stack"])
    ctx.stacks.refuse = "The Resource Type (OS::Nope) could not be found."
    with pytest.raises(ServiceError):
        update.start(update.Request(plan=PLAN, parameters={"CloudName": "refused.example.com"}), ctx)
    assert record(ctx, 3)["status"] == revisions.REFUSED
    again = update.start(update.Request(plan=PLAN), ctx)  # replays revision 2, not the refused 3
    assert again["revision"] == 4 and record(ctx, 4)["parameters"] == record(ctx, 2)["parameters"]
    assert record(ctx, 4)["parameters"]["display"] == {"CloudName": "good.example.com"}
    ctx.stacks.settle(PLAN, "UPDATE_COMPLETE")
    finish.finish(ctx, PLAN, again["revision"], again["stack"])
    with pytest.raises(PlanInputError, match="cannot roll back to revision 3"):
        rollback.start(rollback.Request(plan=PLAN, to=3), ctx)


def test_a_failed_stack_fails_finish_with_its_resources_and_releases_the_lock(ctx):
    with pytest.raises(StackFailed, match="stack overcloud ended CREATE_FAILED: boom\n  Compute"):
        started = deploy.start(deploy.Request(plan=PLAN), ctx)
        ctx.stacks.settle(PLAN, "CREATE_FAILED", "boom")
        finish.finish(ctx, PLAN, started["revision"], started["stack"])
    failed = record(ctx, 2)
    assert failed["status"] == revisions.FAILED and failed["stack"]["failures"][0]["resource"] == "Compute"
    assert ctx.mistral.environment(lock.name(PLAN)) is None


def test_an_operation_running_on_the_plan_refuses_the_next_naming_it(ctx):
    deploy.start(deploy.Request(plan=PLAN), ctx)
    other = memory.context(ctx.store, execution="exec-2")
    other.mistral = ctx.mistral
    other.mistral.states["exec-2"] = "RUNNING"
    with pytest.raises(PlanBusy, match="deploy running in Mistral execution exec-1"):
        update.start(update.Request(plan=PLAN), other)


def test_a_pending_record_whose_execution_is_over_is_closed_interrupted(ctx):
    deployed(ctx)
    pending = revisions.new_record(PLAN, 3, "update", started_at="t", execution="gone", user=None, environments=[])
    ctx.store.put_revision(PLAN, pending, new=True)
    ctx.mistral.states["gone"] = "ERROR"
    run(update, ctx)
    assert record(ctx, 3)["status"] == revisions.INTERRUPTED and record(ctx, 4)["status"] == revisions.SUCCEEDED


def test_a_running_pending_record_refuses_unless_forced(ctx):
    deployed(ctx)
    pending = revisions.new_record(PLAN, 3, "update", started_at="t", execution="alive", user=None, environments=[])
    ctx.store.put_revision(PLAN, pending, new=True)
    ctx.mistral.states["alive"] = "RUNNING"
    with pytest.raises(PlanBusy):
        update.start(update.Request(plan=PLAN), ctx)
    run(update, ctx, force_unlock=True)
    assert record(ctx, 3)["status"] == revisions.INTERRUPTED


def test_finish_applies_the_history_limit_keeping_the_replayed_revision(ctx):
    deployed(ctx)
    for _ in range(3):
        done = run(update, ctx)
    assert done["pruned"] == []
    started = update.start(update.Request(plan=PLAN), ctx)
    ctx.stacks.settle(PLAN)
    done = finish.finish(ctx, PLAN, started["revision"], started["stack"], history_limit=2)
    assert done["pruned"] == [1, 2, 3, 4] and ctx.store.revision_numbers(PLAN) == [5, 6]
    assert record(ctx, 6)["replay"] in ctx.store.inputs(PLAN)


# -- the deprecated operate --------------------------------------------------------------------

def test_operate_maps_onto_the_operations_own_request():
    request = operate.request("rollback", PLAN, {**operate.DEFAULTS, "rollback_to": 3})
    assert isinstance(request, rollback.Request) and request.to == 3


@pytest.mark.parametrize("operation,given,name", [
    ("undeploy", {"environments": [{"path": "x.yaml"}]}, "environments"),
    ("scale", {"rollback_to": 2}, "rollback_to"),
    ("update", {"templates_dir": "/tmp"}, "templates_dir"),
    ("deploy", {"role_counts": {"Compute": 1}}, "role_counts"),
])
def test_operate_refuses_an_input_the_operation_does_not_take(operation, given, name):
    with pytest.raises(PlanInputError, match=f"{operation} does not take {name}"):
        operate.request(operation, PLAN, {**operate.DEFAULTS, **given})


def test_operate_refuses_an_unknown_operation():
    with pytest.raises(PlanInputError, match="operation 'explode' is not one of deploy, update"):
        operate.request("explode", PLAN, {})


def test_prepare_is_pure_the_same_state_gives_the_same_value(ctx):
    deployed(ctx)
    request = update.Request(plan=PLAN, environments=[USER_ENV])
    state = update.read_state(ctx, request)
    stamp = stack.Stamp("exec-9", "admin", "t", "1")
    assert replay.prepare("update", request, state, stamp) == replay.prepare("update", request, state, stamp)


def test_the_start_action_takes_exactly_the_operations_request():
    assert operate.parse("scale", {"plan": PLAN, "role_counts": {"Compute": 2}}).role_counts == {"Compute": 2}
    with pytest.raises(PlanInputError, match="update does not take to"):
        operate.parse("update", {"plan": PLAN, "to": 3})
    with pytest.raises(PlanInputError, match="undeploy needs plan"):
        operate.parse("undeploy", {})


def test_an_update_that_changes_nothing_has_nothing_to_store(ctx):
    deployed(ctx)
    request = update.Request(plan=PLAN)
    prepared = update.prepare(request, update.read_state(ctx, request), stack.Stamp("e", "u", "t", "1"))
    assert prepared.inputs == {} and prepared.record["replay"] == record(ctx, 2)["replay"]


# -- a rerun of a step for the same execution (its executor was lost) --------------------------

class Lost(BaseException):
    """The executor's process dies here (nothing after it in that run happens)."""


def ticking(ctx):
    """Make the records' clock and Heat's advance one second per reading."""
    seconds = iter(range(10_000))
    clock = lambda: f"2026-12-01T12:{next(seconds) // 60 % 60:02d}:{next(seconds) % 60:02d}Z"  # noqa: E731
    ctx.now = ctx.stacks.now = clock
    return ctx


def lose_heat_call(ctx, action):
    """The executor dies as Heat's ``action`` is about to be sent (after the pending record)."""
    real = getattr(ctx.stacks, action)

    def dying(*args, **kwargs):
        setattr(ctx.stacks, action, real)
        raise Lost()
    setattr(ctx.stacks, action, dying)


def test_start_run_again_after_its_result_was_lost_resumes_without_a_new_record_or_heat_call(ctx):
    request = deploy.Request(plan=PLAN, environments=[USER_ENV], user_files=NESTED)
    first = deploy.start(request, ctx)
    writes = list(ctx.store.writes)
    assert deploy.start(request, ctx) == first
    assert ctx.stacks.calls == [("create", PLAN)] and ctx.store.writes == writes  # nothing written again
    ctx.stacks.settle(PLAN)
    assert finish.finish(ctx, PLAN, first["revision"], first["stack"])["status"] == revisions.SUCCEEDED
    assert ctx.store.revision_numbers(PLAN) == [1, 2]


@pytest.mark.parametrize("module, request_, action", [
    (deploy, {"environments": [USER_ENV], "user_files": NESTED}, "create"),
    (update, {"parameters": {"Debug": False}}, "update"),
    (undeploy, {}, "delete"),
])
def test_start_lost_before_the_heat_call_makes_it_once_with_the_record_it_wrote(ctx, module, request_, action):
    ticking(ctx)
    if module is not deploy:
        deployed(ctx)
    lose_heat_call(ctx, action)
    with pytest.raises(Lost):
        module.start(module.Request(plan=PLAN, **request_), ctx)
    numbers = ctx.store.revision_numbers(PLAN)
    written = record(ctx, numbers[-1])
    assert written["status"] == revisions.PENDING and ctx.stacks.calls.count((action, PLAN)) == 0
    started = module.start(module.Request(plan=PLAN, **request_), ctx)
    assert ctx.stacks.calls.count((action, PLAN)) == 1 and ctx.store.revision_numbers(PLAN) == numbers
    assert started["revision"] == written["number"] and record(ctx, written["number"]) == written
    if action != "delete":  # the same DeployIdentifier as the lost run's record was stamped with
        sent = ctx.stacks.stacks[PLAN]["arguments"]["files"]
        identifier = f"DeployIdentifier: '{stack.deploy_identifier(written['started_at'])}'"
        assert any(identifier in content for content in sent.values()), identifier
    ctx.stacks.settle(PLAN, "DELETE_COMPLETE" if action == "delete" else None)
    assert finish.finish(ctx, PLAN, started["revision"], started["stack"])["status"] == revisions.SUCCEEDED


def test_start_lost_after_the_update_call_resumes_even_when_heat_has_finished(ctx):
    ticking(ctx)
    deployed(ctx)
    first = update.start(update.Request(plan=PLAN, parameters={"Debug": False}), ctx)
    ctx.stacks.settle(PLAN)  # Heat ended before Mistral noticed the lost executor
    assert update.start(update.Request(plan=PLAN, parameters={"Debug": False}), ctx) == first
    assert ctx.stacks.calls == [("create", PLAN), ("update", PLAN)]


def test_another_executions_pending_record_is_not_a_rerun(ctx):
    deploy.start(deploy.Request(plan=PLAN), ctx)
    other = memory.context(ctx.store, execution="exec-2")
    other.mistral = ctx.mistral
    other.mistral.states["exec-2"] = "RUNNING"
    with pytest.raises(PlanBusy):
        deploy.start(deploy.Request(plan=PLAN), other)
    assert stack.rerun_of(record(ctx, 2), "exec-2") is None and stack.rerun_of(record(ctx, 2), "exec-1")


def test_heat_called_compares_the_stacks_action_start_with_the_records():
    pending = {"operation": "update", "started_at": "2026-12-01T12:00:05Z"}
    assert stack.heat_called(pending, memory.Stack(PLAN, "i", "UPDATE_COMPLETE", "", "2026-12-01T12:00:05"))
    assert not stack.heat_called(pending, memory.Stack(PLAN, "i", "UPDATE_COMPLETE", "", "2026-12-01T12:00:04Z"))
    assert not stack.heat_called(pending, None) and not stack.heat_called({**pending, "operation": "deploy"}, None)
    undeploying = {"operation": "undeploy", "started_at": "2026-12-01T12:00:05Z"}
    assert stack.heat_called(undeploying, None)
    assert stack.heat_called(undeploying, memory.Stack(PLAN, "i", "DELETE_IN_PROGRESS", "", "x"))
    assert not stack.heat_called(undeploying, memory.Stack(PLAN, "i", "UPDATE_COMPLETE", "", "x"))


def test_finish_run_again_returns_the_same_outcome_and_writes_nothing(ctx):
    started = deploy.start(deploy.Request(plan=PLAN, environments=[USER_ENV], user_files=NESTED), ctx)
    ctx.stacks.settle(PLAN)
    done = finish.finish(ctx, PLAN, started["revision"], started["stack"])
    writes = list(ctx.store.writes)
    assert finish.finish(ctx, PLAN, started["revision"], started["stack"]) == {**done, "pruned": []}
    assert ctx.store.writes == writes


def test_finish_run_again_after_a_failure_fails_the_same_way(ctx):
    started = deploy.start(deploy.Request(plan=PLAN), ctx)
    ctx.stacks.settle(PLAN, "CREATE_FAILED", "boom")
    with pytest.raises(StackFailed) as first:
        finish.finish(ctx, PLAN, started["revision"], started["stack"])
    with pytest.raises(StackFailed) as again:
        finish.finish(ctx, PLAN, started["revision"], started["stack"])
    assert str(again.value) == str(first.value)


def test_start_run_again_after_its_upload_was_consumed_resumes_from_the_record(ctx):
    from tripleo_plan_actions.core import archive as archives, references

    env = {"path": "/home/stack/env.yaml"}
    files = {"/home/stack/env.yaml": USER_ENV["content"].encode(), **{p: t.encode() for p, t in NESTED.items()}}
    ctx.store.uploads["u1"] = archives.write_archive({references.ARCHIVE_PREFIX + p[1:]: c for p, c in files.items()})
    first = deploy.start(deploy.Request(plan=PLAN, environments=[env], user_upload="u1"), ctx)
    assert "u1" not in ctx.store.uploads  # consumed when the first run ended
    assert deploy.start(deploy.Request(plan=PLAN, environments=[env], user_upload="u1"), ctx) == first
    assert ctx.stacks.calls == [("create", PLAN)]
