"""Heat's stock v1 API application behind the request counter, for gunicorn (production profile).

``gunicorn tripleo_plan_actions.undercloud.servers.heat_api_wsgi:application`` in the Heat
environment.  Heat's own entry point (``heat.wsgi.api``) calls
``heat.api.openstack.wsgi.init_application``, which reads its options from ``sys.argv`` -- under
gunicorn, gunicorn's.  This module calls the same function with ``sys.argv`` naming
``HEAT_CONFIG_FILE`` and ``HEAT_API_LOG_FILE`` (paste flavor, noauth and the rest come from that
file), and puts :class:`~tripleo_plan_actions.undercloud.counting.CountingMiddleware` in front,
writing to ``TRIPLEO_PLAN_COUNT_LOG``.
"""
import os
import sys

from heat.api.openstack import wsgi as heat_wsgi

from tripleo_plan_actions.undercloud.counting import CountingMiddleware


def _heat_api():
    argv = sys.argv
    sys.argv = ["heat-api", "--config-file", os.environ["HEAT_CONFIG_FILE"],
                "--log-file", os.environ["HEAT_API_LOG_FILE"]]
    try:
        return heat_wsgi.init_application()
    finally:
        sys.argv = argv


application = CountingMiddleware(_heat_api(), os.environ["TRIPLEO_PLAN_COUNT_LOG"])
