"""The Keystone tier (tox ``functional-keystone``: ``TRIPLEO_PLAN_PROFILE=production``,
``TRIPLEO_PLAN_KEYSTONE=1``): ONE production undercloud with a real Keystone for the session, its
workbooks loaded (``LocalUndercloud.start``), stopped at the end, its vhost and databases dropped
(checked)."""
import os
import subprocess
import sys
import time

import pytest

from tests.functional.conftest import running
from tripleo_plan_actions.undercloud import mariadb, rabbitmq, venvs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXAMPLE = os.path.join(ROOT, "examples", "small-overcloud")


@pytest.fixture(scope="session")
def undercloud(tmp_path_factory):
    started = time.monotonic()
    for cloud in running(tmp_path_factory.mktemp("keystone-undercloud")):
        assert cloud.keystone, "the Keystone tier needs TRIPLEO_PLAN_KEYSTONE=1 and the production profile"
        cloud.log(f"Keystone undercloud started in {time.monotonic() - started:.1f} s: "
                  f"prepared {cloud.prepare_seconds:.1f} s, Keystone {cloud.keystone_seconds}, "
                  f"services {cloud.startup_seconds}")
        yield cloud
    profile = cloud.profile
    python = venvs.python(cloud.venvs_dir, "mistral")
    assert not [d for d in mariadb.databases(python) if d.startswith(profile.id)]
    assert profile.vhost not in rabbitmq.vhosts()


@pytest.fixture(scope="session")
def early_token(undercloud):
    """A token of ``admin`` taken as the session starts (the last test uses it once it has expired)."""
    from tripleo_plan_actions.services import discovery

    session = discovery.keystone_session(undercloud.credentials("admin"))
    return {"token": session.get_token(), "project_id": session.get_project_id(), "taken": time.monotonic()}


def tripleo_plan(undercloud, user, *args):
    """``tripleo-plan ARGS`` as ``user`` (only that user's ``OS_*`` variables: no settings file,
    no Mistral URL), finished."""
    command = [os.path.join(os.path.dirname(sys.executable), "tripleo-plan"), *args]
    return subprocess.run(command, env=user_environment(undercloud, user), text=True, capture_output=True,
                          timeout=600)


def user_environment(undercloud, user):
    """The environment of a client run as ``user``: only that user's ``OS_*`` variables."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("OS_") and k != "TRIPLEO_PLAN_ACTIONS_CONFIG"}
    environment.update(undercloud.credentials(user))
    return environment


@pytest.fixture(scope="session")
def keystone_env(undercloud):
    """``keystone_env(user)``: :func:`user_environment` of ``user``."""
    return lambda user: user_environment(undercloud, user)


@pytest.fixture(scope="session", autouse=True)
def long_operations(undercloud, tmp_path_factory):
    """The operations that outlive a token (test_long_operations.py), started as the session starts
    so that they run while the other tests do; the test collected last waits for them."""
    from tests.functional.keystone import test_long_operations

    return test_long_operations.start(user_environment(undercloud, "operator"),
                                      tmp_path_factory.mktemp("long-operations"))


def pytest_collection_modifyitems(items):
    """The long operations' test last: it waits for operations that take several minutes."""
    items.sort(key=lambda item: item.module.__name__.endswith("test_long_operations"))
