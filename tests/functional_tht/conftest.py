"""The real tripleo-heat-templates 18.0.0 overcloud, deployed through the pack's workflows into the
real local Heat (Swift, Heat and Mistral started once for the session, as in tests/functional)."""
import pytest

from tests.functional.conftest import client, heat, mistral, undercloud  # noqa: F401  (fixtures)

TIMES = []


@pytest.fixture(scope="session")
def times():
    """``[(operation, {measure: seconds})]``, printed at the end of the run."""
    return TIMES


def pytest_terminal_summary(terminalreporter):
    if not TIMES:
        return
    terminalreporter.section("THT 18.0.0 overcloud: wall times (s)")
    for name, measures in TIMES:
        terminalreporter.write_line(f"{name:<28}" + "  ".join(f"{k} {v:7.1f}" for k, v in measures.items()))
