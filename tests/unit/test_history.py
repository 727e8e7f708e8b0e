import pytest

from tripleo_plan_actions.core import history, revisions as rev
from tripleo_plan_actions.core.passwords import MASK
from tripleo_plan_actions.errors import PlanInputError

A = rev.environment_entry("environments/a.yaml", "plan", "aa")
B = rev.environment_entry("/home/stack/b.yaml", "user", "bb")
C = rev.environment_entry("/home/stack/c.yaml", "user", "cc")
B2 = rev.environment_entry("/home/stack/b.yaml", "user", "b2")
NET = {"path": "/home/stack/nic.j2", "sha256": "nn"}

# Real-looking secrets: none of these strings may ever appear in a display or a diff.
NOVA_1, NOVA_2 = "Xk3vR9qLw2ZtY7pB4nHc8mJd1", "Qz8Lp2Wn6Tc9Vb3Xr5Ym7Kd4F"
ADMIN = "aB3dE5gH7jK9mN2pQ4sT6vW8y"
FERNET = "Vt1qJX0e2m4U9mN0pGQy8r8mE7h0o6Jq3nqj0s6w1pQ="
LDAP_1, LDAP_2 = "ld4pS3cretPa55wordAAAA", "ld4pS3cretPa55wordBBBB"
SECRETS = (NOVA_1, NOVA_2, ADMIN, FERNET, LDAP_1, LDAP_2)

PARAMS_1 = {"NovaPassword": NOVA_1, "AdminPassword": ADMIN, "KeystoneCredential0": FERNET,
            "ComputeCount": 2, "NtpServer": ["pool.ntp.org"], "DropMe": "x",
            "ExtraConfig": {"ldap::bind_password": LDAP_1, "ldap::url": "ldap://a"}}
PARAMS_2 = {"NovaPassword": NOVA_2, "AdminPassword": ADMIN, "KeystoneCredential0": FERNET,
            "ComputeCount": 5, "NtpServer": ["pool.ntp.org"], "NewOne": True, "RedisPassword": NOVA_1,
            "ExtraConfig": {"ldap::bind_password": LDAP_2, "ldap::url": "ldap://a"}}


def record(number, operation="update", status=rev.SUCCEEDED, environments=(A, B), parameters=None,
           sha="p", execution="e", user_files=(), plan_digest="d", message=""):
    made = rev.new_record("overcloud", number, operation, started_at=f"t{number}", execution=execution,
                          user="admin", environments=environments, user_files=user_files,
                          parameters=parameters, parameters_sha256=sha and f"{sha}{number}",
                          plan_digest=plan_digest, message=message)
    if status == rev.PENDING:
        return made
    return rev.finish(made, status, finished_at=f"f{number}",
                      stack={"status": "UPDATE_COMPLETE" if status == rev.SUCCEEDED else "UPDATE_FAILED",
                             "reason": "r"})


def assert_no_secret(output):
    text = repr(output)
    for secret in SECRETS:
        assert secret not in text


# listing / show ---------------------------------------------------------------------------------

def test_listing_newest_first_with_limit_and_no_secrets():
    records = [record(1, "deploy", parameters=PARAMS_1), record(3, parameters=PARAMS_2),
               record(2, status=rev.FAILED, parameters=PARAMS_2, environments=[A])]
    listed = history.listing(records)
    assert [r["number"] for r in listed] == [3, 2, 1]
    assert listed[1] == {"number": 2, "operation": "update", "status": rev.FAILED, "user": "admin", "project": None,
                         "started_at": "t2", "finished_at": "f2", "message": "", "rollback_of": None,
                         "stack_status": "UPDATE_FAILED", "environments": 1}
    assert [r["number"] for r in history.listing(records, limit=2)] == [3, 2]
    assert history.listing(records, limit=0) == [] and history.listing([]) == []
    with pytest.raises(ValueError):
        history.listing(records, limit=-1)
    assert_no_secret(listed)


def test_show_has_masked_parameters_and_no_digest_of_them():
    shown = history.show(record(4, parameters=PARAMS_1, user_files=[NET]))
    assert shown["parameters"]["NovaPassword"] == MASK and shown["parameters"]["ComputeCount"] == 2
    assert shown["parameters"]["ExtraConfig"] == {"ldap::bind_password": MASK, "ldap::url": "ldap://a"}
    assert shown["environments"] == [A, B] and shown["user_files"] == [NET]
    assert "p4" not in repr(shown)  # the parameters' digest
    assert shown["stack"]["status"] == "UPDATE_COMPLETE" and shown["execution"] == "e"
    assert_no_secret(shown)


def test_show_masks_again_a_display_written_with_older_rules():
    old = record(1)
    old["parameters"]["display"] = {"RhsmPassword": ADMIN}  # an older pack let it through
    assert history.show(old)["parameters"] == {"RhsmPassword": MASK}


# diff -------------------------------------------------------------------------------------------

def test_diff_environments_added_removed_changed_and_order():
    a, b = record(1, environments=[A, B]), record(2, environments=[B2, C])
    envs = history.diff(a, b)["environments"]
    assert envs["added"] == [C] and envs["removed"] == [A]
    assert envs["changed"] == [{"path": B["path"], "source": "user", "old_sha256": "bb", "new_sha256": "b2"}]
    assert envs["order_changed"] is False


def test_diff_detects_a_reorder_but_not_an_append():
    assert history.diff(record(1, environments=[A, B]), record(2, environments=[B, A]))["environments"][
        "order_changed"] is True
    appended = history.diff(record(1, environments=[A, B]), record(2, environments=[A, C, B]))["environments"]
    assert appended["order_changed"] is False and appended["order_b"] == [A["path"], C["path"], B["path"]]
    # Re-adding a file with new content moves it to the end: changed and reordered.
    readded = rev.tracked_environments([B, A], add=[B2])
    moved = history.diff(record(1, environments=[B, A]), record(2, environments=readded))["environments"]
    assert moved["order_changed"] is True and [c["path"] for c in moved["changed"]] == [B["path"]]


def test_diff_user_files():
    other = {"path": "/home/stack/nic.j2", "sha256": "n2"}
    files = history.diff(record(1, user_files=[NET]), record(2, user_files=[other]))["user_files"]
    assert files == {"added": [], "removed": [],
                     "changed": [{"path": NET["path"], "old_sha256": "nn", "new_sha256": "n2"}]}


def test_diff_parameters_with_stored_values():
    a, b = record(1, parameters=PARAMS_1), record(2, parameters=PARAMS_2)
    params = history.diff(a, b, parameters_a=PARAMS_1, parameters_b=PARAMS_2)["parameters"]
    assert params["compared"] == "stored"
    assert params["added"] == {"NewOne": True, "RedisPassword": MASK}
    assert params["removed"] == {"DropMe": "x"}
    assert params["secrets"] == {"AdminPassword": "unchanged", "KeystoneCredential0": "unchanged",
                                 "NovaPassword": "changed"}
    # Only the masked part of ExtraConfig changed: reported changed, shown masked.
    masked = {"ldap::bind_password": MASK, "ldap::url": "ldap://a"}
    assert params["changed"] == {"ComputeCount": {"old": 2, "new": 5},
                                 "ExtraConfig": {"old": masked, "new": masked}}
    assert params["unknown"] == []
    assert_no_secret(params)


def test_diff_parameters_from_displays_cannot_tell_masked_values():
    a, b = record(1, parameters=PARAMS_1), record(2, parameters=PARAMS_2)
    params = history.diff(a, b, parameters_a=PARAMS_1)["parameters"]  # one real side is not enough
    assert params["compared"] == "display"
    assert params["secrets"] == {"AdminPassword": "unknown", "KeystoneCredential0": "unknown",
                                 "NovaPassword": "unknown"}
    assert params["unknown"] == ["ExtraConfig"]
    assert params["changed"] == {"ComputeCount": {"old": 2, "new": 5}}
    assert params["added"] == {"NewOne": True, "RedisPassword": MASK}
    assert_no_secret(params)


def test_diff_displays_that_differ_outside_the_mask_are_changed():
    a = record(1, parameters={"ExtraConfig": {"x::password": LDAP_1, "x::url": "a"}})
    b = record(2, parameters={"ExtraConfig": {"x::password": LDAP_1, "x::url": "b"}})
    params = history.diff(a, b)["parameters"]
    assert params["changed"] == {"ExtraConfig": {"old": {"x::password": MASK, "x::url": "a"},
                                                 "new": {"x::password": MASK, "x::url": "b"}}}
    assert params["unknown"] == []


def test_diff_plan_by_manifest_or_digest_and_stack_sides():
    a = record(1, plan_digest="d1")
    b = record(2, status=rev.FAILED, plan_digest="d2")
    out = history.diff(a, b, manifest_a={"x": "1", "y": "1", "z": "1"}, manifest_b={"x": "1", "y": "2", "w": "1"})
    assert out["plan"] == {"compared": "manifest", "changed": True, "added": ["w"], "removed": ["z"],
                           "modified": ["y"]}
    assert history.diff(a, b)["plan"] == {"compared": "digest", "changed": True}
    assert history.diff(a, record(3, plan_digest="d1"))["plan"]["changed"] is False
    assert history.diff(a, record(3, plan_digest=None))["plan"]["changed"] is None
    same = history.diff(a, b, manifest_a={"x": "1"}, manifest_b={"x": "1"})["plan"]
    assert same["changed"] is False
    assert out["a"]["stack"] == {"status": "UPDATE_COMPLETE", "reason": "r", "failures": []}
    assert out["b"]["status"] == rev.FAILED and out["b"]["stack"]["status"] == "UPDATE_FAILED"


def test_diff_leaves_its_inputs_alone():
    a, b = record(1, parameters=PARAMS_1), record(2, parameters=PARAMS_2)
    before = (repr(a), repr(b), repr(PARAMS_1))
    history.diff(a, b, parameters_a=PARAMS_1, parameters_b=PARAMS_2)
    assert (repr(a), repr(b), repr(PARAMS_1)) == before


# the lock ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["RUNNING", "IDLE", "PAUSED", "WAITING", "RUNNING_DELAYED", "running"])
def test_a_live_execution_holds_the_lock(state):
    records = [record(1, "deploy"), record(2, status=rev.PENDING, execution="x2")]
    assert history.running(records, {"x2": state})["number"] == 2
    assert history.stale(records, {"x2": state}) == []
    with pytest.raises(ValueError, match="still holds the lock"):
        history.interrupt(records[1], state, "t9")


@pytest.mark.parametrize("state", ["SUCCESS", "ERROR", "CANCELLED"])
def test_a_final_execution_leaves_a_stale_record(state):
    records = [record(1, "deploy"), record(2, status=rev.PENDING, execution="x2")]
    assert history.running(records, {"x2": state}) is None
    [found] = history.stale(records, {"x2": state})
    closed = history.interrupt(found, state, "t9")
    assert closed["status"] == rev.INTERRUPTED and closed["finished_at"] == "t9"
    assert closed["message"] == f"execution x2 ended {state} while the operation was pending"
    assert records[1]["status"] == rev.PENDING


def test_a_vanished_execution_leaves_a_stale_record():
    records = [record(2, status=rev.PENDING, execution="x2", message="scale computes")]
    assert history.running(records, {}) is None
    [found] = history.stale(records, {"other": "RUNNING"})
    closed = history.interrupt(found, None, "t9")
    assert closed["message"] == ("scale computes; execution x2 no longer exists "
                                 "(Mistral restarted or the execution was deleted)")


def test_a_pending_record_without_execution_holds_until_forced():
    records = [record(2, status=rev.PENDING, execution=None)]
    assert history.running(records, {})["number"] == 2 and history.stale(records, {}) == []
    with pytest.raises(ValueError, match="force_unlock"):
        history.interrupt(records[0], None, "t9")
    assert "force_unlock: true" in history.refuse_message(records[0])
    forced = history.interrupt(records[0], None, "t9", forced=True)
    assert forced["status"] == rev.INTERRUPTED and "force_unlock" in forced["message"]


def test_force_closes_a_live_lock_and_only_pending_records_close():
    live = record(2, status=rev.PENDING, execution="x2")
    forced = history.interrupt(live, "RUNNING", "t9", forced=True)
    assert forced["message"] == ("force-closed with force_unlock while the operation was pending "
                                 "(execution x2 was RUNNING)")
    with pytest.raises(ValueError, match="not pending"):
        history.interrupt(record(3), "ERROR", "t9")


def test_running_and_stale_split_several_pending_records():
    records = [record(1, status=rev.PENDING, execution="x1"), record(2, status=rev.SUCCEEDED, execution="x2"),
               record(3, status=rev.PENDING, execution="x3"), record(4, status=rev.PENDING, execution="x4")]
    states = {"x1": "ERROR", "x2": "SUCCESS", "x3": "RUNNING", "x4": "RUNNING"}
    assert history.running(records, states)["number"] == 4
    assert [r["number"] for r in history.stale(records, states)] == [1]
    assert history.running([record(1)], {}) is None and history.stale([record(1)], {}) == []


def test_refuse_message_names_operation_revision_execution_and_the_way_out():
    text = history.refuse_message(record(7, "scale", status=rev.PENDING, execution="abc-123"))
    for part in ("scale", "revision 7", "abc-123", "pending revision record", "closes revision 7",
                 "force_unlock: true", "CANCELLED abc-123"):
        assert part in text


# pruning ----------------------------------------------------------------------------------------

def test_prune_keeps_the_newest_the_last_deployed_and_pending():
    records = [record(1, "create", sha=None, environments=[]), record(2, "deploy"),
               record(3, status=rev.PENDING, execution="old"), record(4, status=rev.FAILED),
               record(5, "amend", environments=[A]), record(6, status=rev.FAILED, environments=[A, C]),
               record(7, "undeploy", environments=[])]
    to_delete, keep = history.prune(records, 2)
    assert to_delete == [1, 4, 5]  # 2 is the last deployed, 3 is pending, 6 and 7 the newest
    assert keep == {"aa", "bb", "cc", "p2", "p3", "p6", "p7"}
    assert history.prune(records, 10) == ([], keep | {"p4", "p5"})
    with pytest.raises(ValueError):
        history.prune(records, 0)


def test_prune_limit_one_still_keeps_the_last_deployed():
    records = [record(1, "deploy", environments=[A]), record(2, "update", environments=[B]),
               record(3, status=rev.FAILED, environments=[C])]
    to_delete, keep = history.prune(records, 1)
    assert to_delete == [1] and keep == {"bb", "p2", "cc", "p3"}


def test_inputs_still_referenced_are_kept():
    records = [record(1, "deploy", environments=[A, B], user_files=[NET]),
               record(2, environments=[A, B2]), record(3, status=rev.FAILED, environments=[A, C])]
    to_delete, keep = history.prune(records, 1)
    assert to_delete == [1]
    # "aa" is referenced by kept records; "bb", "nn" and "p1" only by revision 1.
    assert history.unreferenced(["aa", "bb", "b2", "cc", "nn", "p1", "p2", "p3"], keep) == ["bb", "nn", "p1"]
    assert history.unreferenced([], keep) == []


# rollback ---------------------------------------------------------------------------------------

def test_rollback_inputs_are_those_of_the_revision():
    records = [record(1, "deploy", environments=[A, B], user_files=[NET], plan_digest="d1"),
               record(2, environments=[A, C], plan_digest="d2")]
    assert history.rollback_inputs(records, 1) == {"number": 1, "environments": [A, B], "user_files": [NET],
                                                   "parameters_sha256": "p1", "plan_digest": "d1"}


@pytest.mark.parametrize("number, why", [
    (9, "revision 9: there is no such revision"),
    (1, "revision 1: create deploys nothing"),
    (3, "revision 3: its update did not succeed (status failed)"),
    (4, "revision 4: its update did not succeed (status pending)"),
    (5, "revision 5: undeploy deploys nothing"),
])
def test_rollback_refusals_name_the_revision_and_the_choices(number, why):
    records = [record(1, "create"), record(2, "deploy"), record(3, status=rev.FAILED),
               record(4, status=rev.PENDING), record(5, "undeploy"), record(6, "rollback")]
    with pytest.raises(PlanInputError) as caught:
        history.rollback_inputs(records, number)
    assert why in str(caught.value) and "revisions you can roll back to: 2, 6" in str(caught.value)


def test_rollback_with_nothing_deployed_says_so():
    with pytest.raises(PlanInputError, match="no deploying operation has succeeded"):
        history.rollback_inputs([record(1, "create")], 1)


# The status object ------------------------------------------------------------------------------

def test_current_step_is_the_newest_unfinished_task_else_the_newest():
    tasks = [{"name": "start", "state": "SUCCESS", "created_at": "2026-01-01 00:00:01"},
             {"name": "wait", "state": "RUNNING_DELAYED", "created_at": "2026-01-01 00:00:02"}]
    assert history.current_step(tasks) == "wait"
    tasks[1]["state"] = "SUCCESS"
    tasks.append({"name": "finish", "state": "SUCCESS", "created_at": "2026-01-01 00:00:09"})
    assert history.current_step(reversed(tasks)) == "finish"
    assert history.current_task(tasks) == tasks[-1] and history.current_task(tasks) is not tasks[-1]
    assert history.current_step([]) is None and history.current_task([]) is None


def test_alive_is_running_for_one_pending_record():
    pending = record(3, status=rev.PENDING, execution="ex-3")
    assert history.alive(pending, "RUNNING") and not history.alive(pending, "ERROR")
    assert not history.alive(pending, None)  # the execution no longer exists
    assert history.alive(record(4, status=rev.PENDING, execution=None), None)  # cannot be checked: holds


def test_status_of_a_running_operation_names_it_with_step_and_progress():
    parameters = {"AdminPassword": ADMIN, "ComputeCount": 2}
    running = record(3, "update", rev.PENDING, parameters=parameters, execution="ex-3")
    before = record(2, "deploy", parameters=parameters)
    shown = history.status("overcloud", running, before, execution_state="RUNNING", now="t9", step="wait",
                           progress={"done": 4, "total": 9})
    assert shown["state"] == "running"
    assert shown["running"] == {"revision": 3, "operation": "update", "user": "admin", "execution": "ex-3",
                                "started_at": "t3", "step": "wait", "progress": {"done": 4, "total": 9}}
    assert shown["last"]["revision"] == 2 and shown["last"]["status"] == rev.SUCCEEDED
    assert shown["last"]["stack_status"] == "UPDATE_COMPLETE"
    assert_no_secret(shown)


@pytest.mark.parametrize("state, why", [(None, "no longer exists"), ("ERROR", "ended ERROR")])
def test_status_shows_a_dead_pending_operation_as_interrupted_not_running(state, why):
    dead = record(3, "update", rev.PENDING, execution="ex-3")
    shown = history.status("overcloud", dead, record(2), execution_state=state, now="t9")
    assert shown["state"] == "idle" and shown["running"] is None
    assert shown["last"]["revision"] == 3 and shown["last"]["status"] == rev.INTERRUPTED
    assert why in shown["last"]["message"] and shown["last"]["finished_at"] == "t9"
    assert dead["status"] == rev.PENDING  # the input is left alone


def test_status_idle_shows_the_newest_outcome_with_failures():
    failed = rev.finish(record(4, status=rev.PENDING), rev.FAILED, finished_at="f4",
                        stack={"status": "UPDATE_FAILED", "failures": [{"resource": "x", "reason": "boom"}]},
                        message="update failed")
    shown = history.status("overcloud", failed, failed, execution_state=None, now="t9")
    assert shown == {"plan": "overcloud", "state": "idle", "running": None, "last": {
        "revision": 4, "operation": "update", "status": rev.FAILED, "user": "admin", "execution": "e",
        "started_at": "t4", "finished_at": "f4", "message": "update failed", "stack_status": "UPDATE_FAILED",
        "failures": [{"resource": "x", "reason": "boom"}]}}
    assert history.status("p", None, None, execution_state=None, now="t") == {
        "plan": "p", "state": "idle", "running": None, "last": None}
