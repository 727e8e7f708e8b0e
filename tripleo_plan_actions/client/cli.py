"""``tripleo-plan``: the thin client, on cliff.  Each operation is ONE workflow execution in Mistral.

The command classes live in :mod:`tripleo_plan_actions.client.commands`; they reach the undercloud through
``self.app.client_manager.tripleo_plan`` (a :class:`~tripleo_plan_actions.client.PlanClient`), so
the same classes load as an ``openstack`` client plugin (:mod:`tripleo_plan_actions.client.osc_plugin`).

Connection: ``--mistral-url`` / ``OS_MISTRAL_URL``; the ``OS_*`` Keystone variables when
``OS_AUTH_URL`` is set; else the local undercloud's settings file (``TRIPLEO_PLAN_ACTIONS_CONFIG``).
Exit codes: 0 done, 1 the operation (or the request) failed, the reason printed on stderr; 2 bad
usage; 130 stopped watching with Ctrl-C (the operation goes on: ``tripleo-plan watch ID``).
"""
from __future__ import annotations

import sys
from typing import Any, Sequence

from cliff.app import App
from cliff.commandmanager import CommandManager

from tripleo_plan_actions.client import commands

#: ``tripleo-plan`` command names -> classes (the ``openstack`` plugin's names for them:
#: :data:`tripleo_plan_actions.client.osc_plugin.OPENSTACK_NAMES`).
COMMANDS = {
    "check": commands.Check,
    "setup": commands.Setup,
    "plan create": commands.PlanCreate,
    "plan adopt": commands.PlanAdopt,
    "plan amend": commands.PlanAmend,
    "plan list": commands.PlanList,
    "plan show": commands.PlanShow,
    "plan export": commands.PlanExport,
    "plan import": commands.PlanImport,
    "plan delete": commands.PlanDelete,
    "deploy": commands.Deploy,
    "update": commands.Update,
    "upgrade": commands.Upgrade,
    "scale": commands.Scale,
    "rollback": commands.Rollback,
    "undeploy": commands.Undeploy,
    "history": commands.History,
    "show": commands.ShowRevision,
    "diff": commands.Diff,
    "status": commands.Status,
    "watch": commands.Watch,
    "render": commands.Render,
}


class ClientManager:
    """What ``self.app.client_manager`` is for the standalone command (as osc-lib's is for a
    plugin): ``tripleo_plan`` is the PlanClient, built on first use (``render`` never builds it)."""

    def __init__(self, app: "TripleoPlanApp") -> None:
        self.app = app
        self._client = None

    @property
    def tripleo_plan(self):
        if self._client is None:
            from tripleo_plan_actions.client import PlanClient

            self._client = PlanClient.from_environment(self.app.options.mistral_url)
        return self._client


class TripleoPlanApp(App):
    def __init__(self) -> None:
        manager = CommandManager("tripleo_plan.cli")  # no entry points: the commands are registered below
        for name, command in COMMANDS.items():
            manager.add_command(name, command)
        super().__init__(description=__doc__.split("\n")[0], version=_version(), command_manager=manager,
                         deferred_help=True)
        self.client_manager = ClientManager(self)

    def build_option_parser(self, description: str, version: str, argparse_kwargs: Any = None):
        parser = super().build_option_parser(description, version, argparse_kwargs)
        parser.add_argument("--mistral-url", metavar="URL",
                            help="Mistral v2 endpoint (default: $OS_MISTRAL_URL, the Keystone catalog, "
                                 "the local undercloud's settings)")
        return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("tripleo-plan-actions")
    except Exception:  # running from a source tree that is not installed
        return "0"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tripleo-plan``; the exit code (see the module docstring)."""
    try:
        return TripleoPlanApp().run(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
