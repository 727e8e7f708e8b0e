"""Which files an operator's environment files bring along: the client's side of ``-e FILE``.

Pure functions (no I/O): the files are a mapping ``{absolute path: bytes}``, which the client
backs with a lazy reader of the local disk (a missing file is a missing key).

* :func:`classify` tells what one ``-e`` argument names: a file of the plan (a path inside the
  templates directory the plan was made from, or a plan-relative path that is not a local file)
  or a user file (any other local file).
* :func:`user_file_closure` walks user environment files and, recursively, every file they
  reference the way heatclient reads them (the rules: :mod:`.heat_references`, shared with the
  environment builder): ``resource_registry`` entries (top level and ``resources:``), and in
  templates every ``type: x.yaml`` and ``get_file``.  References are relative to the referencing
  file; ``file://`` URLs and absolute paths are taken as they are.
  A reference into the templates directory is the plan's own file (not shipped: the plan has it,
  possibly only once rendered).  A reference nobody can supply raises :class:`MissingUserFile`
  naming the missing file and the file that references it, before anything is sent.
"""
from __future__ import annotations

import json
import posixpath
from typing import Any, Mapping, NamedTuple, Sequence

from tripleo_plan_actions.core import heat_references as walker, passwords
from tripleo_plan_actions.core.environment import parse_document
from tripleo_plan_actions.errors import PlanInputError


class MissingUserFile(PlanInputError):
    """A user file (or a file it references) cannot be read; nothing was sent."""

    kind = "missing_file"

    def __init__(self, path: str, referenced_by: str | None = None, what: str = "") -> None:
        if referenced_by:
            message = f"{path} does not exist (referenced by {referenced_by}{': ' + what if what else ''})"
        else:
            message = f"{path} does not exist"
        super().__init__(message)
        self.path = path
        self.referenced_by = referenced_by


class Environment(NamedTuple):
    """One ``-e`` argument, classified: ``source`` is ``plan`` (``path`` plan-relative) or ``user``
    (``path`` absolute and normalised)."""

    source: str
    path: str


class Reference(NamedTuple):
    """A file one user file references: ``source`` ``user`` (absolute path, shipped) or ``plan``
    (plan-relative path, inside the templates directory: not shipped)."""

    source: str
    path: str
    referenced_by: str


def _inside(path: str, directory: str | None) -> str | None:
    """``path`` relative to ``directory`` when it lies inside it, else None."""
    if not directory:
        return None
    directory = walker.normal_path(directory)
    if path.startswith(directory.rstrip("/") + "/"):
        return path[len(directory.rstrip("/")) + 1:]
    return None


def classify(argument: str, cwd: str, templates_dir: str | None, local_files: Mapping[str, Any]) -> Environment:
    """What ``-e argument`` names.

    ``cwd``: the directory relative arguments start from; ``templates_dir``: the local copy of the
    templates the plan was made from (may be None); ``local_files``: what exists locally (only
    membership is asked).  Rules, in order: a path inside ``templates_dir`` is that plan file
    (even when only its ``.j2.yaml`` source exists locally); an existing local file is a user file;
    a relative path that is not a local file is a plan-relative path; anything else is missing.
    """
    absolute = walker.normal_path(argument if argument.startswith("/") else posixpath.join(cwd, argument))
    relative = _inside(absolute, templates_dir)
    if relative is not None:
        return Environment("plan", relative)
    if absolute in local_files:
        return Environment("user", absolute)
    if not argument.startswith("/") and not argument.startswith(("./", "../")):
        return Environment("plan", posixpath.normpath(argument))
    raise MissingUserFile(absolute, what="")


def _parse(path: str, content: bytes) -> Any:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanInputError(f"{path}: an environment file or template must be UTF-8 text") from None
    return parse_document(path, text)


#: What a file of the closure is read as: ``environment`` (a ``-e`` file), ``template`` (a
#: referenced template: must parse) or ``file`` (anything else: walked only if it is a template).
_ENVIRONMENT, _TEMPLATE, _FILE = "environment", "template", "file"


def _file_references(path: str, kind: str, content: bytes) -> list[walker.Ref]:
    """The references of one file of the closure, read as ``kind``."""
    if kind == _ENVIRONMENT:
        data = _parse(path, content)
        if data is not None and not isinstance(data, dict):
            raise PlanInputError(f"{path}: an environment must be a mapping of sections")
        return walker.registry_references((data or {}).get("resource_registry"))
    try:
        data = _parse(path, content)
    except PlanInputError:
        if kind == _TEMPLATE:  # Heat would refuse it too: say so now
            raise
        data = None  # a script or data file: shipped as it is (heatclient's lenient read)
    return walker.template_references(data)


def _target(ref: walker.Ref, referrer: str) -> str:
    try:
        return walker.resolve(ref.value, referrer)
    except walker.RemoteReference:
        raise PlanInputError(f"{referrer}: {ref.value}: remote references are not supported; "
                             "use a local file") from None


def user_file_closure(environments: Sequence[str], files: Mapping[str, bytes],
                      templates_dir: str | None = None) -> list[Reference]:
    """Every file the user environment files ``environments`` (absolute paths) reference, recursively.

    Returns the references in discovery order (breadth first), each file once (its first referrer
    named); the environment files themselves are not in the list.  ``files[path]`` gives a file's
    bytes; a missing key raises :class:`MissingUserFile` naming the file and its referrer.  A
    referenced template (``.yaml``/``.template``) is parsed for its own references; other files
    (scripts, ``get_file`` data) are shipped as they are.  Which values are references and what
    they resolve to: :mod:`tripleo_plan_actions.core.heat_references`.
    """
    found: list[Reference] = []
    seen: set[str] = set()
    queue: list[tuple[str, str]] = []  # (path, _ENVIRONMENT | _TEMPLATE | _FILE)
    for path in environments:
        path = walker.normal_path(path)
        if path not in files:
            raise MissingUserFile(path)
        seen.add(path)
        queue.append((path, _ENVIRONMENT))
    while queue:
        path, kind = queue.pop(0)
        for ref in _file_references(path, kind, files[path]):
            target = _target(ref, path)
            if target in seen:
                continue
            seen.add(target)
            relative = _inside(target, templates_dir)
            if relative is not None:
                found.append(Reference("plan", relative, path))
                continue
            if target not in files:
                raise MissingUserFile(target, path, f"{ref.what} -> {ref.value}")
            found.append(Reference("user", target, path))
            queue.append((target, _TEMPLATE if ref.template else _FILE))
    return found


#: Up to this many bytes of user content (environment files and what they reference, together) go
#: inline in the execution input; above it, ONE archive upload.  Mistral refuses any execution field
#: over ``[engine] execution_field_size_limit_kb`` (1024 KiB by default in Mistral 23), and the
#: content is stored several times over (the execution's input, the ``start`` action's input, the
#: workflow context), JSON-escaped (a YAML file's newlines and quotes grow by up to 2x): 64 KiB
#: keeps every field far under the limit while typical operator files (a few KiB each) stay inline.
INLINE_LIMIT = 64 * 1024
#: Name prefix of the archive members holding user files: ``files/<absolute path without '/'>``.
ARCHIVE_PREFIX = "files/"


#: The archive member holding the explicit parameters when they travel in the archive (a JSON
#: mapping): see :func:`ship`.
ARCHIVE_PARAMETERS = "parameters.json"


class Shipment(NamedTuple):
    """What an operation sends for its ``-e`` files and explicit parameters.

    ``environments``: the ``environments`` input in order (``{path}`` for a plan file or, when
    ``archive`` is set, a user file shipped in it; ``{path, content}`` for an inline user file);
    ``user_files``: inline ``{absolute path: text}`` of the referenced files; ``archive``: None,
    or the files as ``{member name: bytes}`` to put in ONE archive (then ``user_files`` is empty);
    ``parameters``: the ``parameters`` input (empty when they travel in the archive, as
    :data:`ARCHIVE_PARAMETERS`).
    """

    environments: list[dict[str, str]]
    user_files: dict[str, str]
    archive: dict[str, bytes] | None
    parameters: dict[str, Any] = {}


def sets_secret(path: str, content: bytes) -> bool:
    """Whether one user file gives a secret parameter a value (see
    :func:`tripleo_plan_actions.core.passwords.sets_secret`): an environment file's
    ``parameter_defaults`` or ``parameters``, a template's secret parameter defaults.  A file that
    is not text or does not parse (a script) sets none."""
    try:
        document = _parse(path, content)
    except PlanInputError:  # not text, not YAML: data shipped as it is
        return False
    return passwords.sets_secret(document)


def ship(environments: Sequence[Environment], references: Sequence[Reference], files: Mapping[str, bytes],
         inline_limit: int = INLINE_LIMIT, parameters: Mapping[str, Any] | None = None) -> Shipment:
    """Inline or archive: inline when every user file is UTF-8 text, they add up to at most
    ``inline_limit`` bytes and nothing gives a secret a value; else every user file (environment or
    referenced) goes in the archive, as ``files/<absolute path without the leading '/'>``.

    A secret never goes inline (Mistral keeps an execution's input in its database and shows it,
    and logs its beginning): when a user file sets a secret parameter (:func:`sets_secret`) or the
    explicit ``parameters`` hold one, everything goes in the archive, the parameters as
    :data:`ARCHIVE_PARAMETERS` (JSON)."""
    parameters = dict(parameters or {})
    user_paths = [e.path for e in environments if e.source == "user"]
    user_paths += [r.path for r in references if r.source == "user"]
    contents = {path: files[path] for path in dict.fromkeys(user_paths)}
    texts: dict[str, str] = {}
    for path, content in contents.items():
        try:
            texts[path] = content.decode("utf-8")
        except UnicodeDecodeError:
            break
    secret = passwords.holds_secret(parameters) or any(sets_secret(p, c) for p, c in contents.items())
    inline = not secret and len(texts) == len(contents) and sum(len(c) for c in contents.values()) <= inline_limit
    entries = []
    for environment in environments:
        if environment.source == "user" and inline:
            entries.append({"path": environment.path, "content": texts[environment.path]})
        else:
            entries.append({"path": environment.path})
    if inline:
        referenced = {r.path: texts[r.path] for r in references if r.source == "user"}
        return Shipment(entries, referenced, None, parameters)
    archive = {ARCHIVE_PREFIX + path.lstrip("/"): content for path, content in contents.items()}
    if parameters:
        archive[ARCHIVE_PARAMETERS] = json.dumps(parameters, sort_keys=True).encode()
    return Shipment(entries, {}, archive, {})


def unpack(members: Mapping[str, bytes]) -> dict[str, bytes]:
    """The user files of an archive made from :func:`ship`: ``{absolute path: bytes}``.

    Raises PlanInputError for a member outside ``files/`` (not an archive of user files) other
    than :data:`ARCHIVE_PARAMETERS` (read by :func:`unpack_parameters`)."""
    result = {}
    for name, content in members.items():
        if name == ARCHIVE_PARAMETERS:
            continue
        if not name.startswith(ARCHIVE_PREFIX):
            raise PlanInputError(f"{name}: not a user file (the archive of user files holds only {ARCHIVE_PREFIX}…)")
        result["/" + name[len(ARCHIVE_PREFIX):]] = content
    return result


def unpack_parameters(members: Mapping[str, bytes]) -> dict[str, Any]:
    """The explicit parameters an archive made from :func:`ship` carries (``{}`` without
    :data:`ARCHIVE_PARAMETERS`).  Raises PlanInputError when that member is not a JSON mapping
    (naming the member, never quoting it: it holds secrets)."""
    if ARCHIVE_PARAMETERS not in members:
        return {}
    try:
        parameters = json.loads(members[ARCHIVE_PARAMETERS])
    except ValueError:
        parameters = None
    if not isinstance(parameters, dict):
        raise PlanInputError(f"{ARCHIVE_PARAMETERS} of the archive of user files: must be a JSON mapping "
                             "of parameter names to values")
    return parameters
