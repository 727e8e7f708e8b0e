"""``tripleo-plan setup``: the pack's side of installing it on an undercloud, one idempotent command.

Contract of :func:`setup` (the pieces, :func:`load_workbooks` and :func:`uploads_container`, are
what the local undercloud runs at start):

1. Reads the workbooks: every ``*.yaml`` of ``directory`` (``--workbooks DIR``; else
   :func:`find_workbooks`: the source tree's ``workbooks/`` when running from a checkout, else the
   installed data files ``<prefix>/share/tripleo-plan-actions/workbooks``).  Each must be a YAML
   mapping with a ``name``; one that is not is a PlanInputError naming the file, before any request.
2. Reads Mistral: the workbooks of those names (1 GET /workbooks) and which of the needed actions
   it knows (1 GET /actions).  Needed: every ``mistral.actions`` entry point the installed pack
   declares (:func:`declared_actions`) and every action a workbook's task calls
   (:func:`called_actions`; ad-hoc actions the workbook defines itself aside).
3. Unless an action is missing, or ``dry_run``: creates each workbook Mistral lacks (1 POST
   each), updates each whose definition differs (1 PUT each) and leaves identical ones alone.
   Both with Mistral's scope :data:`SCOPE` (``public``): with Keystone, a private workbook could be
   run only by the project that loaded it.  Mistral lets only an admin publicize (and a Mistral
   without authentication nobody): when it refuses (403) the workbook is written again with the
   default scope, ``private`` (1 more request), and the report names it (``private_workbooks``).
   When an action is missing NO workbook is written (a workbook calling an action Mistral lacks
   fails only when it runs), and :meth:`Report.problem` names each missing action and the fix.
4. Makes sure Swift's ``tripleo-plan-uploads`` exists (1 PUT, which changes nothing on an
   existing container; 1 HEAD with ``dry_run``).

The :class:`Report`: per workbook ``created``, ``updated`` or ``unchanged`` (``to create``, ``to
update`` when nothing was written), the container ``created`` or ``present`` (``missing`` in a
dry run), the actions declared, called and missing, and ``ok``: everything is in place afterwards
(for a dry run: already in place).  Run again, it changes nothing.  An installed, up-to-date
undercloud costs 3 requests (2 Mistral GETs, 1 Swift PUT; plus an authentication with Swift's
tempauth).  A service that refuses or cannot be reached raises ServiceError; no settings saying
where Swift is raise ConfigurationError.

Pure (no I/O, unit-tested): :func:`workbook_states`, :func:`called_actions`,
:func:`missing_actions` and the :class:`Report`'s properties.
"""
from __future__ import annotations

import configparser
import importlib.metadata
import site
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

import yaml

from tripleo_plan_actions.core import bounded_yaml
from tripleo_plan_actions.errors import ConfigurationError, PlanInputError, ServiceError

PACKAGE = "tripleo-plan-actions"
ENTRY_POINTS = "mistral.actions"
#: Where ``setup.cfg``'s ``[options.data_files]`` puts the workbooks, under an installation prefix.
SHARE = Path("share", "tripleo-plan-actions", "workbooks")
SOURCE_TREE = Path(__file__).resolve().parents[2]
#: The Mistral scope of the workbooks setup writes: every project's users may run them.
SCOPE = "public"
#: What a workbook state reads as when nothing was written (a dry run, or an action missing).
NOT_WRITTEN = {"created": "to create", "updated": "to update"}
FIX = ("install this version of the pack into the Python environment of every Mistral service (API, engine, "
       "executor: pip install {package}=={version}), restart those services (Mistral loads the mistral.actions "
       "entry points when a service starts; a Mistral that keeps actions in its database, such as TripleO "
       "Train's, also needs mistral-db-manage populate before the restart), then run tripleo-plan setup again")


# -- where the workbooks are ---------------------------------------------------------------

class Workbook(NamedTuple):
    name: str
    path: Path
    definition: str  # the YAML text, sent to Mistral as it is
    book: dict[str, Any]  # the text parsed


def _has_workbooks(directory: Path) -> bool:
    return directory.is_dir() and any(directory.glob("tripleo_plan.*.yaml"))


def workbook_places() -> list[Path]:
    """Where :func:`find_workbooks` looks, in order: the source tree (a checkout, an editable
    install), then the data files of an installation in this prefix, the user's, /usr/local, /usr."""
    prefixes = [sys.prefix, site.getuserbase(), "/usr/local", "/usr"]
    return [SOURCE_TREE / "workbooks"] + [Path(p) / SHARE for p in dict.fromkeys(prefixes)]


def find_workbooks(directory: str | Path | None = None) -> Path:
    """``directory`` (``--workbooks``) when given, else the first of :func:`workbook_places` that
    holds the pack's workbooks; ConfigurationError naming where it looked."""
    if directory is not None:
        path = Path(directory)
        if not path.is_dir():
            raise ConfigurationError(f"--workbooks {directory}: no such directory")
        return path
    for place in workbook_places():
        if _has_workbooks(place):
            return place
    looked = ", ".join(str(p) for p in workbook_places())
    raise ConfigurationError(f"the pack's workbooks were not found (looked in {looked}): give --workbooks DIR")


def read_workbooks(directory: Path) -> list[Workbook]:
    """Every ``*.yaml`` of ``directory``, by file name; PlanInputError naming a file that is not a
    workbook (or a name given twice), ConfigurationError when there is none."""
    books: dict[str, Workbook] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            book = bounded_yaml.load(str(path), text)
        except yaml.YAMLError as error:
            raise PlanInputError(f"{path}: YAML does not parse: {error}") from None
        if not isinstance(book, dict) or not isinstance(book.get("name"), str):
            raise PlanInputError(f"{path}: not a Mistral workbook (a mapping with a name)")
        if book["name"] in books:
            raise PlanInputError(f"{path}: workbook {book['name']} is also {books[book['name']].path}")
        books[book["name"]] = Workbook(book["name"], path, text, book)
    if not books:
        raise ConfigurationError(f"{directory} holds no workbook (*.yaml)")
    return list(books.values())


# -- which actions ---------------------------------------------------------------------------

def declared_actions() -> list[str]:
    """The ``mistral.actions`` entry points the installed pack declares (from its metadata; from
    the source tree's setup.cfg when it is not installed)."""
    try:
        entry_points = importlib.metadata.distribution(PACKAGE).entry_points
    except importlib.metadata.PackageNotFoundError:
        config = configparser.ConfigParser()
        config.read(SOURCE_TREE / "setup.cfg")
        lines = config.get("options.entry_points", ENTRY_POINTS, fallback="").splitlines()
        return sorted(line.partition("=")[0].strip() for line in lines if line.strip())
    return sorted(e.name for e in entry_points if e.group == ENTRY_POINTS)


def _action_name(text: Any) -> str | None:
    """The action a task's (or an ad-hoc action's ``base``) text names: its first word; None for
    none or an expression."""
    if not isinstance(text, str) or not text.split():
        return None
    name = text.split()[0]
    return None if "<%" in name or "{{" in name else name


def called_actions(book: Mapping[str, Any]) -> set[str]:
    """The actions a workbook's tasks call (and its ad-hoc actions are based on), less the ad-hoc
    actions it defines itself (by their short or full name)."""
    adhoc = book.get("actions") or {}
    own = set(adhoc) | {f"{book.get('name')}.{name}" for name in adhoc}
    found = {_action_name(a.get("base")) for a in adhoc.values() if isinstance(a, Mapping)}
    for workflow in (book.get("workflows") or {}).values():
        tasks = workflow.get("tasks") if isinstance(workflow, Mapping) else None
        for task in (tasks or {}).values():
            if isinstance(task, Mapping):
                found.add(_action_name(task.get("action")))
    return {name for name in found if name and name not in own}


def missing_actions(declared: Iterable[str], called: Mapping[str, Iterable[str]],
                    known: Iterable[str]) -> dict[str, list[str]]:
    """``{action: [what needs it]}`` for each needed action Mistral does not know: ``the pack``
    (a declared entry point) and ``workbook <name>`` (a task calls it)."""
    known = set(known)
    missing: dict[str, list[str]] = {name: ["the pack"] for name in declared if name not in known}
    for workbook, names in sorted(called.items()):
        for name in sorted(set(names) - known):
            missing.setdefault(name, []).append(f"workbook {workbook}")
    return dict(sorted(missing.items()))


# -- what is to be done ---------------------------------------------------------------------

def workbook_states(local: Mapping[str, str], present: Mapping[str, str]) -> dict[str, str]:
    """``{name: created|updated|unchanged}``: what loading the ``local`` definitions does to
    Mistral's ``present`` ones (the same text is unchanged; Mistral keeps a definition as given)."""
    return {name: "created" if name not in present else "unchanged" if present[name] == text else "updated"
            for name, text in local.items()}


@dataclass
class Report:
    """What :func:`setup` found and did (see the module docstring)."""

    workbooks_dir: str
    workbooks: dict[str, str]
    declared: list[str]
    called: dict[str, list[str]]
    missing: dict[str, list[str]]
    uploads_container: str | None = None
    dry_run: bool = False
    version: str = field(default="")
    #: the workbooks written with scope private (Mistral refused public: see the module docstring)
    private: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything in place: no action missing, every workbook loaded, the container there."""
        return not self.missing and set(self.workbooks.values()) <= {"created", "updated", "unchanged"} \
            and self.uploads_container in (None, "created", "present")

    def as_dict(self) -> dict[str, Any]:
        """The report as ``-f json`` shows it."""
        called = sorted(set().union(*self.called.values())) if self.called else []
        return {"workbooks": dict(self.workbooks), "workbooks_dir": self.workbooks_dir,
                "uploads_container": self.uploads_container, "private_workbooks": list(self.private),
                "actions": {"declared": len(self.declared), "called": len(called), "missing": dict(self.missing)},
                "dry_run": self.dry_run, "ok": self.ok}

    def problem(self) -> str | None:
        """Why the installation is not complete, with the fix; None when :attr:`ok`."""
        lines = []
        if self.missing:
            named = "; ".join(f"{name} (needed by {', '.join(why)})" for name, why in self.missing.items())
            lines.append(f"Mistral lacks actions: {named}.")
            if any(name in self.declared for name in self.missing):
                lines.append("Fix: " + FIX.format(package=PACKAGE, version=self.version or "VERSION") + ".")
            foreign = [name for name in self.missing if name not in self.declared]
            if foreign:
                lines.append(f"{', '.join(foreign)}: not an action of this pack ({PACKAGE} {self.version}) either: "
                             f"the workbooks in {self.workbooks_dir} are another version's; load this version's "
                             "(without --workbooks), or install the version they come from, here and in Mistral.")
            lines.append("No workbook was written.")
        pending = sorted(n for n, s in self.workbooks.items() if s not in ("created", "updated", "unchanged"))
        if pending and not self.missing:
            lines.append(f"Workbooks not up to date: {', '.join(pending)} (run tripleo-plan setup).")
        if self.uploads_container == "missing":
            lines.append("The Swift container tripleo-plan-uploads is missing (run tripleo-plan setup).")
        return "\n".join(lines) or None


# -- doing it --------------------------------------------------------------------------------

def _version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return ""


def load_workbooks(mistral: Any, directory: str | Path | None = None, *, declared: Iterable[str] | None = None,
                   dry_run: bool = False, scope: str = SCOPE) -> Report:
    """Steps 1 to 3 of :func:`setup` with ``mistral`` (a
    :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI`): the report without the
    container.  ``scope="private"`` writes private workbooks outright (a Mistral without
    authentication, where every caller is in the same project)."""
    path = find_workbooks(directory)
    books = read_workbooks(path)
    declared = declared_actions() if declared is None else sorted(declared)
    called = {b.name: sorted(called_actions(b.book)) for b in books}
    present = mistral.workbooks(b.name for b in books)
    known = mistral.known_actions(set(declared).union(*called.values()))
    missing = missing_actions(declared, called, known)
    states = workbook_states({b.name: b.definition for b in books}, present)
    write = not (dry_run or missing)
    private = []
    for book in books:
        if write and states[book.name] in ("created", "updated"):
            if _write_workbook(mistral, book.definition, states[book.name] == "created", scope) != SCOPE:
                private.append(book.name)
    if not write:
        states = {name: NOT_WRITTEN.get(state, state) for name, state in states.items()}
    return Report(str(path), states, declared, called, missing, dry_run=dry_run, version=_version(), private=private)


def _write_workbook(mistral: Any, definition: str, create: bool, scope: str = SCOPE) -> str:
    """Create (1 POST) or update (1 PUT) a workbook with ``scope``; when Mistral refuses a public
    one (403: only an admin may publicize), once more private.  The scope written."""
    write = mistral.create_workbook if create else mistral.update_workbook
    if scope == SCOPE:
        try:
            write(definition, scope=SCOPE)
            return SCOPE
        except ServiceError as error:
            if getattr(error, "status", None) != 403:
                raise
    write(definition, scope="private")
    return "private"


def uploads_container(swift: Any, dry_run: bool = False) -> str:
    """Step 4 of :func:`setup` with ``swift`` (a :class:`~tripleo_plan_actions.client.api.SwiftUploader`):
    ``created``, ``present`` (``missing`` in a dry run).  ConfigurationError when ``swift`` is None."""
    if swift is None:
        raise ConfigurationError("setup needs Swift (for the tripleo-plan-uploads container) and no setting says "
                                 "where it is: set the OS_* (Keystone) variables or TRIPLEO_PLAN_ACTIONS_CONFIG")
    return swift.ensure_container(create=not dry_run)


def setup(mistral: Any, swift: Any, directory: str | Path | None = None, *,
          declared: Iterable[str] | None = None, dry_run: bool = False) -> Report:
    """The pack's side of an installation (see the module docstring): workbooks, the actions they
    and the pack need, the uploads container.  Swift is checked first, so that missing settings
    stop it before anything is written."""
    if swift is None:
        uploads_container(swift)
    report = load_workbooks(mistral, directory, declared=declared, dry_run=dry_run)
    report.uploads_container = uploads_container(swift, dry_run)
    return report
