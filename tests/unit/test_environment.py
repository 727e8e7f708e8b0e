"""Heat arguments and the merged environment, checked against heatclient (and Heat when at hand)."""
import copy
import json
import pathlib
from urllib.parse import unquote, urlparse

import pytest
import yaml

from tripleo_plan_actions.core import environment as env
from tripleo_plan_actions.core.environment import EnvironmentInputError, MissingFile
from tripleo_plan_actions.errors import PlanError, PlanInputError

HOT = b"heat_template_version: 2016-10-14\n"

# A THT-shaped tree: the root template has a nested template through the resource registry, one
# by a direct type: path and a get_file; two environments in different directories use relative
# paths; nested templates reference further templates and files relative to themselves.
THT = {
    "overcloud.yaml": HOT + b"""parameters:
  Debug: {type: boolean, default: false}
  NtpServer: {type: comma_delimited_list, default: []}
  ControllerExtraConfig: {type: json, default: {}}
  AdminPassword: {type: string, hidden: true}
  CloudName: {type: string, default: overcloud}
resources:
  Network: {type: OS::TripleO::Network}
  Controller:
    type: OS::Heat::ResourceGroup
    properties:
      resource_def: {type: OS::TripleO::Controller}
  Hosts: {type: common/hosts.yaml}
  Script:
    type: OS::Heat::SoftwareConfig
    properties:
      config: {get_file: extraconfig/scripts/hello.sh}
  Unused: {type: OS::TripleO::Disabled}
""",
    "common/hosts.yaml": HOT + b"""parameters:
  HostsEntry: {type: comma_delimited_list, default: []}
resources:
  Leaf: {type: ../network/ports/noop.yaml}
  Config:
    type: OS::Heat::SoftwareConfig
    properties: {config: {get_file: ../extraconfig/scripts/hosts.sh}}
""",
    "network/ports/noop.yaml": HOT + b"outputs: {ip: {value: 192.0.2.1}}\n",
    "network/networks.yaml": HOT + b"""parameters:
  DnsServers: {type: comma_delimited_list, default: []}
resources:
  Port: {type: ports/noop.yaml}
""",
    "network/networks-isolated.yaml": HOT + b"parameters:\n  DnsServers: {type: comma_delimited_list}\n",
    "puppet/controller-role.yaml": HOT + b"""parameters:
  ControllerServices: {type: comma_delimited_list, default: []}
resources:
  Post: {type: ../extraconfig/post.yaml}
outputs:
  step_config:
    value: |
      include tripleo::profile::base
""",
    "extraconfig/post.yaml": HOT + b"""resources:
  C: {type: OS::Heat::SoftwareConfig, properties: {config: {get_file: scripts/post.sh}}}
""",
    "extraconfig/scripts/hello.sh": b"#!/bin/sh\necho hello\n",
    "extraconfig/scripts/hosts.sh": b"#!/bin/sh\necho hosts\n",
    "extraconfig/scripts/post.sh": b"#!/bin/sh\necho post\n",
    "overcloud-resource-registry-puppet.yaml": b"""resource_registry:
  OS::TripleO::Network: network/networks.yaml
  OS::TripleO::Controller: puppet/controller-role.yaml
  OS::TripleO::Disabled: OS::Heat::None
parameter_defaults:
  CloudName: overcloud.example.com
""",
    "environments/network/isolation.yaml": b"""# Network isolation.
resource_registry:
  OS::TripleO::Network: ../../network/networks-isolated.yaml
parameter_defaults:
  DnsServers: [192.0.2.53]
""",
    "environments/debug.yaml": b"parameter_defaults:\n  Debug: true\n",
    "roles_data.yaml": b"- name: Controller\n",
}
#: The operator's own files, outside the tree: an environment and the template it maps, by a
#: relative path, which itself reads a file relative to itself.
USER = {
    "templates/my-env.yaml": b"""resource_registry:
  OS::TripleO::Controller: nested/my-controller.yaml
  resources:
    Hosts:
      OS::TripleO::Hosts: nested/my-hosts.yaml
      hooks: pre-create
parameter_defaults:
  NtpServer: [pool.ntp.org]
  ControllerExtraConfig: {nova::debug: true}
""",
    "templates/nested/my-controller.yaml": HOT + b"""parameters:
  ControllerServices: {type: comma_delimited_list, default: []}
resources:
  Data:
    type: OS::Heat::SoftwareConfig
    properties: {config: {get_file: ../data/motd.txt}}
""",
    "templates/nested/my-hosts.yaml": HOT + b"resources:\n  Leaf: {type: ../../templates/nested/leaf.yaml}\n",
    "templates/nested/leaf.yaml": HOT,
    "templates/data/motd.txt": b"Welcome\n",
}
PLAN_ENVIRONMENTS = ["overcloud-resource-registry-puppet.yaml", "environments/network/isolation.yaml",
                     "environments/debug.yaml"]


def write_tree(root: pathlib.Path, files):
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


@pytest.fixture
def on_disk(tmp_path):
    root = tmp_path.resolve()
    write_tree(root / "tht", THT)
    write_tree(root / "home", USER)
    user_files = {str(root / "home" / path): content for path, content in USER.items()}
    return root, user_files


def arguments(**kwargs):
    kwargs.setdefault("environments", [{"plan_path": path} for path in PLAN_ENVIRONMENTS])
    return env.heat_arguments(THT, **kwargs)


# -- the oracle: heatclient's own processing of the same tree on disk ------------------------------

def test_files_and_environment_match_heatclient(on_disk):
    from heatclient.common import template_utils

    root, user_files = on_disk
    user_env = str(root / "home/templates/my-env.yaml")
    env_paths = [str(root / "tht" / path) for path in PLAN_ENVIRONMENTS] + [user_env]
    tracker = []
    hc_env_files, hc_env = template_utils.process_multiple_environments_and_files(
        env_paths=env_paths, env_list_tracker=tracker)
    hc_tpl_files, hc_template = template_utils.get_template_contents(
        template_file=str(root / "tht/overcloud.yaml"))
    hc_files = {**hc_tpl_files, **hc_env_files}
    urls = set(hc_files) | set(tracker)

    ours = arguments(environments=[{"plan_path": path} for path in PLAN_ENVIRONMENTS]
                     + [{"user_path": user_env, "content": USER["templates/my-env.yaml"]}],
                     user_files=user_files)

    def name_of(url):
        path = unquote(urlparse(url).path)
        tht = str(root / "tht") + "/"
        return path[len(tht):] if path.startswith(tht) else "user-files" + path

    def renamed(value):
        if isinstance(value, dict):
            return {key: renamed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [renamed(item) for item in value]
        if isinstance(value, str) and value in urls:
            return name_of(value)
        return value

    def theirs(content):
        text = content.decode() if isinstance(content, bytes) else content
        try:
            return renamed(json.loads(text))
        except ValueError:
            return text

    def mine(name, text):
        if name in ours["environment_files"]:
            return yaml.load(text, Loader=env._HeatLoader)
        try:
            return json.loads(text)
        except ValueError:
            return text

    assert {name_of(url) for url in hc_files} == set(ours["files"])
    for url, content in hc_files.items():
        name = name_of(url)
        assert mine(name, ours["files"][name]) == theirs(content), name
    assert [name_of(url) for url in tracker] == ours["environment_files"]
    assert ours["template"] == renamed(hc_template)
    # heatclient's client-side merge equals Heat's server-side one on this tree (no parameter is
    # set as a mapping in two files; see test_heat_and_heatclient_differ_on_nested_mappings).
    effective = env.effective_environment(ours)
    assert {section: effective[section] for section in hc_env} == renamed(hc_env)
    assert effective["parameter_defaults"] == {
        "CloudName": "overcloud.example.com", "DnsServers": ["192.0.2.53"], "Debug": True,
        "NtpServer": ["pool.ntp.org"], "ControllerExtraConfig": {"nova::debug": True}}


def test_templates_dir_maps_absolute_references_to_the_plan(on_disk):
    from heatclient.common import template_utils

    root, user_files = on_disk
    tht = str(root / "tht")
    user_env = root / "home/templates/abs-env.yaml"
    user_env.write_bytes(f"resource_registry:\n  OS::TripleO::Network: {tht}/network/networks.yaml\n"
                         "  OS::TripleO::Hosts: ../templates/nested/leaf.yaml\n".encode())
    hc_files, hc_env = template_utils.process_multiple_environments_and_files(env_paths=[str(user_env)])
    assert f"file://{tht}/network/ports/noop.yaml" in hc_files

    ours = env.heat_arguments(THT, [{"user_path": str(user_env)}], templates_dir=tht,
                              user_files={**user_files, str(user_env): user_env.read_bytes()})
    registry = env.effective_environment(ours)["resource_registry"]
    assert registry == {"OS::TripleO::Network": "network/networks.yaml",
                        "OS::TripleO::Hosts": "user-files" + str(root / "home/templates/nested/leaf.yaml")}
    assert {"network/networks.yaml", "network/ports/noop.yaml"} <= set(ours["files"])


def test_heat_and_heatclient_differ_on_nested_mappings(tmp_path):
    """heatclient deep-merges parameter_defaults client side; Heat replaces each parameter."""
    from heatclient.common import template_utils

    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_bytes(b"parameter_defaults:\n  ControllerExtraConfig: {a: 1}\n")
    second.write_bytes(b"parameter_defaults:\n  ControllerExtraConfig: {b: 2}\n")
    _, client_side = template_utils.process_multiple_environments_and_files([str(first), str(second)])
    assert client_side["parameter_defaults"] == {"ControllerExtraConfig": {"a": 1, "b": 2}}

    ours = env.heat_arguments(THT, [{"user_path": str(path), "content": path.read_bytes()}
                                    for path in (first, second)])
    assert env.effective_environment(ours)["parameter_defaults"] == {"ControllerExtraConfig": {"b": 2}}


# -- precedence and merge rules --------------------------------------------------------------------

def user_env(path, text):
    return {"user_path": path, "content": text.encode()}


def defaults(args):
    return env.effective_environment(args)["parameter_defaults"]


def test_later_environment_wins():
    args = arguments(environments=[user_env("/a.yaml", "parameter_defaults: {CloudName: a, Debug: true}"),
                                   user_env("/b.yaml", "parameter_defaults: {CloudName: b}")])
    assert defaults(args) == {"CloudName": "b", "Debug": True}


def test_explicit_parameters_win_and_passwords_come_lowest():
    args = arguments(passwords={"AdminPassword": "generated", "CloudName": "generated"},
                     parameters={"Debug": False, "NtpServer": ["ntp.example.com"]})
    assert args["environment_files"] == [env.PASSWORDS_ENVIRONMENT, *PLAN_ENVIRONMENTS,
                                         env.PARAMETERS_ENVIRONMENT]
    assert defaults(args) == {"AdminPassword": "generated", "CloudName": "overcloud.example.com",
                              "DnsServers": ["192.0.2.53"], "Debug": False,
                              "NtpServer": ["ntp.example.com"]}


def test_operator_password_in_an_environment_file_beats_the_generated_one():
    args = arguments(environments=[user_env("/pw.yaml", "parameter_defaults: {AdminPassword: mine}")],
                     passwords={"AdminPassword": "generated"})
    assert defaults(args)["AdminPassword"] == "mine"
    assert defaults(arguments(passwords={"AdminPassword": "generated"},
                              parameters={"AdminPassword": "explicit"}))["AdminPassword"] == "explicit"


def test_nested_mappings_are_replaced_unless_a_strategy_merges_them():
    a = user_env("/a.yaml", "parameter_defaults: {ControllerExtraConfig: {k: {a: 1}, l: [1]}}")
    b = user_env("/b.yaml", "parameter_defaults: {ControllerExtraConfig: {k: {b: 2}, l: [2]}}")
    assert defaults(arguments(environments=[a, b])) == {"ControllerExtraConfig": {"k": {"b": 2}, "l": [2]}}
    # A strategy holds from the first file that sets the parameter; every later file must agree.
    deep = {"ControllerExtraConfig": "deep_merge"}
    a_deep, b_deep = (
        {**entry, "content": entry["content"] + f"\nparameter_merge_strategies: {deep}".encode()}
        for entry in (a, b))
    assert defaults(arguments(environments=[a_deep, b])) == {
        "ControllerExtraConfig": {"k": {"a": 1, "b": 2}, "l": [1, 2]}}
    assert defaults(arguments(environments=[a_deep, b_deep])) == defaults(arguments(environments=[a_deep, b]))
    merge = user_env("/a.yaml", "parameter_merge_strategies: {default: merge}\n"
                                "parameter_defaults: {ControllerExtraConfig: {k: {a: 1}}}")
    assert defaults(arguments(environments=[merge, b])) == {
        "ControllerExtraConfig": {"k": {"b": 2}, "l": [2]}}


def test_conflicting_merge_strategies_are_refused():
    a = user_env("/a.yaml", "parameter_defaults: {NtpServer: [a]}")
    b = user_env("/b.yaml", "parameter_merge_strategies: {NtpServer: merge}\n"
                            "parameter_defaults: {NtpServer: [b]}")
    with pytest.raises(EnvironmentInputError, match=r"/b.yaml: merge strategy merge for parameter NtpServer"):
        env.effective_environment(arguments(environments=[a, b]))


def test_registry_merges_by_top_level_key_and_skips_nulls():
    a = user_env("/a.yaml", "resource_registry:\n  OS::A: OS::Heat::None\n  OS::B: OS::Heat::None\n"
                            "  resources: {r1: {hooks: pre-create}}")
    b = user_env("/b.yaml", "resource_registry:\n  OS::A: OS::Heat::Value\n  OS::B: null\n"
                            "  resources: {r2: {hooks: pre-update}}")
    registry = env.effective_environment(env.heat_arguments(THT, [a, b]))["resource_registry"]
    assert registry == {"OS::A": "OS::Heat::Value", "OS::B": "OS::Heat::None",
                        "resources": {"r2": {"hooks": "pre-update"}}}


def test_registry_paths_and_resource_entries_are_rewritten():
    args = env.heat_arguments(THT, [user_env("/home/stack/e.yaml", """resource_registry:
  OS::TripleO::Hosts: n/h.yaml
  OS::TripleO::Off: OS::Heat::None
  resources:
    Hosts: {OS::TripleO::Hosts: n/h2.yaml, hooks: [pre-create], restricted_actions: replace}
""")], user_files={"/home/stack/n/h.yaml": HOT, "/home/stack/n/h2.yaml": HOT + b"# two\n"})
    stored = yaml.safe_load(args["files"]["user-files/home/stack/e.yaml"])
    assert stored["resource_registry"] == {
        "OS::TripleO::Hosts": "user-files/home/stack/n/h.yaml", "OS::TripleO::Off": "OS::Heat::None",
        "resources": {"Hosts": {"OS::TripleO::Hosts": "user-files/home/stack/n/h2.yaml",
                                "hooks": ["pre-create"], "restricted_actions": "replace"}}}


# -- errors ----------------------------------------------------------------------------------------

def test_missing_registry_target_names_the_environment_and_the_path():
    plan = {**THT, "environments/x.yaml": b"resource_registry:\n  OS::TripleO::X: ../puppet/gone.yaml\n"}
    with pytest.raises(MissingFile, match=r"^environments/x.yaml: resource_registry OS::TripleO::X -> "
                                          r"\.\./puppet/gone.yaml: not in the plan "
                                          r"\(looked for puppet/gone.yaml\)"):
        env.heat_arguments(plan, [{"plan_path": "environments/x.yaml"}])


def test_missing_nested_type_and_get_file_name_the_template():
    plan = {**THT, "common/hosts.yaml": HOT + b"resources:\n  L: {type: ../network/ports/gone.yaml}\n"}
    with pytest.raises(MissingFile, match=r"^common/hosts.yaml: type \.\./network/ports/gone.yaml: "
                                          r"not in the plan \(looked for network/ports/gone.yaml\)"):
        env.heat_arguments(plan, [])
    plan = {**THT, "extraconfig/post.yaml": HOT + b"outputs: {o: {value: {get_file: scripts/gone.sh}}}\n"}
    with pytest.raises(MissingFile, match=r"^extraconfig/post.yaml: get_file scripts/gone.sh: "
                                          r"not in the plan \(looked for extraconfig/scripts/gone.sh\)"):
        env.heat_arguments(plan, [{"plan_path": "overcloud-resource-registry-puppet.yaml"}])


def test_missing_user_file_names_the_absolute_path():
    entry = user_env("/home/stack/e.yaml", "resource_registry: {OS::X: ../../etc/passwd.yaml}")
    with pytest.raises(MissingFile, match=r"^/home/stack/e.yaml: resource_registry OS::X -> "
                                          r"\.\./\.\./etc/passwd.yaml: not found \(looked for "
                                          r"/etc/passwd.yaml among the user files\)"):
        env.heat_arguments(THT, [entry])


def test_references_leaving_the_plan_or_remote_are_refused():
    plan = {**THT, "environments/x.yaml": b"resource_registry: {OS::X: ../../outside.yaml}\n"}
    with pytest.raises(MissingFile, match="outside the plan's templates tree"):
        env.heat_arguments(plan, [{"plan_path": "environments/x.yaml"}])
    with pytest.raises(EnvironmentInputError, match="remote references are not supported"):
        env.heat_arguments(THT, [user_env("/e.yaml", "resource_registry: {OS::X: 'https://x/y.yaml'}")])


def test_missing_environment_entries():
    with pytest.raises(MissingFile, match="environment 1: environments/gone.yaml is not in the plan"):
        env.heat_arguments(THT, [{"plan_path": "environments/gone.yaml"}])
    with pytest.raises(MissingFile, match="environment 1: /home/stack/e.yaml was not shipped"):
        env.heat_arguments(THT, [{"user_path": "/home/stack/e.yaml"}])
    with pytest.raises(EnvironmentInputError, match="environment 1: 'e.yaml': give the absolute path"):
        env.heat_arguments(THT, [{"user_path": "e.yaml", "content": b""}])
    with pytest.raises(MissingFile, match="no root template main.yaml"):
        env.heat_arguments(THT, [], root_template="main.yaml")


def test_yaml_errors_name_file_and_line():
    with pytest.raises(PlanInputError, match=r"^/home/stack/e.yaml, line 3, column \d+: YAML does not parse"):
        env.heat_arguments(THT, [user_env("/home/stack/e.yaml", "parameter_defaults:\n  A: 1\n   B: [\n")])
    plan = {**THT, "network/ports/noop.yaml": b"\n\n" + HOT + b"outputs: [\n"}
    with pytest.raises(PlanInputError, match=r"^network/ports/noop.yaml, line 5, column \d+"):
        env.heat_arguments(plan, [])


def test_bad_sections_are_refused_and_empty_ones_dropped():
    with pytest.raises(EnvironmentInputError, match=r"/e.yaml: unknown environment section parameter_default \("):
        env.heat_arguments(THT, [user_env("/e.yaml", "parameter_default: {A: 1}")])
    args = env.heat_arguments(THT, [user_env("/e.yaml", "parameter_defaults:\nresource_registry: {}\n")])
    assert yaml.safe_load(args["files"]["user-files/e.yaml"]) == {"resource_registry": {}}


def test_two_files_under_one_name_are_refused():
    plan = {**THT, "user-files/home/x.yaml": HOT + b"description: plan\n",
            "environments/x.yaml": b"resource_registry: {OS::P: ../user-files/home/x.yaml}\n"}
    with pytest.raises(EnvironmentInputError, match="two different files would reach Heat as user-files/home/x"):
        env.heat_arguments(plan, [{"plan_path": "environments/x.yaml"},
                                  user_env("/home/e.yaml", "resource_registry: {OS::U: x.yaml}")],
                           user_files={"/home/x.yaml": HOT + b"description: user\n"})


# -- shape of what is sent -------------------------------------------------------------------------

def test_arguments_shape():
    args = arguments(passwords={"AdminPassword": "p"})
    assert set(args) == {"template", "files", "environment_files", "environment"}
    assert args["environment"] == {}
    assert list(args["files"]) == sorted(args["files"])
    assert set(args["environment_files"]) <= set(args["files"])
    # Every template goes in as JSON with references renamed; other files as they are.
    hosts = json.loads(args["files"]["common/hosts.yaml"])
    assert hosts["resources"]["Leaf"]["type"] == "network/ports/noop.yaml"
    assert args["files"]["extraconfig/scripts/hello.sh"] == "#!/bin/sh\necho hello\n"
    assert args["template"]["heat_template_version"] == "2016-10-14"  # a string, as Heat reads it
    # Stripped as heatclient strips templates: a block scalar ending the file loses its newline.
    role = json.loads(args["files"]["puppet/controller-role.yaml"])
    assert role["outputs"]["step_config"]["value"] == "include tripleo::profile::base"
    assert "roles_data.yaml" not in args["files"]  # only what is referenced


def test_binary_files_go_base64_and_cycles_end():
    plan = {"overcloud.yaml": HOT + b"""resources:
  A: {type: a.yaml}
  B: {type: OS::X, properties: {x: {get_file: b.bin}}}
""",
            "a.yaml": HOT + b"resources:\n  B: {type: b.yaml}\n",
            "b.yaml": HOT + b"resources:\n  A: {type: a.yaml}\n",
            "b.bin": b"\xff\xfe\x00"}
    files = env.heat_arguments(plan, [])["files"]
    assert files["b.bin"] == "//4A\n"
    assert json.loads(files["b.yaml"])["resources"]["A"]["type"] == "a.yaml"


def test_same_environment_twice_is_merged_twice():
    args = arguments(environments=[{"plan_path": "environments/debug.yaml"}] * 2)
    assert args["environment_files"] == ["environments/debug.yaml", "environments/debug.yaml"]


def test_deterministic_for_equal_inputs():
    one = arguments(passwords={"B": "2", "A": "1"}, parameters={"Z": {"y": 1, "x": 2}, "Debug": True})
    two = env.heat_arguments(dict(reversed(list(THT.items()))),
                             [{"plan_path": path} for path in PLAN_ENVIRONMENTS],
                             passwords={"A": "1", "B": "2"},
                             parameters={"Debug": True, "Z": {"x": 2, "y": 1}})
    assert json.dumps(one) == json.dumps(two)


def test_inputs_are_not_mutated(on_disk):
    _, user_files = on_disk
    plan, users = copy.deepcopy(THT), copy.deepcopy(user_files)
    parameters = {"ControllerExtraConfig": {"a": [1]}}
    passwords = {"AdminPassword": "p"}
    entries = [{"plan_path": path} for path in PLAN_ENVIRONMENTS]
    saved = copy.deepcopy((parameters, passwords, entries))
    args = env.heat_arguments(plan, entries, user_files=users, parameters=parameters, passwords=passwords)
    frozen = copy.deepcopy(args)
    env.effective_environment(args)
    assert (plan, users) == (THT, user_files)
    assert (parameters, passwords, entries) == saved
    assert args == frozen


def test_errors_are_plan_errors():
    assert issubclass(MissingFile, PlanError) and issubclass(EnvironmentInputError, PlanError)
    assert MissingFile("x").to_dict() == {"kind": "missing_file", "message": "x"}
