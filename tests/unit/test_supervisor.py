"""The supervisor on trivial real processes (no OpenStack service needed)."""
import sys

import pytest

from tripleo_plan_actions.undercloud.service import ServiceSpec
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed, Supervisor, free_port, port_is_free


def spec(tmp_path, argv, port):
    return ServiceSpec(name="toy", argv=tuple(argv), env={}, port=port, endpoint=f"http://127.0.0.1:{port}/",
                       health_url=f"http://127.0.0.1:{port}/", log_file=tmp_path / "toy.log", cwd=tmp_path)


def test_start_waits_until_answering_and_stop_frees_the_port(tmp_path):
    port = free_port()
    supervisor = Supervisor()
    seconds = supervisor.start(spec(tmp_path, [sys.executable, "-m", "http.server", str(port),
                                               "--bind", "127.0.0.1"], port))
    assert seconds < 30 and not port_is_free(port)
    supervisor.stop("toy")
    assert port_is_free(port)


def test_a_server_that_exits_is_reported_with_its_log(tmp_path):
    port = free_port()
    argv = [sys.executable, "-c", "import sys; print('bad config: no such option'); sys.exit(3)"]
    with pytest.raises(ServiceFailed, match=r"toy exited with code 3(.|\n)*bad config: no such option"):
        Supervisor().start(spec(tmp_path, argv, port))


def test_a_busy_port_is_refused(tmp_path):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(ServiceFailed, match=f"port {port} on 127.0.0.1 is already in use"):
            Supervisor().start(spec(tmp_path, [sys.executable, "-m", "http.server", str(port)], port))
