"""Concurrency and load against the real Mistral, Swift and Heat (part of #15).

* Two operations on one plan started at the same instant (two threads behind a barrier), PAIRS
  times (on PAIR_PLANS plans at once): exactly one runs (SUCCESS, the next revision) and the other
  is refused naming the running execution; no refused operation writes a revision.
* Operations on five different plans at once all succeed.
* LOAD plans created and deployed back to back all succeed, each create and deploy costing the
  same Swift and Heat requests (counted at the servers) for the last five plans as for the first
  five: the work per operation does not grow with the number of plans.  Times are never asserted
  here: ``tox -e bench-load`` (benchmarks/load.py) prints them.
"""
import threading
from pathlib import Path

import pytest

from tests.functional.test_thin_client import Counter
from tripleo_plan_actions.client import MistralClient, OperationFailed
from tripleo_plan_actions.storage import lock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PAIRS = 50
PAIR_PLANS = 5
PAIR_PLAN = "conc-pair"
LOAD = 20


def start_together(url, starts):
    """Start every ``(workflow, inputs)`` of ``starts`` from its own thread (and its own client)
    released by one barrier; return the execution ids in the order of ``starts``."""
    barrier = threading.Barrier(len(starts))
    ids = [None] * len(starts)
    errors = []

    def start(index, workflow, inputs):
        own = MistralClient(url)
        try:
            barrier.wait(timeout=60)
            ids[index] = own.start(workflow, inputs)["id"]
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=start, args=(i, *s)) for i, s in enumerate(starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and all(ids), (errors, ids)
    return ids


def outcome(client, execution):
    """``("SUCCESS", result)`` or ``("ERROR", state_info)`` of a finished execution."""
    try:
        return "SUCCESS", client.wait(execution, timeout=600)["output"]["result"]
    except OperationFailed as failed:
        return failed.execution["state"], failed.execution["state_info"]


def revisions(client, plan):
    listed = client.run("tripleo_plan.history.list", {"plan": plan})["output"]["result"]["revisions"]
    return [r["number"] for r in listed]


@pytest.fixture(scope="module")
def url(undercloud):
    return undercloud.endpoints["mistral"]


def pairs_on_one_plan(url, client, plan, pairs):
    """Create and deploy ``plan``, then ``pairs`` times start two updates of it at the same instant
    and check that exactly one ran (the next revision) and the other was refused naming it."""
    client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    deployed = client.run("tripleo_plan.deploy.deploy", {"plan": plan}, timeout=600)["output"]["result"]
    assert deployed["revision"] == 2
    update = {"plan": plan, "history_limit": 0}  # keep every revision, to count them at the end
    for pair in range(pairs):
        ids = start_together(url, [("tripleo_plan.deploy.update", update)] * 2)
        outcomes = [outcome(client, execution) for execution in ids]
        succeeded = [i for i, (state, _) in enumerate(outcomes) if state == "SUCCESS"]
        assert len(succeeded) == 1, (plan, pair, ids, outcomes)
        winner = ids[succeeded[0]]
        state, message = outcomes[1 - succeeded[0]]
        assert state == "ERROR" and message.startswith(
            f"plan {plan} is busy: update running in Mistral execution {winner} since "), (plan, pair, outcomes)
        result = outcomes[succeeded[0]][1]
        # the next revision: a refused operation before it would have taken a number
        assert (result["status"], result["revision"]) == ("succeeded", 3 + pair), (plan, pair, outcomes)
        assert client.environment(lock.name(plan)) is None, (plan, pair)  # the winner released it
    # exactly one new revision per pair: create, deploy, then one per winner, nothing in between
    assert revisions(client, plan) == list(range(pairs + 2, 0, -1)), plan


def test_two_operations_on_one_plan_at_the_same_instant_exactly_one_runs(url):
    """PAIRS pairs in all, on PAIR_PLANS plans at once (each plan's pairs one after the other): the
    same number of same-instant races, in a fifth of the time."""
    failures = []

    def run(plan):
        try:
            pairs_on_one_plan(url, MistralClient(url), plan, PAIRS // PAIR_PLANS)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(f"{PAIR_PLAN}-{n}",)) for n in range(PAIR_PLANS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    assert not failures and not any(thread.is_alive() for thread in threads), failures


def test_operations_on_five_plans_at_once_all_succeed(url, client):
    plans = [f"conc-five-{n}" for n in range(5)]
    for plan in plans:
        client.run("tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})
    ids = start_together(url, [("tripleo_plan.deploy.deploy", {"plan": plan}) for plan in plans])
    outcomes = [outcome(client, execution) for execution in ids]
    assert [(state, r["status"], r["stack_status"]) for state, r in outcomes if state == "SUCCESS"] == [
        ("SUCCESS", "succeeded", "CREATE_COMPLETE")] * 5, outcomes
    ids = start_together(url, [("tripleo_plan.deploy.update", {"plan": plan}) for plan in plans])
    outcomes = [outcome(client, execution) for execution in ids]
    assert [(state, r["revision"]) for state, r in outcomes if state == "SUCCESS"] == [("SUCCESS", 3)] * 5, outcomes
    assert all(client.environment(lock.name(plan)) is None for plan in plans)


def counted(counter, call):
    """``call()``'s result and the requests it cost that do not depend on time: the client's
    Mistral writes, every Swift request and the Heat writes (Heat reads are the wait step's
    status polls, as many as Heat takes seconds)."""
    counter.mark()
    result = call()
    found = counter.counts()
    return result, {key: found[key] for key in ("mistral_execution_create", "swift", "heat", "server_swift",
                                                 "server_heat_writes")}


def test_plans_created_and_deployed_back_to_back_cost_the_same_each(undercloud, client):
    counter = Counter(undercloud)
    costs = []
    for n in range(LOAD):
        plan = f"load-{n:02d}"
        created, create_cost = counted(counter, lambda: client.run(
            "tripleo_plan.plan.create", {"plan": plan, "templates_dir": str(EXAMPLE)})["output"]["result"])
        deployed, deploy_cost = counted(counter, lambda: client.run(
            "tripleo_plan.deploy.deploy", {"plan": plan}, timeout=600)["output"]["result"])
        assert (deployed["status"], deployed["stack_status"], deployed["revision"]) == (
            "succeeded", "CREATE_COMPLETE", 2), (plan, created, deployed)
        costs.append({"create": create_cost, "deploy": deploy_cost})
    assert costs[0]["deploy"]["server_heat_writes"] == ["POST"] and costs[0]["create"]["server_heat_writes"] == []
    assert costs[-5:] == costs[:5], (costs[:5], costs[-5:])
    assert all(cost == costs[0] for cost in costs), costs
