"""The ``-e`` files handled as python-tripleoclient 12.x (Train) handled them: client code, followed
from tripleoclient/v1/overcloud_deploy.py and tripleoclient/utils.py (written anew here).

``_deploy_tripleo_heat_templates``: the plan's missing (j2-rendered) files downloaded into the
client's copy of --templates; ``user-environments/tripleoclient-parameters.yaml`` (DeployIdentifier,
UpdateIdentifier, StackAction, UndercloudHostsEntries); every ``-e`` through heatclient's
``process_environment_and_files`` (files inside --templates redirected to the copy) and deep-merged
into ONE environment.  ``_heat_deploy``: the files the template and environments reference that lie
outside --templates copied to ``user-files/<absolute path>`` with their links rewritten
(``_upload_missing_files``); the merged environment without ``parameter_defaults`` written as
``user-environment.yaml`` and appended to plan-environment.yaml ``environments``; the
``parameter_defaults`` given to ``tripleo.parameters.update`` (tripleo-common's
UpdateParametersAction, with its Heat validation) (``_process_and_upload_environment``).

Simplified: no j2 fallback for ``-e`` files whose registry points at not-yet-rendered templates
(LP#1625783), no ``--environment-directory``, no answers file, no baremetal provisioning, a fixed
UndercloudHostsEntries (tripleoclient read it from /etc/hosts), no neutron-driver or network checks.
"""
from __future__ import annotations

import os
from typing import Any

import oldclients
import yaml
from heatclient.common import template_utils
from tripleo_common.actions import parameters as tc_parameters

FILE_PREFIX = "file://"
UNDERCLOUD_HOSTS_ENTRY = "192.168.24.1 undercloud.ctlplane.localdomain undercloud.ctlplane"


def download_missing_files_from_plan(swift: Any, tht_dir: str, name: str) -> None:
    """``_download_missing_files_from_plan``."""
    for entry in swift.get_container(name, full_listing=True)[1]:
        path = os.path.join(tht_dir, entry["name"])
        if not os.path.isfile(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as target:
                target.write(swift.get_object(name, entry["name"])[1])


def client_parameters(stack: Any) -> dict[str, Any]:
    """``_update_parameters`` for a deploy without --ntp-server/--libvirt-type."""
    return {"DeployIdentifier": "" if stack is None else stack.parameters["DeployIdentifier"],
            "UpdateIdentifier": "", "StackAction": "CREATE" if stack is None else "UPDATE",
            "UndercloudHostsEntries": [UNDERCLOUD_HOSTS_ENTRY]}


def write_parameters_env(swift: Any, name: str, tht_root: str, params: dict[str, Any]) -> dict[str, Any]:
    """``_create_parameters_env`` (``_write_user_environment``): the local copy and the Swift object."""
    env_map = {"parameter_defaults": params}
    contents = yaml.safe_dump(env_map, default_flow_style=False)
    os.makedirs(os.path.join(tht_root, "user-environments"), exist_ok=True)
    with open(os.path.join(tht_root, "user-environments", "tripleoclient-parameters.yaml"), "w") as local:
        local.write(contents)
    swift.put_object(name, "user-environments/tripleoclient-parameters.yaml", contents)
    return env_map


def process_multiple_environments(env_paths: list[str], tht_root: str,
                                  user_tht_root: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``utils.process_multiple_environments`` (without its j2 fallback): (files, merged environment)."""
    env_files: dict[str, Any] = {}
    localenv: dict[str, Any] = {}
    user_tht_root, tht_root = os.path.normpath(user_tht_root), os.path.normpath(tht_root)
    for env_path in env_paths:
        abs_env_path = os.path.abspath(env_path)
        if abs_env_path.startswith(user_tht_root + "/"):
            env_path = abs_env_path.replace(user_tht_root + "/", tht_root + "/")
        files, env = template_utils.process_environment_and_files(env_path=env_path)
        env_files.update(files or {})
        localenv = template_utils.deep_update(localenv, env)
    return env_files, localenv


def replace_links(template_part: Any, replacement: dict[str, str]) -> Any:
    """``utils.replace_links_in_template``: ``get_file`` and ``type`` values per ``replacement``."""
    if isinstance(template_part, dict):
        return {key: (replacement.get(value, value) if key in ("get_file", "type") and isinstance(value, str)
                      else replace_links(value, replacement)) for key, value in template_part.items()}
    if isinstance(template_part, list):
        return [replace_links(value, replacement) for value in template_part]
    return template_part


def replace_links_in_template_contents(contents: Any, replacement: dict[str, str]) -> Any:
    """``utils.replace_links_in_template_contents``: Heat templates re-dumped, anything else as is."""
    try:
        template = yaml.safe_load(contents)
    except yaml.YAMLError:
        return contents
    if not (isinstance(template, dict) and template.get("heat_template_version")):
        return contents
    return yaml.safe_dump(replace_links(template, replacement))


def upload_missing_files(swift: Any, name: str, files: dict[str, Any], tht_root: str) -> dict[str, str]:
    """``_upload_missing_files``: {file:// URL: user-files/<absolute path>} of what was uploaded."""
    relocation = {}
    for fullpath in files:
        if fullpath.startswith(FILE_PREFIX) and not fullpath[len(FILE_PREFIX):].startswith(tht_root):
            relocation[fullpath] = "user-files/" + os.path.normpath(fullpath[len(FILE_PREFIX) + 1:])
    for original, relocated in relocation.items():
        replacement = {k: os.path.relpath(v, os.path.dirname(relocated)) for k, v in relocation.items()}
        swift.put_object(name, relocated, replace_links_in_template_contents(files[original], replacement))
    return relocation


def _relative_registry(env: dict[str, Any], moved: dict[str, str], tht_root: str) -> None:
    for resource, path in (env.get("resource_registry") or {}).items():
        if not isinstance(path, str):
            continue
        if path in moved:
            env["resource_registry"][resource] = moved[path]
        elif path.startswith(FILE_PREFIX):
            path = path[len(FILE_PREFIX):]
            path = path[len(tht_root):] if path.startswith(tht_root) else path
            env["resource_registry"][resource] = path.lstrip("/")


def process_and_upload_environment(clients: oldclients.Clients, context: Any, name: str, env: dict[str, Any],
                                   moved: dict[str, str], tht_root: str) -> dict[str, Any] | None:
    """``_process_and_upload_environment``; the parameter_defaults sent to tripleo.parameters.update."""
    swift = clients.swift
    _relative_registry(env, moved, tht_root)
    params = env.pop("parameter_defaults", None)
    swift.put_object(name, "user-environment.yaml", yaml.safe_dump(env, default_flow_style=False))
    plan_env = yaml.safe_load(swift.get_object(name, "plan-environment.yaml")[1])
    if {"path": "user-environment.yaml"} not in plan_env["environments"]:
        plan_env["environments"].append({"path": "user-environment.yaml"})
        swift.put_object(name, "plan-environment.yaml", yaml.safe_dump(plan_env, default_flow_style=False))
    if params:  # workflow_params.update_parameters: the action with its defaults (validate=True)
        oldclients.run(tc_parameters.UpdateParametersAction(params, container=name), context)
    return params


def plan_files(swift: Any, name: str, template_object: str = "overcloud.yaml") -> dict[str, Any]:
    """The files of the plan's rendered template (``_heat_deploy``'s get_template_contents)."""
    def do_object_request(method: str = "GET", object_path: str | None = None) -> Any:
        obj = swift.get_object(name, object_path)
        return obj and obj[1]

    template_files, _ = template_utils.get_template_contents(template_object=template_object,
                                                             object_request=do_object_request)
    return template_files
