"""A plan moves between underclouds with its story: export format 2 carries the revision records
and the inputs they reference, an import keeps them and records itself as one new revision, a
rollback to a kept revision works on the new undercloud; format 1 exports still import.  Over the
in-memory store, Heat and Mistral (tests/unit/memory.py); the real services:
tests/functional/test_history_workflows.py."""
import dataclasses
import json

import pytest

from tests.unit import memory
from tests.unit.test_secret_shipping import every_text
from tripleo_plan_actions.core import archive, history, passwords, plan as plans, references, revisions
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import deploy, finish, rollback, update
from tripleo_plan_actions.operations.plans import export, importing, story

PLAN = "overcloud"
SECRET = "s3cretValue42xyz"
OTHER = "an0therSecret77"
NAME_ENV = {"path": "/home/stack/name.yaml", "content": "parameter_defaults: {CloudName: named.example.com}\n"}
LATER = "2026-12-05T08:00:00Z"


def run(module, ctx, plan=PLAN, **request):
    started = module.start(module.Request(plan=plan, **request), ctx)
    ctx.stacks.settle(plan)
    return finish.finish(ctx, plan, started["revision"], started["stack"])


def upload(ctx, name, files, parameters):
    members = {references.ARCHIVE_PREFIX + p.lstrip("/"): c for p, c in files.items()}
    members[references.ARCHIVE_PARAMETERS] = json.dumps(parameters).encode()
    ctx.store.uploads[name] = archive.write_archive(members)


def storied(ctx):
    """Revisions 1 create, 2 deploy (a user file setting a secret, a secret parameter), 3 update
    (one more user environment); the Heat arguments of revision 3."""
    upload(ctx, "u1", {"/home/stack/nova.yaml": f"parameter_defaults:\n  NovaPassword: {OTHER}\n".encode()},
           {"AdminPassword": SECRET, "Debug": True})
    run(deploy, ctx, environments=[{"path": "/home/stack/nova.yaml"}], user_upload="u1")
    run(update, ctx, environments=[NAME_ENV])
    return ctx.stacks.stacks[PLAN]["arguments"]


def exported(ctx, **extra):
    result = export.start(export.Request(PLAN, **extra), ctx)
    return ctx.store.exports[result["object"]]


def elsewhere():
    """Another undercloud: its own store, Heat and Mistral, another operator, later."""
    return dataclasses.replace(memory.context(execution="exec-new", user="mover"), now=lambda: LATER)


def imported(data, plan="moved"):
    target = elsewhere()
    target.store.uploads["export.tar.gz"] = data
    result = importing.start(importing.Request(plan, upload="export.tar.gz"), target)
    return target, result


def records(ctx, plan):
    return [ctx.store.revision(plan, n) for n in ctx.store.revision_numbers(plan)]


def operator_part(arguments):
    """What of a Heat call comes from the operator's inputs: the environment list, the user files and
    the explicit parameters (DeployIdentifier left out: it is new on every operation)."""
    files = arguments["files"]
    parameters = plans.load_yaml("p", files["tripleo-plan/parameters.yaml"])
    parameters["parameter_defaults"].pop("DeployIdentifier")
    return (arguments["environment_files"], {k: v for k, v in files.items() if k.startswith("user-files/")},
            parameters)


# -- format 2 -------------------------------------------------------------------------------------

def test_format_2_round_trip_keeps_the_story_and_adds_import(ctx):
    storied(ctx)
    data = exported(ctx)
    target, result = imported(data)
    assert result == {"plan": "moved", "files": len(ctx.store.plans[PLAN]), "inputs": len(ctx.store.inputs(PLAN))}
    before, after = records(ctx, PLAN), records(target, "moved")
    assert [(r["number"], r["operation"], r["status"]) for r in after] == [
        (1, "create", "succeeded"), (2, "deploy", "succeeded"), (3, "update", "succeeded"),
        (4, "import", "succeeded")]
    assert after[:3] == [{**r, "plan": "moved"} for r in before]  # users, times, stack outcomes, inputs
    own = after[3]
    assert (own["user"], own["execution"], own["started_at"], own["finished_at"]) == ("mover", "exec-new", LATER, LATER)
    assert own["message"].startswith("import of moved from the export of plan overcloud made 2026-12-01T12:00:00Z "
                                     "(format 2; upload export.tar.gz): 3 revisions kept")
    assert own["plan_digest"] == plans.plan_digest(target.store.plans["moved"])
    assert sorted(f["sha256"] for f in own["user_files"]) == target.store.inputs("moved")
    assert target.store.inputs("moved") == ctx.store.inputs(PLAN)  # the same sha256: records resolve
    listed = history.listing(after)
    assert [(r["number"], r["user"], r["stack_status"]) for r in listed][1:] == [
        (3, "admin", "UPDATE_COMPLETE"), (2, "admin", "CREATE_COMPLETE"), (1, "admin", None)]


def test_a_rollback_to_an_imported_revision_deploys_its_inputs_on_the_new_undercloud(ctx):
    sent = storied(ctx)
    target, _ = imported(exported(ctx))
    with pytest.raises(PlanInputError, match="plan moved has no stack on this undercloud .*deploy it"):
        rollback.start(rollback.Request(plan="moved", to=3), target)
    assert run(deploy, target, plan="moved")["status"] == "succeeded"
    rolled = run(rollback, target, plan="moved", to=3)
    assert rolled["status"] == "succeeded" and rolled["revision"] == 6
    again = target.stacks.stacks["moved"]["arguments"]
    assert operator_part(again) == operator_part(sent)
    environments, user_files, parameters = operator_part(sent)
    assert len(user_files) == 2 and parameters["parameter_defaults"]["AdminPassword"] == SECRET
    newest = target.store.revision("moved", 6)
    assert newest["rollback_of"] == 3 and newest["environments"] == target.store.revision("moved", 3)["environments"]


def test_an_export_without_secrets_masks_them_in_the_records_too(ctx, plan_files):
    storied(ctx)
    # a record written before the pack masked Heat's quotes holds the value in its texts
    old = ctx.store.revision(PLAN, 3)
    ctx.store.put_revision(PLAN, {**old, "message": f"update failed: Parameter AdminPassword {SECRET}",
                                  "stack": {**old["stack"], "reason": f"NovaPassword {OTHER} refused"}})
    data = exported(ctx, include_secrets=False)
    generated = [v for v in plans.load_yaml("p", plan_files[plans.PLAN_ENVIRONMENT])["passwords"].values()
                 if isinstance(v, str)]
    texts = every_text(data)
    assert [s for s in [SECRET, OTHER, *generated] if any(s in t for t in texts)] == []
    assert any('"operation": "update"' in t for t in texts)  # the records are there, masked
    target, _ = imported(data)
    after = records(target, "moved")
    assert story.missing_inputs(after, {d: target.store.input("moved", d) for d in target.store.inputs("moved")}) == []
    parameters = json.loads(archive.read_archive(target.store.input("moved", after[2]["replay"]))[
        after[2]["parameters"]["sha256"]])
    assert parameters == {"AdminPassword": passwords.MASK, "Debug": True}
    assert after[2]["message"] == f"update failed: Parameter AdminPassword {passwords.MASK}"


def test_a_pending_record_is_closed_by_the_import():
    pending = revisions.new_record(PLAN, 2, "update", started_at="t1", execution="e-old", user="u", environments=[])
    done = revisions.finish(dict(pending, number=1, operation="create"), revisions.SUCCEEDED, finished_at="t0")
    kept = story.imported([pending, done], "moved", LATER, PLAN)
    assert [(r["number"], r["status"], r["plan"]) for r in kept] == [(1, "succeeded", "moved"),
                                                                     (2, "interrupted", "moved")]
    assert kept[1]["message"] == "still pending when plan overcloud was exported: closed by the import"
    assert kept[1]["finished_at"] == LATER and pending["status"] == revisions.PENDING  # not modified


# -- format 1, unknown formats, corrupted records ---------------------------------------------------

def as_format(data, header, drop=story.REVISIONS):
    found = {n: c for n, c in archive.read_archive(data).items() if not n.startswith(drop)}
    return archive.write_archive({**found, export.HEADER: json.dumps(header).encode()})


def test_a_format_1_export_still_imports_as_revision_1_create(ctx):
    storied(ctx)
    target, result = imported(as_format(exported(ctx), {"format": 1, "plan": PLAN, "secrets": True}))
    assert result["inputs"] == len(ctx.store.inputs(PLAN))
    after = records(target, "moved")
    assert [(r["number"], r["operation"], r["status"]) for r in after] == [(1, "create", "succeeded")]
    assert after[0]["message"] == "create of moved from an export of plan overcloud"


def test_an_unknown_format_is_refused_naming_it(ctx):
    data = as_format(exported(ctx), {"format": 3, "plan": PLAN, "secrets": True}, drop="none")
    target = elsewhere()
    target.store.uploads["x"] = data
    with pytest.raises(PlanInputError, match=r"export format 3 is not supported \(this pack reads formats 1, 2"):
        importing.start(importing.Request("moved", upload="x"), target)
    assert target.store.writes == [] and target.store.plans == {} and target.store.uploads == {}


def corrupted(record):
    missing = "f" * 64
    return {
        "not JSON": (b"{not json", "revisions/2.json: not a revision record: its JSON does not parse"),
        "another number": (json.dumps({**record, "number": 7}).encode(), "revisions/2.json: .*its number is 7, not 2"),
        "unknown status": (json.dumps({**record, "status": "great"}).encode(),
                           "revisions/2.json: .*unknown status 'great'"),
        "missing input": (json.dumps({**record, "replay": missing}).encode(),
                          f"revisions/2.json references input {missing}: not among the inputs"),
    }


@pytest.mark.parametrize("case", ["not JSON", "another number", "unknown status", "missing input"])
def test_a_corrupted_record_is_refused_naming_the_member(ctx, case):
    storied(ctx)
    data = exported(ctx)
    content, message = corrupted(ctx.store.revision(PLAN, 2))[case]
    found = archive.read_archive(data)
    found[story.member(2)] = content
    target = elsewhere()
    target.store.uploads["x"] = archive.write_archive(found)
    with pytest.raises(PlanInputError, match=message):
        importing.start(importing.Request("moved", upload="x"), target)
    assert target.store.writes == [] and target.store.plans == {} and target.store.uploads == {}


def test_an_export_refuses_a_record_whose_input_is_gone(ctx):
    storied(ctx)
    replay = ctx.store.revision(PLAN, 3)["replay"]
    del ctx.store.input_store[PLAN][replay]
    with pytest.raises(PlanInputError, match=f"plan overcloud: revision 3 references input {replay}"):
        export.start(export.Request(PLAN), ctx)
    assert ctx.store.exports == {}
