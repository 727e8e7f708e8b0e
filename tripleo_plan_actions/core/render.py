"""Rendering of a plan's Jinja sources, byte for byte as THT's ``tools/process-templates.py`` does.

A plan is a mapping ``{path: bytes}`` (POSIX paths relative to the plan root).  Its Jinja sources
are the ``*.j2.yaml`` files outside hidden folders (no path component starting with '.'):

``<folder>/<base>.role.j2.yaml``
    one output per role, ``<folder>/<role name lowercased>-<base>.yaml`` (in a folder whose path
    contains ``network/config``: ``<folder>/<role name lowercased>.yaml``); context ``role`` (the
    enriched role, or only its name when the source does not contain the exact text
    ``{{role.name}}``) and ``networks`` (the full enriched network list).
``<folder>/<name>.network.j2.yaml``
    one output per enabled network; ``<name>.yaml`` with every ``port`` (in a folder whose path
    ends with ``ports``) or else every ``network`` replaced by the network's ``name_lower``;
    context ``network`` only.
any other ``<folder>/<name>.j2.yaml``
    one output ``<folder>/<name>.yaml``; context ``roles`` and ``networks`` (full lists).

``{% include %}`` (and ``import``/``extends``) names are resolved as THT's tool resolves them when
it writes into an output directory: a name without '/' is looked up in the folder of the source
being rendered (also from inside an included fragment), then everywhere else from the plan root;
a name with '/' only from the root.  ``*.j2.yaml`` and hidden files are never found in the folder
(THT does not copy them next to the output), only from the root.

Jinja runs with its default settings, so every output loses one final newline of its source, and
data printed whole (``{{ roles }}``) comes out as Python's ``repr``.  Templates are rendered in a
:class:`jinja2.sandbox.SandboxedEnvironment` (it renders THT 18.0.0 to the same bytes).

Nothing here does I/O.  Inputs are never mutated: roles and networks are deep-copied before they
are enriched; a template that changes its data changes only this render's copy (later sources, in
path order, see the change -- THT's tool shares its data the same way, in directory-listing order).
"""
from __future__ import annotations

import contextvars
import copy
import hashlib
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from types import CodeType, TracebackType
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping, Protocol, Sequence

import jinja2
from jinja2 import sandbox

from tripleo_plan_actions.errors import PlanError, PlanInputError

SOURCE_SUFFIX = ".j2.yaml"
ROLE_SUFFIX = ".role.j2.yaml"
NETWORK_SUFFIX = ".network.j2.yaml"
FRAGMENT_SUFFIX = ".j2"
#: The plan file listing outputs not to render (``{"name": [path, ...]}``); see :func:`excludes_from`.
EXCLUDES_FILE = "j2_excludes.yaml"

#: Role-name prefixes that get a tag automatically when the role lacks it (THT 18.0.0's rule, in
#: its order; THT prints a DEPRECATED notice for each tag it adds).
AUTOMATIC_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("compute", ("Compute", "HciCeph", "DistributedCompute")),
    ("ceph", ("Ceph",)),
    ("ovsdpdk", ("ComputeOvsDpdk",)),
    ("storage", ("ObjectStorage", "BlockStorage", "Ceph")),
)


class RenderError(PlanError):
    """A Jinja source (or a fragment it includes) does not render.

    The message names the source file and line, then each included fragment and its line down to
    where the failure is, then what Jinja or Python reported.  ``source``, ``line`` and ``chain``
    (``[(file, line), ...]`` outermost first) give the same facts to programs.
    """

    kind = "render_error"

    def __init__(self, message: str, source: str | None = None, line: int | None = None,
                 chain: Sequence[tuple[str, int | None]] = ()) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.chain = list(chain)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "source": self.source, "line": self.line,
                "chain": [list(link) for link in self.chain]}


# ---------------------------------------------------------------------------------------------
# Enrichment of roles and networks
# ---------------------------------------------------------------------------------------------

def automatic_tags(role: Mapping[str, Any]) -> list[str]:
    """The tags THT adds to ``role`` from its name (those its ``tags`` lack), in THT's order.

    ``tags`` is tested with ``in`` as THT does (a string of tags is searched as text).
    """
    name = role.get("name", "")
    if not isinstance(name, str):
        raise PlanInputError(f"roles data: role name {name!r} is not a string")
    tags = role.get("tags", [])
    added: list[str] = []
    for tag, prefixes in AUTOMATIC_TAGS:
        if name.startswith(prefixes):
            try:
                present = tag in tags or tag in added
            except TypeError:
                raise PlanInputError(f"roles data: role {name}: tags must be a list, not {tags!r}") from None
            if not present:
                added.append(tag)
    return added


def enrich_roles(roles: Sequence[Mapping[str, Any]],
                 warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """A deep copy of ``roles`` as THT's tool enriches it before rendering.

    Every role gets a ``tags`` list (added last when missing) and the automatic tags of
    :data:`AUTOMATIC_TAGS` appended; ``warn`` receives THT's DEPRECATED notice for each tag added.
    Nothing else changes (``deprecated_*`` keys are the templates' business).  A role without a
    string ``name`` is refused.  Idempotent; ``roles`` is not mutated.
    """
    if not isinstance(roles, Sequence) or isinstance(roles, (str, bytes)):
        raise PlanInputError(f"roles data must be a list of roles, not {type(roles).__name__}")
    result: list[Any] = copy.deepcopy(list(roles))
    for number, role in enumerate(result, 1):
        if not isinstance(role, dict):
            raise PlanInputError(f"roles data: role #{number} is not a mapping: {role!r}")
        if not isinstance(role.get("name"), str):
            raise PlanInputError(f"roles data: role #{number} has no name (a string)")
        added = automatic_tags(role)
        tags = role["tags"] = role.get("tags", [])
        if added and not isinstance(tags, list):
            raise PlanInputError(f"roles data: role {role['name']}: tags must be a list, not {tags!r}")
        for tag in added:
            tags.append(tag)
            if warn is not None:
                warn(f"DEPRECATED: Role '{role['name']}' without the '{tag}' tag detected, the tag was "
                     f"added automatically. Please add the '{tag}' tag in roles data. The function to "
                     "automatically add tags based on role name will be removed in the next release.")
    return result


def is_enabled(network: Mapping[str, Any]) -> bool:
    """THT's rule: a network is disabled only by ``enabled: false`` (exactly the boolean)."""
    return network.get("enabled") is not False


def enrich_networks(networks: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """A deep copy of ``networks`` as THT's tool enriches it before rendering.

    ``None`` is an empty list.  Every network gets ``idx`` (its position; an existing key keeps its
    place, a new one goes last); every enabled network (:func:`is_enabled`) whose ``name_lower`` is
    missing or empty gets ``name.lower()``.  Disabled networks get no ``name_lower``.  Idempotent;
    ``networks`` is not mutated.
    """
    if networks is None:
        return []
    if not isinstance(networks, Sequence) or isinstance(networks, (str, bytes)):
        raise PlanInputError(f"network data must be a list of networks, not {type(networks).__name__}")
    result: list[Any] = copy.deepcopy(list(networks))
    for idx, network in enumerate(result):
        if not isinstance(network, dict):
            raise PlanInputError(f"network data: network #{idx + 1} is not a mapping: {network!r}")
        network["idx"] = idx
    for idx, network in enumerate(result):
        if is_enabled(network) and not network.get("name_lower"):
            name = network.get("name")
            if not isinstance(name, str):
                raise PlanInputError(f"network data: network #{idx + 1} has neither a name_lower nor a "
                                     "name (a string)")
            network["name_lower"] = name.lower()
    return result


def enabled_networks(networks: Sequence[Mapping[str, Any]]) -> dict[Any, Mapping[str, Any]]:
    """The enabled networks by name, as THT iterates them for ``*.network.j2.yaml`` sources.

    A name given twice keeps its first place and its last enabled network.
    """
    found: dict[Any, Mapping[str, Any]] = {}
    for network in networks:
        if is_enabled(network):
            found[network.get("name")] = network
    return found


def excludes_from(data: Any) -> list[str]:
    """The output paths that parsed ``j2_excludes.yaml`` data names (``{"name": [path, ...]}``).

    ``None`` (an empty file) names none.  Entries are used as text, as THT does (THT 18.0.0 ships
    ``name: [None]``, the text 'None').
    """
    if data is None:
        return []
    if not isinstance(data, Mapping):
        raise PlanInputError(f"{EXCLUDES_FILE}: must be a mapping with a 'name' list")
    names = data.get("name") or []
    if not isinstance(names, list):
        raise PlanInputError(f"{EXCLUDES_FILE}: 'name' must be a list of paths")
    return [str(name) for name in names]


# ---------------------------------------------------------------------------------------------
# Sources and their outputs
# ---------------------------------------------------------------------------------------------

def is_hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split("/"))


def is_source(path: str) -> bool:
    """Whether ``path`` is a Jinja source THT renders (``*.j2.yaml`` outside hidden folders)."""
    return path.endswith(SOURCE_SUFFIX) and not is_hidden(path)


def _split(path: str) -> tuple[str, str]:
    folder, _, base = path.rpartition("/")
    return folder, base


def _join(folder: str, base: str) -> str:
    return f"{folder}/{base}" if folder else base


def role_output(path: str, role_name: str) -> str:
    """The output of role source ``path`` for the role named ``role_name``."""
    folder, base = _split(path)
    if "network/config" in path:
        return _join(folder, f"{role_name.lower()}.yaml")
    return _join(folder, "-".join([role_name.lower(), base.replace(ROLE_SUFFIX, ".yaml")]))


def network_output(path: str, name_lower: str) -> str:
    """The output of network source ``path`` for a network whose ``name_lower`` is given."""
    folder, base = _split(path)
    out = base.replace(NETWORK_SUFFIX, ".yaml")
    out = out.replace("port" if folder.endswith("ports") else "network", name_lower)
    return _join(folder, out)


def plain_output(path: str) -> str:
    folder, base = _split(path)
    return _join(folder, base.replace(SOURCE_SUFFIX, ".yaml"))


# ---------------------------------------------------------------------------------------------
# Jinja: one environment, a loader over the plan being rendered, a cache of compiled templates
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scope:
    """What the loader sees while one source renders: the plan and the source's folder."""

    files: Mapping[str, bytes | str]
    folder: str


_SCOPE: contextvars.ContextVar[_Scope] = contextvars.ContextVar("tripleo_plan_render_scope")


def resolve_include(name: str, folder: str, files: Mapping[str, Any]) -> str | None:
    """The plan path an ``{% include name %}`` of a source in ``folder`` reads, or None.

    See the module documentation for the rule (THT's tool writing into an output directory).
    """
    pieces = []
    for piece in name.split("/"):
        if piece == "..":
            return None
        if piece and piece != ".":
            pieces.append(piece)
    if not pieces:
        return None
    if folder and len(pieces) == 1 and not pieces[0].startswith(".") \
            and not pieces[0].endswith(SOURCE_SUFFIX):
        candidate = f"{folder}/{pieces[0]}"
        if candidate in files:
            return candidate
    candidate = "/".join(pieces)
    return candidate if candidate in files else None


def _decode(path: str, content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RenderError(f"{path}: not UTF-8 text (byte {error.start + 1}): {error.reason}",
                          source=path) from None


class _PlanLoader(jinja2.BaseLoader):
    """Loads fragments from the plan in :data:`_SCOPE`, compiled once per (path, content)."""

    def __init__(self, renderer: "Renderer") -> None:
        self._renderer = renderer

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        scope = _SCOPE.get()
        path = resolve_include(template, scope.folder, scope.files)
        if path is None:
            raise jinja2.TemplateNotFound(template, self._not_found(template, scope))
        return _decode(path, scope.files[path]), path, lambda: False

    def load(self, environment: jinja2.Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        scope = _SCOPE.get()
        path = resolve_include(name, scope.folder, scope.files)
        if path is None:
            raise jinja2.TemplateNotFound(name, self._not_found(name, scope))
        return self._renderer._template(path, scope.files[path], globals)

    @staticmethod
    def _not_found(name: str, scope: _Scope) -> str:
        where = f"{scope.folder}/ nor the plan root" if scope.folder else "the plan root"
        return f"no file {name!r} in {where}"


class _Environment(sandbox.SandboxedEnvironment):
    """THT's Jinja settings (the defaults) in the sandbox, with no template cache of Jinja's own
    (one name can mean different files from different folders; :class:`Renderer` caches)."""


class _PlainEnvironment(jinja2.Environment):
    """The same without the sandbox (only to measure what the sandbox costs or changes)."""


class CodeStore(Protocol):
    """Somewhere to keep compiled template code between processes (e.g. a cache folder).

    Keys are hex strings that change with the path, the content, Jinja's and Python's versions and
    the sandbox setting.  ``load`` returns None for a key it does not hold (or cannot read);
    neither method may raise for a storage problem.
    """

    def load(self, key: str) -> CodeType | None: ...

    def store(self, key: str, code: CodeType) -> None: ...


def _digest(content: bytes | str) -> bytes:
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    return hashlib.sha256(content).digest()


def outputs(templates: Mapping[str, bytes | str], roles: Sequence[Mapping[str, Any]],
            networks: Sequence[Mapping[str, Any]] | None, excludes: Iterable[str] = (),
            warn: Callable[[str], None] | None = None) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Every file a render makes, without rendering: ``(output path, source, what, context)``.

    In the order :meth:`Renderer.render` renders them (sources in path order).  Cheap: no Jinja.
    """
    roles_data = enrich_roles(roles, warn)
    network_data = enrich_networks(networks)
    by_role = {role["name"]: role for role in roles_data}
    role_names = [role["name"] for role in roles_data]
    enabled = enabled_networks(network_data)
    excluded = frozenset(excludes)
    for path in sorted(templates):
        if not is_source(path):
            continue
        if path.endswith(ROLE_SUFFIX):
            whole_role = "{{role.name}}" in _decode(path, templates[path])
            for name in role_names:
                out = role_output(path, name)
                if out not in excluded:
                    yield out, path, f" (role {name})", {"role": by_role[name] if whole_role else name,
                                                          "networks": network_data}
        elif path.endswith(NETWORK_SUFFIX):
            for name, network in enabled.items():
                name_lower = network["name_lower"]
                if not isinstance(name_lower, str):
                    raise PlanInputError(f"network data: network {name}: name_lower {name_lower!r} "
                                         "is not a string")
                out = network_output(path, name_lower)
                if out not in excluded:
                    yield out, path, f" (network {name})", {"network": network}
        else:
            yield plain_output(path), path, "", {"roles": roles_data, "networks": network_data}


class Renderer:
    """Renders plans; keeps every template it compiled for the next plan.

    Compiled templates are cached by (path, SHA-256 of the content), least recently used first
    out beyond ``max_templates``.  Jinja compiles an ``{% include %}`` as a lookup at render time,
    so an includer's compiled code does not depend on its fragments: a changed fragment is
    compiled again (its digest changed) and every includer picks it up, without recompiling
    includers.  Safe to share between threads.
    """

    def __init__(self, sandboxed: bool = True, max_templates: int = 2048,
                 code_store: CodeStore | None = None) -> None:
        env_class = _Environment if sandboxed else _PlainEnvironment
        self.environment: jinja2.Environment = env_class(loader=_PlanLoader(self), cache_size=0)
        self.max_templates = max_templates
        self.code_store = code_store
        self._salt = f"{jinja2.__version__}\0{sys.version}\0{sandboxed}\0".encode()
        self._templates: OrderedDict[tuple[str, bytes], jinja2.Template] = OrderedDict()
        self._lock = threading.Lock()
        #: How many templates were compiled, and how many were found compiled in memory, since creation.
        self.compiled = 0
        self.reused = 0

    def _template(self, path: str, content: bytes | str,
                  globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        key = (path, _digest(content))
        with self._lock:
            template = self._templates.get(key)
            if template is not None:
                self._templates.move_to_end(key)
                self.reused += 1
        if template is None:
            env = self.environment
            code, store_key = None, None
            if self.code_store is not None:
                store_key = hashlib.sha256(self._salt + path.encode("utf-8", "surrogatepass") + b"\0"
                                           + key[1]).hexdigest()
                code = self.code_store.load(store_key)
            if code is None:
                # TemplateSyntaxError propagates with its name and line: _render_error reports them.
                code = env.compile(_decode(path, content), path, path)
                with self._lock:
                    self.compiled += 1
                if store_key is not None and self.code_store is not None:
                    self.code_store.store(store_key, code)
            template = env.template_class.from_code(env, code, env.make_globals(None))
            with self._lock:
                self._templates[key] = template
                while len(self._templates) > self.max_templates:
                    self._templates.popitem(last=False)
        if globals:
            template.globals.update(globals)
        return template

    def cached(self) -> int:
        """How many compiled templates the cache holds."""
        return len(self._templates)

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()

    # -- rendering -------------------------------------------------------------------------

    def _render_one(self, files: Mapping[str, bytes | str], path: str, context: dict[str, Any],
                    what: str) -> bytes:
        token = _SCOPE.set(_Scope(files, _split(path)[0]))
        try:
            template = self._template(path, files[path])
            text = template.render(context)
        except RenderError:
            raise
        except Exception as error:  # anything a template raises is a fault of the plan
            raise _render_error(error, path, what, files) from error
        finally:
            _SCOPE.reset(token)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise RenderError(f"{path}{what}: renders text that is not UTF-8: {error.reason}",
                              source=path) from error

    def render(self, templates: Mapping[str, bytes], roles: Sequence[Mapping[str, Any]],
               networks: Sequence[Mapping[str, Any]] | None,
               excludes: Iterable[str] = (),
               warn: Callable[[str], None] | None = None) -> dict[str, bytes]:
        """The rendered files of ``templates``: ``{output path: bytes}``, nothing else.

        ``roles`` / ``networks`` are the parsed roles and network data (enriched here, on copies:
        see :func:`enrich_roles`, :func:`enrich_networks`).  ``excludes`` are output paths of
        role and network sources not to render (as in ``j2_excludes.yaml``, see
        :func:`excludes_from`; THT's tool itself honours them only when it renders in place, so
        the default, none, is what ``process-templates.py -o DIR`` produces).  ``warn`` receives
        THT's DEPRECATED notices.  Sources render in path order; a source is compiled only if it
        has an output.  Raises :class:`RenderError` (file and line) for a template that does not
        render, :class:`RenderError` when two sources render to the same path, and
        :class:`PlanInputError` for roles or networks THT could not use.
        """
        rendered: dict[str, bytes] = {}
        made_by: dict[str, str] = {}
        for out, path, what, context in outputs(templates, roles, networks, excludes, warn):
            if made_by.get(out, path) != path:
                raise RenderError(f"{made_by[out]} and {path} both render {out}", source=path)
            made_by[out] = path
            rendered[out] = self._render_one(templates, path, context, what)
        return rendered


def _template_frames(tb: TracebackType | None, known: Callable[[str], bool]) -> list[tuple[str, int]]:
    frames = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if known(filename):
            frames.append((filename, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _render_error(error: BaseException, path: str, what: str, files: Mapping[str, Any]) -> RenderError:
    """A RenderError naming the source, its line and each fragment and line down to ``error``.

    Jinja rewrites the traceback of a template failure so that each template frame carries the
    template's file name (here: its plan path) and its template line.
    """
    frames = _template_frames(error.__traceback__, lambda filename: filename in files)
    chain: list[tuple[str, int | None]] = []
    for filename, lineno in frames:
        if not chain or chain[-1] != (filename, lineno):
            chain.append((filename, lineno))
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = (error.filename or error.name or path, error.lineno)
        if not chain or chain[-1][0] != where[0]:
            chain.append(where)
        else:
            chain[-1] = where
        reason = f"syntax error: {error.message}"
    elif isinstance(error, jinja2.TemplateNotFound):
        reason = f"include not found: {error.message}"
    elif isinstance(error, jinja2.TemplateError):
        reason = error.message or type(error).__name__
    else:
        reason = f"{type(error).__name__}: {error}"
    if not chain or chain[0][0] != path:
        chain.insert(0, (path, None))
    first, line = chain[0]
    text = f"{first}, line {line}" if line else first
    text += what
    for fragment, fragment_line in chain[1:]:
        text += f", in included {fragment}" + (f", line {fragment_line}" if fragment_line else "")
    return RenderError(f"{text}: {reason}", source=path, line=line, chain=chain)


def render(templates: Mapping[str, bytes], roles: Sequence[Mapping[str, Any]],
           networks: Sequence[Mapping[str, Any]] | None, excludes: Iterable[str] = (),
           warn: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """:meth:`Renderer.render` with a fresh :class:`Renderer` (nothing cached between calls)."""
    return Renderer().render(templates, roles, networks, excludes, warn)
