"""The ``tripleo-plan`` commands (cliff), usable as an ``openstack`` client plugin too.

Thin: parse the arguments, call ONE :class:`~tripleo_plan_actions.client.PlanClient` method (one
workflow execution), show its result with cliff's formatters (``-f table|json|yaml|value``,
``-c COLUMN``).  A failure is a :class:`~tripleo_plan_actions.errors.PlanError` whose message cliff
prints; the exit code is then 1.  While an operation runs, its progress goes to stderr (a bar on a
terminal, plain lines otherwise) so stdout stays the result; Ctrl-C stops watching, never the
operation, and says how to resume.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Iterable, TextIO

import yaml
from cliff import columns
from cliff.command import Command
from cliff.lister import Lister
from cliff.show import ShowOne

from tripleo_plan_actions.client import deploy_options
from tripleo_plan_actions.core import bounded_yaml
from tripleo_plan_actions.core.history import FINAL_STATES
from tripleo_plan_actions.errors import PlanInputError

#: ``--templates`` given without a value (tripleoclient's default tree on the undercloud).
DEFAULT_TEMPLATES = "/usr/share/openstack-tripleo-heat-templates"


class Data(columns.FormattableColumn):
    """A nested value: YAML text in a table, the value itself in json/yaml output."""

    def human_readable(self) -> str:
        if isinstance(self._value, (dict, list)):
            return yaml.safe_dump(self._value, default_flow_style=False, sort_keys=True).rstrip() or "{}"
        return "" if self._value is None else str(self._value)

    def machine_readable(self) -> Any:
        return self._value


def one(result: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """A ShowOne's ``(columns, values)`` from a result mapping, columns sorted."""
    names = tuple(sorted(result))
    return names, tuple(Data(result[name]) if isinstance(result[name], (dict, list)) else result[name]
                        for name in names)


def rows(items: Iterable[dict[str, Any]], names: tuple[str, ...]) -> tuple[tuple[str, ...], list[tuple]]:
    """A Lister's ``(columns, rows)``: ``names`` taken from each mapping."""
    return names, [tuple(Data(i.get(n)) if isinstance(i.get(n), (dict, list)) else i.get(n) for n in names)
                   for i in items]


def _pairs(items: list[str], what: str, convert: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """``NAME=VALUE`` arguments as a mapping, each value read as YAML (``convert`` applied)."""
    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PlanInputError(f"{what} {item}: use NAME=VALUE")
        try:
            loaded = bounded_yaml.load(f"{what} {key}", value)
            result[key] = convert(loaded) if convert else loaded
        except (yaml.YAMLError, ValueError, TypeError) as error:
            raise PlanInputError(f"{what} {item}: {error}") from None
    return result


# -- progress -----------------------------------------------------------------------------------

class ProgressReporter:
    """Shows a running execution on ``stream`` (stderr): on a terminal one line redrawn in place
    (step, stack status, a bar of Heat resources done out of total); otherwise one plain line per
    change, so logs stay readable."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.last: str | None = None
        self.last_step: str | None = None
        self.execution_id: str | None = None

    def started(self, execution_id: str, verb: str = "started") -> None:
        self.execution_id = execution_id
        self.stream.write(f"execution {execution_id} {verb}\n")
        self.stream.flush()

    @staticmethod
    def describe(progress: Any, width: int = WIDTH, bar: bool = False) -> str:
        """One line for a look at the execution (pure: used by both displays)."""
        if progress.state in FINAL_STATES:
            return f"finished: {progress.state}"
        text = f"step {progress.step or '(starting)'}"
        if progress.stack_status:
            text += f": stack {progress.stack_status}"
        resources = progress.resources
        if resources and resources.get("total"):
            done, total = resources["done"], resources["total"]
            if bar:
                filled = int(width * done / total)
                text += f" [{'#' * filled}{'.' * (width - filled)}]"
            text += f" {done}/{total} resources"
        return text

    def __call__(self, progress: Any) -> None:
        final = progress.state in FINAL_STATES
        if not final and not progress.resources and progress.step == self.last_step and self.last \
                and " resources" in self.last:
            return  # a poll whose result is not in yet: the last count still holds
        self.last_step = progress.step
        line = self.describe(progress, bar=self.tty)
        if line == self.last:
            return
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.last = line

    def interrupted(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
        if self.execution_id:
            self.stream.write(f"stopped watching; the operation goes on in Mistral execution {self.execution_id}.\n"
                              f"Resume watching with: tripleo-plan watch {self.execution_id}\n")
        else:
            self.stream.write("stopped before the operation started\n")
        self.stream.flush()


class Watching:
    """Mixin: ``--no-progress`` and a run that reports progress and survives Ctrl-C."""

    def add_watch_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="do not show progress on stderr")

    def watched(self, parsed_args: argparse.Namespace, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        reporter = ProgressReporter()
        if not parsed_args.no_progress:
            kwargs["on_progress"] = reporter
        kwargs["on_start"] = reporter.started if not parsed_args.no_progress else (
            lambda execution_id, *_: setattr(reporter, "execution_id", execution_id))
        try:
            return call(*args, **kwargs)
        except KeyboardInterrupt:
            reporter.interrupted()
            raise


def client(command: Command):
    return command.app.client_manager.tripleo_plan


# -- commands -----------------------------------------------------------------------------------

class Check(Watching, ShowOne):
    """Self-test: the pack reaches Swift and Heat from inside Mistral."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--stack-name", default="tripleo-plan-selftest")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).check, parsed_args.stack_name))


class Setup(ShowOne):
    """Put the pack's side in place on an undercloud: load the workbooks, check Mistral has every action
    they and the pack need, create the uploads container.  Idempotent; exits 1 unless all is in place."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--workbooks", metavar="DIR",
                            help="the workbooks to load (default: the installed pack's, share/tripleo-plan-actions/"
                                 "workbooks, or the source tree's)")
        parser.add_argument("--dry-run", action="store_true",
                            help="change nothing: say what setup would do (exits 1 unless all is already in place)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        from tripleo_plan_actions.client import setup

        plan_client = client(self)
        self.report = setup.setup(plan_client.mistral, plan_client.swift, parsed_args.workbooks,
                                  dry_run=parsed_args.dry_run)
        return one(self.report.as_dict())

    def run(self, parsed_args: argparse.Namespace) -> int:
        """The report, then (on stderr) what is not in place and how to fix it: exit code 1."""
        code = super().run(parsed_args)
        problem = self.report.problem()
        if problem:
            self.app.stderr.write(problem + "\n")
            return 1
        return code


class PlanCreate(Watching, ShowOne):
    """Create a plan from a templates directory (local: uploaded as one archive; or on the undercloud)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--templates", metavar="DIR", help="a LOCAL templates tree, uploaded as one archive")
        source.add_argument("--templates-dir", metavar="DIR", help="a templates tree ON THE UNDERCLOUD (not uploaded)")
        parser.add_argument("--roles-file", help="roles_data.yaml to use instead of the tree's")
        parser.add_argument("--networks-file", help="network_data.yaml to use instead of the tree's")
        parser.add_argument("--description", default="")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        a = parsed_args
        return one(self.watched(a, client(self).create_plan, a.name, templates=a.templates,
                                templates_dir=a.templates_dir, roles_file=a.roles_file,
                                networks_file=a.networks_file, description=a.description))


class PlanAdopt(Watching, ShowOne):
    """Take over a plan tripleo-common made, and its stack, in place (revision 1: adopt)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("--passwords-file", metavar="FILE",
                            help="YAML: the passwords the stack lacks ({name: value}, or under "
                                 "parameter_defaults or passwords); uploaded, never in the execution input")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        a = parsed_args
        return one(self.watched(a, client(self).adopt_plan, a.name, passwords_file=a.passwords_file))


class PlanAmend(Watching, ShowOne):
    """Add, replace or delete particular files of a plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("--file", action="append", default=[], metavar="PLAN_PATH=LOCAL_FILE")
        parser.add_argument("--delete", action="append", default=[], metavar="PLAN_PATH")
        parser.add_argument("--allow-meta", action="store_true", help="allow changing plan-environment.yaml")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        files = {}
        for item in parsed_args.file:
            plan_path, sep, local = item.partition("=")
            if not sep or not plan_path or not local:
                raise PlanInputError(f"--file {item}: use PLAN_PATH=LOCAL_FILE")
            files[plan_path] = local
        return one(self.watched(parsed_args, client(self).amend_plan, parsed_args.name, files,
                                delete=parsed_args.delete, allow_meta=parsed_args.allow_meta))


class PlanList(Watching, Lister):
    """The plans' names."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return ("name",), [(name,) for name in self.watched(parsed_args, client(self).list_plans)]


class PlanShow(Watching, ShowOne):
    """A plan's roles, networks, environments and parameters (secrets masked)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).show_plan, parsed_args.name))


class PlanExport(Watching, ShowOne):
    """Export a plan (with its passwords unless --no-secrets) to Swift; --output downloads it."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("--no-secrets", action="store_true")
        parser.add_argument("--output", metavar="FILE", help="also download the archive to FILE")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        a = parsed_args
        return one(self.watched(a, client(self).export_plan, a.name, include_secrets=not a.no_secrets,
                                output=a.output))


class PlanImport(Watching, ShowOne):
    """Create a plan from an export archive (a local file, uploaded once)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("archive", metavar="FILE")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).import_plan, parsed_args.name, parsed_args.archive))


class PlanDelete(Watching, ShowOne):
    """Delete a plan, its inputs and records (refused while its stack exists, unless --force)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("--force", action="store_true")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).delete_plan, parsed_args.name, force=parsed_args.force))


class Operation(Watching, ShowOne):
    """Base of deploy, update, upgrade, scale, rollback and undeploy: ONE workflow execution.

    ``openstack overcloud deploy``'s options are taken as tripleoclient took them (README: the
    table of its options): ``--stack``, ``-t``, ``--answers-file``, ``--environment-directory``,
    ``--templates`` with or without a value, ``--skip-deploy-identifier``; ``-r``, ``-n`` and
    ``-p`` at deploy (the plan amended first, in the same execution)."""

    operation = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN", nargs="?", help="the plan (and stack) name; or --stack")
        parser.add_argument("--stack", metavar="NAME", help="the plan (and stack) name, as tripleoclient's "
                                                            "--stack (default overcloud)")
        if self.operation in ("rollback", "undeploy"):
            parser.set_defaults(environment=[], parameter=[], role_count=[], remove_env=[], reset_env=False,
                                reset_parameters=False, unset_parameter=[], templates=None, templates_dir=None,
                                strict=False, answers_file=None, environment_directories=[], roles_file=None,
                                networks_file=None, plan_environment_file=None, skip_deploy_identifier=False)
        else:
            _add_file_arguments(parser)
            _add_old_arguments(parser)
            if self.operation == "upgrade":
                parser.add_argument("--templates-dir", required=True, metavar="DIR",
                                    help="the new templates tree on the undercloud")
            else:
                parser.set_defaults(templates_dir=None)
        if self.operation == "rollback":
            parser.add_argument("--to", type=int, required=True, metavar="REVISION", dest="rollback_to")
        else:
            parser.set_defaults(rollback_to=None)
        _add_common_arguments(parser)
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        a = parsed_args
        plan_client = client(self)
        plan = deploy_options.plan_name(a.name, a.stack)
        resolved = self.resolved(a)
        if resolved.templates:
            plan_client.templates_dir = os.path.abspath(resolved.templates)
        result = self.watched(
            a, plan_client.operate, plan, self.operation, resolved.environments,
            parameters=_pairs(a.parameter, "--parameter"), role_counts=_pairs(a.role_count, "--role-count", int),
            remove_environments=a.remove_env, reset_environments=a.reset_env, reset_parameters=a.reset_parameters,
            unset_parameters=a.unset_parameter, dry_run=a.dry_run, templates_dir=a.templates_dir,
            rollback_to=a.rollback_to, timeout_minutes=a.timeout, force_unlock=a.force_unlock,
            history_limit=a.history_limit, strict=a.strict, roles_file=resolved.roles_file,
            networks_file=resolved.networks_file, plan_environment_file=a.plan_environment_file,
            skip_deploy_identifier=a.skip_deploy_identifier)
        for warning in (result.get("warnings") or []) if isinstance(result, dict) else []:
            self.app.stderr.write(f"WARNING: {warning}\n")
        return one(result)

    def resolved(self, a: argparse.Namespace) -> deploy_options.Resolved:
        """The ``-e`` list, templates, roles and networks from the options (answers file,
        environment directories); ``-r``, ``-n`` or ``-p`` refused except at deploy.  Sends nothing."""
        if self.operation in ("rollback", "undeploy"):
            return deploy_options.Resolved(None, [])
        resolved = deploy_options.resolve(
            environments=a.environment, answers_file=a.answers_file, directories=a.environment_directories,
            templates=a.templates, roles_file=a.roles_file, networks_file=a.networks_file)
        if self.operation != "deploy":
            for option, value in (("-r/--roles-file", resolved.roles_file), ("-n/--networks-file",
                                  resolved.networks_file), ("-p/--plan-environment-file", a.plan_environment_file)):
                if value:
                    raise PlanInputError(
                        f"{option} {value}: {self.operation} does not amend the plan (only deploy does, as it "
                        "deploys): change it with tripleo-plan plan amend PLAN --file PLAN_PATH=FILE, then "
                        f"{self.operation}")
        return resolved


def _add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the operations that take environment files and parameters."""
    parser.add_argument("-e", "--environment-file", dest="environment", action="append", default=[],
                        metavar="FILE",
                        help="an environment file, many times: a path inside the templates directory "
                             "(or relative to the plan) is the plan's own file; any other is a user "
                             "file, shipped with the files it references")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=YAML")
    parser.add_argument("--unset-parameter", action="append", default=[], metavar="NAME")
    parser.add_argument("--reset-parameters", action="store_true", help="forget the tracked parameters")
    parser.add_argument("--role-count", action="append", default=[], metavar="ROLE=N")
    parser.add_argument("--remove-env", action="append", default=[], metavar="PATH")
    parser.add_argument("--reset-env", action="store_true", help="forget the tracked environment list")
    parser.add_argument("--strict", action="store_true",
                        help="refuse environment files' parameter_defaults that no template of the plan "
                             "declares (without it they are reported as warnings)")
    parser.add_argument("--templates", metavar="DIR", nargs="?", const=DEFAULT_TEMPLATES,
                        help="the local templates directory the plan was made from (without a value: "
                             f"{DEFAULT_TEMPLATES}; default: $TRIPLEO_PLAN_TEMPLATES or that)")


def _add_old_arguments(parser: argparse.ArgumentParser) -> None:
    """``openstack overcloud deploy``'s options (see :mod:`~tripleo_plan_actions.client.deploy_options`)."""
    parser.add_argument("--answers-file", metavar="FILE",
                        help="YAML {templates: DIR, environments: [FILE, ...]}: its environments come before -e")
    parser.add_argument("--environment-directory", dest="environment_directories", action="append", default=[],
                        metavar="DIR", help="many times: each directory's *.yaml files, sorted, before the "
                                            "answers file's and -e files (~/.tripleo/environments first when "
                                            "it exists)")
    parser.add_argument("-r", "--roles-file", metavar="FILE",
                        help="deploy: roles_data.yaml for the plan (amended first, in the same execution)")
    parser.add_argument("-n", "--networks-file", metavar="FILE",
                        help="deploy: network_data.yaml for the plan (amended first, in the same execution)")
    parser.add_argument("-p", "--plan-environment-file", metavar="FILE",
                        help="deploy: a plan-environment.yaml: its description and environments set in the "
                             "plan, its parameter_defaults deployed after the -e files")
    parser.add_argument("--skip-deploy-identifier", action="store_true",
                        help="keep the stack's DeployIdentifier, so that the software deployments are not "
                             "run again unless their configuration changed")


def _add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every stack operation."""
    parser.add_argument("--dry-run", action="store_true", help="show what Heat would do; change nothing")
    parser.add_argument("-t", "--timeout", type=int, metavar="MINUTES", help="Heat's timeout (default 240)")
    parser.add_argument("--force-unlock", action="store_true",
                        help="remove the plan's lock and close a pending revision as interrupted first "
                             "(only when nothing acts on the stack any more)")
    parser.add_argument("--history-limit", type=int, metavar="N",
                        help="revisions to keep (default 50; 0 keeps all)")


class Deploy(Operation):
    """Deploy a plan (stack create) with environment files."""

    operation = "deploy"


class Update(Operation):
    """Update the plan's stack; without -e the tracked environment files and parameters are replayed."""

    operation = "update"


class Upgrade(Operation):
    """Move the plan to a new templates tree (inputs and passwords kept) and update the stack."""

    operation = "upgrade"


class Scale(Operation):
    """Set role counts (--role-count Compute=3) and update the stack."""

    operation = "scale"


class Rollback(Operation):
    """Deploy the inputs of an earlier revision again (a new revision)."""

    operation = "rollback"


class Undeploy(Operation):
    """Delete the plan's stack (recorded; the plan stays)."""

    operation = "undeploy"


HISTORY_COLUMNS = ("number", "operation", "status", "stack_status", "environments", "user", "project", "started_at",
                   "finished_at", "rollback_of", "message")


class History(Watching, Lister):
    """The plan's revisions, newest first."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("--limit", type=int)
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return rows(self.watched(parsed_args, client(self).history, parsed_args.name, limit=parsed_args.limit),
                    HISTORY_COLUMNS)


class ShowRevision(Watching, ShowOne):
    """One revision of a plan (parameters masked)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("revision", type=int, metavar="REVISION")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).revision, parsed_args.name, parsed_args.revision))


class Diff(Watching, ShowOne):
    """What changed between two revisions (secrets only as changed/unchanged)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        parser.add_argument("a", type=int, metavar="REVISION_A")
        parser.add_argument("b", type=int, metavar="REVISION_B")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).diff, parsed_args.name, parsed_args.a, parsed_args.b))


class Status(Watching, ShowOne):
    """What runs on the plan now and the last outcome (the plan's status object)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="PLAN")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        return one(self.watched(parsed_args, client(self).status, parsed_args.name))


class Watch(Watching, ShowOne):
    """Watch a running execution again (after Ctrl-C) until it ends; show its result."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("execution", metavar="EXECUTION")
        self.add_watch_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace):
        execution = parsed_args.execution
        plan_client = client(self)

        def watch(on_progress=None, on_start=None):
            on_start(execution, "watched again (Ctrl-C stops watching, not the operation)")
            return plan_client.watch(execution, on_progress)

        result = self.watched(parsed_args, watch)
        return one(result if isinstance(result, dict) else {"result": result})


class Render(Command):
    """Render THT's Jinja2 templates locally, exactly as THT's process-templates.py (no service)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        from tripleo_plan_actions.client import local_render

        parser = super().get_parser(prog_name)
        local_render.add_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        from tripleo_plan_actions.client import local_render

        return local_render.run(parsed_args)
