"""Keystone's WSGI application behind the request counter, for gunicorn (production profile, ``--keystone``).

``gunicorn tripleo_plan_actions.undercloud.servers.keystone_wsgi:application`` in the Keystone
environment, with ``OS_KEYSTONE_CONFIG_FILES`` naming ``keystone.conf``.  Keystone 30 ships no
``keystone-wsgi-public`` script; ``keystone.wsgi.api`` builds the application at import and parses
``sys.argv`` with oslo.config: under gunicorn, gunicorn's own arguments, and every worker died with
"unrecognized arguments" while gunicorn respawned them.  So ``sys.argv`` is cut to the program name
before the import.  :class:`~tripleo_plan_actions.undercloud.counting.CountingMiddleware` in front
writes to ``TRIPLEO_PLAN_COUNT_LOG``.
"""
import os
import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application as _keystone  # noqa: E402  (after sys.argv is cut)

from tripleo_plan_actions.undercloud.counting import CountingMiddleware  # noqa: E402

application = CountingMiddleware(_keystone, os.environ["TRIPLEO_PLAN_COUNT_LOG"])
