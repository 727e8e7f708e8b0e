import io

from tripleo_plan_actions.undercloud.counting import CountingMiddleware, RequestLog


def app(environ, start_response):
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [b"ok"]


def call(wsgi, method, path, agent="python-swiftclient-4"):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_USER_AGENT": agent,
               "wsgi.input": io.BytesIO()}
    return b"".join(wsgi(environ, lambda status, headers, exc_info=None: None))


def test_counts_requests_after_a_mark(tmp_path):
    log_path = tmp_path / "requests.log"
    wsgi = CountingMiddleware(app, log_path)
    log = RequestLog(log_path)
    assert log.mark() == 0 and log.since() == []
    call(wsgi, "PUT", "/v1/AUTH_test/c")
    mark = log.mark()
    assert call(wsgi, "GET", "/v1/AUTH_test/c/o") == b"ok"
    call(wsgi, "DELETE", "/v1/AUTH_test/c/o", agent="curl")
    assert [r["method"] for r in log.since(mark)] == ["GET", "DELETE"]
    assert log.since(mark)[0] == {"method": "GET", "path": "/v1/AUTH_test/c/o", "status": 201,
                                  "agent": "python-swiftclient-4"}
    assert log.count(mark) == {"GET": 1, "DELETE": 1}
    assert log.count(0, agent="python-swiftclient") == {"PUT": 1, "GET": 1}
