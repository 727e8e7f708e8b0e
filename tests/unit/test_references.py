"""The client's side of ``-e FILE``: what an argument names, what a user file brings along, how it ships."""
import pytest

from tripleo_plan_actions.core import archive, references
from tripleo_plan_actions.core.references import Environment, MissingUserFile, Reference
from tripleo_plan_actions.errors import PlanInputError

TEMPLATES = "/usr/share/tht"

ENV = b"""resource_registry:
  OS::TripleO::Compute::Net: nested/net.yaml
  OS::TripleO::Alias: OS::Heat::None
  OS::TripleO::Tht: /usr/share/tht/network/config/bond.yaml
  resources:
    compute-0:
      OS::TripleO::Special: ./special.yaml
  hooks: pre-create
parameter_defaults:
  CloudName: x
"""
NESTED = b"""heat_template_version: wallaby
resources:
  Config:
    type: OS::Heat::SoftwareConfig
    properties:
      config: {get_file: scripts/run.sh}
  Deeper:
    type: ../deeper.yaml
"""
DEEPER = b"""heat_template_version: wallaby
resources:
  Again:
    type: nested/net.yaml
  Data:
    type: OS::Heat::Value
    properties: {value: {get_file: "file:///srv/data.bin"}}
"""


def disk():
    return {"/home/stack/env.yaml": ENV, "/home/stack/nested/net.yaml": NESTED,
            "/home/stack/nested/scripts/run.sh": b"#!/bin/sh\necho: [not yaml\n",
            "/home/stack/deeper.yaml": DEEPER, "/home/stack/special.yaml": b"heat_template_version: wallaby\n",
            "/srv/data.bin": b"\xff\x00binary"}


def test_classify_plan_files_user_files_and_missing_ones():
    local = disk()
    assert references.classify("/usr/share/tht/environments/network-environment.yaml", "/home/stack", TEMPLATES,
                               local) == Environment("plan", "environments/network-environment.yaml")
    # relative to the working directory, inside the templates tree: still the plan's own file
    assert references.classify("environments/x.yaml", "/usr/share/tht", TEMPLATES, local) == \
        Environment("plan", "environments/x.yaml")
    assert references.classify("env.yaml", "/home/stack", TEMPLATES, local) == \
        Environment("user", "/home/stack/env.yaml")
    assert references.classify("/home/stack/./nested/../env.yaml", "/", None, local) == \
        Environment("user", "/home/stack/env.yaml")
    # a relative path that is not a local file names a file of the plan (a render output, say)
    assert references.classify("environments/debug.yaml", "/home/stack", TEMPLATES, local) == \
        Environment("plan", "environments/debug.yaml")
    with pytest.raises(MissingUserFile, match="^/home/stack/typo.yaml does not exist$"):
        references.classify("/home/stack/typo.yaml", "/", TEMPLATES, local)
    with pytest.raises(MissingUserFile, match="^/home/typo.yaml does not exist$"):
        references.classify("../typo.yaml", "/home/stack", TEMPLATES, local)


def test_closure_follows_registry_types_and_get_file_recursively():
    found = references.user_file_closure(["/home/stack/env.yaml"], disk(), TEMPLATES)
    assert found == [
        Reference("user", "/home/stack/nested/net.yaml", "/home/stack/env.yaml"),
        Reference("plan", "network/config/bond.yaml", "/home/stack/env.yaml"),
        Reference("user", "/home/stack/special.yaml", "/home/stack/env.yaml"),
        Reference("user", "/home/stack/nested/scripts/run.sh", "/home/stack/nested/net.yaml"),
        Reference("user", "/home/stack/deeper.yaml", "/home/stack/nested/net.yaml"),
        Reference("user", "/srv/data.bin", "/home/stack/deeper.yaml"),
    ]


def test_closure_names_the_missing_file_and_its_referrer():
    files = disk()
    del files["/home/stack/deeper.yaml"]
    with pytest.raises(MissingUserFile) as missing:
        references.user_file_closure(["/home/stack/env.yaml"], files, TEMPLATES)
    assert str(missing.value) == ("/home/stack/deeper.yaml does not exist (referenced by "
                                  "/home/stack/nested/net.yaml: type -> ../deeper.yaml)")
    assert missing.value.referenced_by == "/home/stack/nested/net.yaml"
    with pytest.raises(MissingUserFile, match="^/home/stack/gone.yaml does not exist$"):
        references.user_file_closure(["/home/stack/gone.yaml"], files)


def test_closure_without_templates_dir_ships_what_is_local_and_refuses_remote_references():
    files = {**disk(), "/usr/share/tht/network/config/bond.yaml": b"heat_template_version: wallaby\n"}
    found = references.user_file_closure(["/home/stack/env.yaml"], files, None)
    assert Reference("user", "/usr/share/tht/network/config/bond.yaml", "/home/stack/env.yaml") in found
    with pytest.raises(PlanInputError, match="remote references are not supported"):
        references.user_file_closure(["/e.yaml"], {"/e.yaml": b"resource_registry:\n  A::B: http://x/t.yaml\n"})


def test_closure_reports_yaml_errors_with_line_and_refuses_a_broken_template():
    with pytest.raises(PlanInputError, match=r"^/e.yaml, line 2, column \d+: YAML does not parse"):
        references.user_file_closure(["/e.yaml"], {"/e.yaml": b"parameter_defaults:\n  a: b: c\n"})
    broken = {"/e.yaml": b"resource_registry:\n  A::B: t.yaml\n", "/t.yaml": b"x: [\n"}
    with pytest.raises(PlanInputError, match="^/t.yaml, line"):
        references.user_file_closure(["/e.yaml"], broken)
    with pytest.raises(PlanInputError, match="must be a mapping"):
        references.user_file_closure(["/e.yaml"], {"/e.yaml": b"- a\n"})


def test_ship_inline_when_small_text():
    files = {"/a.yaml": b"resource_registry:\n  A::B: t.yaml\n", "/t.yaml": b"heat_template_version: wallaby\n"}
    environments = [Environment("plan", "environments/debug.yaml"), Environment("user", "/a.yaml")]
    closure = references.user_file_closure(["/a.yaml"], files)
    shipment = references.ship(environments, closure, files, inline_limit=1000)
    assert shipment.archive is None
    assert shipment.environments == [{"path": "environments/debug.yaml"},
                                     {"path": "/a.yaml", "content": files["/a.yaml"].decode()}]
    assert shipment.user_files == {"/t.yaml": "heat_template_version: wallaby\n"}


def test_ship_archive_when_large_or_binary_and_unpack_gives_the_files_back():
    files = {"/a.yaml": b"resource_registry:\n  A::B: t.yaml\n", "/t.yaml": b"heat_template_version: wallaby\n"}
    environments = [Environment("user", "/a.yaml"), Environment("plan", "environments/x.yaml")]
    closure = references.user_file_closure(["/a.yaml"], files)
    too_big = references.ship(environments, closure, files, inline_limit=10)
    assert too_big.environments == [{"path": "/a.yaml"}, {"path": "environments/x.yaml"}]
    assert too_big.user_files == {}
    assert too_big.archive == {"files/a.yaml": files["/a.yaml"], "files/t.yaml": files["/t.yaml"]}
    members = archive.read_archive(archive.write_archive(too_big.archive))
    assert references.unpack(members) == files
    binary = {"/a.yaml": b"parameter_defaults: {}\n", "/b.bin": b"\xff"}
    shipped = references.ship([Environment("user", "/a.yaml")], [Reference("user", "/b.bin", "/a.yaml")], binary)
    assert shipped.archive is not None and set(shipped.archive) == {"files/a.yaml", "files/b.bin"}
    with pytest.raises(PlanInputError, match="not a user file"):
        references.unpack({"plan/x.yaml": b""})


def test_inline_limit_respects_mistrals_field_limit():
    # Mistral 23's default [engine] execution_field_size_limit_kb is 1024: inline content, even
    # JSON-escaped to twice its size, stays far below it.
    assert 2 * references.INLINE_LIMIT < 1024 * 1024 / 4
