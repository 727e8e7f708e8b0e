"""Bad input against the real Mistral, Swift and Heat (#15): the thin client sends NOTHING for a
YAML alias bomb or an oversize file (requests counted at the servers), and an operation refused
by the pack's actions leaves Swift byte-identical (every object of the plan's containers and of
the uploads container, with its ETag) and Heat without a stack."""
from pathlib import Path

import pytest

from tests.functional.test_thin_client import Counter
from tests.unit.test_bad_input import bomb
from tripleo_plan_actions.client import PlanClient
from tripleo_plan_actions.errors import PlanError, PlanInputError
from tripleo_plan_actions.storage.swift import UPLOADS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "bad-input"


@pytest.fixture(scope="module")
def plan_client(undercloud):
    return PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE),
                                       interval=0.2)


def stored(swift, plan):
    """Every object of the plan's two containers and of the uploads container, with its ETag."""
    found = {}
    for container in (plan, f"{plan}-tripleo-plan", UPLOADS):
        try:
            found[container] = {o["name"]: o["hash"] for o in swift.get_container(container, full_listing=True)[1]}
        except Exception:  # a container that does not exist (uploads before the first upload)
            found[container] = None
    return found


def test_the_thin_client_sends_nothing_for_a_bomb_or_an_oversize_file(undercloud, plan_client, tmp_path):
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(bomb())
    big = tmp_path / "big.yaml"
    with open(big, "wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    counter = Counter(undercloud)
    counter.mark()
    with pytest.raises(PlanInputError, match=f"^{laughs}: refused: its aliases expand to more than 500000 nodes"):
        plan_client.deploy(PLAN, [str(laughs)])
    with pytest.raises(PlanInputError, match=f"^{big}: 52428800 bytes is over the limit of 8388608 bytes per file$"):
        plan_client.deploy(PLAN, [str(big)])
    for service in ("mistral", "swift", "heat"):
        assert counter.requests(service, client=True) == [], service
        assert counter.requests(service, client=False) == [], service


REFUSED = [
    ("bogus: 1\n", "/home/stack/e.yaml: unknown environment section bogus"),
    ("resource_registry: [a.yaml]\n", "/home/stack/e.yaml: resource_registry must be a mapping, not a list"),
    ("parameter_defaults: [Debug]\n", "/home/stack/e.yaml: parameter_defaults must be a mapping of parameter "
                                      "names to values, not a list"),
    ("parameter_defaults: {Debug: [1]}\n", "/home/stack/e.yaml: parameter_defaults: Debug: [1] is not a boolean"),
    (bomb(), "/home/stack/e.yaml: refused: its aliases expand to more than 500000 nodes"),
]


def test_a_refused_operation_leaves_swift_byte_identical(client, swift, heat, plan_client):
    plan_client.create_plan(PLAN, templates=str(EXAMPLE))
    before = stored(swift, PLAN)
    for content, message in REFUSED:
        with pytest.raises(PlanError) as raised:
            client.run("tripleo_plan.deploy.deploy", {
                "plan": PLAN, "environments": [{"path": "/home/stack/e.yaml", "content": content}]}, timeout=120)
        assert message in str(raised.value), (content[:40], str(raised.value))
        assert stored(swift, PLAN) == before, content[:40]
    with pytest.raises(PlanError, match="parameters: NoSuchParam is not declared by any template of plan bad-input"):
        plan_client.deploy(PLAN, parameters={"NoSuchParam": 1})
    undeclared = {"path": "/home/stack/e.yaml", "content": "parameter_defaults: {NoSuch: 1}\n"}
    with pytest.raises(PlanError, match="strict: /home/stack/e.yaml: parameter_defaults NoSuch is not declared"):
        client.run("tripleo_plan.deploy.deploy", {"plan": PLAN, "environments": [undeclared], "strict": True},
                   timeout=120)
    assert stored(swift, PLAN) == before
    assert PLAN not in [stack.stack_name for stack in heat.stacks.list()]


def test_undeclared_parameter_defaults_are_reported_by_a_real_deploy(client, plan_client, tmp_path):
    plan = "warned"
    plan_client.create_plan(plan, templates=str(EXAMPLE))
    env = tmp_path / "e.yaml"
    env.write_text("parameter_defaults: {NoSuch: 1, Debug: true}\n")
    warning = f"{env}: parameter_defaults NoSuch is not declared by any template of the plan"
    done = plan_client.deploy(plan, [str(env)])
    assert done["status"] == "succeeded" and done["warnings"] == [warning]
    assert plan_client.revision(plan, done["revision"])["warnings"] == [warning]
