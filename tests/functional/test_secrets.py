"""No password leaks: not a generated one, not one the operator gave (issue #15).

One plan through the thin client (``PlanClient``, what ``tripleo-plan`` runs): create, a deploy with
``--parameter AdminPassword=…`` and a small ``-e`` file setting ``NovaPassword``, an update with an
``-e`` file big enough to go as the uploaded archive (``CinderPassword``), a FAILED update (a broken
post-deploy step, ``GlancePassword`` in its ``-e`` file, a new ``AdminPassword``), then history
list/show/diff, status, plan show and an export without secrets.  Then every place a reader sees is
searched for every password value: every Mistral execution since the test began (input, output,
params, state_info), its task executions (result, published) and their action executions (input,
output), every log file the services wrote meanwhile (Mistral's, Heat's, Swift's; the pack logs
through Mistral's), the revision records, the export archive (nested archives opened) and what the
client returned.  The plan's own containers, and Heat's stack, hold them by design.

Runs on whichever profile the session's undercloud has (``TRIPLEO_PLAN_PROFILE``).
"""
import io
import json
import tarfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from tests.functional.test_thin_client import Counter
from tripleo_plan_actions.client import OperationFailed, PlanClient
from tripleo_plan_actions.storage.swift import UPLOADS, SwiftPlanStore

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
ADMIN = "AdminPw" + uuid.uuid4().hex[:12]
ADMIN_AGAIN = "AdminPwTwo" + uuid.uuid4().hex[:12]
NOVA = "NovaPw" + uuid.uuid4().hex[:12]
CINDER = "CinderPw" + uuid.uuid4().hex[:12]
GLANCE = "GlancePw" + uuid.uuid4().hex[:12]
GIVEN = [ADMIN, ADMIN_AGAIN, NOVA, CINDER, GLANCE]
POST_DEPLOY = """heat_template_version: wallaby
parameters:
  GlancePassword:
    type: string
    hidden: true
    constraints:
      - allowed_pattern: "[0-9]*"
resources:
  Step:
    type: OS::Heat::Value
    properties: {value: {get_param: GlancePassword}}
"""


def leaves(value):
    """Every string a value holds (a multi-line one by its longest line, as a log would split it)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    if isinstance(value, str):
        return [max(value.splitlines(), key=len)] if value else []
    return []


def archive_texts(data: bytes, where: str):
    """(where, text) of every member of a tar archive, nested archives opened."""
    found = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            content = tar.extractfile(member).read()
            name = f"{where}!{member.name}"
            if content[:2] == b"\x1f\x8b":
                found += archive_texts(content, name)
            else:
                found.append((name, content.decode("utf-8", "replace")))
    return found


def get(url):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def mistral_texts(endpoint: str, since: str):
    """(where, JSON text) of every execution created at or after ``since`` (UTC, Mistral's format),
    its tasks and their action executions, everything the API shows of them."""
    found = []
    listing = get(f"{endpoint}/executions?limit=1000&include_output=true")["executions"]
    for execution in listing:
        if execution["created_at"] < since:
            continue
        whole = get(f"{endpoint}/executions/{execution['id']}")
        found.append((f"execution {whole['id']} ({whole['workflow_name']})", json.dumps(whole)))
        for task in get(f"{endpoint}/executions/{whole['id']}/tasks")["tasks"]:
            task = get(f"{endpoint}/tasks/{task['id']}")
            found.append((f"task {task['id']} ({whole['workflow_name']}.{task['name']})", json.dumps(task)))
            actions = get(f"{endpoint}/tasks/{task['id']}/action_executions?include_output=true")
            for action in actions["action_executions"]:
                found.append((f"action execution {action['id']} ({action['name']})", json.dumps(action)))
    return found


def log_sizes(state_dir: Path):
    return {path: path.stat().st_size for path in state_dir.rglob("*.log")}


def new_log_texts(state_dir: Path, before):
    found = []
    for path in sorted(state_dir.rglob("*.log")):
        with open(path, "rb") as stream:
            stream.seek(before.get(path, 0))
            found.append((str(path.relative_to(state_dir)), stream.read().decode("utf-8", "replace")))
    return found


def leaks(texts, secrets):
    """``{where: [names of the secrets it holds]}``."""
    found = {}
    for where, text in texts:
        held = sorted({name for name, value in secrets.items() if value in text})
        if held:
            found[where] = held
    return found


def env_file(path: Path, parameters, padding=0, registry=None):
    lines = []
    if registry:
        lines += ["resource_registry:\n"] + [f"  {k}: {v}\n" for k, v in registry.items()]
    lines += ["parameter_defaults:\n"] + [f"  {k}: {v}\n" for k, v in parameters.items()]
    lines += ["# padding: an operator's long comments\n" * padding]
    path.write_text("".join(lines))
    return str(path)


def test_no_password_in_any_output_history_log_or_export(undercloud, swift, tmp_path):
    began = time.monotonic()
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 1))
    logs_before = log_sizes(undercloud.state_dir)
    client = PlanClient.from_environment(environ=undercloud.client_environment(), templates_dir=str(EXAMPLE),
                                         interval=0.2)
    plan = f"secrets-{uuid.uuid4().hex[:6]}"
    shown = {"create": client.create_plan(plan, templates_dir=str(EXAMPLE))}
    small = env_file(tmp_path / "nova.yaml", {"NovaPassword": NOVA, "CloudName": "secret.example.com"})
    big = env_file(tmp_path / "cinder.yaml", {"CinderPassword": CINDER}, padding=2000)  # > 64 KiB: the archive
    # a post-deploy step whose (hidden) parameter Heat refuses, quoting the value in its reason
    (tmp_path / "post.yaml").write_text(POST_DEPLOY)
    broken = env_file(tmp_path / "broken.yaml", {"GlancePassword": GLANCE},
                      registry={"OS::TripleO::PostDeploy": "post.yaml"})
    counter = Counter(undercloud)
    counter.mark()
    shown["deploy"] = client.deploy(plan, [small], parameters={"AdminPassword": ADMIN})
    counts = counter.counts()
    # a secret forces the upload: ONE client Swift PUT (the archive), read and removed server side
    assert counts["mistral_execution_create"] == [("POST", "/v2/executions")] and counts["swift"] == ["PUT"]
    assert counts["server_uploads"] == ["GET", "DELETE"] and counts["server_swift"].count("GET") >= 1
    shown["update"] = client.update(plan, [big])
    with pytest.raises(OperationFailed) as failed:
        client.update(plan, [broken], parameters={"AdminPassword": ADMIN_AGAIN})
    shown["failed"] = str(failed.value)
    assert "Parameter 'GlancePassword' is invalid: ******" in shown["failed"]  # Heat quoted it: masked
    shown["history"] = client.history(plan)
    shown["revisions"] = [client.revision(plan, n) for n in range(1, 5)]
    shown["diffs"] = [client.diff(plan, a, b) for a, b in ((1, 2), (2, 3), (3, 4), (2, 4))]
    shown["status"] = client.status(plan)
    shown["plan"] = client.show_plan(plan)
    export = tmp_path / "export.tar.gz"
    shown["export"] = client.export_plan(plan, include_secrets=False, output=str(export))
    assert shown["export"]["secrets"] is False
    elapsed = time.monotonic() - began

    generated = yaml.safe_load(swift.get_object(plan, "plan-environment.yaml")[1])["passwords"]
    secrets = {name: value for name, v in generated.items() for value in leaves(v) if len(value) >= 8}
    secrets.update({f"given-{n}": v for n, v in enumerate(GIVEN)})
    assert len(secrets) > 40
    # the stack does deploy with the operator's values (Heat holds them by design)
    assert shown["deploy"]["status"] == "succeeded"

    records = [SwiftPlanStore(swift).revision(plan, n) for n in range(1, 5)]
    places = [(f"client result {k}", json.dumps(v)) for k, v in shown.items()]
    places += [(f"revision record {r['number']}", json.dumps(r)) for r in records]
    places += archive_texts(export.read_bytes(), "export")
    places += mistral_texts(undercloud.endpoints["mistral"], since)
    places += new_log_texts(undercloud.state_dir, logs_before)
    # the search saw what it must: the executions of each workflow, the start actions, the logs
    where = " ".join(w for w, _ in places)
    for seen in ("tripleo_plan.deploy.deploy", "tripleo_plan.deploy.run", "(tripleo_plan.deploy.start)",
                 "tripleo_plan.history.diff", "tripleo_plan.plan.export", "export!inputs/", "revision record 4"):
        assert seen in where, seen
    assert any(w.startswith("mistral/") and "workflow_trace" in t for w, t in places)  # Mistral logs inputs
    found = leaks(places, secrets)
    print(json.dumps(found, indent=1))
    assert found == {}
    assert swift.get_container(UPLOADS)[1] == []
    print(f"story took {elapsed:.1f} s")
