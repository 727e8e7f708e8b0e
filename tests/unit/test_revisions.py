import pytest

from tripleo_plan_actions.core import revisions as rev
from tripleo_plan_actions.core.passwords import MASK
from tripleo_plan_actions.errors import PlanInputError

A = rev.environment_entry("environments/a.yaml", "plan", "aa")
B = rev.environment_entry("/home/stack/b.yaml", "user", "bb")
C = rev.environment_entry("/home/stack/c.yaml", "user", "cc")


def record(number, operation="update", status=rev.SUCCEEDED, environments=(A, B)):
    made = rev.new_record("overcloud", number, operation, started_at="t0", execution="e", user=None,
                          environments=environments)
    return made if status == rev.PENDING else rev.finish(made, status, finished_at="t1")


def test_new_record_masks_parameters_and_starts_pending():
    made = rev.new_record("overcloud", 1, "deploy", started_at="2026-11-25T00:00:00Z", execution="x", user="admin",
                          environments=[A], parameters={"NovaPassword": "p", "ComputeCount": 2},
                          parameters_sha256="ff")
    assert made["status"] == rev.PENDING and made["finished_at"] is None
    assert made["parameters"] == {"sha256": "ff", "display": {"NovaPassword": MASK, "ComputeCount": 2}}
    assert rev.object_name(1) == "revisions/0000000001.json"


def test_finish_copies_and_completes():
    made = record(3, status=rev.PENDING)
    done = rev.finish(made, rev.FAILED, finished_at="t2", stack={"status": "UPDATE_FAILED", "reason": "x"})
    assert made["status"] == rev.PENDING and made["stack"]["status"] is None
    assert done["status"] == rev.FAILED and done["stack"]["status"] == "UPDATE_FAILED"
    with pytest.raises(ValueError):
        rev.finish(made, rev.PENDING, finished_at="t")


def test_last_deployed_skips_failures_and_non_deploying_operations():
    history = [record(1, "create"), record(2, "deploy"), record(3, "update", rev.FAILED), record(4, "amend")]
    assert rev.last_deployed(history)["number"] == 2
    assert rev.last_deployed([record(1, "create")]) is None
    assert rev.next_number(r["number"] for r in history) == 5 and rev.next_number([]) == 1


def test_update_reuses_the_tracked_list_by_default():
    assert rev.tracked_environments([A, B]) == [A, B]


def test_add_remove_reset():
    assert rev.tracked_environments([A, B], add=[C], remove=["environments/a.yaml"]) == [B, C]
    assert rev.tracked_environments([A, B], add=[C], reset=True) == [C]
    newer_a = rev.environment_entry("environments/a.yaml", "plan", "a2")
    assert rev.tracked_environments([A, B], add=[newer_a]) == [B, newer_a]


def test_removing_an_untracked_file_names_the_list():
    with pytest.raises(PlanInputError, match="cannot remove x.yaml: the tracked environment files are "
                                             "environments/a.yaml, /home/stack/b.yaml"):
        rev.tracked_environments([A, B], remove=["x.yaml"])


def test_parameters_reuse_override_unset_reset():
    assert rev.tracked_parameters({"A": 1, "B": 2}, {"B": 3}) == {"A": 1, "B": 3}
    assert rev.tracked_parameters({"A": 1, "B": 2}, unset=["A"]) == {"B": 2}
    assert rev.tracked_parameters({"A": 1}, {"C": 1}, reset=True) == {"C": 1}
    with pytest.raises(PlanInputError, match="cannot unset parameter Z"):
        rev.tracked_parameters({"A": 1}, unset=["Z"])
