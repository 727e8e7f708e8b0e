"""Every branch of every plan operation (operations/plans/) over the in-memory store, Heat and
Mistral: what each writes, what each refuses before writing anything, and what a storage failure
part-way leaves (the plan as it was)."""
import copy
import io
import json
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.plan_fixtures import tarball, templates
from tests.unit import memory
from tripleo_plan_actions.actions import plan as plan_actions
from tripleo_plan_actions.core import passwords, revisions
from tripleo_plan_actions.core.plan import sha256
from tripleo_plan_actions.errors import PlanBusy, PlanError, PlanExists, PlanInputError, PlanNotFound, ServiceError
from tripleo_plan_actions.operations import stack
from tripleo_plan_actions.operations.plans import amend, create, delete, export, importing, new, reads
from tripleo_plan_actions.services.heat_stacks import Stack
from tripleo_plan_actions.storage.lock import PlanLock, name as lock_name

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "overcloud"
NOW = "2026-12-01T12:00:00Z"
STAMP = stack.Stamp(execution="exec-1", user="admin", now=NOW, deploy_identifier="1")
DEBUG_OFF = "parameter_defaults:\n  Debug: false\n"


# -- helpers ------------------------------------------------------------------------------------

@pytest.fixture
def ctx():
    return memory.context()


def put_upload(ctx, data: bytes) -> str:
    """What the thin client does before an execution: ONE archive in tripleo-plan-uploads."""
    name = f"upload-{len(ctx.store.uploads)}.tar.gz"
    ctx.store.uploads[name] = data
    return name


def make(ctx, plan=PLAN, **extra):
    return create.start(create.Request(plan, upload=put_upload(ctx, tarball(templates())), **extra), ctx)


def snapshot(store, plan=PLAN):
    """Everything stored for ``plan``, and every write so far."""
    return copy.deepcopy({"plan": store.plans.get(plan), "inputs": store.input_store.get(plan),
                          "records": store.records.get(plan), "writes": store.writes})


def record(store, number, plan=PLAN):
    return store.revision(plan, number)


def pending(ctx, number, execution="exec-0", state="RUNNING", plan=PLAN):
    """A pending deploy record of ``execution`` (in ``state``; None: no such execution)."""
    if state is not None:
        ctx.mistral.states[execution] = state
    ctx.store.put_revision(plan, revisions.new_record(plan, number, "deploy", started_at=NOW, execution=execution,
                                                      user="other", environments=[]), new=True)


def assert_unlocked(ctx, plan=PLAN):
    assert lock_name(plan) not in ctx.mistral.environments


def environment(files):
    return yaml.safe_load(files["plan-environment.yaml"])


# -- create -------------------------------------------------------------------------------------

def test_create_writes_the_rendered_plan_and_revision_1(ctx):
    result = make(ctx, description="lab")
    files = ctx.store.plans[PLAN]
    assert result == {"plan": PLAN, "files": len(templates()) + 2 + 3, "rendered": 3,
                      "passwords": len(passwords.PASSWORD_NAMES), "inputs": []}
    assert files["overcloud.yaml"] == b"heat_template_version: wallaby\n# Controller\n# Compute\n"
    assert environment(files)["description"] == "lab"
    first = record(ctx.store, 1)
    assert (first["operation"], first["status"], first["execution"], first["user"]) == \
        ("create", "succeeded", "exec-1", "admin")
    assert first["started_at"] == first["finished_at"] == NOW and first["user_files"] == []
    assert ctx.store.uploads == {} and ctx.store.writes == [("create", PLAN), ("put_revision", PLAN)]


def test_create_keeps_given_roles_data_as_an_input_and_reads_a_directory():
    ctx = memory.context()
    roles = "- name: Solo\n  CountDefault: 1\n"
    result = create.start(create.Request(PLAN, templates_dir=str(EXAMPLE), roles_data=roles), ctx)
    assert ctx.store.plans[PLAN]["roles_data.yaml"] == roles.encode()
    assert [i["path"] for i in result["inputs"]] == ["roles_data.yaml"]
    assert record(ctx.store, 1)["user_files"] == [{"path": "roles_data.yaml", "sha256": result["inputs"][0]["sha256"]}]
    assert ctx.store.input_store[PLAN] == {result["inputs"][0]["sha256"]: roles.encode()}


def test_create_prepare_is_a_value_and_writes_nothing():
    state = create.State(templates(), {"AdminPassword": "s3cret"})
    prepared = create.prepare(create.Request(PLAN, upload="u", network_data="[]\n"), state, STAMP)
    assert isinstance(prepared, new.NewPlan) and prepared.inputs == {"network_data.yaml": b"[]\n"}
    assert prepared.record["number"] == 1 and prepared.record["status"] == revisions.PENDING
    assert environment(prepared.files)["passwords"] == {"AdminPassword": "s3cret"}
    assert prepared.result["passwords"] == 1


@pytest.mark.parametrize("request_, message", [
    (dict(plan="2cloud", upload="u"), "plan name '2cloud' is not valid"),
    (dict(plan=PLAN), "give exactly one of 'upload'"),
    (dict(plan=PLAN, upload="u", templates_dir="/tmp"), "give exactly one of 'upload'"),
    (dict(plan=PLAN, templates_dir="/nowhere/at/all"), "templates directory /nowhere/at/all does not exist"),
    (dict(plan=PLAN, upload="u", roles_data=["Controller"]), "file roles_data.yaml: inline content must be text"),
    (dict(plan=PLAN, upload="missing"), "no uploaded archive tripleo-plan-uploads/missing"),
])
def test_create_refusals_write_nothing_and_drop_the_upload(ctx, request_, message):
    if request_.get("upload") == "u":
        ctx.store.uploads["u"] = tarball(templates())
    with pytest.raises(PlanError, match=message):
        create.start(create.Request(**request_), ctx)
    assert ctx.store.writes == [] and ctx.store.plans == {} and ctx.store.uploads == {}


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04 a zip, not a tar", "not a readable tar archive"),
    (tarball({**templates(), "../escape.yaml": b"a: 1\n"}), r"'\.\.' is not allowed"),
    (tarball({**templates(), "environments/bad.yaml": b"a: 1\n  b: 2\n"}), "environments/bad.yaml, line 2"),
])
def test_create_from_a_bad_upload_writes_nothing(ctx, data, message):
    with pytest.raises(PlanError, match=message):
        create.start(create.Request(PLAN, upload=put_upload(ctx, data)), ctx)
    assert ctx.store.writes == [] and ctx.store.uploads == {}


def test_create_of_an_existing_plan_leaves_it_alone(ctx):
    make(ctx)
    before = snapshot(ctx.store)
    with pytest.raises(PlanExists, match="plan overcloud already exists"):
        make(ctx)
    assert snapshot(ctx.store) == before and ctx.store.uploads == {}


@pytest.mark.parametrize("failing", ["put_revision", "store_inputs"])
def test_create_is_undone_when_its_record_or_inputs_cannot_be_written(ctx, failing):
    ctx.store.fail_on.add(failing)
    with pytest.raises(ServiceError, match=f"Swift refused to {failing}"):
        make(ctx, roles_data="- name: Solo\n")
    assert ctx.store.plans == {} and ctx.store.records == {} and ctx.store.uploads == {}
    assert ctx.store.writes[-1] == ("delete", PLAN)


def test_create_undo_failing_too_raises_the_original_error(ctx):
    ctx.store.fail_on.update({"put_revision", "delete"})
    with pytest.raises(ServiceError, match="Swift refused to put_revision"):
        make(ctx)


@pytest.mark.parametrize("state", ["ERROR", "CANCELLED", None])
def test_create_over_what_a_killed_create_left_removes_it_first(ctx, state):
    ctx.store.left[PLAN] = {"execution": "exec-0"}
    if state is not None:
        ctx.mistral.states["exec-0"] = state
    make(ctx)
    assert ctx.store.writes == [("delete", PLAN), ("create", PLAN), ("put_revision", PLAN)]
    assert PLAN not in ctx.store.left and record(ctx.store, 1)["status"] == "succeeded"


def test_create_over_a_rest_of_this_executions_own_earlier_try_removes_it(ctx):
    ctx.store.left[PLAN] = {"execution": "exec-1"}  # Mistral reran the task: the rest is its own
    ctx.mistral.states["exec-1"] = "RUNNING"
    make(ctx)
    assert record(ctx.store, 1)["execution"] == "exec-1"


def test_create_while_another_create_of_the_plan_runs_is_refused_naming_it(ctx):
    ctx.store.left[PLAN] = {"execution": "exec-0"}
    ctx.mistral.states["exec-0"] = "RUNNING"
    with pytest.raises(PlanBusy, match="plan overcloud is being created by Mistral execution exec-0 .RUNNING."):
        make(ctx)
    assert ctx.store.writes == [] and ctx.store.left[PLAN] == {"execution": "exec-0"}


# -- amend --------------------------------------------------------------------------------------

def test_amend_adds_replaces_deletes_and_records_revision_2(ctx):
    make(ctx)
    result = amend.start(amend.Request(PLAN, files={"environments/debug.yaml": DEBUG_OFF, "user/x.yaml": "a: 1\n"},
                                       delete=["puppet/services/keystone.yaml"]), ctx)
    files = ctx.store.plans[PLAN]
    assert (result["added"], result["replaced"], result["deleted"]) == \
        (["user/x.yaml"], ["environments/debug.yaml"], ["puppet/services/keystone.yaml"])
    assert result["render"] == {"rendered": 0, "skipped": True, "removed": []}
    assert result["revision"] == 2 and result["pruned"] == []
    assert files["environments/debug.yaml"] == DEBUG_OFF.encode() and "puppet/services/keystone.yaml" not in files
    second = record(ctx.store, 2)
    assert (second["operation"], second["status"], second["execution"]) == ("amend", "succeeded", "exec-1")
    assert [f["path"] for f in second["user_files"]] == ["environments/debug.yaml", "user/x.yaml"]
    assert {i["sha256"] for i in result["inputs"]} == set(ctx.store.input_store[PLAN])
    assert_unlocked(ctx)


def test_amend_that_only_deletes_keeps_no_input(ctx):
    make(ctx)
    result = amend.start(amend.Request(PLAN, delete=["environments/debug.yaml"]), ctx)
    assert result["deleted"] == ["environments/debug.yaml"] and result["inputs"] == []
    assert record(ctx.store, 2)["user_files"] == [] and ctx.store.input_store[PLAN] == {}


def test_amend_from_an_upload_renders_again_when_roles_change(ctx):
    create.start(create.Request(PLAN, templates_dir=str(EXAMPLE)), ctx)
    data = tarball({"roles_data.yaml": b"- name: Controller\n  CountDefault: 1\n"})
    result = amend.start(amend.Request(PLAN, upload=put_upload(ctx, data)), ctx)
    assert result["replaced"] == ["roles_data.yaml"] and not result["render"]["skipped"]
    assert ctx.store.uploads == {}


def test_amend_of_plan_environment_needs_allow_meta_and_keeps_passwords(ctx):
    make(ctx)
    before = snapshot(ctx.store)
    files = {"plan-environment.yaml": "environments: []\n"}
    with pytest.raises(PlanInputError, match="plan-environment.yaml holds .* allow_meta"):
        amend.start(amend.Request(PLAN, files=files), ctx)
    assert snapshot(ctx.store) == before
    amend.start(amend.Request(PLAN, files=files, allow_meta=True), ctx)
    assert len(environment(ctx.store.plans[PLAN])["passwords"]) == len(passwords.PASSWORD_NAMES)


@pytest.mark.parametrize("request_, error, message", [
    (dict(plan="a.b", files={"x.yaml": "a: 1\n"}), PlanInputError, "plan name 'a.b' is not valid"),
    (dict(plan=PLAN, files={"x.yaml": "a: 1\n"}, history_limit=-1), PlanInputError, "history_limit must be"),
    (dict(plan=PLAN, files={"x.yaml": "a: 1\n"}, history_limit="5"), PlanInputError, "history_limit must be"),
    (dict(plan=PLAN, files={"x.yaml": b"a: 1\n"}), PlanInputError, "file x.yaml: inline content must be text"),
])
def test_amend_refuses_before_reading_or_locking(ctx, request_, error, message):
    make(ctx)
    before = snapshot(ctx.store)
    with pytest.raises(error, match=message):
        amend.start(amend.Request(**request_), ctx)
    assert snapshot(ctx.store) == before and ctx.mistral.environments == {}


@pytest.mark.parametrize("request_, error, message", [
    (dict(plan=PLAN), PlanInputError, "nothing to amend"),
    (dict(plan=PLAN, files={}, delete=[]), PlanInputError, "nothing to amend"),
    (dict(plan=PLAN, delete=["nope.yaml"]), PlanInputError, "cannot delete nope.yaml"),
    (dict(plan=PLAN, files={"env.yaml": "a: 1\n  b: 2\n"}), PlanInputError, "env.yaml, line 2, column 4"),
    (dict(plan="nowhere", files={"x.yaml": "a: 1\n"}), PlanNotFound, "plan nowhere does not exist"),
    (dict(plan=PLAN, upload="missing"), PlanError, "no uploaded archive"),
])
def test_amend_refusals_write_nothing_and_release_the_lock(ctx, request_, error, message):
    make(ctx)
    before = snapshot(ctx.store)
    with pytest.raises(error, match=message):
        amend.start(amend.Request(**request_), ctx)
    assert snapshot(ctx.store) == before
    assert_unlocked(ctx, request_["plan"])


def test_amend_with_an_upload_that_is_not_an_archive_changes_nothing(ctx):
    make(ctx)
    before = snapshot(ctx.store)
    with pytest.raises(PlanError, match="not a readable tar archive"):
        amend.start(amend.Request(PLAN, upload=put_upload(ctx, b"PK\x03\x04 not a tar")), ctx)
    assert snapshot(ctx.store) == before and ctx.store.uploads == {}
    assert_unlocked(ctx)


def test_amend_of_a_busy_plan_is_refused_and_leaves_the_lock_to_its_holder(ctx):
    make(ctx)
    ctx.mistral.states["exec-0"] = "RUNNING"
    PlanLock(ctx.mistral, PLAN).acquire("exec-0", "update")
    before = snapshot(ctx.store)
    with pytest.raises(PlanBusy, match="plan overcloud is busy: update running in Mistral execution exec-0"):
        amend.start(amend.Request(PLAN, files={"x.yaml": "a: 1\n"}), ctx)
    assert snapshot(ctx.store) == before
    assert ctx.mistral.environments[lock_name(PLAN)]["variables"]["execution"] == "exec-0"


def test_amend_refused_while_a_pending_operation_still_runs(ctx):
    make(ctx)
    pending(ctx, 2, state="RUNNING")  # its lock lost (an operator deleted it), its execution alive
    before = snapshot(ctx.store)
    with pytest.raises(PlanBusy, match="exec-0"):
        amend.start(amend.Request(PLAN, files={"x.yaml": "a: 1\n"}), ctx)
    assert snapshot(ctx.store) == before
    assert_unlocked(ctx)


@pytest.mark.parametrize("state", ["ERROR", "CANCELLED", None])
def test_amend_closes_a_stale_pending_record_first(ctx, state):
    make(ctx)
    pending(ctx, 2, state=state)
    result = amend.start(amend.Request(PLAN, files={"x.yaml": "a: 1\n"}), ctx)
    closed = record(ctx.store, 2)
    assert closed["status"] == revisions.INTERRUPTED and closed["finished_at"] == NOW
    assert result["revision"] == 3 and record(ctx.store, 3)["status"] == revisions.SUCCEEDED


def test_closing_a_stale_record_puts_back_the_plan_files_its_operation_half_wrote(ctx):
    make(ctx)
    pending(ctx, 2, state="ERROR")
    ctx.store.half_written[PLAN] = ["roles_data.yaml", "x.yaml"]  # written, archive not
    amend.start(amend.Request(PLAN, files={"y.yaml": "a: 1\n"}), ctx)
    closed = record(ctx.store, 2)
    assert closed["status"] == revisions.INTERRUPTED
    assert closed["message"].endswith("the next operation put back 2 plan file(s) it had half-written: "
                                      "roles_data.yaml, x.yaml")
    assert ("repair", PLAN) in ctx.store.writes and record(ctx.store, 3)["status"] == revisions.SUCCEEDED


def test_amend_prepare_is_a_value(ctx):
    make(ctx)
    pending(ctx, 2, state="ERROR")
    state = amend.read_state(ctx, amend.Request(PLAN))
    writes = list(ctx.store.writes)
    prepared = amend.prepare(amend.Request(PLAN, files={"x.yaml": "a: 1\n"}, history_limit=0), state, STAMP)
    assert ctx.store.writes == writes
    assert prepared.close["status"] == revisions.INTERRUPTED and prepared.close["number"] == 2
    assert prepared.record["number"] == 3 and prepared.record["status"] == revisions.PENDING
    assert prepared.inputs == {"x.yaml": b"a: 1\n"} and prepared.limit == 0 and prepared.numbers == [1, 2, 3]
    assert prepared.new["x.yaml"] == b"a: 1\n" and "x.yaml" not in prepared.old


@pytest.mark.parametrize("failing, statuses", [
    ("write", ["succeeded", "failed"]),  # the record was pending: it says why the amend failed
    ("put_revision", ["succeeded"]),     # nothing recorded, so nothing written after it
    ("store_inputs", ["succeeded"]),
])
def test_a_storage_failure_mid_amend_leaves_the_plan_as_it_was(ctx, failing, statuses):
    make(ctx)
    plan_before = copy.deepcopy(ctx.store.plans[PLAN])
    ctx.store.fail_on.add(failing)
    with pytest.raises(ServiceError, match=f"Swift refused to {failing}"):
        amend.start(amend.Request(PLAN, files={"environments/debug.yaml": DEBUG_OFF}), ctx)
    assert ctx.store.plans[PLAN] == plan_before
    assert [record(ctx.store, n)["status"] for n in ctx.store.revision_numbers(PLAN)] == statuses
    if failing == "write":
        failed = record(ctx.store, 2)
        assert failed["operation"] == "amend"
        assert failed["message"].startswith("amend of overcloud: 0 added, 1 replaced")
        assert failed["message"].endswith("Swift refused to write overcloud: 503 Service Unavailable")
    assert_unlocked(ctx)


def test_amend_applies_the_history_limit(ctx):
    make(ctx)
    results = [amend.start(amend.Request(PLAN, files={f"e{i}.yaml": f"a: {i}\n"}, history_limit=2), ctx)
               for i in range(3)]
    assert [r["pruned"] for r in results] == [[], [1], [2]]
    assert ctx.store.revision_numbers(PLAN) == [3, 4]
    # The inputs no kept revision references went with their revisions.
    assert sorted(ctx.store.input_store[PLAN]) == sorted(i["sha256"] for r in results[1:] for i in r["inputs"])
    unlimited = amend.start(amend.Request(PLAN, files={"e9.yaml": "a: 9\n"}, history_limit=0), ctx)
    assert unlimited["pruned"] == [] and ctx.store.revision_numbers(PLAN) == [3, 4, 5]


# -- export and import ----------------------------------------------------------------------------

def exported(ctx, plan=PLAN, **extra):
    result = export.start(export.Request(plan, **extra), ctx)
    return result, ctx.store.exports[result["object"]]


def test_export_then_import_round_trip(ctx):
    make(ctx)
    amend.start(amend.Request(PLAN, files={"user/env.yaml": "a: 1\n"}), ctx)
    result, data = exported(ctx)
    assert result["bytes"] == len(data) and result["secrets"] is True
    assert result["container"] == "tripleo-plan-exports"
    imported = importing.start(importing.Request("copy", upload=put_upload(ctx, data)), ctx)
    assert imported == {"plan": "copy", "files": len(ctx.store.plans[PLAN]), "inputs": 1}
    original, copied = ctx.store.plans[PLAN], ctx.store.plans["copy"]
    assert {p for p in original if original[p] != copied[p]} == {"plan-environment.yaml"}
    assert environment(copied)["name"] == "copy"
    assert environment(copied)["passwords"] == environment(original)["passwords"]
    # format 2: revisions 1 create and 2 amend kept as they were, then 3 import
    assert [record(ctx.store, n, "copy") for n in (1, 2)] == [{**record(ctx.store, n), "plan": "copy"} for n in (1, 2)]
    own = record(ctx.store, 3, "copy")
    assert own["operation"] == "import" and own["status"] == revisions.SUCCEEDED
    assert own["message"].startswith("import of copy from the export of plan overcloud made ")
    assert [f["path"] for f in own["user_files"]] == [f"imported/{d}" for d in ctx.store.input_store["copy"]]
    assert ctx.store.input_store["copy"] == ctx.store.input_store[PLAN] and ctx.store.uploads == {}


def test_export_without_secrets_and_an_import_generating_them(ctx):
    make(ctx)
    result, data = exported(ctx, include_secrets=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        shared = yaml.safe_load(archive.extractfile("plan/plan-environment.yaml"))
        header = json.load(archive.extractfile("export.json"))
    assert result["secrets"] is False and shared["passwords"] == {}
    assert header == {"format": export.FORMAT, "plan": PLAN, "secrets": False, "exported_at": NOW}
    importing.start(importing.Request("fresh", upload=put_upload(ctx, data)), ctx)
    generated = environment(ctx.store.plans["fresh"])["passwords"]
    assert set(generated) == set(passwords.PASSWORD_NAMES)
    assert generated["AdminPassword"] != environment(ctx.store.plans[PLAN])["passwords"]["AdminPassword"]


def test_export_of_a_missing_plan(ctx):
    with pytest.raises(PlanNotFound, match="plan nowhere does not exist"):
        export.start(export.Request("nowhere"), ctx)
    assert ctx.store.writes == []


def test_export_members_unpack_to_what_they_hold():
    packed = export.members("p", {"a.yaml": b"a"}, {sha256(b"x"): b"x"}, secrets=True)
    unpacked = export.unpack(packed)
    assert unpacked.files == {"a.yaml": b"a"} and unpacked.inputs == {sha256(b"x"): b"x"}
    assert unpacked.header == {"format": export.FORMAT, "plan": "p", "secrets": True}


def bad_exports():
    plan = {"plan/plan-environment.yaml": b"passwords: {}\n"}
    header = json.dumps({"format": export.FORMAT, "plan": "p"}).encode()
    return {
        "not an archive": (b"PK\x03\x04 not a tar", "not a readable tar archive"),
        "no export.json": (tarball(plan), "not a plan export: the archive has no export.json"),
        "wrong format": (tarball({**plan, "export.json": b'{"format": 3}'}), "export format 3 is not supported"),
        "digest mismatch": (tarball({**plan, "export.json": header, f"inputs/{'0' * 64}": b"changed"}),
                            f"inputs/{'0' * 64}: content does not match its sha256"),
    }


@pytest.mark.parametrize("case", sorted(bad_exports()))
def test_import_refuses_what_is_not_a_good_export_and_writes_nothing(ctx, case):
    data, message = bad_exports()[case]
    with pytest.raises(PlanError, match=message):
        importing.start(importing.Request(PLAN, upload=put_upload(ctx, data)), ctx)
    assert ctx.store.writes == [] and ctx.store.plans == {} and ctx.store.uploads == {}


def test_import_bad_name_existing_plan_and_failed_record(ctx):
    make(ctx)
    _, data = exported(ctx)
    with pytest.raises(PlanInputError, match="plan name"):
        importing.start(importing.Request("a_b", upload=put_upload(ctx, data)), ctx)
    before = snapshot(ctx.store)
    with pytest.raises(PlanExists, match="plan overcloud already exists"):
        importing.start(importing.Request(PLAN, upload=put_upload(ctx, data)), ctx)
    assert snapshot(ctx.store) == before
    ctx.store.fail_on.add("put_revision")
    with pytest.raises(ServiceError):
        importing.start(importing.Request("copy", upload=put_upload(ctx, data)), ctx)
    assert "copy" not in ctx.store.plans and ctx.store.uploads == {}


# -- delete ---------------------------------------------------------------------------------------

def test_delete_removes_the_plan_its_inputs_and_records(ctx):
    make(ctx, roles_data="- name: Solo\n")
    files = len(ctx.store.plans[PLAN])
    result = delete.start(delete.Request(PLAN), ctx)
    assert result == {"plan": PLAN, "objects_removed": files + 1 + 1 + 1}  # files, archive, input, revision 1
    assert ctx.store.plans == {} and reads.list_plans(reads.ListRequest(), ctx) == {"plans": []}


def test_delete_of_a_deployed_plan_needs_force(ctx):
    make(ctx)
    ctx.stacks.create(PLAN, {}, 10)
    ctx.stacks.settle(PLAN)
    before = snapshot(ctx.store)
    with pytest.raises(PlanError, match="plan overcloud is deployed .stack overcloud is CREATE_COMPLETE.; .* force"):
        delete.start(delete.Request(PLAN), ctx)
    assert snapshot(ctx.store) == before
    assert delete.start(delete.Request(PLAN, force=True), ctx)["plan"] == PLAN and ctx.store.plans == {}


def test_delete_after_the_stack_is_gone(ctx):
    make(ctx)
    ctx.stacks.create(PLAN, {}, 10)
    ctx.stacks.settle(PLAN, "DELETE_COMPLETE")
    assert delete.start(delete.Request(PLAN), ctx)["plan"] == PLAN


@pytest.mark.parametrize("plan, error, message", [
    ("nowhere", PlanNotFound, "plan nowhere does not exist"), ("x-tripleo-plan", PlanInputError, "reserved suffix")])
def test_delete_refusals(ctx, plan, error, message):
    with pytest.raises(error, match=message):
        delete.start(delete.Request(plan), ctx)


def test_delete_prepare_is_pure():
    deployed = Stack(PLAN, "id-1", "UPDATE_FAILED", "")
    with pytest.raises(PlanError, match="UPDATE_FAILED"):
        delete.prepare(delete.Request(PLAN), deployed)
    assert delete.prepare(delete.Request(PLAN, force=True), deployed) == PLAN
    assert delete.prepare(delete.Request(PLAN), None) == PLAN


# -- reads, and the actions that are the requests --------------------------------------------------

def test_list_and_show(ctx):
    make(ctx, description="lab")
    make(ctx, "another", roles_data="- name: Solo\n")
    assert reads.list_plans(reads.ListRequest(), ctx) == {"plans": ["another", PLAN]}
    shown = reads.show(reads.ShowRequest(PLAN), ctx)
    assert shown["description"] == "lab" and shown["inputs"] == 0
    assert [r["name"] for r in shown["roles"]] == ["Controller", "Compute"]
    assert reads.show(reads.ShowRequest("another"), ctx)["inputs"] == 1
    with pytest.raises(PlanNotFound):
        reads.show(reads.ShowRequest("nowhere"), ctx)


@pytest.mark.parametrize("action, module", [
    (plan_actions.CreatePlan, create), (plan_actions.AmendPlan, amend), (plan_actions.ExportPlan, export),
    (plan_actions.ImportPlan, importing), (plan_actions.DeletePlan, delete)])
def test_each_action_is_its_operations_request(action, module):
    assert issubclass(action, module.Request) and action.start is module.start


def test_an_actions_context_makes_heat_and_mistral_only_when_used():
    from tripleo_plan_actions.actions.base import operation_context

    made = []

    class Services:
        def swift(self):
            return object()

        def heat(self):
            made.append("heat")
            raise AssertionError("a plan create, show, ... never needs Heat")

        def mistral(self):
            made.append("mistral")
            return memory.MemoryMistral()

    ctx = operation_context(Services(), None)
    assert made == []
    assert ctx.mistral.execution_state("nope") is None and ctx.mistral.environment("x") is None
    assert made == ["mistral"]
