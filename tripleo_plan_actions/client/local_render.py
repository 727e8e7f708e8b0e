"""``tripleo-plan render``: render a templates directory locally, as THT's own tool does.

  tripleo-plan render --templates DIR --roles-file FILE --networks-file FILE --output-dir OUT
                      [--only-rendered]

writes into OUT the tree that ``tools/process-templates.py -p DIR -r FILE -n FILE -o OUT`` writes:
every folder of DIR and every file, except hidden ones (a name starting with '.') and the Jinja
sources ``*.j2.yaml``, which are replaced by their rendered files (:mod:`.core.render`).  The
``*.j2`` fragments are copied too.  With ``--only-rendered`` only the rendered files are written.
A relative FILE that does not exist is looked up in DIR, as THT's tool reads them.

Compiled templates are kept in ``--cache-dir`` (default ``$XDG_CACHE_HOME/tripleo-plan-actions/
jinja``, i.e. ``~/.cache/...``), keyed by path, content and Jinja/Python versions, so a later run
compiles only what changed (``--no-cache`` turns this off).

Like THT's tool, it honours ``DIR/j2_excludes.yaml`` only when OUT is spelled as DIR (rendering in
place).  Where THT's result depends on the order the file system lists a folder (a rendered file
and a plain file of the same name), the rendered file wins.

Nothing heavy is imported (no OpenStack client): Jinja2, PyYAML and the pack's pure core.
Also runnable as ``python -m tripleo_plan_actions.client.local_render ARGS``.
"""
from __future__ import annotations

import argparse
import marshal
import os
import shutil
import sys
from types import CodeType
from typing import Iterator, Mapping, Sequence

import yaml

from tripleo_plan_actions.core import bounded_yaml, render as rendering
from tripleo_plan_actions.errors import PlanError


class LocalRenderError(PlanError):
    """A file or folder the command needs cannot be read or written."""

    kind = "local_render"


class TemplateTree(Mapping[str, bytes]):
    """A templates directory as a plan mapping ``{path: bytes}``, read on demand.

    Lists what THT's tool walks (``os.walk`` without following folder links, hidden folders and
    files left out); lookups of other paths under the root (a hidden fragment, say) read the file
    too, as THT's Jinja loader does.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.folders: list[str] = []
        self._listed: list[str] = []
        self._listed_set: set[str] = set()
        self._content: dict[str, bytes] = {}
        for folder, dirs, files in os.walk(root, onerror=self._walk_error):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            rel = "" if rel == "." else rel
            self.folders.append(rel)
            for name in sorted(files):
                if not name.startswith("."):
                    self._listed.append(f"{rel}/{name}" if rel else name)
        self._listed_set = set(self._listed)

    @staticmethod
    def _walk_error(error: OSError) -> None:
        raise LocalRenderError(f"cannot read {error.filename}: {error.strerror}")

    def local(self, path: str) -> str:
        return os.path.join(self.root, *path.split("/"))

    def _allowed(self, path: str) -> bool:
        parts = path.split("/")
        return bool(path) and not path.startswith("/") and ".." not in parts and "" not in parts

    def __getitem__(self, path: str) -> bytes:
        try:
            return self._content[path]
        except KeyError:
            pass
        if path not in self._listed_set and not (self._allowed(path) and os.path.isfile(self.local(path))):
            raise KeyError(path)
        try:
            with open(self.local(path), "rb") as handle:
                content = handle.read()
        except OSError as error:
            raise LocalRenderError(f"cannot read {self.local(path)}: {error.strerror}") from error
        self._content[path] = content
        return content

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (
            path in self._listed_set or (self._allowed(path) and os.path.isfile(self.local(path))))

    def __iter__(self) -> Iterator[str]:
        return iter(self._listed)

    def __len__(self) -> int:
        return len(self._listed)


class CodeCacheDir:
    """A :class:`~tripleo_plan_actions.core.render.CodeStore` in a private folder (mode 0700).

    Storage problems are ignored: the template is compiled again.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder

    @staticmethod
    def default_folder() -> str:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return os.path.join(base, "tripleo-plan-actions", "jinja")

    def load(self, key: str) -> CodeType | None:
        try:
            with open(os.path.join(self.folder, key), "rb") as handle:
                code = marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def store(self, key: str, code: CodeType) -> None:
        target = os.path.join(self.folder, key)
        temporary = f"{target}.{os.getpid()}.tmp"
        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            with open(temporary, "wb") as handle:
                marshal.dump(code, handle)
            os.replace(temporary, target)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _data_file(path: str, templates: str) -> str:
    if not os.path.exists(path) and not os.path.isabs(path) and os.path.exists(os.path.join(templates, path)):
        return os.path.join(templates, path)
    return path


def _load_yaml(path: str):
    """A roles, networks or excludes file: its size looked at first (never read whole when over
    the limit), then parsed with bounded work (:mod:`..core.bounded_yaml`)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > bounded_yaml.MAX_BYTES:
                raise bounded_yaml.YAMLLimitError(
                    f"{path}: {size} bytes is over the limit of {bounded_yaml.MAX_BYTES} bytes per file")
            return bounded_yaml.load(path, handle.read())
    except OSError as error:
        raise LocalRenderError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else path
        raise LocalRenderError(f"{where}: YAML does not parse: {getattr(error, 'problem', None) or error}") \
            from error


def effective_excludes(templates_dir: str, output_dir: str, names: Sequence[str]) -> list[str]:
    """The output paths THT's tool leaves out for ``j2_excludes.yaml`` ``names``.

    THT compares ``'<templates dir>/<name>'`` with the text of each output path it writes
    (``os.path.join(output dir, folder, file)``), so an exclusion takes effect only when the
    output directory is spelled as the templates directory.
    """
    root_out = os.path.join(output_dir, "" if templates_dir != "." else ".")
    prefix = os.path.join(root_out, "")
    found = []
    for name in names:
        target = f"{templates_dir}/{name}"
        rel = target[len(prefix):]
        if target.startswith(prefix) and rel and rel.split("/") == [p for p in rel.split("/") if p not in ("", ".")]:
            found.append(rel)
    return found


def render_tree(templates_dir: str, roles_file: str, networks_file: str, output_dir: str,
                only_rendered: bool = False, warn=None,
                code_store: rendering.CodeStore | None = None) -> tuple[int, int, int]:
    """Render and write; return (sources, rendered files, copied files)."""
    if not os.path.isdir(templates_dir):
        raise LocalRenderError(f"{templates_dir}: no such templates directory")
    roles = _load_yaml(_data_file(roles_file, templates_dir))
    networks = _load_yaml(_data_file(networks_file, templates_dir))
    tree = TemplateTree(templates_dir)
    excludes: list[str] = []
    excludes_path = os.path.join(templates_dir, rendering.EXCLUDES_FILE)
    if os.path.exists(excludes_path):
        names = rendering.excludes_from(_load_yaml(excludes_path))
        excludes = effective_excludes(templates_dir, output_dir, names)
    rendered = rendering.Renderer(code_store=code_store).render(tree, roles, networks, excludes=excludes, warn=warn)

    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise LocalRenderError(f"output dir {output_dir} is not a directory")
    copied = 0
    try:
        if not only_rendered:
            for folder in tree.folders:
                os.makedirs(os.path.join(output_dir, *folder.split("/")), exist_ok=True)
            for path in tree:
                if path.endswith(rendering.SOURCE_SUFFIX) or path in rendered:
                    continue
                try:
                    shutil.copy(tree.local(path), os.path.join(output_dir, *path.split("/")))
                except shutil.SameFileError:
                    continue
                copied += 1
        for path, content in rendered.items():
            target = os.path.join(output_dir, *path.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(content)
    except OSError as error:
        raise LocalRenderError(f"cannot write {error.filename or output_dir}: {error.strerror}") from error
    sources = sum(1 for path in tree if rendering.is_source(path))
    return sources, len(rendered), copied


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the ``render`` sub-command."""
    parser.add_argument("--templates", required=True, metavar="DIR",
                        help="the templates tree (e.g. an unpacked tripleo-heat-templates)")
    parser.add_argument("--roles-file", required=True, metavar="FILE",
                        help="roles data (YAML list of roles); a relative path missing here is read in DIR")
    parser.add_argument("--networks-file", required=True, metavar="FILE",
                        help="network data (YAML list of networks); a relative path missing here is read in DIR")
    parser.add_argument("--output-dir", required=True, metavar="DIR", help="where to write (created if needed)")
    parser.add_argument("--only-rendered", action="store_true",
                        help="write only the rendered files, not a copy of the whole tree")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help="where compiled templates are kept between runs "
                             f"(default: {CodeCacheDir.default_folder()})")
    parser.add_argument("--no-cache", action="store_true", help="compile every template afresh")


def run(args: argparse.Namespace) -> int:
    """Run the ``render`` sub-command; 0 on success, 1 (message on stderr) on a PlanError."""
    store = None if args.no_cache else CodeCacheDir(args.cache_dir or CodeCacheDir.default_folder())
    try:
        sources, rendered, copied = render_tree(
            args.templates, args.roles_file, args.networks_file, args.output_dir, args.only_rendered,
            warn=lambda message: print(message, file=sys.stderr), code_store=store)
    except PlanError as error:
        print(f"tripleo-plan render: error: {error}", file=sys.stderr)
        return 1
    extra = "" if args.only_rendered else f" and copied {copied} files"
    print(f"rendered {rendered} files from {sources} sources{extra} into {args.output_dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``tripleo-plan render`` on its own; ``argv`` without the program name."""
    parser = argparse.ArgumentParser(prog="tripleo-plan render", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
