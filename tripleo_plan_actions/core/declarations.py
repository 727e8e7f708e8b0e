"""Which parameters a plan's templates declare, and the operator's values checked against them.

Pure: plain data in, plain data out.  A parameter is *declared* when any Heat template of the plan
declares it (every template file of the plan, rendered ones included: ``<Role>Count``,
``<Role>Parameters``, ``<Role>ExtraConfig`` come from THT's rendered templates; nested templates
count too) or any template that reaches Heat with the operation (the operator's own templates).

* :func:`undeclared` — the names no template declares: an explicit parameter among them is
  refused; an environment file's ``parameter_defaults`` among them is a warning (as tripleoclient
  warned), refused with ``strict``.
* :func:`check_types` — the values Heat would refuse for the ROOT template's parameters (Heat
  validates those when it is asked to create or update, before it does anything), refused
  before anything is written: a number that is not one, a boolean that is not one, JSON that
  does not parse, a comma-delimited list that is neither a list nor a string.
"""
from __future__ import annotations

import json
import numbers
from typing import Any, Iterable, Mapping

from tripleo_plan_actions.core import environment as environments, plan as plans
from tripleo_plan_actions.errors import PlanInputError

#: The environments the pack generates (passwords, deployment parameters, explicit parameters):
#: their names are not the operator's, so they are not reported.
GENERATED_PREFIX = "tripleo-plan/"
#: oslo.utils' strict boolean strings, as Heat's BooleanParam reads them.
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")

_CACHE: dict[str, frozenset[str]] = {}


def plan_declared(files: Mapping[str, bytes], digest: str | None = None) -> frozenset[str]:
    """Every parameter name any Heat template of the plan declares (cached by ``digest``, the
    plan's :func:`~.plan.plan_digest`, when given: a THT plan has ~1,600 templates)."""
    if digest is not None and digest in _CACHE:
        return _CACHE[digest]
    names: set[str] = set()
    for path, content in files.items():
        if not plans.is_yaml_file(path):
            continue
        data = environments.template_of(path, content)
        if data is not None:
            names.update(str(name) for name in environments.declared_parameters(data))
    found = frozenset(names)
    if digest is not None:
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[digest] = found
    return found


def declared(files: Mapping[str, bytes], arguments: Mapping[str, Any], digest: str | None = None) -> frozenset[str]:
    """The names declared by the plan's templates and by every template of ``arguments``
    (:func:`~.environment.heat_arguments`: the operator's templates included)."""
    return plan_declared(files, digest) | frozenset(environments.parameter_types(arguments["template"],
                                                                                 arguments["files"]))


def display(name: str) -> str:
    """The name an operator gave a file in ``files``: ``user-files/home/x.yaml`` -> ``/home/x.yaml``."""
    return name[len(environments.USER_FILES) - 1:] if name.startswith(environments.USER_FILES) else name


def operator_environments(arguments: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``[(display name, parsed environment)]`` of the environment files the operator deploys
    with (plan files and user files, in order; the pack's generated ones left out)."""
    found = []
    for name in arguments["environment_files"]:
        if not name.startswith(GENERATED_PREFIX):
            found.append((display(name), environments.environment_of(display(name), arguments["files"][name])))
    return found


def undeclared(names: Iterable[str], known: frozenset[str]) -> list[str]:
    """The ``names`` (in their order) that no template declares."""
    return [name for name in names if name not in known]


def undeclared_defaults(arguments: Mapping[str, Any], known: frozenset[str]) -> list[str]:
    """One warning per environment file setting ``parameter_defaults`` no template declares."""
    warnings = []
    for name, data in operator_environments(arguments):
        missing = undeclared(data.get("parameter_defaults") or {}, known)
        if missing:
            warnings.append(f"{name}: parameter_defaults {', '.join(map(str, missing))} "
                            f"{'is' if len(missing) == 1 else 'are'} not declared by any template of the plan")
    return warnings


def check_explicit(plan: str, parameters: Mapping[str, Any], known: frozenset[str]) -> None:
    """Refuse explicit parameters that no template of ``plan`` declares, naming them."""
    missing = undeclared(parameters, known)
    if missing:
        raise PlanInputError(f"parameters: {', '.join(map(str, missing))} "
                             f"{'is' if len(missing) == 1 else 'are'} not declared by any template of plan {plan}")


def root_types(template: Mapping[str, Any]) -> dict[str, Any]:
    """``{parameter: type}`` of the root template (the parameters Heat validates on the call)."""
    return environments.declared_parameters(template)


def check_types(arguments: Mapping[str, Any], explicit: Mapping[str, Any]) -> None:
    """Refuse a value Heat would refuse for a root template parameter, naming the file (or the
    explicit parameters), the section, the parameter and its type."""
    types = root_types(arguments["template"])
    sources = [(f"{name}: {section}", data.get(section) or {}) for name, data in operator_environments(arguments)
               for section in ("parameters", "parameter_defaults")]
    for where, values in [*sources, ("parameters", explicit)]:
        for key, value in values.items():
            problem = heat_refuses(types.get(key), value) if key in types else None
            if problem:
                raise PlanInputError(f"{where}: {key}: {value!r} is not {problem} (the parameter's type is "
                                     f"{types[key]}); Heat would refuse it")


def heat_refuses(kind: Any, value: Any) -> str | None:
    """What ``value`` is not, for Heat's parameter type ``kind`` (None: Heat takes it)."""
    if value is None:
        return None
    kind = str(kind).lower()
    if kind == "number":
        return None if _number(value) else "a number"
    if kind == "boolean":
        return None if isinstance(value, bool) or str(value).lower() in _TRUE + _FALSE else "a boolean"
    if kind == "json":
        return None if not isinstance(value, str) or _json(value) else "JSON (a mapping, a list or JSON text)"
    if kind in ("comma_delimited_list", "commadelimitedlist"):
        return None if isinstance(value, (list, str)) else "a comma-delimited list (a list or a string)"
    return None


def _number(value: Any) -> bool:
    if isinstance(value, numbers.Number):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _json(text: str) -> bool:
    if not text:
        return True
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
