"""Export: ONE archive with the plan, its passwords (unless left out), the operator's inputs and the
plan's story (its revision records), stored in tripleo-plan-exports — a full backup (SENSITIVE
with secrets).

The archive's layout is here, both ways (:func:`members`, :func:`unpack`), format 2:

* ``export.json``: ``{"format": 2, "plan": P, "secrets": true|false, "exported_at": <UTC time>}``;
* ``plan/<path>``: each plan file;
* ``inputs/<sha256>``: each stored input (an input a record references is one of them, or a
  member of the record's replay archive that is: checked both ways, :mod:`.story`);
* ``revisions/<number>.json``: each kept revision record, as stored (doc/storage.rst).

Format 1 (``{"format": 1, "plan", "secrets"}``, no ``revisions/``) is still read: its import makes
a plan with revision 1 ``create``, as it always did.  Any other format is refused, naming it.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

from tripleo_plan_actions.core import archive as archives, passwords, plan as plans
from tripleo_plan_actions.errors import PlanInputError
from tripleo_plan_actions.operations.context import Context
from tripleo_plan_actions.operations.plans import story

FORMAT = 2
#: The formats :func:`unpack` reads.
FORMATS = (1, 2)
HEADER = "export.json"
PLAN, INPUTS = "plan/", "inputs/"
CONTAINER = "tripleo-plan-exports"


@dataclasses.dataclass
class Request:
    """The inputs of ``tripleo_plan.plan.export``: ``plan``; ``include_secrets`` (false leaves the
    generated passwords out and masks every secret value the operator gave, for sharing)."""

    plan: str
    include_secrets: bool = True


@dataclasses.dataclass
class State:
    """What an export is prepared from: the plan's files, its stored inputs (sha256 -> bytes), its
    revision records (oldest first) and the time of the export."""

    files: dict[str, bytes]
    inputs: dict[str, bytes]
    records: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    now: str | None = None


@dataclasses.dataclass
class Exported:
    """An export archive's content: its header (``{format, plan, secrets, ...}``), the plan's
    files, the inputs (sha256 -> bytes) and the revision records (oldest first; none in format 1)."""

    header: dict[str, Any]
    files: dict[str, bytes]
    inputs: dict[str, bytes]
    records: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def members(plan: str, files: Mapping[str, bytes], stored: Mapping[str, bytes], secrets: bool,
            records: list[dict[str, Any]] | None = None, exported_at: str | None = None) -> dict[str, bytes]:
    """The members of the export archive of ``plan`` (see the module docstring).  Pure."""
    found = {PLAN + path: content for path, content in files.items()}
    found.update({INPUTS + digest: content for digest, content in stored.items()})
    found.update(story.members(records or []))
    header: dict[str, Any] = {"format": FORMAT, "plan": plan, "secrets": secrets}
    if exported_at is not None:
        header["exported_at"] = exported_at
    found[HEADER] = json.dumps(header).encode()
    return found


def unpack(found: Mapping[str, bytes]) -> Exported:
    """The content of an export archive's members; PlanInputError when it is not an export (no
    export.json), of a format this pack does not read (naming it), an input does not match its
    sha256, or (format 2) a record is not one or references an input the export does not hold
    (naming the member).  Pure."""
    if HEADER not in found:
        raise PlanInputError("not a plan export: the archive has no export.json")
    try:
        header = json.loads(found[HEADER])
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise PlanInputError(f"not a plan export: its {HEADER} is not a JSON mapping")
    if header.get("format") not in FORMATS or isinstance(header.get("format"), bool):
        raise PlanInputError(f"export format {header.get('format')} is not supported (this pack reads formats "
                             f"{', '.join(map(str, FORMATS))}; a newer pack made it?)")
    files = {p[len(PLAN):]: c for p, c in found.items() if p.startswith(PLAN)}
    stored = {p[len(INPUTS):]: c for p, c in found.items() if p.startswith(INPUTS)}
    for digest, content in stored.items():
        if plans.sha256(content) != digest:
            raise PlanInputError(f"inputs/{digest}: content does not match its sha256")
    records = story.read(found) if header["format"] >= 2 else []
    story.check_inputs(records, stored, story.REVISIONS + "{}.json")
    return Exported(header, files, stored, records)


def prepare(request: Request, state: State) -> bytes:
    """The export archive (tar.gz) of the plan.  Without ``include_secrets``: the generated
    passwords emptied, and every secret value the operator gave masked (plan-environment.yaml's
    ``parameter_defaults``, each stored input: see :func:`shareable`, and the records: see
    :func:`.story.shareable`, their references following the renamed inputs).  Pure."""
    files, stored, records = dict(state.files), dict(state.inputs), list(state.records)
    story.check_inputs(records, stored, f"plan {request.plan}: revision {{}}")
    if not request.include_secrets:
        known = story.known_secrets(files, stored)
        environment = plans.load_yaml(plans.PLAN_ENVIRONMENT, files[plans.PLAN_ENVIRONMENT])
        environment = passwords.mask_document(environment)
        environment["passwords"] = {}
        files[plans.PLAN_ENVIRONMENT] = plans.dump_yaml(environment)
        renamed: dict[str, str] = {}
        stored = shareable_inputs(stored, renamed)
        records = [story.shareable(r, renamed, known) for r in records]
    return archives.write_archive(members(request.plan, files, stored, request.include_secrets, records,
                                          state.now))


#: Sections that make a JSON mapping an environment file rather than a stored parameters input.
_ENVIRONMENT_SECTIONS = frozenset({"resource_registry", "parameter_defaults", "parameters", "passwords",
                                   "parameter_merge_strategies", "event_sinks", "encrypted_param_names"})


def shareable(content: bytes, renamed: dict[str, str] | None = None) -> bytes:
    """A stored input as an export without secrets holds it (``content`` itself, the same object,
    when it gives no secret a value).  A replay archive (gzip) has each member made shareable (a
    changed member renamed to its new sha256, noted in ``renamed``: old -> new); a parameters
    input (a JSON mapping of parameter names) and an environment file, plan-environment.yaml or
    template (YAML or JSON) have their secret values masked (:func:`passwords.mask_document`) and
    are written again; anything else (a script, data that does not parse) is kept as it is.  Pure
    but for ``renamed``."""
    if content[:2] == b"\x1f\x8b":
        try:
            inner = archives.read_archive(content)
        except archives.ArchiveError:
            return content
        shared = shareable_inputs(inner, renamed)
        return content if shared == inner else archives.write_archive(shared)
    try:
        document = plans.load_yaml("input", content)
    except PlanInputError:
        return content
    if isinstance(document, dict) and content.lstrip()[:1] == b"{" and not set(document) & _ENVIRONMENT_SECTIONS:
        if not passwords.holds_secret(document):
            return content
        return json.dumps(passwords.mask(document), sort_keys=True).encode()
    if not passwords.sets_secret(document):
        return content
    return plans.dump_yaml(passwords.mask_document(document))


def shareable_inputs(stored: Mapping[str, bytes], renamed: dict[str, str] | None = None) -> dict[str, bytes]:
    """``{sha256: content}`` with each content made :func:`shareable`, a changed one under the
    sha256 of its new content (so an import of the export checks it as any other), noted in
    ``renamed`` (old -> new, replay archives' members too).  Pure but for ``renamed``."""
    shared = {}
    for digest, content in stored.items():
        new = shareable(content, renamed)
        name = digest if new is content else plans.sha256(new)
        if renamed is not None and name != digest:
            renamed[digest] = name
        shared[name] = new
    return shared


def read_state(ctx: Context, request: Request) -> State:
    """The plan, every stored input and every revision record.  Swift requests: 1 (the plan) + 1
    (the inputs' listing) + 1 per input + 1 (the records' listing) + 1 per record."""
    store = ctx.store
    files = store.load(request.plan)
    stored = {digest: store.input(request.plan, digest) for digest in store.inputs(request.plan)}
    records = [store.revision(request.plan, n) for n in store.revision_numbers(request.plan)]
    return State(files, stored, records, ctx.now())


def start(request: Request, ctx: Context) -> dict[str, Any]:
    """Export plan ``request.plan``: ``{plan, container, object, bytes, secrets}`` (download the
    object from Swift).  Swift requests: those of :func:`read_state` + 2."""
    plans.check_name(request.plan)
    data = prepare(request, read_state(ctx, request))
    obj = ctx.store.put_export(request.plan, data)
    return {"plan": request.plan, "container": CONTAINER, "object": obj, "bytes": len(data),
            "secrets": request.include_secrets}
