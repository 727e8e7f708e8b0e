"""The wait step's schedule (core/polling.py), the poll's next_poll, and the workbook's retry
expressions evaluated with yaql for every kind of result a poll can leave."""
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tripleo_plan_actions.actions import deploy
from tripleo_plan_actions.core import polling
from tripleo_plan_actions.core.polling import DEFAULT, Policy
from tripleo_plan_actions.services import heat_stacks

WORKBOOK = Path(__file__).resolve().parents[2] / "workbooks" / "tripleo_plan.deploy.yaml"


def test_one_second_in_the_first_minute_then_ten():
    assert [polling.delay(s) for s in (0, 0.5, 30, 59.9)] == [1, 1, 1, 1]
    assert [polling.delay(s) for s in (60, 61, 3600, 4 * 3600)] == [10, 10, 10, 10]


def test_unknown_or_negative_elapsed_polls_fast():
    assert polling.delay(None) == 1
    assert polling.delay(-300) == 1  # the executor's clock behind Heat's


@pytest.mark.parametrize("policy", [Policy(), Policy(fast=1, fast_for=0, slow=1), Policy(fast=2, fast_for=5, slow=30),
                                    Policy(fast=0, fast_for=10, slow=0)])
def test_the_delay_is_a_whole_number_of_at_least_one_second_whatever_the_policy(policy):
    # what makes the workbook's count (timeout * 60 tries) last at least timeout minutes
    for seconds in (None, -1, 0, 1, 4.9, 5, 10, 59, 60, 10 ** 6):
        found = polling.delay(seconds, policy)
        assert isinstance(found, int) and found >= 1


def test_a_long_operation_costs_at_most_six_polls_a_minute_after_its_first():
    assert polling.polls(0) == 1  # one poll sees it done
    assert polling.polls(6) == 7  # the slow test resource: as fast as before
    assert polling.polls(60) == 61
    for minutes in (2, 10, 240):
        assert polling.polls(minutes * 60) - polling.polls(60) <= 6 * (minutes - 1)
    assert polling.polls(150) == 70  # 60 in the first minute, then 60 s, 70 s, ... 150 s
    assert polling.polls(4 * 3600) == 1495  # was 14,400 at one a second


def test_elapsed_reads_heat_times():
    at = 1767261600.0  # 2026-01-01T10:00:00Z
    assert polling.elapsed("2026-01-01T10:00:00Z", at + 42) == 42
    assert polling.elapsed("2026-01-01T10:00:00", at + 42) == 42  # no zone: UTC
    assert polling.elapsed("2026-01-01T11:00:00+01:00", at) == 0
    assert polling.elapsed(None, at) is None
    assert polling.elapsed("yesterday", at) is None


def test_policy_from_the_settings():
    assert polling.policy({}) == (DEFAULT, None)
    assert polling.policy(None) == (DEFAULT, None)
    assert polling.policy({"poll": {"slow": 30}}) == (Policy(fast=1, fast_for=60, slow=30), None)
    assert polling.policy({"poll": {"fast": 2, "fast_for": 120, "slow": 15}}) == (Policy(2, 120, 15), None)


@pytest.mark.parametrize("section,why", [
    ("every 10 s", "must be a mapping"),
    ({"slowly": 10}, "unknown keys ['slowly']"),
    ({"slow": "10"}, "whole numbers"),
    ({"slow": 2.5}, "whole numbers"),
    ({"fast": True}, "whole numbers"),
    ({"fast": 0}, "1 <= fast <= slow"),
    ({"fast": 20}, "1 <= fast <= slow"),
    ({"fast_for": -1}, "fast_for >= 0"),
])
def test_an_invalid_policy_falls_back_to_the_default_saying_why(section, why):
    chosen, invalid = polling.policy({"poll": section})
    assert chosen == DEFAULT and why in invalid


class Stacks:
    def __init__(self, found):
        self.found = found

    def progress(self, ref):
        return dict(self.found)


def stack_status(monkeypatch, found, settings, now):
    services = SimpleNamespace(discovery=SimpleNamespace(settings=settings))
    monkeypatch.setattr(deploy, "operation_context", lambda services, context: SimpleNamespace(stacks=Stacks(found)))
    monkeypatch.setattr(deploy.time, "time", lambda: now)
    return deploy.StackStatus("s/1").perform(services, None)


POLL = {"status": "UPDATE_IN_PROGRESS", "done": False, "reason": "", "resources": {"done": 1, "total": 3},
        "started_at": "2026-01-01T10:00:00Z"}


def test_stack_status_says_when_to_poll_next(monkeypatch, caplog):
    at = 1767261600.0
    assert stack_status(monkeypatch, POLL, {}, at + 5) == {**POLL, "next_poll": 1}
    assert stack_status(monkeypatch, POLL, {}, at + 65)["next_poll"] == 10
    assert stack_status(monkeypatch, POLL, {"poll": {"slow": 30}}, at + 65)["next_poll"] == 30
    gone = {**POLL, "status": "DELETE_COMPLETE", "done": True, "started_at": None}
    assert stack_status(monkeypatch, gone, {}, at)["next_poll"] == 1
    with caplog.at_level("WARNING"):
        assert stack_status(monkeypatch, POLL, {"poll": {"slow": 0}}, at + 65)["next_poll"] == 10
    assert "1 <= fast <= slow" in caplog.text and "then every 10 s" in caplog.text


def test_the_operation_starts_when_heat_created_or_last_updated_the_stack():
    def stack(status, updated):
        return SimpleNamespace(stack_status=status, creation_time="2026-01-01T10:00:00Z", updated_time=updated)

    assert heat_stacks.operation_started(stack("CREATE_IN_PROGRESS", None)) == "2026-01-01T10:00:00Z"
    assert heat_stacks.operation_started(stack("UPDATE_IN_PROGRESS", "2026-02-01T10:00:00Z")) == \
        "2026-02-01T10:00:00Z"
    assert heat_stacks.operation_started(stack("DELETE_IN_PROGRESS", None)) == "2026-01-01T10:00:00Z"


# -- the workbook's retry, evaluated as Mistral's YAQL would ----------------------------------------

def retry_of_wait():
    book = yaml.safe_load(WORKBOOK.read_text())
    return book["workflows"]["run"]["tasks"]["wait"]["retry"]


def evaluate(expression, result, started=None):
    """``expression`` (``<% ... %>``) with ``task().result`` = ``result`` and ``$.started``."""
    import yaql

    body = expression.strip()
    assert body.startswith("<%") and body.endswith("%>")
    context = yaql.create_context()
    context.register_function(lambda: {"result": result}, name="task")
    return yaql.factory.YaqlFactory().create()(body[2:-2].strip()).evaluate(
        data={"started": started or {}}, context=context)


@pytest.mark.parametrize("result,delay,again", [
    ({**POLL, "next_poll": 10}, 10, True),  # a poll of a long operation
    ({**POLL, "next_poll": 1}, 1, True),
    ({**POLL, "done": True, "next_poll": 10}, 10, False),  # done: no more tries
    ("a service could not be reached: ...127.0.0.1:8004...", 1, True),  # a failed poll: again in 1 s
    ([], 1, True),  # before the first try (Mistral evaluates the policy then too)
    (None, 1, True),
    ({"status": "CREATE_IN_PROGRESS", "done": False}, 1, True),  # a poll of an older pack: no next_poll
])
def test_the_retry_takes_the_polls_delay_and_survives_any_result(result, delay, again):
    retry = retry_of_wait()
    assert evaluate(retry["delay"], result) == delay
    assert evaluate(retry["continue-on"], result) is again
    assert evaluate(retry["count"], result, {"timeout": 240}) == 240 * 60
