"""Mistral's API as the pack uses it: its pure parts (nothing is sent)."""
import pytest

from tripleo_plan_actions.errors import ServiceError
from tripleo_plan_actions.services import mistral_api
from tripleo_plan_actions.services.discovery import ACTIONS_AGENT, CLIENT_AGENT, Access


def test_json_fields_are_decoded_whatever_form_they_come_in():
    assert mistral_api.decode('{"a": 1}') == {"a": 1}
    assert mistral_api.decode({"a": 1}) == {"a": 1}
    assert mistral_api.decode("") is None and mistral_api.decode(None) is None


def test_action_result_is_the_newest_outputs_result():
    assert mistral_api.action_result([{"output": '{"result": {"done": 1, "total": 4}}'}]) == {"done": 1, "total": 4}
    assert mistral_api.action_result([{"output": {"result": "x"}}]) == "x"
    assert mistral_api.action_result([{"output": None}]) is None  # still running
    assert mistral_api.action_result([]) is None


def test_a_finished_execution_has_its_output_decoded_or_fails_with_state_info():
    done = mistral_api.finished({"state": "SUCCESS", "output": '{"result": 3}'})
    assert done["output"] == {"result": 3}
    assert mistral_api.finished({"state": "SUCCESS", "output": None})["output"] == {}
    with pytest.raises(mistral_api.OperationFailed, match="^tripleo_plan.plan.create ERROR: plan p exists$") as failed:
        mistral_api.finished({"state": "ERROR", "workflow_name": "tripleo_plan.plan.create",
                              "state_info": "plan p exists", "output": "{}"})
    assert failed.value.execution["output"] == {} and failed.value.kind == "operation_failed"
    with pytest.raises(mistral_api.OperationFailed, match="CANCELLED: no reason given"):
        mistral_api.finished({"state": "CANCELLED", "workflow_name": "w"})


def never(*_):
    raise AssertionError("no read expected")


def test_a_final_execution_needs_no_more_reads():
    seen = mistral_api.look({"state": "SUCCESS"}, never, never)
    assert seen == mistral_api.Progress({"state": "SUCCESS"}, None, None, None) and seen.state == "SUCCESS"


def test_progress_of_the_wait_step_reads_its_latest_poll():
    tasks = [{"id": "t1", "name": "start", "state": "SUCCESS", "created_at": "1"},
             {"id": "t2", "name": "wait", "state": "RUNNING", "created_at": "2"}]
    asked = []

    def latest(task_id):
        asked.append(task_id)
        return {"status": "CREATE_IN_PROGRESS", "resources": {"done": 2, "total": 5}}

    seen = mistral_api.look({"state": "RUNNING"}, lambda: tasks, latest)
    assert (seen.step, seen.stack_status, seen.resources) == ("wait", "CREATE_IN_PROGRESS", {"done": 2, "total": 5})
    assert asked == ["t2"]
    assert mistral_api.look({"state": "RUNNING"}, lambda: tasks, lambda _: None).resources is None  # not in yet


def test_progress_of_other_steps_reads_no_action_result():
    tasks = [{"id": "t1", "name": "start", "state": "RUNNING", "created_at": "1"}]
    assert mistral_api.look({"state": "RUNNING"}, lambda: tasks, never).step == "start"
    assert mistral_api.look({"state": "RUNNING"}, lambda: [], never).step is None


def test_the_client_library_sends_the_agent_and_token_it_is_given():
    api = mistral_api.MistralAPI.for_access(Access("mistral", "http://127.0.0.1:9/v2/", token="tok"), CLIENT_AGENT)
    assert api.url == "http://127.0.0.1:9/v2"
    adapter = api.client.executions.http_client.session
    assert adapter.user_agent == CLIENT_AGENT
    assert adapter.session.auth.get_headers(adapter.session) == {"X-Auth-Token": "tok"}
    assert mistral_api.MistralAPI("http://127.0.0.1:9/v2").client.executions.http_client.session.session.auth is None


def test_a_given_keystone_session_is_used_as_it_is():
    from keystoneauth1 import session

    given = session.Session(verify=False)
    api = mistral_api.MistralAPI.for_access(Access("mistral", "https://m/v2", session=given), ACTIONS_AGENT)
    http = api.client.executions.http_client
    assert http.session.session is given and http.session.user_agent == ACTIONS_AGENT
    assert http.ssl_options["verify"] is False  # mistralclient's own per-request TLS options follow the session


def test_refusals_keep_the_http_status_and_name_the_request():
    from mistralclient.api.base import APIException

    api = mistral_api.MistralAPI("http://127.0.0.1:9/v2")

    def refuse():
        raise APIException(409, "Duplicate entry for Environment")

    with pytest.raises(ServiceError, match="^Mistral answered 409 to POST /environments: Duplicate") as refused:
        api._call("POST /environments", refuse)
    assert refused.value.status == 409


def test_an_unreachable_mistral_is_named_by_its_url():
    from keystoneauth1 import exceptions

    def unreachable():
        raise exceptions.ConnectFailure("Unable to establish connection")

    with pytest.raises(ServiceError, match="^cannot reach Mistral at http://127.0.0.1:9/v2: Unable"):
        mistral_api.MistralAPI("http://127.0.0.1:9/v2")._call("GET /executions/x", unreachable)


def test_no_execution_id_is_no_execution_and_no_request():
    api = mistral_api.MistralAPI("http://127.0.0.1:9/v2")
    assert api.execution_state(None) is None and api._client is None


def test_a_read_whose_connection_failed_is_sent_once_more_and_a_write_is_not():
    from keystoneauth1 import exceptions

    api = mistral_api.MistralAPI("http://127.0.0.1:1/v2")
    sent = []

    def reset_once(what):
        sent.append(what)
        if len(sent) == 1:
            raise exceptions.ConnectFailure("Connection reset by peer")
        return what

    assert api._call("GET /executions/x", reset_once, "GET") == "GET" and sent == ["GET", "GET"]
    sent.clear()
    with pytest.raises(ServiceError, match="cannot reach Mistral at http://127.0.0.1:1/v2: Connection reset"):
        api._call("POST /executions", reset_once, "POST")
    assert sent == ["POST"]


def test_watching_reads_every_interval_for_a_minute_then_every_ten_seconds(monkeypatch):
    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(mistral_api.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(mistral_api.time, "sleep", sleep)
    api = mistral_api.MistralAPI("http://127.0.0.1:1/v2")
    looks = iter([{"state": "RUNNING"}] * 70 + [{"state": "SUCCESS", "output": "{}"}])
    monkeypatch.setattr(api, "execution", lambda execution_id: next(looks))
    assert api.watch("e", interval=1.0, timeout=3600)["state"] == "SUCCESS"
    assert slept[:60] == [1.0] * 60 and set(slept[60:]) == {10}
    assert len(slept) == 70
