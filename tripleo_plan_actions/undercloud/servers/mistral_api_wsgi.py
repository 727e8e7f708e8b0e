"""Mistral's stock API application behind the request counter, for gunicorn (production profile).

``gunicorn tripleo_plan_actions.undercloud.servers.mistral_api_wsgi:application`` in the Mistral
environment.  ``mistral.wsgi`` builds the stock application (oslo.service threading backend, config
from ``MISTRAL_CONFIG_FILE``); this module only puts
:class:`~tripleo_plan_actions.undercloud.counting.CountingMiddleware` in front, writing to
``TRIPLEO_PLAN_COUNT_LOG``, so ``LocalUndercloud.request_log("mistral")`` counts as in the embedded profile.
"""
import os

from mistral.wsgi import application as _mistral_api

from tripleo_plan_actions.undercloud.counting import CountingMiddleware

application = CountingMiddleware(_mistral_api, os.environ["TRIPLEO_PLAN_COUNT_LOG"])
