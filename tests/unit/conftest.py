"""Fixtures shared by the operations' unit tests: plan ``overcloud`` of examples/small-overcloud,
rendered once per module, in an in-memory store with its revision 1 (a module may define its own)."""
import pytest

from tests.unit import memory


@pytest.fixture(scope="module")
def plan_files():
    return memory.example_plan("overcloud")


@pytest.fixture
def ctx(plan_files):
    return memory.created("overcloud", plan_files)
