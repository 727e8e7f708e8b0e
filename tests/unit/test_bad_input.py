"""Bad input never hurts the undercloud, and is refused before anything is sent or written (#15).

YAML alias bombs and oversize documents are refused while they are parsed, naming the file, by
every parser of operator or plan YAML: the plan's, Heat's environment reader, the local render's,
the client's inline values; the thin client refuses them before it sends anything."""
import re
import resource
import time

import pytest
import yaml

from tests.unit import test_operations as operations
from tripleo_plan_actions import client
from tripleo_plan_actions.client import commands, local_render
from tripleo_plan_actions.core import archive, bounded_yaml, environment, history, plan as plans
from tripleo_plan_actions.core.archive import ArchiveError, OversizeFile
from tripleo_plan_actions.core.bounded_yaml import YAMLLimitError
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations import deploy, update
from tripleo_plan_actions.operations.plans import amend, create, importing


def bomb(levels=9, width=9):
    """"Billion laughs": ``width ** levels`` strings from a few hundred bytes."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * width) + "]" for n in range(1, levels + 1)]
    return "parameter_defaults:\n" + "".join(f"  {line}\n" for line in lines)


def merge_bomb(levels=12):
    """The same through merge keys: each level merges the one below twice."""
    lines = ["m0: &m0 {a: 1}"]
    lines += [f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}], k{n}: {n}}}" for n in range(1, levels + 1)]
    return "parameter_defaults:\n" + "".join(f"  {line}\n" for line in lines)


PARSERS = [
    ("plan", lambda name, text: plans.load_yaml(name, text)),
    ("environment", lambda name, text: environment.parse_document(name, text)),
    ("pure-python", lambda name, text: bounded_yaml.load(name, text, bounded_yaml.bounded(yaml.SafeLoader))),
]


@pytest.mark.parametrize("parser", [p for _, p in PARSERS], ids=[n for n, _ in PARSERS])
@pytest.mark.parametrize("text,limit", [
    (bomb(), "its aliases expand to more than 500000 nodes"),
    (merge_bomb(40), "its aliases expand to more than 500000 nodes"),
    ("[" + ",".join(["a"] * 600_000) + "]", "it holds more than 500000 nodes"),
    ("- " * 150 + "deep\n", "it nests deeper than 100 levels"),
    ("a: &a [1, *a]\n", "an alias refers to a node that holds it"),
    ("d0: &d0 [x]\n" + "".join(f"d{n}: &d{n} [*d{n - 1}]\n" for n in range(1, 120)),
     "its aliases nest deeper than 100"),
])
def test_every_parser_refuses_while_parsing_naming_the_file(parser, text, limit):
    started = time.process_time()
    with pytest.raises(YAMLLimitError, match=f"^/home/stack/bomb.yaml: refused: {limit}"):
        parser("/home/stack/bomb.yaml", text)
    assert time.process_time() - started < (5 if parser is not PARSERS[2][1] else 30)  # the pure-Python scanner


def test_a_bomb_costs_no_memory_to_refuse():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(YAMLLimitError):
        environment.parse_document("/home/stack/bomb.yaml", bomb(levels=12))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB


def test_an_oversize_document_is_refused_before_it_is_parsed():
    big = "a: '" + "x" * (bounded_yaml.MAX_BYTES) + "'\n"
    with pytest.raises(OversizeFile, match=r"^big.yaml: \d+ bytes is over the limit of 8388608 bytes per file"):
        plans.load_yaml("big.yaml", big.encode())
    with pytest.raises(OversizeFile, match="^big.yaml: .* over the limit"):
        environment.parse_document("big.yaml", big)


def test_normal_anchors_aliases_and_merge_keys_still_load():
    text = "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerged: {<<: *b, z: 3}\nwhen: 2016-10-14\n"
    assert plans.load_yaml("ok.yaml", text)["merged"] == {"x": 1, "y": [1, 2], "z": 3}
    assert environment.parse_document("ok.yaml", text)["when"] == "2016-10-14"  # Heat's timestamps
    assert bounded_yaml.expansion(yaml.compose(text)) == (31, 5)


def test_a_syntax_error_is_still_named_with_its_line():
    with pytest.raises(plans.PlanInputError, match="^e.yaml, line 2, column 2: YAML does not parse"):
        environment.parse_document("e.yaml", "a: [1\nb: 2\n")


def test_inline_values_of_the_cli_are_bounded():
    value = bomb().replace("parameter_defaults:\n", "").replace("\n  ", ", ").strip()
    with pytest.raises(YAMLLimitError, match="^--parameter Laughs: refused: its aliases expand"):
        commands._pairs(["Laughs={" + value + "}"], "--parameter")


def test_the_local_render_refuses_a_bomb_in_its_roles_file(tmp_path):
    roles = tmp_path / "roles_data.yaml"
    roles.write_text(bomb())
    with pytest.raises(YAMLLimitError, match=f"^{roles}: refused"):
        local_render._load_yaml(str(roles))


class Recording:
    """A Mistral and a Swift that record every call (and would fail the test by answering nothing)."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append(name)


def test_the_thin_client_refuses_a_bomb_before_anything_is_sent(tmp_path):
    env = tmp_path / "laughs.yaml"
    env.write_text(bomb())
    mistral, swift = Recording(), Recording()
    plan_client = client.PlanClient(mistral, swift, templates_dir=str(tmp_path / "tht"))
    with pytest.raises(YAMLLimitError, match=f"^{env}: refused: its aliases expand"):
        plan_client.deploy("overcloud", [str(env)])
    assert mistral.calls == [] and swift.calls == []


# -- oversize files: refused from their size, before they are read whole ----------------------

BIG = 50 * 1024 * 1024


def sparse(path, size=BIG):
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path


def test_the_client_refuses_an_oversize_file_from_its_size_before_anything_is_sent(tmp_path, monkeypatch):
    env = sparse(tmp_path / "big.yaml")
    mistral, swift = Recording(), Recording()
    plan_client = client.PlanClient(mistral, swift, templates_dir=str(tmp_path / "tht"))
    read = []
    monkeypatch.setattr(client.api.LocalFiles, "__getitem__", lambda self, path: read.append(path))
    limit = f"{BIG} bytes is over the limit of 8388608 bytes per file"
    with pytest.raises(OversizeFile, match=f"^{env}: {limit}$"):
        plan_client.deploy("overcloud", [str(env)])
    with pytest.raises(OversizeFile, match=f"^{env}: {limit}$"):
        plan_client.amend_plan("overcloud", {"environments/big.yaml": str(env)})
    with pytest.raises(OversizeFile, match=f"^{env}: {limit}$"):
        plan_client.create_plan("overcloud", templates_dir="/tht", roles_file=str(env))
    tree = tmp_path / "tree"
    tree.mkdir()
    sparse(tree / "overcloud.yaml")
    with pytest.raises(OversizeFile, match=f"^{tree}/overcloud.yaml: {limit}$"):
        plan_client.create_plan("overcloud", templates=str(tree))
    with pytest.raises(OversizeFile, match="export.tar.gz: 300000000 bytes is over the limit of 268435456"):
        plan_client.import_plan("overcloud", str(sparse(tmp_path / "export.tar.gz", 300_000_000)))
    assert read == [] and mistral.calls == [] and swift.calls == []


def test_refusing_a_50_mb_environment_costs_the_client_no_memory(tmp_path):
    """ru_maxrss of a whole ``tripleo-plan deploy -e <50 MB file>`` process, against the same
    process refusing a missing file: the same (the file is never read)."""
    import subprocess
    import sys

    sparse(tmp_path / "big.yaml")
    script = ("import resource, sys; from tripleo_plan_actions.client import cli; "
              "code = cli.main(['--mistral-url', 'http://127.0.0.1:9/v2', 'deploy', 'p', '-e', sys.argv[1], "
              "'--no-progress']); print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    peaks, errors = {}, {}
    for name in ("big.yaml", "missing.yaml"):
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], capture_output=True, text=True,
                              env={"TRIPLEO_PLAN_ACTIONS_CONFIG": str(tmp_path / "none.yaml")}, check=True)
        code, peaks[name] = map(int, done.stdout.split())
        errors[name] = done.stderr
        assert code == 1
    assert f"{tmp_path}/big.yaml: 52428800 bytes is over the limit of 8388608 bytes per file" in errors["big.yaml"]
    assert peaks["big.yaml"] - peaks["missing.yaml"] < 10 * 1024, peaks  # KiB
    print(f"client peak refusing a 50 MB -e file: {peaks['big.yaml'] // 1024} MiB "
          f"(a missing file: {peaks['missing.yaml'] // 1024} MiB)")


def test_the_local_render_refuses_an_oversize_roles_file_unread(tmp_path):
    roles = sparse(tmp_path / "roles_data.yaml")
    with pytest.raises(YAMLLimitError, match=f"^{roles}: {BIG} bytes is over the limit of 8388608 bytes per file"):
        local_render._load_yaml(str(roles))


PLAN, snapshot = operations.PLAN, operations.snapshot


def test_the_operations_refuse_oversize_inline_content_before_anything_is_written(ctx):
    big = "parameter_defaults: {A: '" + "x" * (8 * 1024 * 1024) + "'}\n"
    before = snapshot(ctx)
    with pytest.raises(OversizeFile, match=r"^environments\[0\]: /home/stack/big.yaml: \d+ bytes is over the "
                                           "limit of 8388608 bytes per file"):
        deploy.start(deploy.Request(plan=PLAN, environments=[{"path": "/home/stack/big.yaml", "content": big}]), ctx)
    with pytest.raises(OversizeFile, match="^user_files: /home/stack/n.yaml: .* over the limit"):
        deploy.start(deploy.Request(plan=PLAN, user_files={"/home/stack/n.yaml": big}), ctx)
    with pytest.raises(OversizeFile, match="^file environments/big.yaml: .* over the limit"):
        amend.start(amend.Request(plan=PLAN, files={"environments/big.yaml": big}), ctx)
    with pytest.raises(OversizeFile, match="^file roles_data.yaml: .* over the limit"):
        create.start(create.Request(plan="other", templates_dir="/nowhere", roles_data=big), ctx)
    assert snapshot(ctx) == before and ctx.store.writes == []


# -- refused environments: nothing written, the operator's file and section named --------------

REFUSED_ENVIRONMENTS = [
    ("bogus: 1\nparameter_defaults: {Debug: true}\n", "/home/stack/e.yaml: unknown environment section bogus"),
    ("resource_registry: [a.yaml]\n", "/home/stack/e.yaml: resource_registry must be a mapping, not a list"),
    ("parameter_defaults: [Debug]\n", "/home/stack/e.yaml: parameter_defaults must be a mapping of parameter "
                                      "names to values, not a list"),
    ("parameters: Debug\n", "/home/stack/e.yaml: parameters must be a mapping of parameter names to values, "
                            "not a string"),
]


@pytest.mark.parametrize("content,message", REFUSED_ENVIRONMENTS)
@pytest.mark.parametrize("first", [True, False], ids=["deploy", "update"])
def test_a_refused_environment_writes_nothing(ctx, content, message, first):
    if not first:
        operations.deployed(ctx)
    module = deploy if first else update
    before = snapshot(ctx)
    writes = list(ctx.store.writes)
    with pytest.raises(PlanInputError, match=f"^{re.escape(message)}"):
        module.start(module.Request(plan=PLAN, environments=[{"path": "/home/stack/e.yaml", "content": content}]),
                     ctx)
    assert snapshot(ctx) == before and ctx.store.writes == writes


def test_an_empty_templates_directory_is_named_before_anything_is_sent(tmp_path):
    (tmp_path / "tht").mkdir()
    (tmp_path / "tht" / ".hidden").write_text("x")
    mistral, swift = Recording(), Recording()
    with pytest.raises(PlanInputError, match=f"^templates directory {tmp_path}/tht holds no files"):
        client.PlanClient(mistral, swift).create_plan("overcloud", templates=str(tmp_path / "tht"))
    assert mistral.calls == [] and swift.calls == []


def test_an_empty_templates_directory_on_the_undercloud_is_named(ctx, tmp_path):
    with pytest.raises(PlanInputError, match=f"^templates directory {tmp_path} on the undercloud holds no files"):
        create.start(create.Request(plan="other", templates_dir=str(tmp_path)), ctx)


def test_a_file_that_is_not_an_archive_is_named_by_the_client_and_by_the_import(ctx, tmp_path):
    junk = tmp_path / "plan.tar.gz"
    junk.write_bytes(b"PK\x03\x04 a zip, not a tar")
    mistral, swift = Recording(), Recording()
    with pytest.raises(PlanInputError, match=f"^{junk} is not a plan archive"):
        client.PlanClient(mistral, swift).import_plan("other", str(junk))
    assert mistral.calls == [] and swift.calls == []
    ctx.store.uploads["u-1"] = junk.read_bytes()
    with pytest.raises(ArchiveError, match=r"^the uploaded file u-1 is not a plan archive \(not a readable tar "
                                           r"archive, plain or compressed with gzip, bzip2 or xz\)$"):
        importing.start(importing.Request(plan="other", upload="u-1"), ctx)
    with pytest.raises(ArchiveError, match="^the archive holds no files$"):
        archive.read_archive(archive.write_archive({}))


# -- parameters no template declares; values Heat would refuse ---------------------------------

def env(content):
    return [{"path": "/home/stack/e.yaml", "content": content}]


@pytest.mark.parametrize("request_,message", [
    ({"parameters": {"NoSuchParam": 1}}, "^parameters: NoSuchParam is not declared by any template of plan overcloud$"),
    ({"parameters": {"Debug": "maybe"}}, r"^parameters: Debug: 'maybe' is not a boolean \(the parameter's type is "
                                         r"boolean\); Heat would refuse it$"),
    ({"environments": env("parameter_defaults: {Debug: [1]}\n")},
     r"^/home/stack/e.yaml: parameter_defaults: Debug: \[1\] is not a boolean"),
    ({"environments": env("parameters: {ComputeCount: [2]}\n")},
     r"^/home/stack/e.yaml: parameters: ComputeCount: \[2\] is not a number"),
    ({"environments": env("parameter_defaults: {NoSuch: 1, Other: 2}\n"), "strict": True},
     "^strict: /home/stack/e.yaml: parameter_defaults NoSuch, Other are not declared by any template of the plan$"),
])
@pytest.mark.parametrize("first", [True, False], ids=["deploy", "update"])
def test_undeclared_parameters_and_wrong_types_are_refused_before_anything_is_written(ctx, request_, message,
                                                                                       first):
    if not first:
        operations.deployed(ctx)
    module = deploy if first else update
    before, writes = snapshot(ctx), list(ctx.store.writes)
    with pytest.raises(PlanInputError, match=message):
        module.start(module.Request(plan=PLAN, **request_), ctx)
    assert snapshot(ctx) == before and ctx.store.writes == writes


def test_undeclared_parameter_defaults_are_warnings_in_the_result_and_the_record(ctx):
    warning = "/home/stack/e.yaml: parameter_defaults NoSuch is not declared by any template of the plan"
    request_ = {"environments": env("parameter_defaults: {NoSuch: 1, Debug: true, ComputeCount: 1}\n")}
    dry = deploy.start(deploy.Request(plan=PLAN, dry_run=True, **request_), ctx)
    assert dry["warnings"] == [warning]
    started = deploy.start(deploy.Request(plan=PLAN, **request_), ctx)
    assert started["warnings"] == [warning]
    ctx.stacks.settle(PLAN)
    done = operations.finish.finish(ctx, PLAN, started["revision"], started["stack"])
    assert done["warnings"] == [warning] and operations.record(ctx, 2)["warnings"] == [warning]
    assert history.show(operations.record(ctx, 2))["warnings"] == [warning]
    assert operations.run(update, ctx)["warnings"] == [warning]  # replayed: still reported


def test_the_plans_own_role_parameters_are_declared(ctx):
    done = operations.run(deploy, ctx, environments=env("parameter_defaults: {ControllerCount: 1, ComputeCount: 2, "
                                                        "CloudName: c, AdminPassword: p}\n"),
                          parameters={"ComputeCount": 3, "Debug": "true"})
    assert done["warnings"] == []


def test_the_cli_prints_the_warnings_and_sends_strict(monkeypatch, capsys):
    from tripleo_plan_actions.client import cli

    sent = {}

    def operate(self, plan, operation, environments, **options):
        sent.update(options)
        return {"plan": plan, "warnings": ["/home/stack/e.yaml: parameter_defaults X is not declared"]}

    monkeypatch.setattr(client.PlanClient, "operate", operate)
    monkeypatch.setattr(client.PlanClient, "from_environment", classmethod(lambda cls, *a, **k: cls(None)))
    assert cli.main(["deploy", "overcloud", "--strict", "--no-progress", "-f", "value", "-c", "plan"]) == 0
    assert sent["strict"] is True
    assert "WARNING: /home/stack/e.yaml: parameter_defaults X is not declared" in capsys.readouterr().err
    assert client.PlanClient(None).operation_inputs("overcloud", "update", strict=True)["strict"] is True


@pytest.mark.parametrize("header", [b"not json", b"[1, 2]", b"[" * 100_000 + b"]" * 100_000])
def test_an_export_whose_header_is_not_json_is_named(ctx, header):
    ctx.store.uploads["u-2"] = archive.write_archive({"export.json": header})
    with pytest.raises(PlanInputError, match="^not a plan export: its export.json is not a JSON mapping$"):
        importing.start(importing.Request(plan="other", upload="u-2"), ctx)
    assert ctx.store.writes == []


def test_no_module_parses_yaml_but_through_the_bounded_loader():
    """Every YAML parse of the pack goes through core/bounded_yaml (the settings file and the
    workbooks too); only the local undercloud's tooling is left."""
    from pathlib import Path

    root = Path(bounded_yaml.__file__).resolve().parents[1]
    allowed = {"core/bounded_yaml.py"}
    calls = re.compile(r"\byaml\.(load|safe_load|full_load|unsafe_load|load_all|safe_load_all|compose)\(")
    found = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                   if calls.search(path.read_text()) and str(path.relative_to(root)) not in allowed
                   and not str(path.relative_to(root)).startswith("undercloud/"))
    assert found == []


def test_a_bomb_in_a_templates_tree_is_refused_at_create_naming_it(ctx, plan_files):
    tree = {path: content for path, content in plan_files.items() if path != plans.PLAN_ENVIRONMENT}
    ctx.store.uploads["u-3"] = archive.write_archive({**tree, "environments/laughs.yaml": bomb().encode()})
    before = snapshot(ctx)
    with pytest.raises(YAMLLimitError, match="^environments/laughs.yaml: refused: its aliases expand"):
        create.start(create.Request(plan="other", upload="u-3"), ctx)
    assert snapshot(ctx) == before and "other" not in ctx.store.plans


def test_an_upload_over_the_archive_limit_is_refused_from_its_length_before_its_body_is_read():
    from tripleo_plan_actions.storage.swift import SwiftPlanStore

    class Body:
        closed = False

        def __iter__(self):
            raise AssertionError("the body was read")

        def close(self):
            Body.closed = True

    class Connection:
        def get_object(self, container, name, resp_chunk_size=None):
            assert resp_chunk_size  # streamed: the headers come before the body
            return {"content-length": str(archive.MAX_TOTAL_BYTES + 1)}, Body()

    with pytest.raises(PlanInputError, match=r"^the uploaded archive tripleo-plan-uploads/u-1: 268435457 bytes is "
                                             r"over the limit of 268435456 bytes$"):
        SwiftPlanStore(Connection()).take_upload("u-1")
    assert Body.closed
