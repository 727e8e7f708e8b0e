"""The fault-injection hook of the fault and lost-executor tests is inert unless a test asks for it."""
import os

from tripleo_plan_actions import pauses


def test_without_the_environment_variable_nothing_is_read_or_held(monkeypatch, tmp_path):
    monkeypatch.delenv(pauses.ENVIRONMENT, raising=False)
    (tmp_path / "tripleo_plan.deploy.start").touch()
    pauses.hold("tripleo_plan.deploy.start")
    assert os.listdir(tmp_path) == ["tripleo_plan.deploy.start"]


def test_the_first_run_claims_the_point_and_holds_until_the_test_lets_it_go(monkeypatch, tmp_path):
    monkeypatch.setenv(pauses.ENVIRONMENT, str(tmp_path))
    held = tmp_path / f"{pauses.COMMIT}.held.{os.getpid()}"
    seen = []

    def sleep(seconds):  # the test's side: look, then let the run go on the third look
        seen.append(sorted(os.listdir(tmp_path)))
        if len(seen) == 3:
            held.unlink()

    monkeypatch.setattr(pauses.time, "sleep", sleep)
    (tmp_path / pauses.COMMIT).touch()
    pauses.hold("tripleo_plan.deploy.start")  # not asked for: no wait
    assert seen == []
    pauses.hold(pauses.COMMIT)
    assert seen == [[held.name]] * 3 and os.listdir(tmp_path) == []
    pauses.hold(pauses.COMMIT)  # already claimed: no wait
    assert len(seen) == 3


def test_a_hold_nobody_lets_go_ends_after_its_time(monkeypatch, tmp_path):
    monkeypatch.setenv(pauses.ENVIRONMENT, str(tmp_path))
    clock = iter(range(0, 10_000, 100))
    monkeypatch.setattr(pauses.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(pauses.time, "sleep", lambda seconds: None)
    (tmp_path / "tripleo_plan.deploy.finish").touch()
    pauses.hold("tripleo_plan.deploy.finish")
    assert os.listdir(tmp_path) == [f"tripleo_plan.deploy.finish.held.{os.getpid()}"]
