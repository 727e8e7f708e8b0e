"""The arguments Heat needs to create, update or preview a plan's stack, and the environment Heat merges.

Functional core: plain data in, plain data out, no I/O.  :func:`heat_arguments` turns a plan
(``{path: bytes}``), an ordered list of environments and the operator's parameters into
``{"template", "files", "environment_files", "environment"}`` for ``stacks.create`` /
``stacks.update`` / ``stacks.preview``.  Heat merges the environment files itself, server side,
so each keeps its identity and order in the stack (``stack environment show``, ``stack file list``).
:func:`effective_environment` computes that merge in pure Python, with Heat's rules.

Names in ``files``:

* a plan file: its plan path (``deployment/x/y.yaml``);
* a file the operator shipped from outside the plan: ``user-files/`` and its absolute path without
  the leading '/' (``/home/stack/my-env.yaml`` -> ``user-files/home/stack/my-env.yaml``), the
  layout the old tripleoclient used in the plan container;
* the generated environments: ``tripleo-plan/passwords.yaml`` and ``tripleo-plan/parameters.yaml``
  (and ``tripleo-plan/deployment-parameters.yaml``, see :mod:`.deployment_parameters`).

Heat looks every reference up in ``files`` verbatim: a ``type:``, a ``get_file`` or a
resource_registry entry is never resolved against the name of the file that holds it.  So, as
heatclient rewrites them to absolute ``file://`` URLs, every reference is rewritten to one of the
names above, resolved relative to the file that holds it (which values are references, and what
they name: :mod:`.heat_references`, the walker the client's shipping of user files shares).
As heatclient does, templates go into ``files`` as JSON text, other files as they are (base64
when they are not UTF-8); environment files go in as YAML.

Precedence, lowest first: the generated passwords (an environment of their own, first), the
environment files in order, the explicit parameters (an environment of their own, last).
A value an operator gives, in an environment file or as a parameter, always beats a generated one.
"""
from __future__ import annotations

import base64
import copy
import json
import posixpath
from typing import Any, Iterable, Mapping, NamedTuple

import yaml

from tripleo_plan_actions.core import bounded_yaml, heat_references as walker
from tripleo_plan_actions.core.plan import ROOT_TEMPLATE, load_yaml
from tripleo_plan_actions.errors import PlanError, PlanInputError

PASSWORDS_ENVIRONMENT = "tripleo-plan/passwords.yaml"
PARAMETERS_ENVIRONMENT = "tripleo-plan/parameters.yaml"
#: An adopted plan's first environment file: what its stack has that no template declares.
BASE_ENVIRONMENT = "tripleo-plan/adopted-base.yaml"
USER_FILES = "user-files/"

#: Sections Heat accepts in an environment file (heat/common/environment_format.py).
SECTIONS = ("parameters", "resource_registry", "parameter_defaults", "encrypted_param_names",
            "event_sinks", "parameter_merge_strategies")
PARAMETER_SECTIONS = ("parameters", "parameter_defaults")
MERGE_STRATEGIES = (OVERWRITE, MERGE, DEEP_MERGE) = ("overwrite", "merge", "deep_merge")
#: Heat's parameter types (HOT and CFN spellings) as the kinds its merge strategies know.
_TYPE_KINDS = {"json": "map", "Json": "map", "comma_delimited_list": "list",
               "CommaDelimitedList": "list", "string": "string", "String": "string",
               "number": "number", "Number": "number"}


class MissingFile(PlanError):
    """A referenced file is neither in the plan nor among the files the operator shipped."""

    kind = "missing_file"


class EnvironmentInputError(PlanInputError):
    """An environment or a reference Heat could not use; the message names the file."""

    kind = "bad_environment"


#: libyaml's dumper when PyYAML has it, else the pure-Python one (the same results).
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _HeatLoader(bounded_yaml.SafeLoader):
    """Heat's and heatclient's YAML: timestamps stay strings (``heat_template_version: 2016-10-14``);
    bounded as every parse (:mod:`.bounded_yaml`)."""


_HeatLoader.add_constructor("tag:yaml.org,2002:timestamp", _HeatLoader.construct_yaml_str)


class _Dumper(_SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def parse_document(display: str, text: str) -> Any:
    """Parse JSON or YAML as Heat does; a syntax error names the file, line and column, a document
    over a limit of :mod:`.bounded_yaml` raises YAMLLimitError naming the file (JSON has no aliases:
    its size bounds its work; its depth is Python's recursion limit, refused as too deep)."""
    bounded_yaml.check_size(display, text)
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
        except RecursionError:
            raise bounded_yaml.YAMLLimitError(f"{display}: refused: the JSON nests too deep") from None
    try:
        return bounded_yaml.load(display, text, _HeatLoader)
    except yaml.YAMLError:
        load_yaml(display, text)  # raises PlanInputError naming the file, line and column
        raise


def _template_data(display: str, text: str, strict: bool) -> dict | None:
    """The parsed template, or None when ``text`` is not a Heat template (heatclient's test).

    The text is stripped first, as heatclient strips it: a block scalar that ends the file loses
    its final newline, and the values stay those that stacks deployed by the old tools hold.
    """
    try:
        stripped = text.lstrip()
        # Leading line breaks are kept so that errors give the file's own line numbers.
        data = parse_document(display, "\n" * text[:len(text) - len(stripped)].count("\n") + stripped.rstrip())
    except (PlanInputError, yaml.YAMLError):
        if strict:
            raise
        return None
    return data if walker.is_template(data) else None


def _decode(content: bytes | str) -> str | None:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True)


def dump_environment(data: Mapping[str, Any]) -> str:
    """An environment as the YAML text put in ``files`` (mapping keys sorted, list order kept)."""
    return _dump_yaml(_canonical(data))


def _canonical(value: Any) -> Any:
    """A plain copy of ``value`` with mapping keys sorted (when comparable), for stable output."""
    if isinstance(value, Mapping):
        items = [(key, _canonical(item)) for key, item in value.items()]
        if all(isinstance(key, str) for key, _ in items):
            items.sort(key=lambda pair: pair[0])
        return dict(items)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def _absolute(path: str, what: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise EnvironmentInputError(f"{what} {path!r}: give the absolute path the operator used")
    return walker.normal_path(path)


class _Source(NamedTuple):
    """Where a file comes from: the plan (a plan path) or the operator (an absolute path)."""

    user: bool
    path: str

    @property
    def name(self) -> str:
        return USER_FILES + self.path.lstrip("/") if self.user else self.path

    def __str__(self) -> str:
        return self.path


class _Builder:
    """Collects ``files`` while rewriting references; one per :func:`heat_arguments` call."""

    def __init__(self, plan: Mapping[str, bytes], user_files: Mapping[str, bytes],
                 templates_dir: str | None) -> None:
        self.plan = plan
        self.user_files = {_absolute(path, "user file"): content for path, content in user_files.items()}
        self.templates_dir = _absolute(templates_dir, "templates_dir") if templates_dir else None
        self.files: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.names: dict[_Source, str] = {}

    def add(self, name: str, body: str, owner: str) -> str:
        if name in self.files and self.files[name] != body:
            raise EnvironmentInputError(
                f"two different files would reach Heat as {name}: {self.owners[name]} and {owner}")
        self.files[name] = body
        self.owners.setdefault(name, owner)
        return name

    # -- references ---------------------------------------------------------------------------
    def resolve(self, ref: walker.Ref, referrer: _Source) -> _Source:
        """The file ``ref`` names, read as heatclient reads it (:func:`.heat_references.resolve`):
        relative to ``referrer``; a plan path that leaves the plan's tree continues in
        ``templates_dir``, an absolute path inside ``templates_dir`` is the plan's file."""
        where = f"{referrer}: {ref.what}{' ->' if ref.registry else ''} {ref.value}"
        try:
            path = walker.resolve(ref.value, str(referrer))
        except walker.RemoteReference:
            raise EnvironmentInputError(f"{where}: remote references are not supported; ship the file "
                                        "in the plan or among the user files") from None
        if not path.startswith("/"):  # relative to a plan file
            if path != ".." and not path.startswith("../"):
                if path in self.plan:
                    return _Source(False, path)
                raise MissingFile(f"{where}: not in the plan (looked for {path})")
            if self.templates_dir is None:
                raise MissingFile(f"{where}: points outside the plan's templates tree")
            path = walker.normal_path(posixpath.join(self.templates_dir, path))
        return self.locate(path, where)

    def locate(self, path: str, where: str) -> _Source:
        """The file at absolute ``path``: the plan's when inside ``templates_dir``, else the operator's."""
        looked = [f"{path} among the user files"]
        if self.templates_dir and path.startswith(self.templates_dir + "/"):
            relative = path[len(self.templates_dir) + 1:]
            if relative in self.plan:
                return _Source(False, relative)
            looked.insert(0, f"{relative} in the plan")
        if path in self.user_files:
            return _Source(True, path)
        raise MissingFile(f"{where}: not found (looked for {' and '.join(looked)})")

    def include(self, source: _Source, template: bool) -> str:
        """Put ``source`` (and what it references, recursively) into ``files``; return its name."""
        if source in self.names:
            return self.names[source]
        name = self.names[source] = source.name
        content = (self.user_files if source.user else self.plan)[source.path]
        text = _decode(content)
        if text is None:
            body = base64.encodebytes(content).decode("ascii")
        else:
            data = _template_data(source.path, text, strict=template)
            body = text if data is None else json.dumps(self.template(data, source), ensure_ascii=False)
        return self.add(name, body, f"{'user' if source.user else 'plan'} file {source}")

    def follow(self, ref: walker.Ref, referrer: _Source) -> str:
        """The name in ``files`` of the file ``ref`` names (included, with its own references)."""
        return self.include(self.resolve(ref, referrer), template=ref.template)

    def template(self, node: Any, source: _Source) -> Any:
        """A copy of a template with every ``type:`` template and ``get_file`` renamed."""
        return walker.rewrite_template(node, lambda ref: self.follow(ref, source))

    # -- environments ---------------------------------------------------------------------------
    def environment(self, source: _Source, content: bytes | str) -> str:
        data = _environment_data(str(source), content)
        if "resource_registry" in data:
            data["resource_registry"] = self.registry(data["resource_registry"], source)
        return self.add(source.name, _dump_yaml(data), f"environment file {source}")

    def registry(self, registry: Any, source: _Source) -> dict:
        """A copy of a resource_registry with every file reference renamed."""
        if not isinstance(registry, dict):
            raise EnvironmentInputError(f"{source}: resource_registry must be a mapping")

        def no_base_url(where: str, entries: Mapping[str, Any]) -> None:
            if "base_url" in entries:
                raise EnvironmentInputError(f"{source}: resource_registry{where}: base_url is not supported; "
                                            "give paths relative to the environment file")

        return walker.rewrite_registry(registry, lambda ref: self.follow(ref, source), no_base_url)


def _environment_data(display: str, content: bytes | str) -> dict:
    """An environment file's sections; empty ones (``parameter_defaults:`` alone) left out."""
    text = _decode(content)
    if text is None:
        raise EnvironmentInputError(f"{display}: an environment file must be UTF-8 text")
    data = parse_document(display, text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EnvironmentInputError(f"{display}: an environment must be a mapping of sections")
    unknown = sorted(str(key) for key in data if key not in SECTIONS)
    if unknown:
        raise EnvironmentInputError(f"{display}: unknown environment section {', '.join(unknown)} "
                                    f"(Heat accepts {', '.join(SECTIONS)})")
    for section, value in data.items():
        shape = _SHAPES[section]
        if value is not None and not isinstance(value, shape[0]):
            raise EnvironmentInputError(f"{display}: {section} must be {shape[1]}, not {_kind(value)}")
    return {key: value for key, value in data.items() if value is not None}


#: What each section must be (Heat's environment_format refuses anything else).
_SHAPES: dict[str, tuple[type, str]] = {
    "parameters": (dict, "a mapping of parameter names to values"),
    "parameter_defaults": (dict, "a mapping of parameter names to values"),
    "resource_registry": (dict, "a mapping"),
    "parameter_merge_strategies": (dict, "a mapping of parameter names to strategies"),
    "encrypted_param_names": (list, "a list"),
    "event_sinks": (list, "a list"),
}


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}")


def _entry_source(entry: Mapping[str, Any], index: int, plan: Mapping[str, bytes],
                  user_files: Mapping[str, bytes]) -> tuple[_Source, bytes | str]:
    if "plan_path" in entry and "user_path" not in entry:
        path = posixpath.normpath(entry["plan_path"])
        if path not in plan:
            raise MissingFile(f"environment {index + 1}: {entry['plan_path']} is not in the plan")
        return _Source(False, path), plan[path]
    if "user_path" in entry and "plan_path" not in entry:
        path = _absolute(entry["user_path"], f"environment {index + 1}:")
        content = entry.get("content")
        if content is None:
            if path not in user_files:
                raise MissingFile(f"environment {index + 1}: {path} was not shipped with the user files")
            content = user_files[path]
        return _Source(True, path), content
    raise EnvironmentInputError(f"environment {index + 1}: give either plan_path or user_path "
                                f"(and content), not {sorted(entry)}")


def heat_arguments(plan: Mapping[str, bytes], environments: Iterable[Mapping[str, Any]], *,
                   user_files: Mapping[str, bytes] | None = None,
                   parameters: Mapping[str, Any] | None = None,
                   passwords: Mapping[str, Any] | None = None,
                   root_template: str = ROOT_TEMPLATE,
                   templates_dir: str | None = None,
                   base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``{"template", "files", "environment_files", "environment"}`` for stacks.create/update/preview.

    ``environments`` in order, each ``{"plan_path": ...}`` or ``{"user_path": <absolute path>,
    "content": bytes}`` (without ``content``, the file is taken from ``user_files``).  References
    in user files resolve among ``user_files`` (keyed by absolute path); with ``templates_dir``
    (where the operator's copy of the templates lives, e.g.
    /usr/share/openstack-tripleo-heat-templates), references into it resolve to the plan's
    files, and plan files may reference user files above the tree.  ``passwords`` become the
    first environment file, ``parameters`` the last (each left out when empty); ``base`` (an
    environment: an adopted stack's parameters that no template declares, see
    :func:`tripleo_plan_actions.core.legacy.undeclared`) comes before them all, as
    :data:`BASE_ENVIRONMENT`: Heat keeps the first file's parameters whole, and of the later
    files' only the declared ones (:func:`merge_environments`).  ``environment`` is empty: Heat
    ignores it when environment files are given.

    Raises MissingFile for a reference to a file nobody shipped, PlanInputError for YAML that
    does not parse, EnvironmentInputError for an environment Heat would refuse.
    """
    user_files = user_files or {}
    builder = _Builder(plan, user_files, templates_dir)
    if root_template not in plan:
        raise MissingFile(f"the plan has no root template {root_template}")
    root = _Source(False, root_template)
    text = _decode(plan[root_template])
    data = _template_data(root_template, text, strict=True) if text is not None else None
    if data is None:
        raise EnvironmentInputError(f"{root_template}: not a Heat template (no template version)")
    template = builder.template(data, root)
    names = []
    if base:
        names.append(builder.add(BASE_ENVIRONMENT, _dump_yaml(_canonical(base)), "the adopted base environment"))
    if passwords:
        names.append(builder.add(PASSWORDS_ENVIRONMENT, _dump_yaml(
            {"parameter_defaults": _canonical(passwords)}), "the generated passwords"))
    for index, entry in enumerate(environments):
        names.append(builder.environment(*_entry_source(entry, index, plan, builder.user_files)))
    if parameters:
        names.append(builder.add(PARAMETERS_ENVIRONMENT, _dump_yaml(
            {"parameter_defaults": _canonical(parameters)}), "the explicit parameters"))
    return {"template": template, "files": dict(sorted(builder.files.items())),
            "environment_files": names, "environment": {}}


# -- Heat's server-side merge (heat/common/environment_util.py), in pure Python ------------------

def parameter_types(template: Mapping[str, Any], files: Mapping[str, str]) -> dict[str, Any]:
    """``{parameter: type}`` declared by any template in ``files``, the root template last.

    Heat merges environment parameters only for names some template declares (after the first
    environment that sets a section), and merges by these types when a strategy asks it to.
    """
    types: dict[str, Any] = {}
    for name, text in files.items():
        data = _template_data(name, text, strict=False) if isinstance(text, str) else None
        if data is not None:
            types.update(_declared(data))
    types.update(_declared(template))
    return types


def template_of(display: str, content: bytes | str) -> dict | None:
    """The parsed Heat template in a file's ``content``; None when it is not one (not UTF-8 text,
    not parsing, or no template version), as heatclient reads files."""
    text = _decode(content)
    return _template_data(display, text, strict=False) if text is not None else None


def environment_of(display: str, content: bytes | str) -> dict:
    """An environment file's sections (refused, naming ``display``, as Heat would refuse them)."""
    return _environment_data(display, content)


def declared_parameters(template: Mapping[str, Any]) -> dict[str, Any]:
    """``{parameter: type}`` a parsed template declares (HOT or CFN)."""
    return _declared(template)


def _declared(template: Mapping[str, Any]) -> dict[str, Any]:
    hot = "heat_template_version" in template
    section = template.get("parameters" if hot else "Parameters") or {}
    if not isinstance(section, dict):
        return {}
    type_key = "type" if hot else "Type"
    return {name: schema.get(type_key) if isinstance(schema, dict) else None
            for name, schema in section.items()}


def effective_environment(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The environment Heat computes from :func:`heat_arguments` output: what the stack gets."""
    files = arguments["files"]
    environments = []
    for name in arguments["environment_files"]:
        if name not in files:
            raise MissingFile(f"environment file {name} is not in files")
        environments.append((name, _environment_data(name, files[name])))
    return merge_environments(environments, parameter_types(arguments["template"], files))


def merge_environments(environments: Iterable[tuple[str, Mapping[str, Any]]],
                       types: Mapping[str, Any]) -> dict[str, Any]:
    """Heat's merge of parsed environment files, in order, given the declared parameter ``types``.

    parameters / parameter_defaults: the first file that sets a section gives it whole; after
    that, only declared parameters with a non-null value are merged, each by its strategy
    (``parameter_merge_strategies``, fixed by the first file that sets the parameter; default
    overwrite: the later file's value replaces the whole parameter, nested mappings included).
    resource_registry: the later file's top-level keys replace the earlier ones (``resources``
    as one key); null values are skipped.
    """
    merged: dict[str, Any] = {"parameters": {}, "resource_registry": {}, "parameter_defaults": {},
                              "encrypted_param_names": [], "event_sinks": []}
    chosen: dict[str, str] = {}
    for name, environment in environments:
        sections = copy.deepcopy(dict(environment))
        strategies = sections.pop("parameter_merge_strategies", None) or {}
        for section, value in sections.items():
            if not value:
                continue
            if section in PARAMETER_SECTIONS:
                merged[section] = _merge_parameters(merged[section], value, types, strategies, chosen, name)
            elif not merged[section]:
                merged[section] = value
            elif isinstance(value, dict) and isinstance(merged[section], dict):
                merged[section].update({key: item for key, item in value.items() if item is not None})
            else:
                raise EnvironmentInputError(f"{name}: Heat cannot merge its {section} with an earlier "
                                            "environment file's")
    return merged


def _strategy(in_file: Mapping[str, Any], key: str, chosen: Mapping[str, str]) -> str:
    default = in_file.get("default", OVERWRITE)
    strategy = in_file.get(key, chosen.get(key, default))
    return strategy if strategy in MERGE_STRATEGIES else default


def _merge_parameters(old: dict, new: Any, types: Mapping[str, Any], in_file: Mapping[str, Any],
                      chosen: dict[str, str], name: str) -> dict:
    if not isinstance(new, dict):
        raise EnvironmentInputError(f"{name}: parameters must be a mapping")
    for key, value in new.items():
        if key in types and value is not None:
            strategy = _strategy(in_file, key, chosen)
            if chosen.setdefault(key, strategy) != strategy:
                raise EnvironmentInputError(
                    f"{name}: merge strategy {strategy} for parameter {key} conflicts with "
                    f"{chosen[key]}, set by an earlier environment file")
    if not old:
        return new
    for key, value in new.items():
        if key not in types or value is None:
            continue
        if chosen[key] in (MERGE, DEEP_MERGE):
            try:
                _merge_parameter(old, key, value, types[key], chosen[key] == DEEP_MERGE)
            except (TypeError, ValueError, AttributeError) as error:
                raise EnvironmentInputError(
                    f"{name}: Heat cannot {chosen[key]} parameter {key} ({types[key]}): {error}") from error
        else:
            old[key] = value
    return old


def _merge_parameter(old: dict, key: str, value: Any, declared: Any, deep: bool) -> None:
    kind = _TYPE_KINDS.get(declared)
    if kind == "map":
        if not isinstance(value, str):
            value = json.dumps(value)
        if value:
            value = json.loads(value)
        old[key] = _merge_map(old.get(key, {}), value, deep)
        return
    if not isinstance(value, (str, list, tuple)):
        raise ValueError(f"a {type(value).__name__} is not a string or a list")  # no value quoted: a secret?
    if kind == "list":
        old[key] = _merge_list(old.get(key), value)
    elif kind == "string":
        # A list here raises TypeError, as in Heat: the caller reports it.
        old[key] = "".join([old.get(key, ""), value])  # type: ignore[list-item]
    elif kind == "number":
        old[key] = old.get(key, 0) + value
    else:
        raise ValueError(f"parameters of type {declared} cannot be merged")


def _merge_list(old: Any, new: Any) -> Any:
    if not old:
        return new
    if isinstance(new, list):
        old.extend(new)
        return old
    return ",".join([old, new])


def _merge_map(old: Any, new: Any, deep: bool) -> Any:
    if not old:
        return new
    for key, value in new.items():
        if value is None:
            continue
        if not deep:
            old[key] = value
        elif isinstance(value, Mapping):
            old[key] = _merge_map(old.get(key), value, deep) if old.get(key) else value
        elif isinstance(value, (list, tuple)):
            old[key] = _merge_list(old.get(key), value) if old.get(key) else value
        elif isinstance(value, str):
            old[key] = old.get(key, "") + value
        else:
            old[key] = value
    return old
