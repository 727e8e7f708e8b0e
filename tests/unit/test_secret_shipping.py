"""No secret in what Mistral keeps or a shared export holds (issue #15): the pure parts.

The thin client ships any ``-e`` file or ``--parameter`` that gives a secret a value through the ONE
Swift upload, never inline in the execution input; the operations read the parameters back from it;
an export without secrets masks what the operator gave.  The real services: tests/functional/test_secrets.py.
"""
import io
import json
import tarfile
from pathlib import Path

import pytest

from tripleo_plan_actions.client.api import PlanClient
from tripleo_plan_actions.core import archive, passwords, plan as plans, references
from tripleo_plan_actions.core.references import Environment, Reference
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import deploy, finish, stack, update
from tripleo_plan_actions.operations.plans import export

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "overcloud"
SECRET = "s3cretValue42xyz"
OTHER = "an0therSecret77"


# -- which documents give a secret a value ----------------------------------------------------

def test_holds_secret_at_any_depth_but_not_an_empty_one():
    assert passwords.holds_secret({"NovaPassword": SECRET})
    assert passwords.holds_secret({"ComputeParameters": {"NovaPassword": SECRET}})
    assert passwords.holds_secret([{"x": [{"rhsm_password": SECRET}]}])
    assert not passwords.holds_secret({"NovaPassword": "", "CephClusterFSID": None, "CloudName": "c"})
    assert not passwords.holds_secret({"KeystoneFernetMaxActiveKeys": 5, "ManageKeystoneFernetKeys": True})
    assert not passwords.holds_secret("NovaPassword")


def test_sets_secret_reads_value_sections_and_template_defaults():
    assert passwords.sets_secret({"parameter_defaults": {"NovaPassword": SECRET}})
    assert passwords.sets_secret({"parameters": {"AdminPassword": SECRET}})
    assert passwords.sets_secret({"passwords": {"AdminPassword": SECRET}})
    assert not passwords.sets_secret({"resource_registry": {"OS::TripleO::Services::Keystone": "k.yaml"},
                                      "parameter_defaults": {"CloudName": "c"}})
    # a template's parameters are declarations: only a secret's default is a value
    declared = {"heat_template_version": "wallaby", "parameters": {"AdminPassword": {"type": "string"}}}
    assert not passwords.sets_secret(declared)
    defaulted = {"heat_template_version": "wallaby",
                 "parameters": {"AdminPassword": {"type": "string", "default": SECRET}}}
    assert passwords.sets_secret(defaulted)
    assert not passwords.sets_secret(None) and not passwords.sets_secret(["NovaPassword"])


def test_mask_document_masks_the_values_and_keeps_the_rest():
    document = {"resource_registry": {"A::B": "b.yaml"},
                "parameter_defaults": {"NovaPassword": SECRET, "CloudName": "c",
                                       "ComputeParameters": {"RabbitPassword": OTHER}}}
    masked = passwords.mask_document(document)
    assert masked == {"resource_registry": {"A::B": "b.yaml"},
                      "parameter_defaults": {"NovaPassword": passwords.MASK, "CloudName": "c",
                                             "ComputeParameters": {"RabbitPassword": passwords.MASK}}}
    assert document["parameter_defaults"]["NovaPassword"] == SECRET  # not modified
    template = {"heat_template_version": "wallaby",
                "parameters": {"AdminPassword": {"type": "string", "default": SECRET}, "Count": {"default": 1}}}
    assert passwords.mask_document(template)["parameters"] == {
        "AdminPassword": {"type": "string", "default": passwords.MASK}, "Count": {"default": 1}}


# -- the client's shipping ----------------------------------------------------------------------

def shipped(files, environments, references_=(), parameters=None, limit=1000):
    return references.ship(environments, list(references_), files, inline_limit=limit, parameters=parameters)


def test_plain_files_and_parameters_still_go_inline():
    files = {"/a.yaml": b"parameter_defaults: {CloudName: c}\n"}
    shipment = shipped(files, [Environment("user", "/a.yaml")], parameters={"Debug": True})
    assert shipment.archive is None and shipment.parameters == {"Debug": True}
    assert shipment.environments == [{"path": "/a.yaml", "content": "parameter_defaults: {CloudName: c}\n"}]


def test_a_secret_parameter_sends_everything_in_the_archive():
    files = {"/a.yaml": b"parameter_defaults: {CloudName: c}\n"}
    shipment = shipped(files, [Environment("plan", "environments/debug.yaml"), Environment("user", "/a.yaml")],
                       parameters={"AdminPassword": SECRET, "Debug": True})
    assert shipment.parameters == {} and shipment.user_files == {}
    assert shipment.environments == [{"path": "environments/debug.yaml"}, {"path": "/a.yaml"}]
    assert SECRET not in json.dumps([shipment.environments, shipment.user_files, shipment.parameters])
    members = archive.read_archive(archive.write_archive(shipment.archive))
    assert references.unpack(members) == files
    assert references.unpack_parameters(members) == {"AdminPassword": SECRET, "Debug": True}
    # only plan files and a secret parameter: the archive holds the parameters alone
    alone = shipped({}, [Environment("plan", "environments/debug.yaml")], parameters={"AdminPassword": SECRET})
    assert alone.archive == {references.ARCHIVE_PARAMETERS: json.dumps({"AdminPassword": SECRET}).encode()}


@pytest.mark.parametrize("where", ["environment", "nested template"])
def test_a_user_file_setting_a_secret_sends_everything_in_the_archive(where):
    files = {"/a.yaml": b"resource_registry:\n  A::B: t.yaml\nparameter_defaults:\n  CloudName: c\n",
             "/t.yaml": b"heat_template_version: wallaby\n"}
    if where == "environment":
        files["/a.yaml"] += f"  NovaPassword: {SECRET}\n".encode()
    else:
        files["/t.yaml"] += f"parameters:\n  NovaPassword: {{type: string, default: {SECRET}}}\n".encode()
    closure = references.user_file_closure(["/a.yaml"], files)
    shipment = shipped(files, [Environment("user", "/a.yaml")], closure, parameters={"Debug": True})
    assert shipment.archive is not None and set(shipment.archive) == {
        "files/a.yaml", "files/t.yaml", references.ARCHIVE_PARAMETERS}
    assert shipment.environments == [{"path": "/a.yaml"}] and shipment.parameters == {}


def test_a_script_or_binary_file_sets_no_secret():
    assert not references.sets_secret("/s.sh", b"#!/bin/sh\necho NovaPassword: x\n")
    assert not references.sets_secret("/b.bin", b"\xff\xfe")
    assert not references.sets_secret("/x.yaml", b"a: [\n")
    assert references.sets_secret("/e.yaml", f"parameter_defaults:\n  NovaPassword: {SECRET}\n".encode())
    shipment = shipped({"/a.yaml": b"parameter_defaults: {}\n", "/s.sh": b"KEY=x\n"},
                       [Environment("user", "/a.yaml")], [Reference("user", "/s.sh", "/a.yaml")])
    assert shipment.archive is None


def test_bad_parameters_member_is_refused_without_quoting_it():
    with pytest.raises(PlanInputError, match="parameters.json of the archive of user files: must be a JSON mapping") \
            as refused:
        references.unpack_parameters({references.ARCHIVE_PARAMETERS: f'["{SECRET}"]'.encode()})
    assert SECRET not in str(refused.value)
    assert references.unpack_parameters({"files/a.yaml": b""}) == {}


class Uploads:
    def __init__(self):
        self.archives = []

    def upload(self, data):
        self.archives.append(data)
        return f"upload-{len(self.archives)}"


class Mistral:
    def __init__(self):
        self.inputs = []

    def start(self, workflow, inputs):
        self.inputs.append((workflow, inputs))
        return {"id": "e-1"}

    def watch(self, execution_id, on_progress=None, **options):
        return {"output": {"result": {}}}


def test_the_client_never_puts_a_secret_in_the_execution_input(tmp_path):
    (tmp_path / "nova.yaml").write_text(f"parameter_defaults:\n  NovaPassword: {SECRET}\n")
    (tmp_path / "name.yaml").write_text("parameter_defaults:\n  CloudName: c\n")
    swift = Uploads()
    client = PlanClient(None, swift, templates_dir=str(EXAMPLE), cwd=str(tmp_path))
    plain = client.operation_inputs(PLAN, "deploy", [str(tmp_path / "name.yaml")], parameters={"Debug": True})
    assert plain["parameters"] == {"Debug": True} and "user_upload" not in plain and swift.archives == []
    for given, parameters in (([str(tmp_path / "nova.yaml")], None), ([], {"AdminPassword": SECRET}),
                              ([str(tmp_path / "name.yaml")], {"AdminPassword": SECRET})):
        sent = client.operation_inputs(PLAN, "update", given, parameters=parameters)
        assert SECRET not in json.dumps(sent) and "parameters" not in sent
        assert sent["user_upload"] == f"upload-{len(swift.archives)}"
        assert SECRET.encode() in b"".join(archive.read_archive(swift.archives[-1]).values())


def test_amend_sends_a_file_setting_a_secret_in_the_archive(tmp_path):
    (tmp_path / "pe.yaml").write_text(f"passwords:\n  AdminPassword: {SECRET}\n")
    (tmp_path / "plain.yaml").write_text("parameter_defaults: {CloudName: c}\n")
    swift, mistral = Uploads(), Mistral()
    client = PlanClient(mistral, swift, templates_dir=str(EXAMPLE))
    client.amend_plan(PLAN, {"environments/plain.yaml": str(tmp_path / "plain.yaml")})
    assert "files" in mistral.inputs[-1][1] and swift.archives == []
    client.amend_plan(PLAN, {"plan-environment.yaml": str(tmp_path / "pe.yaml")}, allow_meta=True)
    assert SECRET not in json.dumps(mistral.inputs[-1]) and mistral.inputs[-1][1]["upload"] == "upload-1"


# -- the operations read the parameters back from the upload --------------------------------------

def upload(ctx, name, files=None, parameters=None):
    members = {references.ARCHIVE_PREFIX + p.lstrip("/"): c for p, c in (files or {}).items()}
    if parameters is not None:
        members[references.ARCHIVE_PARAMETERS] = json.dumps(parameters).encode()
    ctx.store.uploads[name] = archive.write_archive(members)


def run(module, ctx, **request):
    started = module.start(module.Request(plan=PLAN, **request), ctx)
    ctx.stacks.settle(PLAN)
    return finish.finish(ctx, PLAN, started["revision"], started["stack"])


def test_parameters_from_the_upload_are_deployed_kept_replayed_and_shown_masked(ctx):
    env = f"parameter_defaults:\n  NovaPassword: {OTHER}\n".encode()
    upload(ctx, "u1", {"/home/stack/nova.yaml": env}, {"AdminPassword": SECRET, "Debug": True})
    run(deploy, ctx, environments=[{"path": "/home/stack/nova.yaml"}], parameters={"Debug": False, "CloudName": "c"},
        user_upload="u1")
    assert "u1" not in ctx.store.uploads
    sent = ctx.stacks.stacks[PLAN]["arguments"]
    assert SECRET in json.dumps(sent)  # Heat gets the value (by design)
    second = ctx.store.revision(PLAN, 2)
    assert stack.read_parameters(ctx.store, PLAN, second) == {"AdminPassword": SECRET, "Debug": True, "CloudName": "c"}
    assert second["parameters"]["display"]["AdminPassword"] == passwords.MASK
    assert SECRET not in json.dumps(second) and OTHER not in json.dumps(second)
    run(update, ctx)  # replayed from the kept inputs
    assert stack.read_parameters(ctx.store, PLAN, ctx.store.revision(PLAN, 3))["AdminPassword"] == SECRET


# -- an export without secrets ------------------------------------------------------------------

def every_text(data):
    texts = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            content = tar.extractfile(member).read()
            texts += every_text(content) if content[:2] == b"\x1f\x8b" else [content.decode("utf-8", "replace")]
    return texts


def test_shareable_masks_parameters_environments_and_replay_archives():
    parameters = json.dumps({"AdminPassword": SECRET, "Debug": True}, sort_keys=True).encode()
    assert json.loads(export.shareable(parameters)) == {"AdminPassword": passwords.MASK, "Debug": True}
    environment = f"parameter_defaults:\n  NovaPassword: {OTHER}\n  CloudName: c\n".encode()
    assert plans.load_yaml("e", export.shareable(environment)) == {
        "parameter_defaults": {"NovaPassword": passwords.MASK, "CloudName": "c"}}
    for kept in (b"#!/bin/sh\necho NovaPassword=x\n", b"\xff\x00", b"parameter_defaults: {CloudName: c}\n",
                 json.dumps({"Debug": True}).encode()):
        assert export.shareable(kept) is kept
    replay = archive.write_archive({plans.sha256(parameters): parameters, plans.sha256(environment): environment})
    shared = export.shareable(replay)
    assert not [t for t in every_text(shared) if SECRET in t or OTHER in t]
    for name, content in archive.read_archive(shared).items():
        assert name == plans.sha256(content)  # renamed to their new contents
    stored = export.shareable_inputs({plans.sha256(replay): replay, plans.sha256(b"x: 1\n"): b"x: 1\n"})
    assert plans.sha256(b"x: 1\n") in stored and plans.sha256(replay) not in stored
    assert all(name == plans.sha256(content) for name, content in stored.items())


def test_an_export_without_secrets_holds_no_secret_and_imports(ctx, plan_files):
    upload(ctx, "u1", {"/home/stack/nova.yaml": f"parameter_defaults:\n  NovaPassword: {OTHER}\n".encode()},
           {"AdminPassword": SECRET})
    run(deploy, ctx, environments=[{"path": "/home/stack/nova.yaml"}], user_upload="u1")
    environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, plan_files[plans.PLAN_ENVIRONMENT])
    generated = [v for v in environment["passwords"].values() if isinstance(v, str)]
    state = export.read_state(ctx, export.Request(PLAN))
    data = export.prepare(export.Request(PLAN, include_secrets=False), state)
    texts = every_text(data)
    assert [s for s in [SECRET, OTHER, *generated] if any(s in t for t in texts)] == []
    with_secrets = every_text(export.prepare(export.Request(PLAN), state))
    assert any(SECRET in t for t in with_secrets) and any(OTHER in t for t in with_secrets)
    unpacked = export.unpack(archive.read_archive(data))  # every input checks against its sha256
    assert len(unpacked.inputs) == len(state.inputs)
