"""How often the wait step polls Heat: the schedule, a PURE function (no I/O, no clock).

The stack operations' shared sub-workflow (``tripleo_plan.deploy.run``) waits for Heat with a
Mistral retry of the action ``tripleo_plan.deploy.stack_status``; every poll is one action
execution (a row of Mistral's database) and 2 Heat requests.  Each poll returns ``next_poll``,
:func:`delay` of how long the stack operation has been running, and the retry waits that long
before the next one.

The schedule (:data:`DEFAULT`): every ``fast`` = 1 s during the first ``fast_for`` = 60 s of the
stack operation, then every ``slow`` = 10 s.  A short operation is seen ending within about a
second, as before (the thin client's progress is the latest poll); a long one costs at most
``60 / slow`` = 6 polls a minute after its first minute instead of 60 (a 4-hour deploy: about 1,500
action executions instead of 14,400).

Why a step and not a ramp: the bound is then exact and easy to state (``polls``), and what matters
to someone watching is "about every second at first, every 10 s once it is long".

The contract the workbook relies on: :func:`delay` is an integer ≥ 1 whatever the input, so
``count`` tries (the workbook's ``timeout × 60``) always last at least ``timeout`` minutes, the
operation's own Heat timeout, whatever the schedule, the settings or the clocks.

Configured by the ``poll`` section of the pack's settings file (see :func:`policy`).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any, Mapping


@dataclass(frozen=True)
class Policy:
    """``fast`` seconds between polls during the first ``fast_for`` seconds of a stack operation,
    ``slow`` seconds after that (whole seconds: Mistral's retry delay is an integer)."""

    fast: int = 1
    fast_for: int = 60
    slow: int = 10


DEFAULT = Policy()
#: The retry delay after a poll that FAILED (Heat unreachable or refusing: the result is then the
#: error message, with no ``next_poll``): the workbook's own constant, as before this schedule.
AFTER_ERROR = 1


def delay(elapsed: float | None, policy: Policy = DEFAULT) -> int:
    """Seconds to wait before the next poll of a stack operation that has been running for
    ``elapsed`` seconds: ``policy.fast`` while ``elapsed < policy.fast_for``, else ``policy.slow``.

    ``elapsed`` None (not known) or negative (the clocks of Heat and of this host apart) counts as
    0: polled fast.  Always an integer ≥ 1 (see the module's contract)."""
    seconds = max(0.0, elapsed or 0.0)
    return max(1, policy.fast if seconds < policy.fast_for else policy.slow)


def polls(seconds: float, policy: Policy = DEFAULT) -> int:
    """How many polls the schedule makes for a stack operation that ends ``seconds`` after it
    began, if each poll took no time: the first at 0, each next one :func:`delay` later, up to and
    including the first at or after ``seconds`` (the one that sees it done).  What the wait step
    costs at most in action executions (real polls take time, so there are fewer)."""
    count, at = 1, 0.0
    while at < seconds:
        at += delay(at, policy)
        count += 1
    return count


def elapsed(started_at: str | None, now: float) -> float | None:
    """Seconds from ``started_at`` (an ISO 8601 UTC time as Heat shows it,
    ``2026-01-01T10:00:00Z``; no zone means UTC) to ``now`` (a Unix time); None when
    ``started_at`` is missing or does not parse."""
    if not started_at:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return now - parsed.timestamp()


def policy(settings: Mapping[str, Any] | None) -> tuple[Policy, str | None]:
    """The :class:`Policy` of a settings file's ``poll`` section (``{fast, fast_for, slow}``, any
    of them; the others keep their defaults) and None; or :data:`DEFAULT` and why, when the section
    is not valid: whole numbers with ``1 ≤ fast ≤ slow`` and ``fast_for ≥ 0``, no other key.

    An invalid section does not fail the operation (a typo must not end a 4-hour deploy): the
    caller logs why and polls on the default schedule."""
    section = (settings or {}).get("poll")
    if section is None:
        return DEFAULT, None
    if not isinstance(section, Mapping):
        return DEFAULT, "the settings' 'poll' section must be a mapping"
    known = {f.name for f in fields(Policy)}
    unknown = sorted(set(section) - known)
    if unknown:
        return DEFAULT, f"the settings' 'poll' section has unknown keys {unknown} (it takes {sorted(known)})"
    values = {**{f.name: getattr(DEFAULT, f.name) for f in fields(Policy)}, **section}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
        return DEFAULT, f"the settings' 'poll' values must be whole numbers of seconds: {dict(section)}"
    chosen = Policy(**values)
    if not 1 <= chosen.fast <= chosen.slow or chosen.fast_for < 0:
        return DEFAULT, f"the settings' 'poll' section needs 1 <= fast <= slow and fast_for >= 0: {dict(section)}"
    return chosen, None
