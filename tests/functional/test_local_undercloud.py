"""The local undercloud's own promises: servers die with their caller, however it dies."""
import re
import signal
import subprocess
import sys
import time

from tripleo_plan_actions.undercloud.supervisor import port_is_free


def test_servers_die_when_the_caller_is_killed(tmp_path):
    caller = subprocess.Popen(
        [sys.executable, "-m", "tripleo_plan_actions.undercloud.cli", "up", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ports = []
    deadline = time.monotonic() + 120
    for line in caller.stdout:
        ports += [int(p) for p in re.findall(r"^\w+ +http://127\.0\.0\.1:(\d+)/", line)]
        if "local undercloud running" in line:
            break
        assert time.monotonic() < deadline
    assert len(ports) == 3 and not any(port_is_free(p) for p in ports)

    caller.send_signal(signal.SIGKILL)  # no chance to clean up: the servers must go by themselves
    caller.wait()
    deadline = time.monotonic() + 20
    while not all(port_is_free(p) for p in ports):
        assert time.monotonic() < deadline, "a server outlived its caller"
        time.sleep(0.2)
