"""Distribution shown, not assumed (production profile only: collected only there, see
conftest.py): twelve plans deployed at once through stock Mistral's ONE engine and TWO
executors all succeed, each lock is released, and both executors ran the pack's actions (from
their own logs)."""
import concurrent.futures
from pathlib import Path

from tripleo_plan_actions.client.api import PlanClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLANS = [f"spread-{n:02d}" for n in range(12)]
PACK_STEPS = ("StartOperation", "StackStatus", "FinishOperation")  # as the executor logs them


def test_twelve_concurrent_deploys_succeed_on_both_executors(undercloud, mistral):
    client = PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE),
                                         interval=0.5)
    logs = {name: undercloud.log_file(name) for name in ("mistral-executor-1", "mistral-executor-2")}
    marks = {name: path.stat().st_size for name, path in logs.items()}
    for plan in PLANS:
        client.create_plan(plan, templates_dir=str(EXAMPLE))
    with concurrent.futures.ThreadPoolExecutor(len(PLANS)) as pool:
        results = list(pool.map(lambda plan: client.deploy(plan, [str(EXAMPLE / "environments" / "debug.yaml")]),
                                PLANS))
    assert [r["status"] for r in results] == ["succeeded"] * len(PLANS)
    assert not [e.name for e in mistral.environments.list() if e.name.startswith("tripleo-plan-lock-spread-")]
    ran = {name: ran_actions(path, marks[name]) for name, path in logs.items()}
    # every deploy ran start, several polls and finish: 36 actions at least, on both executors
    assert all(ran.values()) and sum(len(actions) for actions in ran.values()) >= 3 * len(PLANS), ran


def ran_actions(log: Path, mark: int) -> list[str]:
    """The pack's actions an executor received after ``mark`` (its executor_server DEBUG lines)."""
    with open(log, "rb") as lines:
        lines.seek(mark)
        text = lines.read().decode(errors="replace")
    return [line for line in text.splitlines() if "Received RPC request 'run_action'" in line
            and any(f"action={name}," in line for name in PACK_STEPS)]
