"""Heat's reference rules, walked once: which values of an environment or a template name other files.

Pure functions (no I/O), shared by the two places that follow references:
:func:`tripleo_plan_actions.core.references.user_file_closure` (the client: which local files an
``-e FILE`` brings along) and the environment builder of :mod:`tripleo_plan_actions.core.environment`
(the server: Heat's ``files`` and ``environment_files`` arguments, every reference renamed).

The contract, as heatclient reads an environment and a template (heatclient/common/template_utils.py):

* In an environment's ``resource_registry``: every entry whose value is a string without ``::``
  (``::`` makes it a resource type name, such as ``OS::Heat::None``), except the keys ``hooks``
  and ``restricted_actions``; first the top-level entries, in order, then those of each mapping
  under ``resources:`` (``resources: {NAME: {KEY: VALUE}}``), in order.  The target is a template
  when the value ends with ``.yaml`` or ``.template``, any other file otherwise.
* In a template (any node, depth first, mapping order kept): the string value of every
  ``get_file`` key (the target is any file) and of every ``type`` key that ends with ``.yaml`` or
  ``.template`` (the target is a template).  A ``type`` or ``get_file`` whose value is not a
  string is walked into like any other node.
* A document is a template when it is a mapping with a template version key
  (:data:`VERSION_KEYS`); only templates have template references.
* A reference is resolved by :func:`resolve`: a ``file://`` URL names its (unquoted) path, an
  absolute path names itself, anything else is relative to the directory of the referencing file;
  any other URL scheme is refused (:class:`RemoteReference`).

The walker never reads a file nor decides where a resolved path lives (the plan, the operator's
disk): its callers do, each with its own error messages.  Nor does it know ``base_url`` (a
registry scope's base for its paths in heatclient): the environment builder refuses it through
:func:`rewrite_registry`'s ``enter``; the client's closure takes its value as one more reference.
"""
from __future__ import annotations

import posixpath
from typing import Any, Callable, Mapping, NamedTuple
from urllib.parse import unquote, urlparse

from tripleo_plan_actions.errors import PlanInputError

#: Names that make a ``type:`` (or a resource_registry value) a template rather than a type name.
TEMPLATE_SUFFIXES = (".yaml", ".template")
#: Keys that make a mapping a template (HOT and the two CFN spellings).
VERSION_KEYS = ("heat_template_version", "HeatTemplateFormatVersion", "AWSTemplateFormatVersion")
#: resource_registry keys whose values are never file references.
REGISTRY_SKIP = ("hooks", "restricted_actions")


class Ref(NamedTuple):
    """One reference found in a document.

    ``value``: the reference as written; ``what``: where it was found, for messages (``type``,
    ``get_file``, ``resource_registry KEY`` or ``resource_registry KEY of resource NAME``);
    ``template``: the target is a template (to be walked in its turn), else any file;
    ``registry``: found in a resource_registry (else in a template).
    """

    value: str
    what: str
    template: bool
    registry: bool


#: What a rewrite does with each reference: the value to put in its place.
Visit = Callable[[Ref], Any]


class RemoteReference(PlanInputError):
    """A reference with a URL scheme other than ``file://``: no file of the plan or the operator."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"{reference}: remote references are not supported")
        self.reference = reference


def normal_path(path: str) -> str:
    """``path`` as an absolute, normalised path (``/a/./b/../c`` -> ``/a/c``; one leading '/')."""
    return "/" + posixpath.normpath(path).lstrip("/")


def is_template(data: Any) -> bool:
    """Whether a parsed document is a Heat template (heatclient's test: a template version key)."""
    return isinstance(data, dict) and any(key in data for key in VERSION_KEYS)


def resolve(reference: str, referrer: str) -> str:
    """The path ``reference`` names when the file ``referrer`` holds it.

    A ``file://`` URL gives its unquoted path and an absolute path itself, both as
    :func:`normal_path`; anything else is joined to the directory of ``referrer``: absolute and
    normalised as :func:`normal_path` when ``referrer`` is absolute, else ``posixpath.normpath``
    of the join (a plan path; ``..`` or ``../…`` when it leaves the referrer's tree).
    Raises :class:`RemoteReference` for any other URL scheme (``http://``, ``swift://``…).
    """
    parsed = urlparse(reference)
    if parsed.scheme == "file":
        return normal_path(unquote(parsed.path))
    if parsed.scheme:
        raise RemoteReference(reference)
    if reference.startswith("/"):
        return normal_path(reference)
    joined = posixpath.join(posixpath.dirname(referrer), reference)
    return normal_path(joined) if joined.startswith("/") else posixpath.normpath(joined)


def rewrite_template(node: Any, visit: Visit) -> Any:
    """A copy of template ``node`` with each reference replaced by ``visit(ref)``, depth first."""
    if isinstance(node, list):
        return [rewrite_template(item, visit) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if isinstance(value, str) and (key == "get_file" or (key == "type" and value.endswith(TEMPLATE_SUFFIXES))):
            result[key] = visit(Ref(value, key, key == "type", False))
        else:
            result[key] = rewrite_template(value, visit)
    return result


def rewrite_registry(registry: Mapping[str, Any], visit: Visit,
                     enter: Callable[[str, Mapping[str, Any]], None] | None = None) -> dict[str, Any]:
    """A copy of a resource_registry mapping with each reference replaced by ``visit(ref)``.

    The top-level entries first, then each mapping under ``resources:`` (other values there are
    kept as they are).  ``enter(where, entries)``, when given, is called before the entries of
    each scope are visited (``where``: ``""`` or ``" of resource NAME"``), to refuse a scope.
    """
    result = _rewrite_entries(registry, "", visit, enter)
    resources = registry.get("resources")
    if isinstance(resources, dict):
        result["resources"] = {
            name: _rewrite_entries(entries, f" of resource {name}", visit, enter)
            if isinstance(entries, dict) else entries
            for name, entries in resources.items()}
    return result


def _rewrite_entries(entries: Mapping[str, Any], where: str, visit: Visit,
                     enter: Callable[[str, Mapping[str, Any]], None] | None) -> dict[str, Any]:
    if enter is not None:
        enter(where, entries)
    result = {}
    for key, value in entries.items():
        if isinstance(value, str) and "::" not in value and key not in REGISTRY_SKIP:
            value = visit(Ref(value, f"resource_registry {key}{where}", value.endswith(TEMPLATE_SUFFIXES), True))
        result[key] = value
    return result


def _collect(rewrite: Callable[[Visit], Any]) -> list[Ref]:
    found: list[Ref] = []

    def keep(ref: Ref) -> str:
        found.append(ref)
        return ref.value

    rewrite(keep)
    return found


def template_references(template: Any) -> list[Ref]:
    """The references of a parsed template, in :func:`rewrite_template` order (none unless
    :func:`is_template`)."""
    if not is_template(template):
        return []
    return _collect(lambda visit: rewrite_template(template, visit))


def registry_references(registry: Any) -> list[Ref]:
    """The references of a resource_registry, in :func:`rewrite_registry` order (none unless a mapping)."""
    if not isinstance(registry, dict):
        return []
    return _collect(lambda visit: rewrite_registry(registry, visit))
