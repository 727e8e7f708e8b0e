"""Functional tests run against a REAL local undercloud: Swift, Heat and Mistral processes on
127.0.0.1, started once per test session by the project's own tooling (no mocks anywhere).

The profile is ``$TRIPLEO_PLAN_PROFILE`` (tox: ``functional`` embedded, ``functional-production``).
``test_production_profile.py`` is about the production profile's processes only: it is not collected
at all on another profile (so it can never pass there by being skipped); a few modules run on the
embedded profile only (their cost, or no undercloud at all; see EMBEDDED_ONLY).  ``keystone/`` is collected
only with ``$TRIPLEO_PLAN_KEYSTONE`` (tox ``functional-keystone``), and then NOTHING else here is:
the other modules talk to the services without authentication."""
from pathlib import Path

import pytest

from tripleo_plan_actions.undercloud import profiles
from tripleo_plan_actions.undercloud.local import LocalUndercloud

PRODUCTION_ONLY = ["test_production_profile.py", "test_lost_executor.py", "test_distribution.py"]
# Proven once, on the faster profile (CI's time): 50 same-instant pairs and 20 plans back to back
# cost ~7 min embedded and ~14 min on production (the lock they prove is the same Mistral
# environment on both); the fault matrix restarts whole services (production: test_lost_executor).
# The renderer against THT's and the merge against Heat's own code use no undercloud at all.
# The legacy plans' maker (tripleo-common's code, in .venvs/legacy) is test tooling: proven once.
EMBEDDED_ONLY = ["test_concurrency.py", "test_outages.py", "test_render_matches_tht.py",
                 "test_environment_matches_heat.py", "test_legacy_plans.py"]
if profiles.keystone_from_environment():
    collect_ignore = sorted(path.name for path in Path(__file__).parent.glob("test_*.py"))
else:
    collect_ignore = ["keystone"] + (EMBEDDED_ONLY if profiles.resolve(None) == profiles.PRODUCTION
                                     else PRODUCTION_ONLY)


def running(state_dir):
    """A local undercloud of the tests' profile in ``state_dir``, its environments built, started;
    stopped when the generator is closed (a fixture: ``yield from running(...)``)."""
    cloud = LocalUndercloud(state_dir)
    cloud.install()
    with cloud:
        yield cloud


@pytest.fixture(scope="session")
def undercloud(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("undercloud"))


@pytest.fixture
def mistral(undercloud):
    from mistralclient.api import client

    return client.client(mistral_url=undercloud.endpoints["mistral"])


@pytest.fixture
def heat(undercloud):
    from heatclient import client

    return client.Client("1", endpoint=undercloud.endpoints["heat"], token="fake")


@pytest.fixture
def swift(undercloud):
    from tripleo_plan_actions.services import connections

    return connections.for_settings(str(undercloud.settings_file)).swift()


@pytest.fixture
def client(undercloud):
    from tripleo_plan_actions.client import MistralClient

    return MistralClient(undercloud.endpoints["mistral"])
