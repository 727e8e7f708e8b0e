"""The production profile runs the stock servers as separate processes, over a RabbitMQ vhost and
MariaDB databases of its own, and removes those at stop (collected only on that profile: conftest)."""
import re
import socket
import subprocess

import pytest

from tripleo_plan_actions.client import MistralClient
from tripleo_plan_actions.undercloud import mariadb, rabbitmq, venvs
from tripleo_plan_actions.undercloud.local import LocalUndercloud
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed

SERVERS = ("swift-account-server", "swift-container-server", "swift-object-server", "swift-proxy-server",
           "heat-engine", "heat-api", "mistral-engine", "mistral-executor-1", "mistral-executor-2", "mistral-api")


def backing(cloud):
    """(vhost exists, the profile's databases that exist)."""
    python = venvs.python(cloud.venvs_dir, "mistral")
    databases = set(mariadb.databases(python)) & set(cloud.profile.databases.values())
    return cloud.profile.vhost in rabbitmq.vhosts(), databases


def test_every_server_is_a_process_of_its_own(undercloud):
    assert undercloud.profile_name == "production"
    running = undercloud.processes()
    assert set(running) == set(SERVERS)
    pids = [pid for process in running.values() for pid in process.pids]
    assert len(pids) == len(set(pids))  # no process shared between two servers
    assert len({process.pid for process in running.values()}) == len(SERVERS)  # ten process groups
    assert len(running["heat-engine"].pids) == 1 + 2  # master + two engine workers
    for name in ("mistral-engine", "mistral-executor-1", "mistral-executor-2", "mistral-api", "heat-api"):
        assert len(running[name].pids) == 2, name  # a master and its forked worker
    assert {running[name].service for name in SERVERS} == {"swift", "heat", "mistral"}
    assert len({process.log_file for process in running.values()}) == len(SERVERS)


def test_the_undercloud_has_its_own_vhost_and_databases(undercloud):
    exists, databases = backing(undercloud)
    assert exists and databases == set(undercloud.profile.databases.values())
    queues = rabbitmq.consumers(undercloud.profile.vhost)
    assert queues["mistral_executor"] == 2 and queues["mistral_engine"] == 1 and queues["engine"] == 2


def test_the_executors_log_which_actions_they_ran(undercloud):
    marks = {name: undercloud.log_file(name).stat().st_size for name in ("mistral-executor-1", "mistral-executor-2")}
    client = MistralClient(undercloud.endpoints["mistral"])
    for number in range(3):
        execution = client.run("tripleo_plan.selftest.check", {"stack_name": f"where-{number}"})
        assert execution["output"]["heat"]["status"] == "CREATE_COMPLETE"
    ran = {}
    for name, mark in marks.items():
        with open(undercloud.log_file(name), "rb") as log:
            log.seek(mark)
            ran[name] = re.findall(r"Received RPC request 'run_action'\[action=(\w+)", log.read().decode())
    # Three self-tests, two pack actions each (Swift round trip, Heat stack), shared between the executors.
    assert sorted(ran["mistral-executor-1"] + ran["mistral-executor-2"]) == sorted(
        ["SwiftRoundTrip", "HeatStackCheck"] * 3), ran
    assert ran["mistral-executor-1"] and ran["mistral-executor-2"], ran


def test_stop_removes_the_vhost_and_databases_also_after_a_failed_start(tmp_path):
    cloud = LocalUndercloud(tmp_path / "failing", profile="production")
    with socket.socket() as busy:  # Mistral's API port taken: the start fails after the migrations
        busy.bind(("127.0.0.1", cloud.ports["mistral"]))
        busy.listen()
        with pytest.raises(ServiceFailed, match="mistral-api: port .* is already in use"):
            cloud.start()
    assert backing(cloud) == (False, set())
    assert cloud.processes() == {}


def test_what_a_killed_owner_left_is_dropped_and_a_live_owners_is_kept(undercloud):
    from tripleo_plan_actions.undercloud.production.profile import sweep

    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid names an owner that no longer exists
    left = f"tp_{dead.pid}_0badc0de"
    python = venvs.python(undercloud.venvs_dir, "mistral")
    rabbitmq.add_vhost(left)
    mariadb.create(python, [f"{left}_mistral", f"{left}_heat"])
    assert sorted(sweep(python)) == [left, f"{left}_heat", f"{left}_mistral"]
    assert left not in rabbitmq.vhosts() and not {f"{left}_mistral", f"{left}_heat"} & set(mariadb.databases(python))
    assert backing(undercloud) == (True, set(undercloud.profile.databases.values()))  # its owner runs
