"""A deployment plan as plain data, and the pure rules that create, amend and describe it.

A plan is a mapping ``{path: bytes}``: the templates tree plus the plan's own files,
``plan-environment.yaml`` (what it deploys with, its parameters and generated passwords),
``roles_data.yaml`` and ``network_data.yaml``.  Nothing here does I/O; storage is
:mod:`tripleo_plan_actions.storage.swift`.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable, Mapping

import yaml

from tripleo_plan_actions.core import bounded_yaml, passwords as password_rules, render as rendering
from tripleo_plan_actions.core.archive import clean_path
from tripleo_plan_actions.errors import PlanExists, PlanInputError, PlanNotFound  # noqa: F401

PLAN_ENVIRONMENT = "plan-environment.yaml"
ROLES_DATA = "roles_data.yaml"
NETWORK_DATA = "network_data.yaml"
NETWORK_DATA_DEFAULT = "network_data_default.yaml"
J2_EXCLUDES = "j2_excludes.yaml"
ROOT_TEMPLATE = "overcloud.yaml"
RESOURCE_REGISTRY = "overcloud-resource-registry-puppet.yaml"
#: Files an amend changes only when asked to explicitly (``allow_meta``).
META_FILES = frozenset({PLAN_ENVIRONMENT})
#: Plan names: a Heat stack name (letter first) that is also a TripleO plan name (no '_' or '.').
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
RESERVED_SUFFIXES = ("-tripleo-plan",)


def check_name(name: Any) -> str:
    """Return ``name`` if Swift, Heat and TripleO all accept it as a plan name; else raise."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise PlanInputError(
            f"plan name {name!r} is not valid: use a letter first, then letters, digits or '-' "
            "(at most 128 characters), as Heat stack names and TripleO plans require")
    if name.endswith(RESERVED_SUFFIXES):
        raise PlanInputError(f"plan name {name!r} is not valid: it ends with a reserved suffix "
                             f"({', '.join(RESERVED_SUFFIXES)})")
    return name


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_yaml_file(path: str) -> bool:
    """YAML that must parse as it is (Jinja sources ``*.j2.yaml`` parse only after rendering)."""
    return path.endswith((".yaml", ".yml")) and not path.endswith((".j2.yaml", ".j2.yml"))


def load_yaml(path: str, content: bytes | str) -> Any:
    """Parse one file (libyaml's loader, bounded: :mod:`.bounded_yaml`); a syntax error raises
    PlanInputError naming the file, line and column, a document over a limit YAMLLimitError."""
    try:
        return bounded_yaml.load(path, content)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else path
        raise PlanInputError(f"{where}: YAML does not parse: {error.problem or error}") from error
    except yaml.YAMLError as error:
        raise PlanInputError(f"{path}: YAML does not parse: {error}") from error


def check_yaml(files: Mapping[str, bytes], paths: Iterable[str] | None = None) -> None:
    """Parse every YAML file of ``paths`` (default: all); raise on the first that does not parse."""
    for path in sorted(paths if paths is not None else files):
        if is_yaml_file(path):
            load_yaml(path, files[path])


def dump_yaml(data: Any) -> bytes:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True).encode()


def _list_of_mappings(path: str, data: Any, what: str) -> list:
    if not isinstance(data, list) or not all(isinstance(item, dict) and "name" in item for item in data):
        raise PlanInputError(f"{path}: must be a list of {what}, each with a 'name'")
    return data


def default_plan_environment(name: str, description: str) -> dict[str, Any]:
    """The plan-environment.yaml of a new plan, in the layout TripleO tools read."""
    return {
        "version": 1.0,
        "name": name,
        "description": description,
        "template": ROOT_TEMPLATE,
        "environments": [{"path": RESOURCE_REGISTRY}],
        "parameter_defaults": {},
        "passwords": {},
    }


def new_plan(name: str, templates: Mapping[str, bytes], roles_data: bytes | None = None,
             network_data: bytes | None = None, description: str = "",
             generated_passwords: Mapping[str, Any] | None = None) -> dict[str, bytes]:
    """The files of a new plan made from a templates tree.

    ``roles_data`` / ``network_data`` replace the tree's files; without ``network_data`` and
    without a ``network_data.yaml`` in the tree, ``network_data_default.yaml`` is used, as THT's
    client did.  ``generated_passwords`` (see core.passwords.generate) go into plan-environment's
    ``passwords``; passwords already in a plan-environment.yaml of the tree are kept.
    """
    check_name(name)
    files = {clean_path(path): content for path, content in templates.items()}
    if roles_data is not None:
        files[ROLES_DATA] = roles_data
    if network_data is not None:
        files[NETWORK_DATA] = network_data
    elif NETWORK_DATA not in files and NETWORK_DATA_DEFAULT in files:
        files[NETWORK_DATA] = files[NETWORK_DATA_DEFAULT]
    if ROOT_TEMPLATE not in files and ROOT_TEMPLATE.replace(".yaml", ".j2.yaml") not in files:
        raise PlanInputError(f"plan {name}: the templates have no {ROOT_TEMPLATE} (nor its .j2.yaml source)")
    for required, what in ((ROLES_DATA, "roles"), (NETWORK_DATA, "networks")):
        if required not in files:
            raise PlanInputError(f"plan {name}: no {required} in the templates and none given")
    check_yaml(files)
    _list_of_mappings(ROLES_DATA, load_yaml(ROLES_DATA, files[ROLES_DATA]), "roles")
    networks = load_yaml(NETWORK_DATA, files[NETWORK_DATA]) or []
    _list_of_mappings(NETWORK_DATA, networks, "networks")

    environment = default_plan_environment(name, description)
    if PLAN_ENVIRONMENT in files:
        given = load_yaml(PLAN_ENVIRONMENT, files[PLAN_ENVIRONMENT]) or {}
        if not isinstance(given, dict):
            raise PlanInputError(f"{PLAN_ENVIRONMENT}: must be a mapping")
        environment.update(given)
        environment["name"] = name
        if description:
            environment["description"] = description
    environment["passwords"] = {**dict(generated_passwords or {}), **(environment.get("passwords") or {})}
    files[PLAN_ENVIRONMENT] = dump_yaml(environment)
    return files


def amend(plan: Mapping[str, bytes], put: Mapping[str, bytes] | None = None,
          delete: Iterable[str] = (), allow_meta: bool = False) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """The plan with files added, replaced and deleted; plus ``{"added", "replaced", "deleted"}``.

    Meta files (plan-environment.yaml) change only with ``allow_meta``; a replaced
    plan-environment.yaml keeps the plan's generated passwords unless it gives its own.
    Deleting a file the plan does not have, or the plan's roles or network data, is refused.
    """
    put = {clean_path(path): content for path, content in (put or {}).items()}
    delete = [clean_path(path) for path in delete]
    _check_amend(plan, put, delete, allow_meta)
    result = dict(plan)
    if PLAN_ENVIRONMENT in put:
        put = {**put, PLAN_ENVIRONMENT: _keeping_passwords(plan[PLAN_ENVIRONMENT], put[PLAN_ENVIRONMENT])}
    changes = {"added": sorted(p for p in put if p not in plan),
               "replaced": sorted(p for p in put if p in plan and plan[p] != put[p]),
               "deleted": sorted(delete)}
    result.update(put)
    for path in delete:
        del result[path]
    return result, changes


def _check_amend(plan: Mapping[str, bytes], put: Mapping[str, bytes], delete: list[str], allow_meta: bool) -> None:
    """Refuse an amend :func:`amend` does not make (clean paths ``put`` and ``delete``)."""
    touched_meta = sorted((set(put) | set(delete)) & META_FILES)
    if touched_meta and not allow_meta:
        raise PlanInputError(
            f"{', '.join(touched_meta)} holds the plan's deployment settings and passwords: "
            "amend it only with allow_meta set")
    for path in delete:
        if path not in plan:
            raise PlanInputError(f"cannot delete {path}: the plan has no such file")
        if path in (ROLES_DATA, NETWORK_DATA, PLAN_ENVIRONMENT):
            raise PlanInputError(f"cannot delete {path}: every plan needs one (replace it instead)")
    both = set(put) & set(delete)
    if both:
        raise PlanInputError(f"{', '.join(sorted(both))}: both replaced and deleted in one amend")
    check_yaml(put)
    if ROLES_DATA in put:
        _list_of_mappings(ROLES_DATA, load_yaml(ROLES_DATA, put[ROLES_DATA]), "roles")
    if NETWORK_DATA in put:
        _list_of_mappings(NETWORK_DATA, load_yaml(NETWORK_DATA, put[NETWORK_DATA]) or [], "networks")


def _keeping_passwords(old: bytes, new: bytes) -> bytes:
    """A replacing plan-environment.yaml with the old one's passwords under its own."""
    new_env = load_yaml(PLAN_ENVIRONMENT, new) or {}
    if not isinstance(new_env, dict):
        raise PlanInputError(f"{PLAN_ENVIRONMENT}: must be a mapping")
    old_env = load_yaml(PLAN_ENVIRONMENT, old) or {}
    new_env["passwords"] = {**(old_env.get("passwords") or {}), **(new_env.get("passwords") or {})}
    return dump_yaml(new_env)


def environment_description(path: str, content: bytes) -> str:
    """What an environment file says of itself: its ``description`` key, else its leading comments."""
    text = content.decode("utf-8", errors="replace")
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            if body and not set(body) <= set("*=-#"):
                lines.append(body)
            continue
        if stripped:
            break
    if not path.endswith(".j2.yaml"):
        try:
            data = load_yaml(path, content)
        except PlanInputError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("description"), str):
            return data["description"].strip()
    return " ".join(lines)


def describe(name: str, plan: Mapping[str, bytes]) -> dict[str, Any]:
    """What ``show`` returns: roles, networks, available and used environments, masked parameters."""
    environment = load_yaml(PLAN_ENVIRONMENT, plan[PLAN_ENVIRONMENT]) or {}
    roles = load_yaml(ROLES_DATA, plan[ROLES_DATA]) or []
    networks = load_yaml(NETWORK_DATA, plan[NETWORK_DATA]) or []
    available = [
        {"path": path.replace(".j2.yaml", ".yaml") if path.endswith(".j2.yaml") else path,
         "description": environment_description(path, plan[path])}
        for path in sorted(plan) if path.startswith("environments/") and path.endswith(".yaml")
    ]
    return {
        "name": name,
        "description": environment.get("description", ""),
        "files": len(plan),
        "roles": [{"name": r["name"], "count": r.get("CountDefault", 0), "tags": r.get("tags", [])}
                  for r in roles],
        "networks": [{"name": n["name"], "enabled": n.get("enabled", True)} for n in networks],
        "environments": environment.get("environments", []),
        "available_environments": available,
        "parameters": password_rules.mask(environment.get("parameter_defaults") or {}),
        "passwords": sorted(environment.get("passwords") or {}),
    }


def render_digest(files: Mapping[str, bytes]) -> str:
    """A digest of everything a render reads: Jinja sources and fragments, roles, networks, excludes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        if path.endswith((".j2.yaml", ".j2")) or path in (ROLES_DATA, NETWORK_DATA, J2_EXCLUDES):
            digest.update(path.encode() + b"\0" + sha256(files[path]).encode() + b"\0")
    return digest.hexdigest()


def _render_inputs(files: Mapping[str, bytes]) -> tuple[list, list, list[str]]:
    roles = load_yaml(ROLES_DATA, files[ROLES_DATA]) or []
    networks = load_yaml(NETWORK_DATA, files[NETWORK_DATA]) or []
    excludes = rendering.excludes_from(load_yaml(J2_EXCLUDES, files[J2_EXCLUDES])) if J2_EXCLUDES in files else []
    return roles, networks, excludes


def render(files: Mapping[str, bytes], renderer: rendering.Renderer,
           previous: Mapping[str, bytes] | None = None) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The plan with its Jinja sources rendered in place (sources kept, as TripleO's plans held them).

    ``previous`` is the plan as it was stored: when nothing a render reads has changed since, the
    stored outputs are kept and nothing is rendered; otherwise the outputs ``previous`` had and the
    new render no longer makes are removed.  Returns the files and ``{"rendered": n, "skipped":
    bool, "removed": [paths]}``.  ``j2_excludes.yaml`` applies, as it does to an in-place render.
    """
    if previous is not None and render_digest(previous) == render_digest(files):
        return dict(files), {"rendered": 0, "skipped": True, "removed": []}
    roles, networks, excludes = _render_inputs(files)
    produced = renderer.render(files, roles, networks, excludes)
    stale: list[str] = []
    if previous is not None:
        old_roles, old_networks, old_excludes = _render_inputs(previous)
        old = {out for out, *_ in rendering.outputs(previous, old_roles, old_networks, old_excludes)}
        stale = sorted(path for path in old - set(produced) if path in files)
    result = {path: content for path, content in files.items() if path not in stale}
    result.update(produced)
    return result, {"rendered": len(produced), "skipped": False, "removed": stale}


def plan_digest(files: Mapping[str, bytes]) -> str:
    """A digest of the whole plan (every path and content), cheap to compute from memory."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + sha256(files[path]).encode() + b"\0")
    return digest.hexdigest()


def with_environments(files: Mapping[str, bytes], environments: list[dict[str, Any]]) -> dict[str, bytes]:
    """The plan with plan-environment.yaml's ``environments`` set to what it now deploys with.

    Plan files appear as ``{path}``; operator files as ``{path, user_input: <sha256>}`` (their
    content is in the plan's user inputs).
    """
    environment = load_yaml(PLAN_ENVIRONMENT, files[PLAN_ENVIRONMENT]) or {}
    environment["environments"] = [
        {"path": e["path"]} if e["source"] == "plan" else {"path": e["path"], "user_input": e["sha256"]}
        for e in environments]
    return {**files, PLAN_ENVIRONMENT: dump_yaml(environment)}


def upgraded(plan: Mapping[str, bytes], templates: Mapping[str, bytes],
             generated_passwords: Mapping[str, Any]) -> dict[str, bytes]:
    """The plan moved to a new templates tree: the operator's roles and network data, the plan's
    environment (its environment list and parameters) and passwords kept; passwords the new
    release needs and the plan lacks come from ``generated_passwords`` (see passwords.generate).
    """
    environment = load_yaml(PLAN_ENVIRONMENT, plan[PLAN_ENVIRONMENT]) or {}
    files = new_plan(environment.get("name", "plan"), templates, roles_data=plan[ROLES_DATA],
                     network_data=plan[NETWORK_DATA], description=environment.get("description", ""))
    environment["passwords"] = {**dict(generated_passwords), **(environment.get("passwords") or {})}
    files[PLAN_ENVIRONMENT] = dump_yaml(environment)
    return files
