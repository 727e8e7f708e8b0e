"""The fault-injection hook of the lost-executor tests is inert unless a test asks for it."""
import os

from tripleo_plan_actions.actions import pauses


def test_without_the_environment_variable_nothing_is_read_or_held(monkeypatch, tmp_path):
    monkeypatch.delenv(pauses.ENVIRONMENT, raising=False)
    (tmp_path / "tripleo_plan.deploy.start").touch()
    pauses.hold("tripleo_plan.deploy.start")
    assert os.listdir(tmp_path) == ["tripleo_plan.deploy.start"]


def test_the_first_run_claims_the_pause_and_holds_the_next_does_not(monkeypatch, tmp_path):
    monkeypatch.setenv(pauses.ENVIRONMENT, str(tmp_path))
    slept = []
    monkeypatch.setattr(pauses.time, "sleep", slept.append)
    (tmp_path / "tripleo_plan.deploy.finish").touch()
    pauses.hold("tripleo_plan.deploy.start")  # not asked for
    pauses.hold("tripleo_plan.deploy.finish")
    pauses.hold("tripleo_plan.deploy.finish")  # already claimed
    assert slept == [pauses.HOLD_SECONDS]
    assert os.listdir(tmp_path) == [f"tripleo_plan.deploy.finish.held.{os.getpid()}"]
