"""Fault injection for the tests that lose an executor mid-step: inert unless asked for.

When the executor's environment names a directory in ``TRIPLEO_PLAN_PAUSE_DIR`` (only the local
undercloud's production profile sets it, for its tests) and a file named after the action (e.g.
``tripleo_plan.deploy.start``) is in it, the FIRST run of that action to claim the file renames it
to ``<name>.held.<pid>`` and then sleeps after its work is done, before its result is returned:
the test kills that executor there, as a lost host, and checks that the step's rerun on another
executor finds its work done.  Claiming is an atomic rename, so of two executors one pauses.
"""
from __future__ import annotations

import os
import time

ENVIRONMENT = "TRIPLEO_PLAN_PAUSE_DIR"
HOLD_SECONDS = 300.0


def hold(action: str) -> None:
    """Pause here when a test asked for ``action`` to be held (see the module docstring)."""
    directory = os.environ.get(ENVIRONMENT)
    if not directory:
        return
    asked = os.path.join(directory, action)
    try:
        os.rename(asked, f"{asked}.held.{os.getpid()}")
    except OSError:  # not asked for, or another run claimed it
        return
    time.sleep(HOLD_SECONDS)
