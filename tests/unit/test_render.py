"""The pure renderer on small hand-written template sets (THT's rules; no download).

tests/functional/test_render_matches_tht.py proves the same rules byte for byte against THT's tool.
"""
from __future__ import annotations

import copy
import io
import os
import stat
from contextlib import redirect_stdout

import pytest

from tripleo_plan_actions.client import local_render
from tripleo_plan_actions.core import render as rendering
from tripleo_plan_actions.core.plan import PlanInputError
from tripleo_plan_actions.core.render import Renderer, RenderError, render

ROLES = [{"name": "Controller", "tags": ["primary", "controller"]}, {"name": "Compute"}]
NETWORKS = [{"name": "InternalApi", "name_lower": "internal_api"}, {"name": "Tenant"},
            {"name": "Storage", "enabled": False}]


# ---------------------------------------------------------------------------------------------
# Kinds of sources
# ---------------------------------------------------------------------------------------------

def test_plain_source_gets_roles_and_full_network_list():
    out = render({"overcloud.j2.yaml": b"{% for r in roles %}{{ r.name }} {% endfor %}{{ networks|length }}\n",
                  "static.yaml": b"x: 1\n"}, ROLES, NETWORKS)
    assert out == {"overcloud.yaml": b"Controller Compute 3"}


def test_role_source_one_output_per_role():
    out = render({"puppet/role.role.j2.yaml": b"{{role.name}} {{ networks|length }}"}, ROLES, NETWORKS)
    assert out == {"puppet/controller-role.yaml": b"Controller 3", "puppet/compute-role.yaml": b"Compute 3"}


def test_role_source_without_the_exact_text_gets_the_role_name_only():
    # THT's backward compatibility: '{{role.name}}' (no spaces) must appear for the whole role
    out = render({"r.role.j2.yaml": b"{{ role }}|{{ role.name }}"}, ROLES, [])
    assert out == {"controller-r.yaml": b"Controller|", "compute-r.yaml": b"Compute|"}
    out = render({"r.role.j2.yaml": b"{{ role.tags }} {# {{role.name}} #}"}, ROLES[:1], [])
    assert out == {"controller-r.yaml": b"['primary', 'controller'] "}


def test_role_source_under_network_config_is_named_after_the_role():
    out = render({"network/config/bond/nic.role.j2.yaml": b"{{role.name}}"}, ROLES, [])
    assert set(out) == {"network/config/bond/controller.yaml", "network/config/bond/compute.yaml"}


def test_network_source_one_output_per_enabled_network():
    out = render({"network/network.network.j2.yaml": b"{{ network.name }} {{ network.idx }} {{ networks }}"},
                 ROLES, NETWORKS)
    # the context is the network alone: 'networks' is undefined (prints nothing)
    assert out == {"network/internal_api.yaml": b"InternalApi 0 ", "network/tenant.yaml": b"Tenant 1 "}


def test_network_source_names_replace_port_in_ports_folders_and_network_elsewhere():
    files = {"network/ports/port_from_pool_port.network.j2.yaml": b"a",
             "network/ports/network.network.j2.yaml": b"{{ network.name }}",
             "network/network_v6.network.j2.yaml": b"b",
             "network/port.network.j2.yaml": b"{{ network.name }}"}
    out = render(files, [], NETWORKS[:2])
    assert out == {"network/ports/internal_api_from_pool_internal_api.yaml": b"a",
                   "network/ports/tenant_from_pool_tenant.yaml": b"a",
                   "network/ports/network.yaml": b"Tenant",  # every network, one name: the last wins
                   "network/internal_api_v6.yaml": b"b", "network/tenant_v6.yaml": b"b",
                   "network/port.yaml": b"Tenant"}


def test_hidden_sources_and_other_files_are_not_rendered():
    files = {".hidden.j2.yaml": b"x", ".git/a.j2.yaml": b"x", "a/.b/c.j2.yaml": b"x",
             "frag.j2": b"x", "plain.yaml": b"x", "x.j2.yml": b"x", "X.J2.YAML": b"x"}
    assert render(files, ROLES, NETWORKS) == {}


def test_final_newline_one_is_dropped():
    files = {"none.j2.yaml": b"a", "one.j2.yaml": b"a\n", "two.j2.yaml": b"a\n\n",
             "crlf.j2.yaml": b"a\r\nb\r\n", "cr.j2.yaml": b"a\rb\r"}
    out = render(files, [], [])
    assert out == {"none.yaml": b"a", "one.yaml": b"a", "two.yaml": b"a\n",
                   "crlf.yaml": b"a\nb", "cr.yaml": b"a\nb"}


def test_python_reprs_and_non_ascii():
    roles = [{"name": "Contrôleur", "description": "it's \"quoted\" ✓"}]
    out = render({"o.j2.yaml": "# é\n{{ roles }}".encode()}, roles, [])
    expected = "# é\n" + repr([{"name": "Contrôleur", "description": "it's \"quoted\" ✓", "tags": []}])
    assert out == {"o.yaml": expected.encode()}


def test_excludes_skip_role_and_network_outputs_only():
    files = {"r.role.j2.yaml": b"{{role.name}}", "network.network.j2.yaml": b"x", "p.j2.yaml": b"p"}
    out = render(files, ROLES, NETWORKS, excludes=["compute-r.yaml", "tenant.yaml", "p.yaml"])
    assert set(out) == {"controller-r.yaml", "internal_api.yaml", "p.yaml"}


def test_excludes_from_parsed_j2_excludes():
    assert rendering.excludes_from(None) == []
    assert rendering.excludes_from({"name": None}) == []
    assert rendering.excludes_from({"name": ["puppet/x.yaml", None]}) == ["puppet/x.yaml", "None"]
    with pytest.raises(PlanInputError):
        rendering.excludes_from(["x"])


def test_two_sources_rendering_one_path_is_refused():
    files = {"a.j2.yaml": b"1", "r.role.j2.yaml": b"{{role.name}}", "controller-r.j2.yaml": b"2"}
    with pytest.raises(RenderError, match="controller-r.j2.yaml and r.role.j2.yaml both render controller-r.yaml"):
        render(files, ROLES, [])


def test_a_source_without_outputs_is_not_compiled():
    # THT compiles per output: a broken network source with no enabled network does not fail
    files = {"n.network.j2.yaml": b"{% if %}", "r.role.j2.yaml": b"{% for %}"}
    assert render(files, [], [{"name": "X", "enabled": False}]) == {}


# ---------------------------------------------------------------------------------------------
# Includes
# ---------------------------------------------------------------------------------------------

INCLUDES = {
    "frag.j2": b"root",
    "nested.j2": b"root nested",
    "sub/frag.j2": b"root sub",
    "only-root.j2": b"only root",
    "a/frag.j2": b"a [{% include 'nested.j2' %}]",
    "a/nested.j2": b"a nested",
    "a/sub/frag.j2": b"a sub",
    "a/x.j2.yaml": b"{% include 'frag.j2' %}|{% include './frag.j2' %}|{% include 'sub/frag.j2' %}|"
                   b"{% include 'only-root.j2' %}",
    "a/b/x.j2.yaml": b"{% include 'frag.j2' %}|{% include 'nested.j2' %}",
    "x.j2.yaml": b"{% include 'frag.j2' %}|{% include 'a/frag.j2' %}",
}


def test_include_resolution():
    out = render(INCLUDES, [], [])
    # a bare name: the source's folder, then the root; a name with '/': the root only
    assert out["a/x.yaml"] == b"a [a nested]|a [a nested]|root sub|only root"
    # a nested include resolves against the folder of the source being rendered, not the fragment's
    assert out["x.yaml"] == b"root|a [root nested]"
    assert out["a/b/x.yaml"] == b"root|root nested"


def test_include_of_sources_and_hidden_files_comes_from_the_root():
    files = {"a/t.j2.yaml": b"{% include 'other.j2.yaml' %}|{% include '.h.j2' %}",
             "a/other.j2.yaml": b"folder source", "other.j2.yaml": b"root source",
             "a/.h.j2": b"folder hidden", ".h.j2": b"root hidden"}
    assert render(files, [], [])["a/t.yaml"] == b"root source|root hidden"


@pytest.mark.parametrize("name", ["../frag.j2", "missing.j2", "a/../frag.j2"])
def test_include_not_found(name):
    files = {"a/t.j2.yaml": b"line 1\n{% include '" + name.encode() + b"' %}", "frag.j2": b"x"}
    with pytest.raises(RenderError, match=r"^a/t.j2.yaml, line 2: include not found: no file .* in a/ nor "
                                          r"the plan root$"):
        render(files, [], [])


def test_include_ignore_missing_and_lists():
    files = {"t.j2.yaml": b"{% include 'nope.j2' ignore missing %}{% include ['nope.j2', 'f.j2'] %}",
             "f.j2": b"f"}
    assert render(files, [], []) == {"t.yaml": b"f"}


# ---------------------------------------------------------------------------------------------
# Enrichment
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, tags, expected", [
    ("Compute", None, ["compute"]),
    ("ComputeOvsDpdkSriov", ["dpdk"], ["dpdk", "compute", "ovsdpdk"]),
    ("HciCephAll", None, ["compute"]),
    ("DistributedComputeHCI", None, ["compute"]),
    ("CephStorage", [], ["ceph", "storage"]),
    ("CephAll", ["storage"], ["storage", "ceph"]),
    ("ObjectStorage", None, ["storage"]),
    ("BlockStorage", None, ["storage"]),
    ("Controller", None, []),
    ("compute", None, []),  # case matters
    ("Networker", ["compute"], ["compute"]),
])
def test_automatic_role_tags(name, tags, expected):
    role = {"name": name} if tags is None else {"name": name, "tags": tags}
    notices = []
    [enriched] = rendering.enrich_roles([role], notices.append)
    assert enriched["tags"] == expected
    if tags is None:
        assert list(enriched) == ["name", "tags"]  # added last
    assert len(notices) == len(expected) - len(tags or [])
    assert all(n.startswith(f"DEPRECATED: Role '{name}' without the '") for n in notices)
    assert rendering.enrich_roles([enriched]) == [enriched]  # idempotent


def test_role_tags_as_text_are_searched_as_text():
    # THT tests "'compute' not in tags": a string of tags is searched as text, and kept as it is
    [role] = rendering.enrich_roles([{"name": "ComputeX", "tags": "my-compute"}])
    assert role["tags"] == "my-compute"
    with pytest.raises(PlanInputError, match="tags must be a list"):
        rendering.enrich_roles([{"name": "CephX", "tags": "ceph"}])  # 'storage' would be appended
    with pytest.raises(PlanInputError, match="tags must be a list"):
        rendering.enrich_roles([{"name": "Compute", "tags": None}])
    assert rendering.enrich_roles([{"name": "Controller", "tags": None}]) == [{"name": "Controller", "tags": None}]


@pytest.mark.parametrize("roles", [[{"CountDefault": 1}], [{"name": 3}], ["Controller"], {"name": "x"}])
def test_unusable_roles_are_refused(roles):
    with pytest.raises(PlanInputError, match="roles data"):
        rendering.enrich_roles(roles)


def test_network_enrichment():
    networks = [{"name": "A", "idx": 7, "enabled": False},
                {"name": "Bee", "name_lower": ""},
                {"name": "C", "name_lower": "see", "enabled": 0},
                {"name": "D", "enabled": "false"}]
    assert rendering.enrich_networks(networks) == [
        {"name": "A", "idx": 0, "enabled": False},  # disabled: no name_lower; idx keeps its place
        {"name": "Bee", "name_lower": "bee", "idx": 1},  # an empty name_lower is replaced in place
        {"name": "C", "name_lower": "see", "enabled": 0, "idx": 2},  # only False disables
        {"name": "D", "enabled": "false", "idx": 3, "name_lower": "d"},
    ]
    assert list(rendering.enrich_networks(networks)[0]) == ["name", "idx", "enabled"]
    assert rendering.enrich_networks(None) == []
    assert rendering.enrich_networks(rendering.enrich_networks(networks)) == rendering.enrich_networks(networks)


def test_network_without_a_usable_name():
    assert rendering.enrich_networks([{"name_lower": "x"}, {"enabled": False}]) == \
        [{"name_lower": "x", "idx": 0}, {"enabled": False, "idx": 1}]
    with pytest.raises(PlanInputError, match="network #1 has neither a name_lower nor a name"):
        rendering.enrich_networks([{"vip": True}])
    with pytest.raises(PlanInputError, match="network #2 is not a mapping"):
        rendering.enrich_networks([{"name": "A"}, "B"])


def test_enabled_networks_by_name_first_place_last_value():
    networks = rendering.enrich_networks([{"name": "A"}, {"name": "B"}, {"name": "A", "name_lower": "a2"},
                                          {"name": "B", "enabled": False}])
    enabled = rendering.enabled_networks(networks)
    assert list(enabled) == ["A", "B"] and enabled["A"]["name_lower"] == "a2" and enabled["B"]["idx"] == 1


def test_duplicate_role_names_render_the_last_role():
    roles = [{"name": "Compute", "x": 1}, {"name": "Compute", "x": 2}]
    assert render({"r.role.j2.yaml": b"{{role.name}}{{ role.x }}"}, roles, []) == {"compute-r.yaml": b"Compute2"}


def test_inputs_are_not_mutated():
    roles, networks = copy.deepcopy(ROLES), copy.deepcopy(NETWORKS)
    files = {"o.j2.yaml": b"{% set _ = roles[0].update({'x': 1}) %}{% set _ = networks.append(1) %}",
             "p.j2.yaml": b"{{ roles[0].x }} {{ networks|length }}", "r.role.j2.yaml": b"{{role.name}}"}
    snapshot = dict(files)
    out = render(files, roles, networks)
    assert roles == ROLES and networks == NETWORKS and files == snapshot
    # the render's own copy is shared by its sources, in path order (as THT shares its data)
    assert out["p.yaml"] == b"1 4"


def test_aliased_data_stays_aliased():
    # YAML anchors make one dict appear twice; THT mutates it once per place, and so do we
    shared = {"name": "A"}
    assert [n["idx"] for n in rendering.enrich_networks([shared, shared])] == [1, 1]


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_syntax_error_names_file_and_line():
    with pytest.raises(RenderError) as caught:
        render({"puppet/x.j2.yaml": b"a\nb\n{% if %}\n"}, ROLES, [])
    assert str(caught.value).startswith("puppet/x.j2.yaml, line 3: syntax error: ")
    assert caught.value.to_dict()["line"] == 3 and caught.value.kind == "render_error"


def test_undefined_call_names_file_line_and_role():
    with pytest.raises(RenderError, match=r"^r.role.j2.yaml, line 2 \(role Controller\): 'nothing' is undefined$"):
        render({"r.role.j2.yaml": b"{{role.name}}\n{{ nothing() }}"}, ROLES, [])


def test_error_in_fragment_names_every_include_and_line():
    files = {"a/x.j2.yaml": b"1\n2\n{% include 'f.j2' %}", "a/f.j2": b"1\n{% include 'g.j2' %}",
             "g.j2": b"1\n2\n3\n{{ foo.bar }}"}
    with pytest.raises(RenderError) as caught:
        render(files, [], [])
    assert str(caught.value) == ("a/x.j2.yaml, line 3, in included a/f.j2, line 2, in included g.j2, line 4: "
                                 "'foo' is undefined")
    assert caught.value.chain == [("a/x.j2.yaml", 3), ("a/f.j2", 2), ("g.j2", 4)]


def test_syntax_error_in_fragment():
    files = {"x.j2.yaml": b"1\n{% include 'f.j2' %}", "f.j2": b"1\n{% for %}"}
    with pytest.raises(RenderError, match=r"^x.j2.yaml, line 2, in included f.j2, line 2: syntax error: "):
        render(files, [], [])


def test_python_errors_and_sandbox_violations_are_render_errors():
    with pytest.raises(RenderError, match=r"^x.j2.yaml, line 1: TypeError: unsupported operand"):
        render({"x.j2.yaml": b"{{ 1 + 'a' }}"}, [], [])
    with pytest.raises(RenderError, match=r"^x.j2.yaml, line 2: access to attribute '__class__' .* unsafe"):
        render({"x.j2.yaml": b"\n{{ ''.__class__.__mro__ }}"}, [], [])
    with pytest.raises(RenderError, match=r"^x.j2.yaml: not UTF-8 text \(byte 3\)"):
        render({"x.j2.yaml": b"ab\xff"}, [], [])


def test_unsandboxed_renderer_allows_what_the_sandbox_refuses():
    assert Renderer(sandboxed=False).render({"x.j2.yaml": b"{{ ''.__class__.__name__ }}"}, [], []) == \
        {"x.yaml": b"str"}


# ---------------------------------------------------------------------------------------------
# The compiled-template cache
# ---------------------------------------------------------------------------------------------

def test_second_render_compiles_nothing():
    renderer = Renderer()
    first = renderer.render(INCLUDES, [], [])
    compiled = renderer.compiled
    assert compiled == 3 + 6  # the sources and the six fragments they reach
    assert renderer.render(INCLUDES, [], []) == first
    assert renderer.compiled == compiled and renderer.reused > 0


def test_changed_fragment_is_compiled_again_and_its_includers_see_it():
    renderer = Renderer()
    files = {"a.j2.yaml": b"A {% include 'f.j2' %}", "b.j2.yaml": b"B {% include 'f.j2' %}",
             "c.j2.yaml": b"C", "f.j2": b"1"}
    assert renderer.render(files, [], []) == {"a.yaml": b"A 1", "b.yaml": b"B 1", "c.yaml": b"C"}
    compiled = renderer.compiled
    changed = {**files, "f.j2": b"2"}
    assert renderer.render(changed, [], []) == {"a.yaml": b"A 2", "b.yaml": b"B 2", "c.yaml": b"C"}
    assert renderer.compiled == compiled + 1  # the fragment only: includers look it up at render time
    assert renderer.render(files, [], [])["a.yaml"] == b"A 1"  # both versions stay cached
    assert renderer.compiled == compiled + 1


def test_same_name_in_two_folders_is_two_templates():
    renderer = Renderer()
    files = {"a/x.j2.yaml": b"{% include 'f.j2' %}", "b/x.j2.yaml": b"{% include 'f.j2' %}",
             "a/f.j2": b"a", "b/f.j2": b"b"}
    assert renderer.render(files, [], []) == {"a/x.yaml": b"a", "b/x.yaml": b"b"}


def test_cache_is_bounded():
    renderer = Renderer(max_templates=2)
    renderer.render({f"{n}.j2.yaml": str(n).encode() for n in range(5)}, [], [])
    assert renderer.cached() == 2


class DictStore:
    def __init__(self):
        self.codes = {}

    def load(self, key):
        return self.codes.get(key)

    def store(self, key, code):
        self.codes[key] = code


def test_code_store_spares_a_new_renderer_the_compiling():
    store = DictStore()
    first = Renderer(code_store=store).render(INCLUDES, [], [])
    again = Renderer(code_store=store)
    assert again.render(INCLUDES, [], []) == first and again.compiled == 0
    # keyed by path and content: a changed file is compiled again
    assert Renderer(code_store=store).render({**INCLUDES, "frag.j2": b"new"}, [], [])["x.yaml"] == \
        b"new|a [root nested]"
    # and by the sandbox setting
    plain = Renderer(sandboxed=False, code_store=store)
    plain.render(INCLUDES, [], [])
    assert plain.compiled > 0


# ---------------------------------------------------------------------------------------------
# The local command (a small tree in tmp_path)
# ---------------------------------------------------------------------------------------------

def write(root, files):
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def test_local_render_writes_the_tree(tmp_path):
    templates, out = tmp_path / "t", tmp_path / "out"
    write(templates, {"o.j2.yaml": b"{{ roles|length }} {% include 'f.j2' %}\n", "f.j2": b"f",
                      "a/r.role.j2.yaml": b"{{role.name}}", "a/static.yaml": b"s", ".hidden": b"h",
                      ".hid/x.yaml": b"h", "empty/.gitkeep": b"", "roles.yaml": b"- name: Compute\n",
                      "nets.yaml": b"[]\n", "j2_excludes.yaml": b"name:\n  - a/compute-r.yaml\n"})
    (templates / "a/static.yaml").chmod(0o640)
    with redirect_stdout(io.StringIO()) as printed:
        assert local_render.main(["--templates", str(templates), "--roles-file", "roles.yaml",
                                  "--networks-file", str(templates / "nets.yaml"), "--output-dir", str(out),
                                  "--no-cache"]) == 0
    assert printed.getvalue() == f"rendered 2 files from 2 sources and copied 5 files into {out}\n"
    found = {os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs}
    assert found == {"o.yaml", "f.j2", "a/compute-r.yaml", "a/static.yaml", "roles.yaml", "nets.yaml",
                     "j2_excludes.yaml"}
    assert (out / "empty").is_dir() and not (out / ".hid").exists()
    assert (out / "o.yaml").read_bytes() == b"1 f"
    assert stat.S_IMODE((out / "a/static.yaml").stat().st_mode) == 0o640


def test_local_render_only_rendered_and_errors(tmp_path, capsys):
    templates, out = tmp_path / "t", tmp_path / "out"
    write(templates, {"o.j2.yaml": b"ok", "bad/x.j2.yaml": b"\n{{ x() }}", "roles.yaml": b"[]",
                      "nets.yaml": b""})
    args = ["--templates", str(templates), "--roles-file", "roles.yaml", "--networks-file", "nets.yaml",
            "--output-dir", str(out), "--only-rendered", "--cache-dir", str(tmp_path / "cache")]
    assert local_render.main(args) == 1
    assert capsys.readouterr().err == "tripleo-plan render: error: bad/x.j2.yaml, line 2: 'x' is undefined\n"
    (templates / "bad/x.j2.yaml").write_bytes(b"fixed")
    assert local_render.main(args) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["bad/x.yaml", "o.yaml"]
    assert local_render.main(args[:3] + ["missing.yaml"] + args[4:]) == 1
    assert "cannot read missing.yaml" in capsys.readouterr().err


def test_excludes_apply_only_in_place():
    # THT compares '<templates>/<name>' with the text of the output path it writes
    assert local_render.effective_excludes("/t", "/out", ["a/x.yaml"]) == []
    assert local_render.effective_excludes("/t", "/t", ["a/x.yaml"]) == ["a/x.yaml"]
    assert local_render.effective_excludes("/t", "/t/", ["a/x.yaml"]) == ["a/x.yaml"]
    assert local_render.effective_excludes("/t/", "/t/", ["a/x.yaml"]) == []  # '/t//a/x.yaml'
    assert local_render.effective_excludes(".", ".", ["a/x.yaml"]) == []  # './a' vs '././a'


def test_code_cache_dir_survives_bad_files(tmp_path):
    store = local_render.CodeCacheDir(str(tmp_path / "c"))
    assert store.load("nothing") is None
    code = compile("1", "x", "eval")
    store.store("k", code)
    assert store.load("k") == code
    (tmp_path / "c" / "k").write_bytes(b"garbage")
    assert store.load("k") is None
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700
