"""Fault injection for the tests that kill a service or an executor mid-operation: inert unless asked for.

When a process's environment names a directory in ``TRIPLEO_PLAN_PAUSE_DIR`` (only the local
undercloud sets it, for its tests) and a file named after a hold point is in it, the FIRST run to
reach that point claims the file by renaming it to ``<point>.held.<pid>`` and waits there while
that file exists (at most :data:`HOLD_SECONDS`): the test kills a service (or the process itself,
as a lost host) and then removes the file to let the run go on.  Claiming is an atomic rename, so
of two processes one holds.  The points:

* an action's entry point (e.g. ``tripleo_plan.deploy.start``): after its work, before its result
  is returned (:class:`~tripleo_plan_actions.actions.base.PlanAction`);
* :data:`COMMIT`: in the Swift plan store, after a plan's files are written and before the plan
  archive (the commit point) is.
"""
from __future__ import annotations

import os
import time

ENVIRONMENT = "TRIPLEO_PLAN_PAUSE_DIR"
HOLD_SECONDS = 300.0
COMMIT = "tripleo_plan.store.commit"


def hold(point: str) -> None:
    """Wait here while a test holds ``point`` (see the module docstring); return at once otherwise."""
    directory = os.environ.get(ENVIRONMENT)
    if not directory:
        return
    asked = os.path.join(directory, point)
    held = f"{asked}.held.{os.getpid()}"
    try:
        os.rename(asked, held)
    except OSError:  # not asked for, or another run claimed it
        return
    deadline = time.monotonic() + HOLD_SECONDS
    while os.path.exists(held) and time.monotonic() < deadline:
        time.sleep(0.05)
