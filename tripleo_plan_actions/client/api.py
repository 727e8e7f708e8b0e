"""The thin client's side of the contract: start ONE Mistral execution per operation, then read it.

Mistral through :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI` (python-mistralclient
on a keystoneauth1 session) and the one upload through swiftclient, both found by
:mod:`tripleo_plan_actions.services.discovery`; every request with the user agent
:data:`CLIENT_AGENT`.  The client never talks to Heat, nor to Swift for plan work: the pack's
actions do that inside Mistral.
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from tripleo_plan_actions.core.references import MissingUserFile
from tripleo_plan_actions.errors import ConfigurationError, PlanInputError, ServiceError
from tripleo_plan_actions.services import discovery
from tripleo_plan_actions.services.discovery import CLIENT_AGENT, Access
from tripleo_plan_actions.services.mistral_api import MistralAPI, Progress
from tripleo_plan_actions.storage.tree import LocalFiles, read_tree


class SizedFiles(LocalFiles):
    """The local disk as :class:`~tripleo_plan_actions.storage.tree.LocalFiles`, each file's size
    looked at (stat) before it is read: one over ``limit`` is refused naming it and the limit,
    never read whole."""

    def __init__(self, limit: int | None = None) -> None:
        from tripleo_plan_actions.core import archive

        self.limit = archive.MAX_FILE_BYTES if limit is None else limit

    def __getitem__(self, path: str) -> bytes:
        from tripleo_plan_actions.core import archive

        try:
            size = os.stat(path).st_size
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None
        archive.check_size(path, size, self.limit)
        return super().__getitem__(path)


class _Overlay(SizedFiles):
    """:class:`SizedFiles` with some files made in memory (``{absolute path: bytes}``) over the disk."""

    def __init__(self, made: Mapping[str, bytes]) -> None:
        super().__init__()
        self.made = dict(made)

    def __getitem__(self, path: str) -> bytes:
        return self.made[path] if path in self.made else super().__getitem__(path)

    def __contains__(self, path: object) -> bool:
        return path in self.made or super().__contains__(path)


def _check_tree(directory: str) -> None:
    """Refuse a local templates tree with a file over the per-file limit, or over the plan's
    limits, from the sizes alone (stat), before any file is read; files left out as read_tree
    leaves them out (hidden, links)."""
    from tripleo_plan_actions.core import archive

    total, count = 0, 0
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            full = os.path.join(root, name)
            if name.startswith(".") or os.path.islink(full) or not os.path.isfile(full):
                continue
            size = os.stat(full).st_size
            archive.check_size(full, size)
            total, count = total + size, count + 1
    archive.check_size(f"templates directory {directory}", total, archive.MAX_TOTAL_BYTES, "per plan")
    if count > archive.MAX_FILES:
        raise PlanInputError(f"templates directory {directory}: {count} files is over the limit of "
                             f"{archive.MAX_FILES} files per plan")


class MistralClient(MistralAPI):
    """The thin client's :class:`~tripleo_plan_actions.services.mistral_api.MistralAPI`: user agent
    :data:`CLIENT_AGENT`; without ``url``, the Mistral the usual places name
    (:func:`~tripleo_plan_actions.services.discovery.from_environment`)."""

    def __init__(self, url: str | None = None, token: str | None = None, *, agent: str = CLIENT_AGENT,
                 **options: Any) -> None:
        if url is None:
            access = discovery.from_environment().access("mistral")
            url, token = access.url, token or access.token
            options.setdefault("session", access.session)
        super().__init__(url, token, agent=agent, **options)


class SwiftUploader:
    """The client's only Swift request: ONE object PUT into ``tripleo-plan-uploads``.

    With a storage URL and token, or a Keystone session, nothing else is sent; with Swift's own
    auth (the local undercloud's tempauth) one authentication request comes first (Keystone's work
    on a real undercloud).  When the container does not exist yet (a cloud's very first upload)
    it is created and the PUT tried again.  No request is retried otherwise.  (``tripleo-plan
    setup`` also makes sure the container exists: :meth:`ensure_container`.)
    """

    def __init__(self, access: Access, agent: str = CLIENT_AGENT) -> None:
        self.access = access
        self.agent = agent
        self._connection: Any = None

    @property
    def connection(self) -> Any:
        """The swiftclient connection (made on first use; sends nothing itself)."""
        if self._connection is None:
            from tripleo_plan_actions.services import swift_api

            self._connection = swift_api.connection(self.access, self.agent)
        return self._connection

    def _call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from swiftclient.exceptions import ClientException

        try:
            return function(*args, **kwargs)
        except ClientException as error:
            failure = ServiceError(f"Swift answered {error.http_status} to {what}: {error.http_reason or error.msg}")
            failure.status = error.http_status
            raise failure from error
        except OSError as error:  # requests' errors are OSErrors
            raise ServiceError(f"cannot reach Swift at {self.access.endpoint}: {error}") from error

    def upload(self, data: bytes) -> str:
        """Put ``data`` (a tar.gz) into tripleo-plan-uploads; return its object name."""
        from tripleo_plan_actions.storage.swift import UPLOADS

        name = f"{uuid.uuid4()}.tar.gz"

        def put() -> None:
            self._call(f"PUT {UPLOADS}/{name}", self.connection.put_object, UPLOADS, name, data,
                       content_type="application/gzip")

        try:
            put()
        except ServiceError as error:
            if error.status != 404:
                raise
            self._call(f"PUT {UPLOADS}", self.connection.put_container, UPLOADS)
            put()
        return name

    def ensure_container(self, create: bool = True) -> str:
        """``tripleo-plan setup``'s look at ``tripleo-plan-uploads``: with ``create``, ONE container
        PUT (Swift answers 201 when it made it, 202 when it was there; nothing about it changes):
        ``created`` or ``present``; without, ONE HEAD: ``present`` or ``missing``."""
        from tripleo_plan_actions.storage.swift import UPLOADS

        if create:
            answer: dict[str, Any] = {}
            self._call(f"PUT {UPLOADS}", self.connection.put_container, UPLOADS, response_dict=answer)
            return "created" if answer.get("status") == 201 else "present"
        try:
            self._call(f"HEAD {UPLOADS}", self.connection.head_container, UPLOADS)
        except ServiceError as error:
            if error.status != 404:
                raise
            return "missing"
        return "present"

    def download(self, container: str, obj: str) -> bytes:
        """One object GET (an export archive)."""
        return self._call(f"GET {container}/{obj}", self.connection.get_object, container, obj)[1]


# -- where the services are: the usual places --------------------------------------------------

class Connection(NamedTuple):
    """How the client reaches the undercloud: Mistral (always) and Swift (for the one upload an
    operation may need; ``swift`` is None when nothing says where Swift is)."""

    mistral: MistralClient
    swift: SwiftUploader | None
    source: str  # "keystone", "settings" or "default": where the settings came from


def connection_for(found: discovery.Discovery, agent: str = CLIENT_AGENT) -> Connection:
    """The client's Mistral and Swift as ``found`` says.  Raises ConfigurationError when it cannot
    say where Mistral is (with Keystone: when Keystone cannot answer).  Sends nothing but a
    Keystone session's authentication."""
    mistral = MistralClient.for_access(found.access("mistral"), agent)
    swift = found.find("swift")
    return Connection(mistral, SwiftUploader(swift, agent) if swift else None, found.source)


def connect(mistral_url: str | None = None, environ: Mapping[str, str] | None = None,
            agent: str = CLIENT_AGENT) -> Connection:
    """The undercloud's Mistral (and Swift) from the usual places, first found wins (see
    :func:`tripleo_plan_actions.services.discovery.from_environment`).  Raises ConfigurationError
    naming what is wrong."""
    return connection_for(discovery.from_environment(environ, mistral_url), agent)


# -- the Python API: one method per operation ------------------------------------------------

DEFAULT_TEMPLATES = "/usr/share/openstack-tripleo-heat-templates"
TEMPLATES_ENV = "TRIPLEO_PLAN_TEMPLATES"
#: The inputs every stack operation's workflow takes (besides ``plan``).
COMMON_INPUTS = frozenset({"dry_run", "timeout", "force_unlock", "history_limit"})
_FILES = frozenset({"environments", "parameters", "remove_environments", "strict", "skip_deploy_identifier"})
_REPLAYING = _FILES | {"reset_environments", "reset_parameters", "unset_parameters"}
#: What else each ``tripleo_plan.deploy.<operation>`` takes from the client (the shipping of
#: ``environments`` adds ``user_files``, ``user_upload`` and ``local_templates_dir``); checked
#: against the workbook by tests/unit/test_client.py.
OPERATION_INPUTS: dict[str, frozenset[str]] = {
    "deploy": _FILES | {"roles_data", "network_data", "plan_environment"},
    "update": _REPLAYING, "upgrade": _REPLAYING | {"templates_dir"},
    "scale": _REPLAYING | {"role_counts"}, "rollback": frozenset({"to"}), "undeploy": frozenset()}


#: The client's option names that the workflows call otherwise.
_OPTION_INPUTS = {"timeout_minutes": "timeout", "rollback_to": "to"}
#: The client's file options read into a workflow input (deploy's ``-r``, ``-n`` and ``-p``).
_FILE_OPTIONS = {"roles_file": "roles_data", "networks_file": "network_data",
                 "plan_environment_file": "plan_environment"}


def _given(value: Any) -> bool:
    """Whether an option was given a value (not None, False or empty; 0 is a value)."""
    if value is None or value is False:
        return False
    return not isinstance(value, (list, tuple, Mapping)) or bool(value)


def _plain(value: Any) -> Any:
    """A sequence or mapping option as JSON wants it."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


class PlanClient:
    """What tripleoclient or a script calls: one method per operation, each ONE workflow execution.

    Every method starts one execution, reads it until it ends and returns its result as plain
    data.  Failures raise :class:`~tripleo_plan_actions.errors.PlanError` subclasses:
    :class:`~tripleo_plan_actions.services.mistral_api.OperationFailed` (the workflow failed; the
    message is the operator-facing reason), ServiceError (Mistral or Swift unreachable or
    refusing), ConfigurationError, PlanInputError and
    :class:`~tripleo_plan_actions.core.references.MissingUserFile` (raised before anything is sent).
    Local files an operation needs go inline in the execution input when small, else in ONE
    archive uploaded to Swift first (see :data:`tripleo_plan_actions.core.references.INLINE_LIMIT`):
    at most one Swift request per operation, and the client never reads or writes plan objects.

    ``on_progress`` (optional, every waiting method): called with a :class:`Progress` after each
    look at the execution; ``on_start``: called with the execution's id once it exists (so a
    caller can tell an operator how to watch it again).
    """

    def __init__(self, mistral: MistralClient, swift: SwiftUploader | None = None, *,
                 templates_dir: str | None = None, inline_limit: int | None = None,
                 timeout: float = 4 * 3600, interval: float = 1.0, cwd: str | None = None) -> None:
        from tripleo_plan_actions.core import references

        self.mistral = mistral
        self.swift = swift
        self.templates_dir = templates_dir
        self.inline_limit = references.INLINE_LIMIT if inline_limit is None else inline_limit
        self.timeout = timeout
        self.interval = interval
        self.cwd = cwd

    @classmethod
    def from_discovery(cls, found: discovery.Discovery, environ: Mapping[str, str] | None = None,
                       **options: Any) -> "PlanClient":
        """A client for the services ``found`` names (templates directory: ``$TRIPLEO_PLAN_TEMPLATES``
        of ``environ``, else the default); see :func:`connection_for`."""
        connection = connection_for(found)
        environ = os.environ if environ is None else environ
        options.setdefault("templates_dir", environ.get(TEMPLATES_ENV) or DEFAULT_TEMPLATES)
        return cls(connection.mistral, connection.swift, **options)

    @classmethod
    def from_environment(cls, mistral_url: str | None = None, environ: Mapping[str, str] | None = None,
                         **options: Any) -> "PlanClient":
        """A client for the undercloud the usual settings name (see :func:`connect`)."""
        return cls.from_discovery(discovery.from_environment(environ, mistral_url), environ, **options)

    # -- executions ------------------------------------------------------------------------------
    def run(self, workflow: str, inputs: dict[str, Any], on_progress: Callable[[Progress], None] | None = None,
            on_start: Callable[[str], None] | None = None) -> Any:
        """Start ONE execution of ``workflow`` and wait for it; its ``result`` output."""
        execution_id = self.mistral.start(workflow, inputs)["id"]
        if on_start:
            on_start(execution_id)
        return self.watch(execution_id, on_progress)

    def watch(self, execution_id: str, on_progress: Callable[[Progress], None] | None = None) -> Any:
        """Wait for an execution (started here or elsewhere); its ``result`` output (or the whole
        output when it has no ``result``).  Raises OperationFailed when it failed."""
        execution = self.mistral.watch(execution_id, on_progress, interval=self.interval, timeout=self.timeout)
        output = execution["output"]
        return output["result"] if isinstance(output, dict) and "result" in output else output

    def _upload(self, files: Mapping[str, bytes], what: str) -> str:
        from tripleo_plan_actions.core import archive

        if self.swift is None:
            raise ConfigurationError(f"{what} must be uploaded to Swift, and no setting says where Swift is: "
                                     "set the OS_* (Keystone) variables or TRIPLEO_PLAN_ACTIONS_CONFIG")
        return self.swift.upload(archive.write_archive(dict(files)))

    def _fits_inline(self, files: Mapping[str, bytes]) -> bool:
        try:
            for content in files.values():
                content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return sum(len(c) for c in files.values()) <= self.inline_limit

    # -- self-test and plans ----------------------------------------------------------------
    def check(self, stack_name: str = "tripleo-plan-selftest", **watching: Any) -> dict[str, Any]:
        """The undercloud self-test: ``{swift: {...}, heat: {...}}`` (the pack reaches both from Mistral)."""
        return self.run("tripleo_plan.selftest.check", {"stack_name": stack_name}, **watching)

    def create_plan(self, plan: str, *, templates: str | None = None, templates_dir: str | None = None,
                    roles_file: str | None = None, networks_file: str | None = None, description: str = "",
                    **watching: Any) -> dict[str, Any]:
        """Create ``plan`` from a LOCAL templates directory (``templates``: one archive upload) or
        a directory on the undercloud (``templates_dir``: read there, nothing uploaded)."""
        if bool(templates) == bool(templates_dir):
            raise PlanInputError("give exactly one of templates (a local directory, uploaded) or "
                                 "templates_dir (a directory on the undercloud)")
        inputs: dict[str, Any] = {"plan": plan, "description": description,
                                  "roles_data": _read_text(roles_file), "network_data": _read_text(networks_file)}
        if templates:
            if os.path.isdir(templates):
                _check_tree(templates)
            tree = read_tree(templates)
            if not tree:
                raise PlanInputError(f"templates directory {templates} holds no files (hidden files and links "
                                     "are left out)")
            inputs["upload"] = self._upload(tree, f"templates directory {templates}")
        else:
            inputs["templates_dir"] = os.path.abspath(templates_dir)
        return self.run("tripleo_plan.plan.create", inputs, **watching)

    def amend_plan(self, plan: str, files: Mapping[str, str] | None = None, delete: Sequence[str] = (),
                   allow_meta: bool = False, **watching: Any) -> dict[str, Any]:
        """Add or replace plan files (``{plan path: local file}``) and delete others; small text
        goes inline, anything else (or a file that gives a secret a value) in one archive upload."""
        contents = {}
        for plan_path, local in (files or {}).items():
            try:
                contents[plan_path] = SizedFiles()[os.path.abspath(local)]
            except KeyError:
                raise MissingUserFile(os.path.abspath(local)) from None
        inputs: dict[str, Any] = {"plan": plan, "delete": list(delete), "allow_meta": allow_meta}
        if self._fits_inline(contents) and not _sets_secret(contents):
            inputs["files"] = {p: c.decode("utf-8") for p, c in contents.items()}
        else:
            inputs["upload"] = self._upload(contents, "the files to amend")
        return self.run("tripleo_plan.plan.amend", inputs, **watching)

    def list_plans(self, **watching: Any) -> list[str]:
        return self.run("tripleo_plan.plan.list", {}, **watching)["plans"]

    def show_plan(self, plan: str, **watching: Any) -> dict[str, Any]:
        return self.run("tripleo_plan.plan.show", {"plan": plan}, **watching)

    def export_plan(self, plan: str, include_secrets: bool = True, output: str | None = None,
                    **watching: Any) -> dict[str, Any]:
        """Export ``plan`` into Swift; with ``output`` the archive is also downloaded there (1 Swift GET)."""
        result = self.run("tripleo_plan.plan.export", {"plan": plan, "include_secrets": include_secrets}, **watching)
        if output:
            if self.swift is None:
                raise ConfigurationError("downloading the export needs Swift: set the OS_* (Keystone) "
                                         "variables or TRIPLEO_PLAN_ACTIONS_CONFIG")
            with open(output, "wb") as stream:
                stream.write(self.swift.download(result["container"], result["object"]))
            result = {**result, "file": os.path.abspath(output)}
        return result

    def import_plan(self, plan: str, archive: str, **watching: Any) -> dict[str, Any]:
        """Create ``plan`` from an export archive (a local file, uploaded once; at most a plan's limit)."""
        from tripleo_plan_actions.core.archive import MAX_TOTAL_BYTES

        try:
            data = SizedFiles(MAX_TOTAL_BYTES)[os.path.abspath(archive)]
        except KeyError:
            raise MissingUserFile(os.path.abspath(archive)) from None
        _check_plan_archive(archive, data)
        if self.swift is None:
            raise ConfigurationError("importing needs Swift: set the OS_* (Keystone) variables or "
                                     "TRIPLEO_PLAN_ACTIONS_CONFIG")
        return self.run("tripleo_plan.plan.import", {"plan": plan, "upload": self.swift.upload(data)}, **watching)

    def adopt_plan(self, plan: str, passwords_file: str | None = None, **watching: Any) -> dict[str, Any]:
        """Take over tripleo-common's plan ``plan`` and its stack; the passwords of
        ``passwords_file`` (:func:`passwords_of`) go in ONE upload, never in the execution input."""
        inputs: dict[str, Any] = {"plan": plan}
        if passwords_file:
            from tripleo_plan_actions.core import references

            path = os.path.abspath(passwords_file)
            try:
                content = SizedFiles()[path]
            except KeyError:
                raise MissingUserFile(path) from None
            given = json.dumps(passwords_of(path, content), sort_keys=True).encode()
            inputs["user_upload"] = self._upload({references.ARCHIVE_PARAMETERS: given}, "the passwords")
        return self.run("tripleo_plan.plan.adopt", inputs, **watching)

    def delete_plan(self, plan: str, force: bool = False, **watching: Any) -> dict[str, Any]:
        return self.run("tripleo_plan.plan.delete", {"plan": plan, "force": force}, **watching)

    # -- the stack's life cycle --------------------------------------------------------------
    def operation_inputs(self, plan: str, operation: str, environments: Sequence[str] = (),
                         **options: Any) -> dict[str, Any]:
        """The input of ``tripleo_plan.deploy.<operation>``: the ``-e`` files resolved and shipped
        (inline, or ONE archive upload when they are large or binary) and the ``options`` that
        operation takes (:data:`OPERATION_INPUTS`; ``timeout_minutes`` is its ``timeout``;
        ``roles_file``, ``networks_file`` and ``plan_environment_file`` are read into
        ``roles_data``, ``network_data`` and ``plan_environment``, the last one's
        ``parameter_defaults`` shipped as an environment file after the ``-e`` files:
        :func:`~tripleo_plan_actions.client.deploy_options.plan_environment`).  An option it does
        not take, given a value, raises PlanInputError naming it; a missing file (or a file it
        references) raises MissingUserFile or PlanInputError: before anything is sent."""
        if operation not in OPERATION_INPUTS:
            raise PlanInputError(f"operation {operation!r} is not one of {', '.join(OPERATION_INPUTS)}")
        takes = OPERATION_INPUTS[operation]
        options = {_OPTION_INPUTS.get(k, k): v for k, v in options.items()}
        given = {k: v for k, v in options.items() if _given(v)}
        refused = sorted({_FILE_OPTIONS.get(k, k) for k in given} - takes - COMMON_INPUTS) + (
            ["environments"] if environments and "environments" not in takes else [])
        if refused:
            raise PlanInputError(f"{operation} does not take {', '.join(refused)}")
        extra = self._read_file_options(given)
        inputs: dict[str, Any] = {"plan": plan, **{k: _plain(v) for k, v in given.items()}}
        if inputs.get("templates_dir"):
            inputs["templates_dir"] = os.path.abspath(inputs["templates_dir"])
        if "environments" in takes:
            inputs.update(self._shipped(environments, inputs.pop("parameters", None), extra))
        return inputs

    @staticmethod
    def _read_file_options(given: dict[str, Any]) -> dict[str, bytes]:
        """Replace ``given``'s file options by what the workflow takes (in place); the extra user
        environment a ``-p`` file's ``parameter_defaults`` make (``{path: content}``)."""
        from tripleo_plan_actions.client import deploy_options

        extra: dict[str, bytes] = {}
        for option in ("roles_file", "networks_file"):
            if option in given:
                given[_FILE_OPTIONS[option]] = _read_text(given.pop(option))
        if "plan_environment_file" in given:
            path = os.path.abspath(given.pop("plan_environment_file"))
            try:
                content = SizedFiles()[path]
            except KeyError:
                raise MissingUserFile(path) from None
            given["plan_environment"], defaults = deploy_options.plan_environment(path, content)
            if defaults is not None:
                extra[path] = defaults
        return extra

    def _shipped(self, environments: Sequence[str], parameters: Mapping[str, Any] | None = None,
                 extra: Mapping[str, bytes] | None = None) -> dict[str, Any]:
        """``environments``, ``user_files``, ``parameters`` (when given) and, when needed,
        ``local_templates_dir`` and ``user_upload``.  ``extra``: user environments made here
        (``{path: content}``, not read from the disk), added after ``environments``.  A secret
        never goes inline: a user file that sets one, or a secret among ``parameters``, sends
        everything in the archive (:func:`tripleo_plan_actions.core.references.ship`)."""
        from tripleo_plan_actions.core import references

        cwd = self.cwd or os.getcwd()
        local = _Overlay(extra or {})
        templates = os.path.abspath(self.templates_dir) if self.templates_dir else None
        classified = [references.classify(e, cwd, templates, local) for e in environments]
        classified += [references.Environment("user", path) for path in (extra or {})]
        closure = references.user_file_closure([e.path for e in classified if e.source == "user"], local, templates)
        shipment = references.ship(classified, closure, local, self.inline_limit, parameters)
        inputs: dict[str, Any] = {"environments": shipment.environments, "user_files": shipment.user_files}
        if shipment.parameters:
            inputs["parameters"] = shipment.parameters
        if templates and any(r.source == "plan" for r in closure):
            inputs["local_templates_dir"] = templates
        if shipment.archive is not None:
            inputs["user_upload"] = self._upload(shipment.archive, "the environment files")
        return inputs

    def operate(self, plan: str, operation: str, environments: Sequence[str] = (),
                on_progress: Callable[[Progress], None] | None = None,
                on_start: Callable[[str], None] | None = None, **options: Any) -> dict[str, Any]:
        """Run ``operation`` (deploy, update, upgrade, scale, rollback, undeploy) on ``plan``'s stack:
        ONE execution of ``tripleo_plan.deploy.<operation>``.  ``environments``: the ``-e`` files
        in order; ``options``: see :meth:`operation_inputs`.  The finished revision (or, for a dry
        run, the preview)."""
        return self.run(f"tripleo_plan.deploy.{operation}", self.operation_inputs(plan, operation, environments,
                                                                                  **options),
                        on_progress=on_progress, on_start=on_start)

    def deploy(self, plan: str, environments: Sequence[str] = (), **options: Any) -> dict[str, Any]:
        return self.operate(plan, "deploy", environments, **options)

    def update(self, plan: str, environments: Sequence[str] = (), **options: Any) -> dict[str, Any]:
        return self.operate(plan, "update", environments, **options)

    def upgrade(self, plan: str, templates_dir: str, environments: Sequence[str] = (),
                **options: Any) -> dict[str, Any]:
        return self.operate(plan, "upgrade", environments, templates_dir=templates_dir, **options)

    def scale(self, plan: str, role_counts: Mapping[str, int], environments: Sequence[str] = (),
              **options: Any) -> dict[str, Any]:
        return self.operate(plan, "scale", environments, role_counts=role_counts, **options)

    def rollback(self, plan: str, to: int, **options: Any) -> dict[str, Any]:
        return self.operate(plan, "rollback", to=to, **options)

    def undeploy(self, plan: str, **options: Any) -> dict[str, Any]:
        return self.operate(plan, "undeploy", **options)

    # -- history ---------------------------------------------------------------------------------
    def history(self, plan: str, limit: int | None = None, **watching: Any) -> list[dict[str, Any]]:
        """The plan's revisions, newest first."""
        return self.run("tripleo_plan.history.list", {"plan": plan, "limit": limit}, **watching)["revisions"]

    def revision(self, plan: str, number: int, **watching: Any) -> dict[str, Any]:
        """One revision record (parameters masked)."""
        return self.run("tripleo_plan.history.show", {"plan": plan, "revision": number}, **watching)

    def status(self, plan: str, **watching: Any) -> dict[str, Any]:
        """What runs on the plan now (operation, execution, step, progress) and the last outcome."""
        return self.run("tripleo_plan.history.status", {"plan": plan}, **watching)

    def diff(self, plan: str, a: int, b: int, **watching: Any) -> dict[str, Any]:
        """What changed from revision ``a`` to ``b`` (secrets only as changed/unchanged)."""
        return self.run("tripleo_plan.history.diff", {"plan": plan, "a": a, "b": b}, **watching)


def passwords_of(path: str, content: bytes) -> dict[str, Any]:
    """The passwords of a ``--passwords-file``: a YAML mapping ``{name: value}``, or one under
    ``parameter_defaults`` or ``passwords`` (an environment file, a plan-environment.yaml).
    PlanInputError naming the file (and the line, for YAML that does not parse) otherwise."""
    from tripleo_plan_actions.core import plan as plans

    document = plans.load_yaml(path, content)
    if isinstance(document, dict) and len(document) == 1 and set(document) & {"parameter_defaults", "passwords"}:
        document = next(iter(document.values()))
    if not isinstance(document, dict) or not document or not all(isinstance(k, str) for k in document):
        raise PlanInputError(f"{path}: give the passwords as a mapping of names to values "
                             "(or under parameter_defaults or passwords)")
    return document


def _check_plan_archive(path: str, data: bytes) -> None:
    """Refuse a file that is not a tar archive (plain or compressed) naming it: nothing is sent."""
    import io
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            archive.next()
    except (tarfile.TarError, EOFError, OSError):
        raise PlanInputError(f"{path} is not a plan archive (not a readable tar archive: give the file "
                             "'tripleo-plan plan export --output' wrote)") from None


def _sets_secret(files: Mapping[str, bytes]) -> bool:
    """Whether a file to amend gives a secret a value (then it never goes inline)."""
    from tripleo_plan_actions.core import references

    return any(references.sets_secret(path, content) for path, content in files.items())


def _read_text(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return SizedFiles()[os.path.abspath(path)].decode("utf-8")
    except KeyError:
        raise MissingUserFile(os.path.abspath(path)) from None
    except UnicodeDecodeError:
        raise PlanInputError(f"{path}: must be UTF-8 text") from None
