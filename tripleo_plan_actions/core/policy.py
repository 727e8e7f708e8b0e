"""Who may do what with plans: the pack's own policy over the caller's Keystone roles (pure).

Every action of the pack either only *reads* a plan (list, show, history, diff, status, the wait
step) or *changes* something (create, amend, import, delete, every stack operation, their dry runs,
an export: it writes the archive into the project's ``tripleo-plan-exports``, and with its
passwords it hands out every secret; the self-test).  A caller may read with any of
the ``read`` roles and change with any of the ``change`` roles:

=========  ==========================  =========================================================
need       roles (default)             why
=========  ==========================  =========================================================
read       reader, member, admin       Keystone's default roles: ``reader`` sees, nothing more
change     member, admin               a plan's changes reach the overcloud
=========  ==========================  =========================================================

The settings file's ``policy`` section replaces either list (``policy: {change: [admin]}``).  A
run without Keystone (no caller roles at all) is not checked: the services themselves are open.
This policy comes on top of the services' own: Swift, Heat and Mistral keep every project's plans,
stacks and executions apart.
"""
from __future__ import annotations

from typing import Any, Collection, Mapping

from tripleo_plan_actions.errors import ConfigurationError, Forbidden

READ = "read"
CHANGE = "change"
DEFAULT_RULES: dict[str, tuple[str, ...]] = {READ: ("reader", "member", "admin"), CHANGE: ("member", "admin")}


def rules(section: Any) -> dict[str, tuple[str, ...]]:
    """The roles of each need: :data:`DEFAULT_RULES` with the settings file's ``policy`` section
    (None, or ``{read: [role, ...], change: [role, ...]}``) laid over it.  Raises
    ConfigurationError naming a bad key or value."""
    if section is None:
        return dict(DEFAULT_RULES)
    if not isinstance(section, Mapping):
        raise ConfigurationError("the service settings' 'policy' must be a mapping of read/change to role lists")
    chosen = dict(DEFAULT_RULES)
    for need, roles in section.items():
        if need not in DEFAULT_RULES:
            raise ConfigurationError(f"the service settings' 'policy' has an unknown key {need!r} "
                                     f"(known: {', '.join(DEFAULT_RULES)})")
        if not isinstance(roles, list) or not all(isinstance(role, str) and role for role in roles):
            raise ConfigurationError(f"the service settings' 'policy.{need}' must be a list of role names")
        chosen[need] = tuple(roles)
    return chosen


def check(need: str, roles: Collection[str] | None, chosen: Mapping[str, Collection[str]],
          who: str | None = None) -> None:
    """Raise :class:`~tripleo_plan_actions.errors.Forbidden` unless one of ``roles`` (the caller's;
    None: no Keystone, nothing checked) is among ``chosen[need]``; the message names the caller,
    their roles and the roles that would do, never a plan (a refusal must not tell whether the
    plan exists)."""
    if roles is None:
        return
    allowed = chosen[need]
    if set(roles) & set(allowed):
        return
    caller = f"user {who}" if who else "the caller"
    held = ", ".join(sorted(roles)) or "none"
    raise Forbidden(f"{caller} may not {need} plans: the pack's policy asks for one of the roles "
                    f"{', '.join(allowed)} (held: {held})")
