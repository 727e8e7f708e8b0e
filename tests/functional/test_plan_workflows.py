"""Plan management through the real Mistral against the real Swift: every workflow, every bad input."""
import io
import json
import tarfile
import time
import uuid

import pytest
import yaml

from tests.plan_fixtures import tarball, templates
from tripleo_plan_actions.client import OperationFailed
from tripleo_plan_actions.core import passwords
from tripleo_plan_actions.storage.swift import SIDE_SUFFIX, UPLOADS


def upload(swift, data: bytes) -> str:
    """What the thin client does before an execution: ONE archive in tripleo-plan-uploads."""
    name = f"{uuid.uuid4()}.tar.gz"
    swift.put_container(UPLOADS)
    swift.put_object(UPLOADS, name, data)
    return name


def state(swift, plan):
    """Everything stored for a plan: object names with their ETags, in both containers."""
    found = {}
    for container in (plan, plan + SIDE_SUFFIX):
        try:
            found[container] = {o["name"]: o["hash"] for o in swift.get_container(container, full_listing=True)[1]}
        except Exception:
            found[container] = None
    return found


def uploads_left(swift):
    return [o["name"] for o in swift.get_container(UPLOADS, full_listing=True)[1]]


def create(client, swift, plan, files=None, **extra):
    inputs = {"plan": plan, "upload": upload(swift, tarball(files or templates())), **extra}
    return client.run("tripleo_plan.plan.create", inputs)["output"]["result"]


def test_create_show_list(client, swift, undercloud):
    log = undercloud.request_log("swift")
    mark = log.mark()
    output = create(client, swift, "cloud-a", description="lab plan")
    # After the one upload by the "client": account listing, GET upload, 2 container PUTs,
    # extract-archive, plan archive PUT, revision 1 PUT, DELETE upload.
    actions = [(r["method"]) for r in log.since(mark) if not r["path"].startswith("/auth")]
    assert actions == ["PUT", "PUT", "GET", "GET", "PUT", "PUT", "PUT", "PUT", "PUT", "DELETE"], log.since(mark)

    # The tree, plan-environment.yaml, network_data.yaml, and 3 files rendered from its Jinja sources.
    assert output == {"plan": "cloud-a", "files": len(templates()) + 2 + 3, "rendered": 3, "passwords": 52,
                      "inputs": []}
    headers, listing = swift.get_container("cloud-a")
    assert headers["x-container-meta-usage-tripleo"] == "plan"
    assert {o["name"] for o in listing} == set(templates()) | {
        "plan-environment.yaml", "network_data.yaml", "overcloud.yaml",
        "overcloud-resource-registry-puppet.yaml", "environments/network-environment.yaml"}
    assert swift.get_object("cloud-a", "overcloud.yaml")[1] == \
        b"heat_template_version: wallaby\n# Controller\n# Compute\n"
    environment = yaml.safe_load(swift.get_object("cloud-a", "plan-environment.yaml")[1])
    assert set(environment["passwords"]) == set(passwords.PASSWORD_NAMES)
    assert environment["environments"] == [{"path": "overcloud-resource-registry-puppet.yaml"}]

    assert "cloud-a" in client.run("tripleo_plan.plan.list")["output"]["result"]["plans"]
    shown = client.run("tripleo_plan.plan.show", {"plan": "cloud-a"})["output"]["result"]
    assert [r["name"] for r in shown["roles"]] == ["Controller", "Compute"]
    assert shown["description"] == "lab plan"
    assert {"path": "environments/debug.yaml", "description": "Enable debug logging everywhere."} \
        in shown["available_environments"]
    # No generated password appears in any workflow output.
    text = json.dumps([output, shown])
    secrets = [v for v in environment["passwords"].values() if isinstance(v, str)]
    assert not [v for v in secrets if v in text]
    # ... nor in any log of the services that saw them pass.
    for name in ("mistral", "swift", "heat"):
        logs = "".join(p.read_text(errors="replace") for p in (undercloud.state_dir / name).glob("*.log"))
        assert not [v for v in secrets if v in logs], f"a password is in {name}'s logs"
    assert uploads_left(swift) == []


def test_create_from_templates_dir_with_own_roles(client, swift, tmp_path):
    for path, content in templates().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    roles = "- name: Solo\n  CountDefault: 1\n"
    output = client.run("tripleo_plan.plan.create", {
        "plan": "cloud-dir", "templates_dir": str(tmp_path), "roles_data": roles})["output"]["result"]
    assert output["inputs"][0]["path"] == "roles_data.yaml"
    assert swift.get_object("cloud-dir", "roles_data.yaml")[1] == roles.encode()
    assert ".git/HEAD" not in {o["name"] for o in swift.get_container("cloud-dir")[1]}


BAD_ARCHIVES = {
    "not-tar": (b"PK\x03\x04 this is a zip, not a tar", "not a readable tar archive"),
    "truncated": (tarball(templates())[:400], "not a readable tar archive|truncated"),
    "dotdot": (tarball({**templates(), "../escape.yaml": b"a: 1\n"}), r"'\.\.' is not allowed"),
    "absolute": (tarball({**templates(), "/etc/cron.d/x": b"a: 1\n"}), "absolute paths are not allowed"),
    "yaml": (tarball({**templates(), "environments/bad.yaml": b"a: 1\n  b: 2\n"}),
             r"environments/bad.yaml, line 2, column 4: YAML does not parse"),
}


def _link(kind):
    info = tarfile.TarInfo("evil")
    info.type = kind
    info.linkname = "/etc/shadow"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, content in templates().items():
            member = tarfile.TarInfo(path)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
        archive.addfile(info)
    return buffer.getvalue()


BAD_ARCHIVES["symlink"] = (_link(tarfile.SYMTYPE), "evil: links are not allowed")
BAD_ARCHIVES["hardlink"] = (_link(tarfile.LNKTYPE), "evil: links are not allowed")
BAD_ARCHIVES["device"] = (_link(tarfile.CHRTYPE), "evil: only regular files")
BAD_ARCHIVES["too-large"] = (tarball({**templates(), "huge.yaml": b"a: " + b"x" * (9 * 1024 * 1024)}),
                             "huge.yaml: .* bytes is over the limit of 8388608 bytes per file")


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_bad_archive_on_create_leaves_nothing(client, swift, case):
    data, message = BAD_ARCHIVES[case]
    plan = f"bad-{case}"
    with pytest.raises(OperationFailed, match=message):
        client.run("tripleo_plan.plan.create", {"plan": plan, "upload": upload(swift, data)})
    assert state(swift, plan) == {plan: None, plan + SIDE_SUFFIX: None}
    assert uploads_left(swift) == []


@pytest.mark.parametrize("case", ["not-tar", "dotdot", "symlink", "yaml"])
def test_bad_archive_on_amend_changes_nothing(client, swift, case):
    plan = f"amend-bad-{case}"
    create(client, swift, plan)
    before = state(swift, plan)
    data, message = BAD_ARCHIVES[case]
    if case != "not-tar":  # an amend archive holds only the files to change
        data = {"dotdot": tarball({"../x.yaml": b"a: 1\n"}), "symlink": _link(tarfile.SYMTYPE),
                "yaml": tarball({"environments/bad.yaml": b"a: 1\n  b: 2\n"})}[case]
    with pytest.raises(OperationFailed, match=message):
        client.run("tripleo_plan.plan.amend", {"plan": plan, "upload": upload(swift, data)})
    assert state(swift, plan) == before
    assert uploads_left(swift) == []


@pytest.mark.parametrize("name", ["2cloud", "over_cloud", "a.b", "x" * 200, "p-tripleo-plan"])
def test_bad_plan_names(client, swift, name):
    with pytest.raises(OperationFailed, match="plan name .* is not valid"):
        client.run("tripleo_plan.plan.create", {"plan": name, "upload": upload(swift, tarball(templates()))})
    assert uploads_left(swift) == []


def test_existing_plan_on_create_and_missing_plan_on_amend(client, swift):
    create(client, swift, "twice")
    before = state(swift, "twice")
    with pytest.raises(OperationFailed, match="plan twice already exists"):
        create(client, swift, "twice")
    assert state(swift, "twice") == before
    with pytest.raises(OperationFailed) as failed:
        client.run("tripleo_plan.plan.amend", {"plan": "nowhere", "files": {"a.yaml": "a: 1\n"}})
    # The execution's state_info is the message itself, for the UI to show as it is.
    assert failed.value.execution["state_info"] == "plan nowhere does not exist"
    assert uploads_left(swift) == []


def test_amend_particular_files_and_keep_inputs(client, swift, undercloud):
    create(client, swift, "cloud-b")
    side = "cloud-b" + SIDE_SUFFIX
    env = "parameter_defaults:\n  Debug: false\n"
    log = undercloud.request_log("swift")
    mark = log.mark()
    output = client.run("tripleo_plan.plan.amend", {
        "plan": "cloud-b", "files": {"environments/debug.yaml": env, "user/playbook.yaml": "- hosts: all\n"},
        "delete": ["puppet/services/keystone.yaml"]})["output"]["result"]
    # GET plan archive, revisions listing, newest revision, inputs listing, 2 input PUTs, pending
    # revision; then 2 file PUTs, bulk-delete, archive PUT (the commit), revision completed.
    assert [r["method"] for r in log.since(mark) if not r["path"].startswith("/auth")] == \
        ["GET", "GET", "GET", "GET", "PUT", "PUT", "PUT", "PUT", "PUT", "POST", "PUT", "PUT"]
    assert output["revision"] == 2 and output["pruned"] == []
    assert output["added"] == ["user/playbook.yaml"] and output["replaced"] == ["environments/debug.yaml"]
    assert output["deleted"] == ["puppet/services/keystone.yaml"]
    assert output["render"] == {"rendered": 0, "skipped": True, "removed": []}  # nothing it reads changed
    assert swift.get_object("cloud-b", "environments/debug.yaml")[1] == env.encode()
    assert "puppet/services/keystone.yaml" not in {o["name"] for o in swift.get_container("cloud-b")[1]}

    # The same content again is stored once; the operator's path travels with it.
    again = client.run("tripleo_plan.plan.amend", {"plan": "cloud-b", "files": {"environments/other.yaml": env}})
    assert again["output"]["result"]["inputs"][0]["sha256"] == output["inputs"][0]["sha256"]
    stored = [o["name"] for o in swift.get_container(side, prefix="inputs/")[1]]
    assert len(stored) == 2
    headers = swift.head_object(side, "inputs/" + output["inputs"][0]["sha256"])
    assert headers["x-object-meta-path"] == "environments/debug.yaml"

    with pytest.raises(OperationFailed, match="plan-environment.yaml holds .* allow_meta"):
        client.run("tripleo_plan.plan.amend", {"plan": "cloud-b", "files": {"plan-environment.yaml": "a: 1\n"}})
    changed = client.run("tripleo_plan.plan.amend", {
        "plan": "cloud-b", "allow_meta": True,
        "files": {"plan-environment.yaml": "environments: [{path: environments/debug.yaml}]\n"}})
    assert changed["output"]["result"]["replaced"] == ["plan-environment.yaml"]
    environment = yaml.safe_load(swift.get_object("cloud-b", "plan-environment.yaml")[1])
    assert len(environment["passwords"]) == 52, "an amend of plan-environment keeps the passwords"


def test_export_import_round_trip(client, swift):
    create(client, swift, "cloud-c")
    client.run("tripleo_plan.plan.amend", {"plan": "cloud-c", "files": {"user/env.yaml": "a: 1\n"}})
    exported = client.run("tripleo_plan.plan.export", {"plan": "cloud-c"})["output"]["result"]
    _, data = swift.get_object(exported["container"], exported["object"])
    assert exported["bytes"] == len(data) and exported["secrets"] is True

    imported = client.run("tripleo_plan.plan.import", {"plan": "cloud-c2", "upload": upload(swift, data)})
    assert imported["output"]["result"]["plan"] == "cloud-c2"
    assert imported["output"]["result"]["inputs"] == 1
    original = {o["name"]: o["hash"] for o in swift.get_container("cloud-c")[1]}
    copy = {o["name"]: o["hash"] for o in swift.get_container("cloud-c2")[1]}
    assert set(original) == set(copy)
    assert {p for p in original if original[p] != copy[p]} == {"plan-environment.yaml"}  # the name differs
    env_a = yaml.safe_load(swift.get_object("cloud-c", "plan-environment.yaml")[1])
    env_b = yaml.safe_load(swift.get_object("cloud-c2", "plan-environment.yaml")[1])
    assert env_a["passwords"] == env_b["passwords"] and env_b["name"] == "cloud-c2"

    shared = client.run("tripleo_plan.plan.export", {"plan": "cloud-c", "include_secrets": False})["output"]["result"]
    _, data = swift.get_object(shared["container"], shared["object"])
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        text = archive.extractfile("plan/plan-environment.yaml").read().decode()
        # the members, not the gzip'd bytes (a value would never show in those)
        members = "".join(archive.extractfile(m).read().decode("latin1") for m in archive.getmembers() if m.isfile())
    assert yaml.safe_load(text)["passwords"] == {}
    assert not [v for v in env_a["passwords"].values() if isinstance(v, str) and v in members]


def test_delete_refused_while_stack_exists(client, swift, heat):
    create(client, swift, "cloud-d")
    created = heat.stacks.create(stack_name="cloud-d", template={
        "heat_template_version": "wallaby", "resources": {"v": {"type": "OS::Heat::Value",
                                                                "properties": {"value": 1}}}})
    stack_id = "cloud-d/" + created["stack"]["id"]
    deadline = time.monotonic() + 60
    while heat.stacks.get(stack_id).stack_status.endswith("IN_PROGRESS"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with pytest.raises(OperationFailed, match="plan cloud-d is deployed .* force"):
        client.run("tripleo_plan.plan.delete", {"plan": "cloud-d"})
    assert state(swift, "cloud-d")["cloud-d"]
    removed = client.run("tripleo_plan.plan.delete", {"plan": "cloud-d", "force": True})["output"]["result"]
    assert removed["objects_removed"] == len(templates()) + 2 + 3 + 1 + 1  # files, rendered, archive, revision 1
    assert state(swift, "cloud-d") == {"cloud-d": None, "cloud-d" + SIDE_SUFFIX: None}
    assert "cloud-d" not in client.run("tripleo_plan.plan.list")["output"]["result"]["plans"]
    heat.stacks.delete(stack_id)
    deadline = time.monotonic() + 60
    while heat.stacks.get(stack_id).stack_status != "DELETE_COMPLETE":  # a stack being deleted still counts
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with pytest.raises(OperationFailed, match="plan cloud-d does not exist"):
        client.run("tripleo_plan.plan.delete", {"plan": "cloud-d"})


LONG = "environments/" + "x" * 1100 + ".yaml"  # over Swift's 1,024-byte object name limit


def test_swift_refusing_part_of_a_bulk_upload_is_caught_and_undone(client, swift):
    """Swift answers 200 to extract-archive even when members fail: the body is read, the plan undone."""
    with pytest.raises(OperationFailed, match=r"Swift stored \d+ of \d+ files in cloud-long"):
        create(client, swift, "cloud-long", files={**templates(), LONG: b"a: 1\n"})
    assert state(swift, "cloud-long") == {"cloud-long": None, "cloud-long" + SIDE_SUFFIX: None}

    create(client, swift, "cloud-long")
    before = state(swift, "cloud-long")
    many = {f"environments/new-{i}.yaml": b"a: 1\n" for i in range(6)}  # enough for one bulk request
    with pytest.raises(OperationFailed, match="Swift stored"):
        client.run("tripleo_plan.plan.amend", {"plan": "cloud-long", "upload": upload(swift, tarball(
            {**many, LONG: b"a: 1\n", "environments/debug.yaml": b"changed: true\n"}))})
    after = state(swift, "cloud-long")
    assert after["cloud-long"] == before["cloud-long"]  # the plan is exactly as it was
    side = "cloud-long" + SIDE_SUFFIX
    assert after[side]["plan.tar.gz"] == before[side]["plan.tar.gz"]
    # The story keeps the failed amend (revision 2) and the inputs it names; nothing else changed.
    failed = json.loads(swift.get_object(side, "revisions/0000000002.json")[1])
    assert failed["operation"] == "amend" and failed["status"] == "failed" and "Swift stored" in failed["message"]
    assert set(after[side]) - set(before[side]) == {"revisions/0000000002.json"} | {
        f"inputs/{f['sha256']}" for f in failed["user_files"]}
    assert uploads_left(swift) == []


def test_amending_roles_renders_again_in_the_same_requests(client, swift, undercloud):
    create(client, swift, "cloud-e")
    log = undercloud.request_log("swift")
    mark = log.mark()
    output = client.run("tripleo_plan.plan.amend", {
        "plan": "cloud-e", "files": {"roles_data.yaml": "- name: Controller\n  CountDefault: 1\n"}})["output"]["result"]
    # GET plan archive, revisions listing, newest revision, inputs listing, 1 input PUT, pending
    # revision, 2 file PUTs (roles_data, overcloud.yaml), archive PUT, revision completed.
    assert [r["method"] for r in log.since(mark) if not r["path"].startswith("/auth")] == \
        ["GET", "GET", "GET", "GET", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT"]
    assert output["render"] == {"rendered": 3, "skipped": False, "removed": []}
    assert swift.get_object("cloud-e", "overcloud.yaml")[1] == b"heat_template_version: wallaby\n# Controller\n"
