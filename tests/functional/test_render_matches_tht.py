"""Our renderer against THT's own tool, byte for byte.

For each case THT 18.0.0's ``tools/process-templates.py`` runs once (``sys.executable``, in a
subprocess, into a temporary folder) and so does ``tripleo-plan render`` (``local_render.main``):
the two output trees must hold the same folders and files with the same bytes, and the pure
``render()`` must return exactly the files THT rendered.  No service is started.

The reference reads its sources in the locale's encoding; it runs with ``PYTHONUTF8=1`` so that
is UTF-8 whatever the test machine's locale.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from benchmarks.tht import tht_tree
from tripleo_plan_actions.client import local_render
from tripleo_plan_actions.core import render as rendering

REFERENCE = "tools/process-templates.py"


# ---------------------------------------------------------------------------------------------
# Trees
# ---------------------------------------------------------------------------------------------

def listing(root: Path) -> tuple[set[str], dict[str, bytes], dict[str, int]]:
    """(folders, {file: bytes}, {file: permission bits}) under ``root``, paths relative to it."""
    folders, files, modes = set(), {}, {}
    for folder, dirs, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        folders.add(rel)
        for name in names:
            path = os.path.normpath(os.path.join(rel, name))
            full = os.path.join(folder, name)
            files[path] = Path(full).read_bytes()
            modes[path] = stat.S_IMODE(os.stat(full).st_mode)
    return folders, files, modes


def plan_of(root: Path) -> dict[str, bytes]:
    """A templates folder as a plan, hidden files included (render() leaves hidden sources out
    itself; a hidden fragment can still be included from the root, as THT's loader does)."""
    return listing(root)[1]


def run_reference(script: Path, templates: Path, roles: Path, networks: Path, out: Path | None) -> None:
    command = [sys.executable, str(script), "-p", str(templates), "-r", str(roles), "-n", str(networks)]
    if out is not None:
        command += ["-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONUTF8": "1"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]


@dataclass
class Case:
    templates: Path
    roles: Path
    networks: Path
    reference: Path           # THT's output tree
    ours: Path                # local_render's output tree
    ours_only: Path           # local_render --only-rendered
    rendered: dict[str, bytes]  # render() of the plan

    def reference_rendered(self) -> dict[str, bytes]:
        """THT's output minus the files it copied: what it rendered."""
        copied = {path for path in plan_of(self.templates)
                  if not path.endswith(rendering.SOURCE_SUFFIX) and not rendering.is_hidden(path)}
        files = listing(self.reference)[1]
        return {path: content for path, content in files.items() if path not in copied}


def make_case(work: Path, templates: Path, roles: Path, networks: Path, in_place: bool = False) -> Case:
    """Run THT's tool and ours on the same inputs (``in_place``: each in its own copy of the tree)."""
    script = templates / REFERENCE
    ours, ours_only = work / "ours", work / "ours-only"
    if in_place:
        reference = work / "reference-tree"
        shutil.copytree(templates, reference, symlinks=True)
        ours_tree = work / "ours-tree"
        shutil.copytree(templates, ours_tree, symlinks=True)
        run_reference(reference / REFERENCE, reference, roles, networks, None)
        assert local_render.main(["--templates", str(ours_tree), "--roles-file", str(roles),
                                  "--networks-file", str(networks), "--output-dir", str(ours_tree),
                                  "--no-cache"]) == 0
        ours = ours_tree
    else:
        reference = work / "reference"
        run_reference(script, templates, roles, networks, reference)
        assert local_render.main(["--templates", str(templates), "--roles-file", str(roles),
                                  "--networks-file", str(networks), "--output-dir", str(ours),
                                  "--cache-dir", str(work / "cache")]) == 0
    assert local_render.main(["--templates", str(templates), "--roles-file", str(roles),
                              "--networks-file", str(networks), "--output-dir", str(ours_only),
                              "--only-rendered", "--no-cache"]) == 0
    rendered = rendering.render(plan_of(templates), yaml.safe_load(roles.read_bytes()),
                                yaml.safe_load(networks.read_bytes()))
    return Case(templates, roles, networks, reference, ours, ours_only, rendered)


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tht() -> Path:
    return tht_tree()


@pytest.fixture(scope="module")
def default_isolation(tht, tmp_path_factory):
    return make_case(tmp_path_factory.mktemp("default-isolation"), tht, tht / "roles_data.yaml",
                     tht / "network-data-samples/default-network-isolation.yaml")


@pytest.fixture(scope="module")
def no_isolation(tht, tmp_path_factory):
    return make_case(tmp_path_factory.mktemp("no-isolation"), tht, tht / "roles_data.yaml",
                     tht / "network_data_default.yaml")


@pytest.fixture(scope="module")
def role_files(tht, tmp_path_factory):
    """roles/*.yaml concatenated, as ``openstack overcloud roles generate`` does; IPv6 networks."""
    work = tmp_path_factory.mktemp("role-files")
    roles = work / "roles.yaml"
    roles.write_bytes(b"".join((tht / "roles" / f"{name}.yaml").read_bytes()
                               for name in ("Controller", "Compute", "CephStorage", "ComputeOvsDpdk")))
    return make_case(work, tht, roles, tht / "network-data-samples/default-network-isolation-ipv6.yaml")


EDGE_NETWORKS = """\
- name: Storage
  vip: true
  description: "the 'storage' net, \\"quoted\\" — Speicher ü"
  subnets:
    storage_subnet: {ip_subnet: 172.16.1.0/24, vlan: 30}
- name: StorageMgmt
  name_lower: ''
  enabled: true
  vip: true
  subnets:
    storage_mgmt_subnet: {ip_subnet: 172.16.3.0/24, vlan: 40}
- name: InternalApi
  name_lower: internal_api
  vip: true
  idx: 99
  subnets:
    internal_api_subnet: {ip_subnet: 172.16.2.0/24, vlan: 20}
- name: Tenant
  enabled: false
  subnets:
    tenant_subnet: {ip_subnet: 172.16.0.0/24, vlan: 50}
- name: Management
  name_lower: management
  enabled: false
  subnets:
    management_subnet: {ip_subnet: 10.0.1.0/24}
- name: External
  name_lower: external
  enabled: 0
  vip: true
  service_net_map_replace: public
  subnets:
    external_subnet: {ip_subnet: 10.0.0.0/24, gateway_ip: 10.0.0.1, vlan: 10}
"""


@pytest.fixture(scope="module")
def edge_data(tht, tmp_path_factory):
    """Roles without tags, automatic-tag prefixes, quotes and non-ASCII; disabled networks,
    networks without or with empty name_lower, a given idx, ``enabled: 0``."""
    work = tmp_path_factory.mktemp("edge-data")
    roles = []
    for name in ("Controller", "HciCephAll", "DistributedComputeHCI", "BlockStorage", "ObjectStorage",
                 "CephAll", "ComputeOvsDpdkSriov", "Networker"):
        role = yaml.safe_load((tht / "roles" / f"{name}.yaml").read_bytes())[0]
        if name != "Controller":
            role.pop("tags", None)
        roles.append(role)
    roles[0]["description"] = "Le contrôleur \"principal\" d'O'Brien — ünïcode ✓"
    roles[-1]["tags"] = ["compute"]  # a Networker tagged compute: nothing more is added
    roles_file = work / "roles.yaml"
    roles_file.write_text(yaml.safe_dump(roles, allow_unicode=True, sort_keys=False), encoding="utf-8")
    networks_file = work / "networks.yaml"
    networks_file.write_text(EDGE_NETWORKS, encoding="utf-8")
    return make_case(work, tht, roles_file, networks_file)


def write_custom_tree(root: Path, tht: Path, ambiguous_includes: bool = True) -> None:
    """A small tree of our own that stresses naming, includes, newlines and hidden files."""
    files = {
        # plain sources: final newlines, CRLF, no newline, non-ASCII, Python reprs
        "overcloud.j2.yaml": "roles: {{ roles }}\nnetworks: {{ networks }}\n",
        "two-newlines.j2.yaml": "a: 1\n\n",
        "no-newline.j2.yaml": "a: {{ roles|length }}",
        "crlf.j2.yaml": "a: 1\r\nb: {{ networks|length }}\r\n",
        "unicode.j2.yaml": "# ünïcode ✓\nname: '{{ roles[0].name }}'\n",
        "static.yaml": "static: true\n",
        "empty/.gitkeep": "",
        ".hidden.j2.yaml": "never: rendered\n",
        ".hidden-dir/x.j2.yaml": "never: rendered\n",
        ".hidden-fragment.j2": "hidden fragment",
        "j2_excludes.yaml": "name:\n  - puppet/compute-role.yaml\n  - network/ports/internal_api.yaml\n",
        # include resolution
        "frag.j2": "root frag",
        "nested.j2": "root nested",
        "sub/frag.j2": "root sub frag",
        "folder/frag.j2": "folder frag [{% include 'nested.j2' %}]",
        "folder/nested.j2": "folder nested",
        "folder/uses.j2.yaml": ("a: {% include 'frag.j2' %}\nb: {% include './frag.j2' %}\n"
                                "c: {% include 'only-root.j2' %}\nd: {% include '.hidden-fragment.j2' %}\n"),
        "only-root.j2": "only at root",
        "folder/deeper/uses.j2.yaml": "a: {% include 'frag.j2' %}\nb: {% include 'nested.j2' %}\n",
        # role sources
        "puppet/role.role.j2.yaml": "name: {{role.name}}\ntags: {{ role.tags }}\nn: {{ networks|length }}\n",
        "puppet/legacy.role.j2.yaml": "name: {{ role }}\nattr: '{{ role.name }}'\n",
        "network/config/nic.role.j2.yaml": "nic: {{role.name}}\n",
        "role.role.j2.yaml": "{{role.name}}: {{ role }}",
        # network sources: 'port' in a ports folder, 'network' elsewhere, every occurrence
        "network/network.network.j2.yaml": "net: {{ network.name }} {{ network.idx }}\n",
        "network/network_v6_network.network.j2.yaml": "net: {{ network }}\n",
        "network/ports/port.network.j2.yaml": "port: {{ network.name_lower }}\n",
        "network/ports/deployed_port_port.network.j2.yaml": "{% include 'frag.j2' %} {{ network.name }}\n",
        "network/ports/network.network.j2.yaml": "same name for all: {{ network.name }}\n",
        # the reference's root is the folder of its script
        REFERENCE: (tht / REFERENCE).read_text(encoding="utf-8"),
    }
    if ambiguous_includes:
        # THT has not yet copied folder/sub/ when it renders folder/: the root's sub/frag.j2 wins
        files["folder/sub/frag.j2"] = "folder sub frag"
        files["folder/uses.j2.yaml"] += "e: {% include 'sub/frag.j2' %}\n"
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    (root / "empty-folder").mkdir()


CUSTOM_ROLES = """\
- name: Controller
  description: "quotes ' and \\" and non-ASCII é"
  tags: [primary, controller]
- name: Compute
- name: CephStorage
  tags: []
- name: ComputeOvsDpdk
  tags: [dpdk]
- name: HciCephAll
- name: Compute
  description: the second Compute wins
"""

CUSTOM_NETWORKS = """\
- name: Storage
- name: Tenant
  enabled: false
- name: InternalApi
  name_lower: internal_api
- name: Storage
  name_lower: storage_again
- name: Tenant
  name_lower: tenant
"""


def custom_inputs(work: Path) -> tuple[Path, Path]:
    roles, networks = work / "roles.yaml", work / "networks.yaml"
    roles.write_text(CUSTOM_ROLES, encoding="utf-8")
    networks.write_text(CUSTOM_NETWORKS, encoding="utf-8")
    return roles, networks


@pytest.fixture(scope="module")
def custom_tree(tht, tmp_path_factory):
    work = tmp_path_factory.mktemp("custom-tree")
    write_custom_tree(work / "templates", tht)
    return make_case(work, work / "templates", *custom_inputs(work))


@pytest.fixture(scope="module")
def custom_in_place(tht, tmp_path_factory):
    """In place (output dir = templates dir) THT honours j2_excludes.yaml."""
    work = tmp_path_factory.mktemp("custom-in-place")
    write_custom_tree(work / "templates", tht, ambiguous_includes=False)
    return make_case(work, work / "templates", *custom_inputs(work), in_place=True)


CASES = ["default_isolation", "no_isolation", "role_files", "edge_data", "custom_tree"]


@pytest.fixture(params=CASES)
def case(request) -> Case:
    return request.getfixturevalue(request.param)


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------

def assert_same_files(expected: dict[str, bytes], actual: dict[str, bytes]) -> None:
    assert sorted(actual) == sorted(expected)
    different = sorted(path for path in expected if expected[path] != actual[path])
    assert different == [], f"{len(different)} of {len(expected)} files differ"


def test_render_returns_exactly_what_tht_rendered(case):
    assert_same_files(case.reference_rendered(), case.rendered)


def test_output_tree_is_tht_output_tree(case):
    ref_folders, ref_files, ref_modes = listing(case.reference)
    our_folders, our_files, our_modes = listing(case.ours)
    assert our_folders == ref_folders
    assert_same_files(ref_files, our_files)
    assert our_modes == ref_modes


def test_only_rendered_writes_the_rendered_files(case):
    assert_same_files(case.reference_rendered(), listing(case.ours_only)[1])


def test_figures_of_tht(default_isolation, no_isolation):
    """The counts the notes give: 42 sources; 70 rendered files with isolation, 50 without."""
    assert sum(rendering.is_source(path) for path in plan_of(default_isolation.templates)) == 42
    assert len(default_isolation.rendered) == 70
    assert len(no_isolation.rendered) == 50
    # .j2 fragments are copied, sources are not; hidden files and folders are left out
    files = listing(default_isolation.reference)[1]
    assert "common/deploy-steps.j2" in files and "overcloud.j2.yaml" not in files
    assert ".stestr.conf" not in files and "firstboot" in listing(default_isolation.reference)[0]


def test_edge_data_enrichment_is_visible(edge_data):
    """The enriched data THT prints whole (Python reprs): what enrichment adds, and where."""
    overcloud = edge_data.rendered["overcloud.yaml"].decode()
    # a disabled network gets no name_lower; an empty one is replaced; a given idx keeps its place
    assert "{'name': 'Tenant', 'enabled': False, 'subnets': {'tenant_subnet': {'ip_subnet': " \
           "'172.16.0.0/24', 'vlan': 50}}, 'idx': 3}" in overcloud
    assert "{'name': 'StorageMgmt', 'name_lower': 'storagemgmt', 'enabled': True," in overcloud
    assert "{'name': 'InternalApi', 'name_lower': 'internal_api', 'vip': True, 'idx': 2, 'subnets'" in overcloud
    assert "'description': 'the \\'storage\\' net, \"quoted\" — Speicher ü', 'subnets'" in overcloud
    # tags added last, in THT's order; a role already tagged keeps its tags
    assert "'name': 'CephAll'" in overcloud and "'tags': ['ceph', 'storage']}" in overcloud
    assert "'tags': ['compute', 'ovsdpdk']}" in overcloud  # ComputeOvsDpdkSriov
    assert "'tags': ['compute']}" in overcloud  # HciCephAll, DistributedComputeHCI, Networker
    assert "network/ports/deployed_external.yaml" in edge_data.rendered  # enabled: 0 is enabled
    assert "network/ports/deployed_tenant.yaml" not in edge_data.rendered


def test_custom_tree_rules(custom_tree):
    out = custom_tree.rendered
    assert out["folder/uses.yaml"] == (b"a: folder frag [folder nested]\nb: folder frag [folder nested]\n"
                                       b"c: only at root\nd: hidden fragment\ne: root sub frag")
    assert out["folder/deeper/uses.yaml"] == b"a: root frag\nb: root nested"
    assert out["puppet/compute-legacy.yaml"] == b"name: Compute\nattr: ''"
    assert out["network/config/controller.yaml"] == b"nic: Controller"
    assert out["network/ports/storage_again.yaml"] == b"port: storage_again"
    assert "network/ports/tenant.yaml" in out  # the last 'Tenant' is enabled
    assert out["network/ports/network.yaml"] == b"same name for all: Tenant"
    assert "network/storage_again_v6_storage_again.yaml" in out and "network/storage_again.yaml" in out
    assert out["network/ports/deployed_storage_again_storage_again.yaml"] == b"root frag Storage"
    assert out["two-newlines.yaml"] == b"a: 1\n" and out["no-newline.yaml"] == b"a: 6"
    assert out["crlf.yaml"] == b"a: 1\nb: 5"
    # with an output dir THT does not apply j2_excludes.yaml
    assert "puppet/compute-role.yaml" in out


def test_in_place_tht_applies_excludes(custom_in_place):
    ref_folders, ref_files, ref_modes = listing(custom_in_place.reference)
    our_folders, our_files, our_modes = listing(custom_in_place.ours)
    assert our_folders == ref_folders
    assert_same_files(ref_files, our_files)
    assert "puppet/compute-role.yaml" not in our_files
    assert "network/ports/internal_api.yaml" not in our_files and "network/ports/tenant.yaml" in our_files


@pytest.mark.parametrize("name", ["default_isolation", "edge_data", "custom_tree"])
def test_the_sandbox_changes_no_byte(request, name):
    """Rendering outside the sandbox gives the same bytes: the sandbox costs THT nothing."""
    case = request.getfixturevalue(name)
    plain = rendering.Renderer(sandboxed=False).render(
        plan_of(case.templates), yaml.safe_load(case.roles.read_bytes()),
        yaml.safe_load(case.networks.read_bytes()))
    assert_same_files(case.rendered, plain)
