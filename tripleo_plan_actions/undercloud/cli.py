"""``tripleo-plan-undercloud``: run a local undercloud (real Swift, Heat, Mistral) on 127.0.0.1.

  tripleo-plan-undercloud install            build the service environments (pinned, from PyPI)
  tripleo-plan-undercloud install --legacy   also .venvs/legacy: tripleo-common 11.7.0 (Train), for
                                             the tests' legacy plans (doc/legacy-plans.rst)
  tripleo-plan-undercloud up                 start all three, print the endpoints, stop on Ctrl-C
  tripleo-plan-undercloud run -- CMD ARGS    start, run CMD with OS_MISTRAL_URL etc. set, stop

``up`` and ``run`` take ``--profile embedded|production`` (default: $TRIPLEO_PLAN_PROFILE, else
embedded) and ``--keystone`` (default: $TRIPLEO_PLAN_KEYSTONE; production only): a real Keystone
first, every service authenticating through it; ``up`` then prints the ``OS_*`` lines of ``admin``
and of ``other`` (a user of another project), ``run`` gives CMD admin's.  ``install --keystone``
also builds Keystone's environment.  The servers die with this command, however it ends.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tripleo_plan_actions.undercloud import profiles, venvs
from tripleo_plan_actions.undercloud.local import REPO_ROOT, LocalUndercloud, default_venvs_dir
from tripleo_plan_actions.undercloud.supervisor import ServiceFailed
from tripleo_plan_actions.undercloud.venvs import InstallFailed


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def _state_dir(args) -> tuple[Path, bool]:
    if args.state_dir:
        return Path(args.state_dir), False
    base = REPO_ROOT / ".undercloud"
    base.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=base)), not args.keep


def _print_cloud(cloud: LocalUndercloud) -> None:
    print(f"profile  {cloud.profile_name}{' with Keystone' if cloud.keystone else ''} "
          f"(prepared in {cloud.prepare_seconds:.1f} s)")
    for name, seconds in cloud.startup_seconds.items():
        print(f"{name:8} {cloud.endpoints[name]:45} ready in {seconds:.1f} s")
    if cloud.keystone:
        for step, seconds in cloud.keystone_seconds.items():
            print(f"keystone {step} in {seconds:.1f} s")
        for user in ("admin", "other"):
            print(f"# {user} (project {cloud.credentials(user)['OS_PROJECT_NAME']})")
            for key, value in cloud.credentials(user).items():
                print(f"export {key}={shlex.quote(value)}")
    else:
        for key, value in cloud.client_environment().items():
            print(f"export {key}={value}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tripleo-plan-undercloud", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="build the service environments")
    install.add_argument("--keystone", action="store_true", default=None,
                         help=f"also Keystone's environment (default: ${profiles.KEYSTONE_ENV_VAR})")
    install.add_argument("--legacy", action="store_true",
                         help="also the legacy environment: tripleo-common 11.7.0, for tests/legacy/make_plan.py")
    for name in ("up", "run"):
        command = sub.add_parser(name)
        command.add_argument("--state-dir", help="keep the services' state here (default: a fresh directory)")
        command.add_argument("--keep", action="store_true", help="keep the fresh state directory afterwards")
        command.add_argument("--profile", choices=profiles.KNOWN,
                             help=f"how the services run (default: ${profiles.ENV_VAR}, else {profiles.EMBEDDED})")
        command.add_argument("--keystone", action="store_true", default=None,
                             help=f"a real Keystone, every service on it (production profile only; default: "
                                  f"${profiles.KEYSTONE_ENV_VAR})")
    sub.choices["run"].add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND ARGS")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if args.command == "install":
            keystone = profiles.keystone_from_environment() if args.keystone is None else args.keystone
            optional = ("keystone",) * bool(keystone) + ("legacy",) * args.legacy
            seconds_by_name = venvs.ensure_all(default_venvs_dir(), REPO_ROOT, optional=optional)
            for name, seconds in seconds_by_name.items():
                print(f"{name:8} {'up to date' if not seconds else f'installed in {seconds:.0f} s'}")
            return 0
        profile = profiles.resolve(args.profile)
        keystone = profiles.resolve_keystone(args.keystone, profile)
        state_dir, remove = _state_dir(args)
        cloud = LocalUndercloud(state_dir, profile=profile, keystone=keystone)
        cloud.install()
        try:
            cloud.start()
            _print_cloud(cloud)
            if args.command == "up":
                print("local undercloud running; Ctrl-C stops it", flush=True)
                while True:
                    time.sleep(3600)
            cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
            if not cmd:
                parser.error("run needs a command after --")
            return subprocess.call(cmd, env=dict(os.environ, **cloud.client_environment()))
        finally:
            cloud.stop()
            if remove:
                shutil.rmtree(state_dir, ignore_errors=True)
    except (KeyboardInterrupt, _Stop):
        return 130
    except (ServiceFailed, InstallFailed, profiles.UnknownProfile, profiles.KeystoneNeedsProduction) as error:
        print(f"tripleo-plan-undercloud: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
