"""The operator's side: the thin client.

:class:`PlanClient` (``api``) is the Python API tripleoclient and scripts call: one method per
operation, ONE workflow execution each.  ``cli`` and ``commands`` are the ``tripleo-plan`` command
on cliff; ``osc_plugin`` loads the same commands into ``openstack``; ``local_render`` previews a
render on the operator's machine.  Nothing here runs inside Mistral: the actions never import it
(it imports :mod:`tripleo_plan_actions.services`: discovery, the Mistral API, Swift).
"""
from tripleo_plan_actions.client.api import (  # noqa: F401  (the public API)
    DEFAULT_TEMPLATES,
    TEMPLATES_ENV,
    Connection,
    LocalFiles,
    MistralClient,
    PlanClient,
    SwiftUploader,
    connect,
    connection_for,
    read_tree,
)
from tripleo_plan_actions.services.discovery import CLIENT_AGENT  # noqa: F401
from tripleo_plan_actions.services.mistral_api import WAIT_STEP, OperationFailed, Progress  # noqa: F401
