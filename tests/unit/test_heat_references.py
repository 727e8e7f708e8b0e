"""Heat's reference rules, walked once (core.heat_references): what is a reference, in which order, what it names."""
import copy

import pytest

from tripleo_plan_actions.core import environment, heat_references as walker, references
from tripleo_plan_actions.core.heat_references import Ref, RemoteReference
from tripleo_plan_actions.errors import PlanInputError

REGISTRY = {
    "OS::TripleO::Net": "net.yaml",
    "OS::TripleO::Off": "OS::Heat::None",
    "OS::TripleO::Script": "run.sh",
    "OS::TripleO::Old": "old.template",
    "resources": {
        "compute-0": {"OS::TripleO::Net": "../special.yaml", "hooks": "pre-create.yaml"},
        "compute-1": "not-a-mapping.yaml",
        "compute-2": {"restricted_actions": ["replace"], "OS::TripleO::X": "OS::Heat::Value"},
    },
    "hooks": "x.yaml",
    "restricted_actions": "y.yaml",
    "OS::TripleO::Count": 3,
}
TEMPLATE = {
    "heat_template_version": "wallaby",
    "resources": {
        "Nested": {"type": "nested/a.yaml"},
        "Plain": {"type": "OS::Heat::None"},
        "Shell": {"type": "script.sh"},
        "Config": {"type": "OS::Heat::SoftwareConfig",
                   "properties": {"config": {"get_file": "scripts/run.sh"},
                                  "list": [{"get_file": "file:///srv/data.bin"}, {"type": "b.template"}]}},
        "Group": {"type": "OS::Heat::ResourceGroup",
                  "properties": {"resource_def": {"type": "OS::TripleO::Role"}}},
        "NotAString": {"type": {"get_file": "inner.yaml"}},
    },
}


def test_registry_references_top_level_first_then_each_resource_mapping():
    assert walker.registry_references(REGISTRY) == [
        Ref("net.yaml", "resource_registry OS::TripleO::Net", True, True),
        Ref("run.sh", "resource_registry OS::TripleO::Script", False, True),
        Ref("old.template", "resource_registry OS::TripleO::Old", True, True),
        Ref("../special.yaml", "resource_registry OS::TripleO::Net of resource compute-0", True, True),
    ]


def test_registry_that_is_not_a_mapping_has_no_references():
    assert walker.registry_references(None) == []
    assert walker.registry_references(["a.yaml"]) == []
    assert walker.registry_references({"resources": "r.yaml"}) == [
        Ref("r.yaml", "resource_registry resources", True, True)]


def test_rewrite_registry_replaces_only_references_and_keeps_the_rest():
    given = copy.deepcopy(REGISTRY)
    rewritten = walker.rewrite_registry(given, lambda ref: "<" + ref.value + ">")
    assert given == REGISTRY  # a copy: the input is not changed
    assert rewritten == {
        **REGISTRY,
        "OS::TripleO::Net": "<net.yaml>", "OS::TripleO::Script": "<run.sh>",
        "OS::TripleO::Old": "<old.template>",
        "resources": {**REGISTRY["resources"],
                      "compute-0": {"OS::TripleO::Net": "<../special.yaml>", "hooks": "pre-create.yaml"}},
    }
    assert list(rewritten) == list(REGISTRY)


def test_rewrite_registry_enters_each_scope_before_its_entries():
    events = []
    walker.rewrite_registry(REGISTRY, lambda ref: events.append(ref.value),
                            lambda where, entries: events.append(("enter", where)))
    assert events == [("enter", ""), "net.yaml", "run.sh", "old.template",
                      ("enter", " of resource compute-0"), "../special.yaml",
                      ("enter", " of resource compute-2")]


def test_template_references_depth_first_in_mapping_order():
    assert walker.template_references(TEMPLATE) == [
        Ref("nested/a.yaml", "type", True, False),
        Ref("scripts/run.sh", "get_file", False, False),
        Ref("file:///srv/data.bin", "get_file", False, False),
        Ref("b.template", "type", True, False),
        Ref("inner.yaml", "get_file", False, False),  # a type that is not a string is walked into
    ]


def test_only_templates_have_template_references():
    body = {key: value for key, value in TEMPLATE.items() if key != "heat_template_version"}
    assert walker.template_references(body) == []
    assert walker.template_references([TEMPLATE]) == []
    assert walker.template_references(None) == []
    for key in walker.VERSION_KEYS:
        assert walker.is_template({key: "x"})
        assert walker.template_references({key: "x", "R": {"get_file": "f"}}) == [Ref("f", "get_file", False, False)]
    assert not walker.is_template("heat_template_version: wallaby")


def test_rewrite_template_copies_and_renames():
    given = copy.deepcopy(TEMPLATE)
    names = iter(range(100))
    rewritten = walker.rewrite_template(given, lambda ref: f"{ref.what}-{next(names)}")
    assert given == TEMPLATE
    resources = rewritten["resources"]
    assert resources["Nested"] == {"type": "type-0"}
    assert resources["Plain"] == {"type": "OS::Heat::None"}
    assert resources["Shell"] == {"type": "script.sh"}  # not a template name: a type, kept
    assert resources["Config"]["properties"] == {"config": {"get_file": "get_file-1"},
                                                 "list": [{"get_file": "get_file-2"}, {"type": "type-3"}]}
    assert resources["NotAString"] == {"type": {"get_file": "get_file-4"}}


@pytest.mark.parametrize("reference, referrer, expected", [
    ("a.yaml", "/home/stack/env.yaml", "/home/stack/a.yaml"),
    ("../a.yaml", "/home/stack/env.yaml", "/home/a.yaml"),
    ("./n/../a.yaml", "/home/stack/env.yaml", "/home/stack/a.yaml"),
    ("a.yaml", "/env.yaml", "/a.yaml"),
    ("/srv//x/./a.yaml", "/home/stack/env.yaml", "/srv/x/a.yaml"),
    ("//srv/a.yaml", "environments/e.yaml", "/srv/a.yaml"),
    ("file:///srv/my%20dir/a.yaml", "/home/stack/env.yaml", "/srv/my dir/a.yaml"),
    ("file:///srv/a.yaml", "environments/e.yaml", "/srv/a.yaml"),
    # relative to a plan path: a plan path, which may leave the plan's tree
    ("../network/a.yaml", "environments/e.yaml", "network/a.yaml"),
    ("a.yaml", "overcloud.yaml", "a.yaml"),
    ("../../a.yaml", "environments/e.yaml", "../a.yaml"),
    ("../..", "environments/e.yaml", ".."),
    ("..", "environments/e.yaml", "."),
])
def test_resolve_relative_to_the_referrer_file_urls_and_absolute_paths(reference, referrer, expected):
    assert walker.resolve(reference, referrer) == expected


@pytest.mark.parametrize("reference", ["http://example.com/a.yaml", "https://x/a.yaml", "swift://c/a.yaml"])
def test_resolve_refuses_remote_references(reference):
    with pytest.raises(RemoteReference) as refused:
        walker.resolve(reference, "/home/stack/env.yaml")
    assert isinstance(refused.value, PlanInputError)
    assert refused.value.reference == reference
    assert str(refused.value) == f"{reference}: remote references are not supported"


def test_normal_path():
    assert walker.normal_path("//a/./b/../c/") == "/a/c"
    assert walker.normal_path("a/b") == "/a/b"
    assert walker.normal_path("/") == "/"


# -- one walker, two callers: the client ships exactly the user files the builder gives Heat ------

HOT = b"heat_template_version: wallaby\n"
USER = {
    "/home/stack/env.yaml": b"""resource_registry:
  OS::TripleO::A: nested/a.yaml
  OS::TripleO::Off: OS::Heat::None
  OS::TripleO::Plan: /usr/share/tht/puppet/role.yaml
  resources:
    r1: {OS::TripleO::B: ../b.yaml, hooks: pre-create}
""",
    "/home/stack/nested/a.yaml": HOT + b"""resources:
  S: {type: OS::Heat::SoftwareConfig, properties: {config: {get_file: scripts/run.sh}}}
  C: {type: c.template}
""",
    "/home/stack/nested/scripts/run.sh": b"#!/bin/sh\n",
    "/home/stack/nested/c.template": HOT + b"resources:\n  D: {type: 'file:///srv/d.yaml'}\n",
    "/home/b.yaml": HOT,
    "/srv/d.yaml": HOT + b"outputs: {o: {value: {get_file: /srv/data.bin}}}\n",
    "/srv/data.bin": b"\xff\x00",
}
PLAN = {"overcloud.yaml": HOT + b"resources:\n  R: {type: puppet/role.yaml}\n",
        "puppet/role.yaml": HOT + b"resources:\n  U: {type: ../../../../home/b.yaml}\n"}


def test_the_client_ships_what_the_builder_gives_heat():
    closure = references.user_file_closure(["/home/stack/env.yaml"], USER, "/usr/share/tht")
    shipped = {r.path for r in closure if r.source == "user"}
    assert {r.path for r in closure if r.source == "plan"} == {"puppet/role.yaml"}
    arguments = environment.heat_arguments(PLAN, [{"user_path": "/home/stack/env.yaml"}],
                                           user_files={path: USER[path] for path in shipped | {"/home/stack/env.yaml"}},
                                           templates_dir="/usr/share/tht")
    given = {name[len(environment.USER_FILES) - 1:] for name in arguments["files"]
             if name.startswith(environment.USER_FILES)}
    assert given == shipped | {"/home/stack/env.yaml"}
    assert shipped == set(USER) - {"/home/stack/env.yaml"}
