"""Plans that tripleo-common made (Stein/Train), read as data: what their stack was deployed with,
and what stops a takeover.  Pure: the adopt operation reads the containers and the stack.

tripleo-common's ``utils/plan.py`` (``build_env_paths``, 11.x) sent Heat, in this order: each
``environments`` entry of plan-environment.yaml that has a ``path`` (a plan file), then each one
that has inline ``data``, then ONE generated environment whose ``parameter_defaults`` are
``passwords``, updated by ``derived_parameters``, deep-merged with ``parameter_defaults`` (heatclient's
``template_utils.deep_update``), then plan-environment.yaml's ``resource_registry``.
:func:`deployed_environments` states that order over plain data.
"""
from __future__ import annotations

import dataclasses
import fnmatch
from typing import Any, Iterable, Mapping

from tripleo_plan_actions.core import plan as plans
from tripleo_plan_actions.errors import PlanInputError

#: How Heat's ``stacks.environment`` shows a hidden parameter's value (every password).
HIDDEN = "******"
#: Registry mappings an update or upgrade prepare leaves until its converge: Heat stops running
#: the deployment steps (Train) or the per-role pre/post tasks (any role: the keys are globs).
PENDING_PREPARE = ("OS::TripleO::DeploymentSteps", "OS::TripleO::Tasks::*PreConfig",
                   "OS::TripleO::Tasks::*PostConfig")
NONE = "OS::Heat::None"


@dataclasses.dataclass(frozen=True)
class Deployed:
    """What a tripleo-common plan deploys with: the plan files listed (``paths``, in order), the
    inline environments (``inline``: ``[(name, document)]``, in order, after every file) and the
    generated environment (``generated``: ``{parameter_defaults, resource_registry}``, each only
    when not empty), the last one."""

    paths: list[str]
    inline: list[tuple[str, dict[str, Any]]]
    generated: dict[str, Any]


def deep_update(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``new`` merged in as heatclient's ``template_utils.deep_update`` does: a
    mapping merged key by key into a mapping, anything else replaced.  Pure (copies)."""
    merged = dict(base)
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_update(merged[key], value)
        else:
            merged[key] = value
    return merged


def _section(environment: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = environment.get(name) or {}
    if not isinstance(value, Mapping):
        raise PlanInputError(f"{plans.PLAN_ENVIRONMENT}: {name} must be a mapping, not {type(value).__name__}")
    return dict(value)


def deployed_environments(environment: Mapping[str, Any], files: Mapping[str, bytes]) -> Deployed:
    """The :class:`Deployed` of a tripleo-common plan whose plan-environment.yaml is
    ``environment`` and whose files are ``files``.  PlanInputError naming the entry for an
    environment that is neither ``{path}`` nor ``{data}``, or a path the plan does not hold."""
    listed = environment.get("environments") or []
    if not isinstance(listed, list):
        raise PlanInputError(f"{plans.PLAN_ENVIRONMENT}: environments must be a list")
    paths, inline = [], []
    for index, entry in enumerate(listed):
        where = f"{plans.PLAN_ENVIRONMENT}: environments[{index}]"
        if isinstance(entry, Mapping) and entry.get("path"):
            if entry["path"] not in files:
                raise PlanInputError(f"{where}: {entry['path']} is not in the plan container")
            paths.append(str(entry["path"]))
        elif isinstance(entry, Mapping) and isinstance(entry.get("data"), Mapping) and entry["data"]:
            inline.append((f"environments[{index}]", dict(entry["data"])))
        elif not (isinstance(entry, Mapping) and "data" in entry and not entry["data"]):
            raise PlanInputError(f"{where}: neither {{path: ...}} nor {{data: ...}}")
    parameters = _section(environment, "passwords")
    parameters.update(_section(environment, "derived_parameters"))
    parameters = deep_update(parameters, _section(environment, "parameter_defaults"))
    generated = {"parameter_defaults": parameters} if parameters else {}
    registry = _section(environment, "resource_registry")
    if registry:
        generated["resource_registry"] = registry
    return Deployed(paths, inline, generated)


def _pending_keys(registry: Any) -> list[str]:
    if not isinstance(registry, Mapping):
        return []
    return [f"{key}: {NONE}" for key, value in registry.items()
            if value == NONE and any(key == marker or (key.startswith("OS::TripleO::Tasks::*")
                                                        and fnmatch.fnmatchcase(key, marker))
                                     for marker in PENDING_PREPARE)]


def pending_prepare(deployed: Deployed, files: Mapping[str, bytes]) -> list[str]:
    """Where a prepared-but-not-converged update or upgrade shows in what the plan deploys: each
    ``"<environment>: <mapping>"`` of a :data:`PENDING_PREPARE` key mapped to ``OS::Heat::None``
    (a role-named mapping such as ``OS::TripleO::Tasks::ControllerPreConfig`` is THT's default, not a
    prepare).  Empty when there is none.  Raises PlanInputError for a listed file that is not YAML."""
    found = []
    documents: Iterable[tuple[str, Any]] = [
        *((path, plans.load_yaml(path, files[path])) for path in deployed.paths), *deployed.inline,
        ("plan-environment.yaml resource_registry", {"resource_registry": deployed.generated.get("resource_registry")})]
    for name, document in documents:
        registry = document.get("resource_registry") if isinstance(document, Mapping) else None
        found += [f"{name}: {mapping}" for mapping in _pending_keys(registry)]
    return found


def missing_passwords(stack_parameters: Mapping[str, Any], deployed: Deployed,
                      files: Mapping[str, bytes]) -> list[str]:
    """The hidden parameters of the deployed stack (``stacks.environment``'s ``parameter_defaults``
    shown as :data:`HIDDEN`) that nothing the plan deploys gives a value: neither a listed plan
    file, nor an inline environment, nor the generated environment.  Sorted."""
    documents = [plans.load_yaml(path, files[path]) for path in deployed.paths]
    documents += [document for _name, document in deployed.inline] + [deployed.generated]
    given: set[str] = set()
    for document in documents:
        defaults = document.get("parameter_defaults") if isinstance(document, Mapping) else None
        given |= set(defaults) if isinstance(defaults, Mapping) else set()
    hidden = {name for name, value in stack_parameters.items() if value == HIDDEN}
    return sorted(hidden - given)
