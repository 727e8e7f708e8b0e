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

from tripleo_plan_actions.core import passwords, plan as plans
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


# -- the takeover: what revision 1 ``adopt`` tracks -----------------------------------------------

#: Where adopt keeps, as the operator's inputs, what tripleo-common deployed that is no plan file.
ADOPTED = "/tripleo-plan/adopted/"
#: The adopted environment that comes last: plan-environment.yaml's own values, as tripleo-common
#: merged them (see :func:`takeover`).
GENERATED = ADOPTED + "plan-environment.yaml"


@dataclasses.dataclass(frozen=True)
class Takeover:
    """What revision 1 ``adopt`` tracks: the plan files deployed (``paths``, in order), then the
    adopted environments (``inputs``: ``{absolute path: YAML}``, in order: each inline environment,
    then :data:`GENERATED`); the passwords read back from the stack (``recovered``) and those the
    operator gave (``given``), both names only, sorted; ``merged``: the parameter_defaults
    tripleo-common's deploy gave Heat (every environment deep-merged in its order)."""

    paths: list[str]
    inputs: dict[str, bytes]
    recovered: list[str]
    given: list[str]
    merged: dict[str, Any]


def undeclared(merged: Mapping[str, Any], declared: Iterable[str]) -> dict[str, Any]:
    """The parameters of ``merged`` that no template declares (``declared``: every name some
    template of the stack declares).  tripleo-common sent Heat ONE merged environment, which Heat
    keeps whole; from environment files Heat keeps only declared parameters (after the first
    file), so these go in the request's own environment, the base the files merge into.  Pure."""
    names = set(declared)
    return {name: value for name, value in merged.items() if name not in names}


def _defaults(document: Any) -> dict[str, Any]:
    defaults = document.get("parameter_defaults") if isinstance(document, Mapping) else None
    return dict(defaults) if isinstance(defaults, Mapping) else {}


def _refuse_pending(plan: str, deployed: Deployed, files: Mapping[str, bytes]) -> None:
    pending = pending_prepare(deployed, files)
    if pending:
        raise PlanInputError(
            f"plan {plan} has an update or upgrade prepared but not converged ({'; '.join(pending)}): "
            "finish it with the tool that prepared it (openstack overcloud update|upgrade converge), "
            "then adopt the plan")


#: Passwords that old overclouds' templates generated as stack resources (``OS::Heat::RandomString``,
#: its ``value`` attribute): tripleo-common read them from there when the plan lacked them.
RESOURCE_PASSWORDS = ("HeatAuthEncryptionKey", "HorizonSecret", "MysqlRootPassword", "PcsdPassword", "RabbitCookie")


def resource_passwords_to_read(environment: Mapping[str, Any], stack_defaults: Mapping[str, Any]) -> list[str]:
    """The :data:`RESOURCE_PASSWORDS` that neither the plan's ``passwords`` nor the stack's
    parameter_defaults hold: to read from the stack's resources of those names (as tripleo-common's
    GeneratePasswordsAction did), into the stack's parameter_defaults.  Pure."""
    held = set(_section(environment, "passwords")) | set(stack_defaults)
    return [name for name in RESOURCE_PASSWORDS if name not in held]


def _passwords_given(plan: str, stack_defaults: Mapping[str, Any], deployed: Deployed,
                     files: Mapping[str, bytes], given: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse a takeover that would lose a password (the stack hides it and neither the plan nor
    the operator gives it) or change one (the operator gives one the stack does not lack); the
    hidden ones tripleo-common's own rule gives (:data:`.passwords.RABBIT_DEFAULTED`), ``{name: value}``."""
    missing = missing_passwords(stack_defaults, deployed, files)
    rabbit = _defaults(deployed.generated).get("RabbitPassword")
    implied = {name: rabbit for name in passwords.RABBIT_DEFAULTED if name in missing and name not in given and rabbit}
    missing = [name for name in missing if name not in implied]
    extra = sorted(set(given) - set(missing))
    if extra:
        raise PlanInputError(f"passwords given for plan {plan} that its stack does not lack: {', '.join(extra)} "
                             "(adopt never changes a password the plan or the stack already has)")
    lacking = [name for name in missing if name not in given]
    if lacking:
        raise PlanInputError(
            f"plan {plan} lacks {len(lacking)} passwords its deployed stack uses, which Heat shows only as "
            f"{HIDDEN}: {', '.join(lacking)}. Give their values (tripleo-plan plan adopt {plan} "
            "--passwords-file FILE); a new value would change them on every node")
    return implied


def _recovered(stack_defaults: Mapping[str, Any], given: set[str]) -> list[str]:
    """The passwords the stack shows (Heat hides only its templates' hidden parameters) and
    nothing ``given`` names: read back from the stack rather than lost.  Sorted."""
    return sorted(name for name, value in stack_defaults.items()
                  if passwords.is_secret(name) and value != HIDDEN and name not in given)


def takeover(plan: str, environment: Mapping[str, Any], files: Mapping[str, bytes],
             stack_defaults: Mapping[str, Any], given: Mapping[str, Any]) -> Takeover:
    """The :class:`Takeover` of the tripleo-common plan ``plan`` (plan-environment.yaml
    ``environment``, ``files``) whose stack's ``stacks.environment`` has ``stack_defaults`` as its
    parameter_defaults ({} without a stack), with the operator's ``given`` passwords (the hidden
    ones tripleo-common's rule gives, :data:`.passwords.RABBIT_DEFAULTED`, count as ``recovered``).

    Replayed in the pack's order (the plan's passwords first, then each tracked file; Heat merging
    them), it gives the values tripleo-common's order gave (:func:`deployed_environments`, merged
    by heatclient's :func:`deep_update`): :data:`GENERATED` holds, at their merged values, every
    parameter plan-environment.yaml sets except a password no file sets; every password the stack
    shows (not hidden) that nothing gives (``recovered``) and the ``given`` ones (both at the
    passwords' rank); and every parameter two environments set to mappings (deep-merged then).
    Raises PlanInputError, naming what it found, for a pending update/upgrade prepare, a hidden
    password nothing gives, or a given password the stack does not lack.  Pure.
    """
    deployed = deployed_environments(environment, files)
    _refuse_pending(plan, deployed, files)
    implied = _passwords_given(plan, stack_defaults, deployed, files, given)
    documents = [_defaults(plans.load_yaml(path, files[path])) for path in deployed.paths]
    documents += [_defaults(data) for _name, data in deployed.inline]
    set_by_files = {name for document in documents for name in document}
    plan_passwords = _section(environment, "passwords")
    shown = _recovered(stack_defaults, set_by_files | set(given) | set(_defaults(deployed.generated)))
    level = {**{name: stack_defaults[name] for name in shown}, **implied, **given}
    recovered = sorted([*shown, *implied])
    generated = deep_update(level, _defaults(deployed.generated))
    merged: dict[str, Any] = {}
    for document in [*documents, generated]:
        merged = deep_update(merged, document)
    mappings = [name for name in set_by_files
                if sum(isinstance(document.get(name), Mapping) for document in documents) > 1]
    chosen = {name for name in generated if name not in plan_passwords or name in set_by_files
              or name in level or name in _section(environment, "derived_parameters")
              or name in _section(environment, "parameter_defaults")}
    adopted = {f"{ADOPTED}{name.replace('[', '-').rstrip(']')}.yaml": plans.dump_yaml(data)
               for name, data in deployed.inline}
    last: dict[str, Any] = {}
    parameters = {name: merged[name] for name in sorted(chosen | set(mappings))}
    if parameters:
        last["parameter_defaults"] = parameters
    if deployed.generated.get("resource_registry"):
        last["resource_registry"] = deployed.generated["resource_registry"]
    if last:
        adopted[GENERATED] = plans.dump_yaml(last)
    return Takeover(deployed.paths, adopted, recovered, sorted(given), merged)
