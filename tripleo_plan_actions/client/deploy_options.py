"""``openstack overcloud deploy``'s habits resolved into the thin client's inputs (no service).

What python-tripleoclient (Train, 12.x) did, and this module does the same:

* ``--answers-file``: a YAML mapping ``{templates: DIR, environments: [FILE, ...]}`` (Wallaby
  added ``roles`` and ``networks``, taken too); ``templates`` applies when ``--templates`` is not
  given, the ``-e`` files come AFTER its ``environments``; any other key is refused here.  Its
  relative paths are used as tripleoclient used them: relative to the CURRENT directory (not
  the answers file's).
* ``--environment-directory DIR`` (many times): each directory's ``*.yaml`` files (only
  ``.yaml``: tripleoclient's glob), sorted, directory by directory: ``~/.tripleo/environments``
  first when it exists (tripleoclient's default, never an error when missing), then the given
  ones in order, then ``$TRIPLEO_ENVIRONMENT_DIRECTORY``; ``.`` is skipped as tripleoclient
  skipped it.  A given directory that does not exist is refused.
* Order of the environment files: the directories' files, then the answers file's
  ``environments``, then the ``-e`` files (``_deploy_tripleo_heat_templates`` extends its list
  with the directories before ``_update_parameters`` puts the answers' list in front of ``-e``).
* ``-p/--plan-environment-file``: see :func:`plan_environment`.

Every failure is a :class:`~tripleo_plan_actions.errors.PlanInputError` naming the file or the
option, raised before anything is sent.
"""
from __future__ import annotations

import dataclasses
import glob
import os
from typing import Any, Mapping, Sequence

from tripleo_plan_actions.errors import PlanInputError

DEFAULT_ENVIRONMENT_DIRECTORY = os.path.join("~", ".tripleo", "environments")
ENVIRONMENT_DIRECTORY_VARIABLE = "TRIPLEO_ENVIRONMENT_DIRECTORY"
DEFAULT_STACK = "overcloud"
#: The answers file's keys: Train's two, and Wallaby's ``roles`` and ``networks``.
ANSWERS_KEYS = ("templates", "environments", "roles", "networks")
#: The sections of a ``-p`` plan-environment.yaml the pack takes (see :func:`plan_environment`).
PLAN_ENVIRONMENT_HONOURED = ("version", "name", "description", "template", "environments", "parameter_defaults")
#: The sections it refuses, with why.
PLAN_ENVIRONMENT_REFUSED = {
    "passwords": "the plan generated its passwords and keeps them; give a password with -e in an "
                 "environment file (it then travels in the one upload, never in Mistral's input)",
    "workflow_parameters": "it asks the client to run further workflows (derive parameters): the pack runs ONE "
                           "execution per operation; give the derived values with -e",
    "derived_parameters": "give them with -e in an environment file",
    "resource_registry": "give it with -e in an environment file",
    "playbook_parameters": "the pack does not run playbooks (Ansible steps on the nodes are out of scope)",
}


@dataclasses.dataclass
class Resolved:
    """What the old options come to: the templates directory (None: the client's default), the
    ``-e`` list in order, the roles and networks files (None: not given)."""

    templates: str | None
    environments: list[str]
    roles_file: str | None = None
    networks_file: str | None = None


def resolve(*, environments: Sequence[str] = (), answers_file: str | None = None,
            directories: Sequence[str] = (), templates: str | None = None, roles_file: str | None = None,
            networks_file: str | None = None, environ: Mapping[str, str] | None = None) -> Resolved:
    """The options resolved as tripleoclient resolved them (see the module docstring).
    ``environ``: where ``HOME`` and ``$TRIPLEO_ENVIRONMENT_DIRECTORY`` come from (default
    ``os.environ``).  Reads the answers file and lists the directories; sends nothing."""
    environ = os.environ if environ is None else environ
    answers = read_answers(answers_file) if answers_file else {}
    files = directory_files(directories, environ) + list(answers.get("environments", [])) + list(environments)
    return Resolved(templates=templates or answers.get("templates"), environments=files,
                    roles_file=roles_file or answers.get("roles"),
                    networks_file=networks_file or answers.get("networks"))


def read_answers(path: str) -> dict[str, Any]:
    """The answers file ``path`` checked: a mapping of :data:`ANSWERS_KEYS` only, ``environments``
    a list of paths, the others a path each."""
    data = _load_file(path, "--answers-file")
    if not isinstance(data, dict):
        raise PlanInputError(f"--answers-file {path}: must be a mapping (templates: DIR, environments: [FILE, ...]), "
                             f"not {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in ANSWERS_KEYS)
    if unknown:
        raise PlanInputError(f"--answers-file {path}: unknown keys {', '.join(unknown)} "
                             f"(it takes {', '.join(ANSWERS_KEYS)})")
    found = data.get("environments")
    if found is not None and (not isinstance(found, list) or not all(isinstance(e, str) and e for e in found)):
        raise PlanInputError(f"--answers-file {path}: environments must be a list of file paths")
    for key in ("templates", "roles", "networks"):
        if key in data and (not isinstance(data[key], str) or not data[key]):
            raise PlanInputError(f"--answers-file {path}: {key} must be a path")
    return {**data, "environments": found or []}


def directory_files(directories: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The environment files of the directories, in tripleoclient's order: the default directory
    (when it exists), the given ones, ``$TRIPLEO_ENVIRONMENT_DIRECTORY``; each one's ``*.yaml``
    files sorted.  A given directory that is missing (or not a directory) is refused."""
    default = _expand(DEFAULT_ENVIRONMENT_DIRECTORY, environ)
    for directory in directories:
        if not os.path.isdir(_expand(directory, environ)):
            raise PlanInputError(f"--environment-directory {directory}: no such directory")
    chosen = [default, *directories]
    if environ.get(ENVIRONMENT_DIRECTORY_VARIABLE):
        chosen.append(environ[ENVIRONMENT_DIRECTORY_VARIABLE])
    files: list[str] = []
    for directory in chosen:
        expanded = _expand(directory, environ)
        if directory == "." or not os.path.isdir(expanded):
            continue
        files += [f for f in sorted(glob.glob(os.path.join(glob.escape(expanded), "*.yaml"))) if os.path.isfile(f)]
    return files


def plan_name(positional: str | None, stack: str | None) -> str:
    """The plan (stack) name from the positional PLAN and ``--stack``: either, or both when equal;
    neither: ``overcloud`` (tripleoclient's default)."""
    if positional and stack and positional != stack:
        raise PlanInputError(f"PLAN {positional} and --stack {stack} name different plans: give one of them")
    return positional or stack or DEFAULT_STACK


def plan_environment(path: str, content: bytes) -> tuple[dict[str, Any], bytes | None]:
    """A ``-p`` plan-environment.yaml split as the pack takes it: ``(for the plan, parameters
    environment)``.

    tripleoclient (Train) put the file in the plan in place of plan-environment.yaml, and
    tripleo-common deployed its ``environments`` and then its ``parameter_defaults`` after every
    environment file.  Here ``description`` and ``environments`` (each ``{path: <a plan file>}``)
    go into the plan's plan-environment.yaml (the plan's passwords kept), and
    ``parameter_defaults`` become an environment file of their own, named by ``path`` and added
    after every ``-e`` file (tracked and replayed like one; shipped in the upload when one sets a
    secret).  ``version`` and ``name`` are ignored (the plan keeps its name); ``template`` must be
    ``overcloud.yaml``.  Any other section is refused naming it and why
    (:data:`PLAN_ENVIRONMENT_REFUSED`)."""
    data = _parse(path, content, "-p/--plan-environment-file")
    if not isinstance(data, dict):
        raise PlanInputError(f"-p/--plan-environment-file {path}: must be a mapping of sections")
    refused = sorted(str(k) for k in data if k not in PLAN_ENVIRONMENT_HONOURED)
    if refused:
        why = "; ".join(f"{k}: {PLAN_ENVIRONMENT_REFUSED.get(k, 'not a section the pack takes')}" for k in refused)
        raise PlanInputError(f"-p/--plan-environment-file {path}: refused sections {', '.join(refused)} ({why}; "
                             f"it takes {', '.join(PLAN_ENVIRONMENT_HONOURED)})")
    if data.get("template", "overcloud.yaml") != "overcloud.yaml":
        raise PlanInputError(f"-p/--plan-environment-file {path}: template must be overcloud.yaml (the plan's root "
                             f"template), not {data['template']!r}")
    _check_environments(path, data.get("environments"))
    defaults = data.get("parameter_defaults")
    if defaults is not None and not isinstance(defaults, dict):
        raise PlanInputError(f"-p/--plan-environment-file {path}: parameter_defaults must be a mapping")
    honoured = {k: data[k] for k in ("description", "environments") if k in data}
    if defaults:
        import yaml

        return honoured, yaml.safe_dump({"parameter_defaults": defaults}, default_flow_style=False).encode()
    return honoured, None


def _check_environments(path: str, environments: Any) -> None:
    if environments is None:
        return
    if not isinstance(environments, list) or not all(
            isinstance(e, dict) and set(e) == {"path"} and isinstance(e["path"], str) and e["path"]
            for e in environments):
        raise PlanInputError(f"-p/--plan-environment-file {path}: environments must be a list of "
                             "{path: <a file of the plan>}")


def _expand(directory: str, environ: Mapping[str, str]) -> str:
    if (directory == "~" or directory.startswith("~/")) and environ.get("HOME"):
        return environ["HOME"] + directory[1:]
    return os.path.expanduser(directory)


def _load_file(path: str, option: str) -> Any:
    try:
        with open(path, "rb") as stream:
            content = stream.read()
    except FileNotFoundError:
        raise PlanInputError(f"{option} {path}: no such file") from None
    except OSError as error:
        raise PlanInputError(f"{option} {path}: cannot read it: {error.strerror}") from None
    return _parse(path, content, option)


def _parse(path: str, content: bytes, option: str) -> Any:
    from tripleo_plan_actions.core import plan as plans

    try:
        return plans.load_yaml(path, content)
    except PlanInputError as error:
        raise PlanInputError(f"{option} {error}") from None
