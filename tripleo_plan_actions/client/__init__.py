"""The operator's side: the thin client.

:class:`PlanClient` (``api``) is the Python API tripleoclient and scripts call: one method per
operation, ONE workflow execution each.  ``cli`` and ``commands`` are the ``tripleo-plan`` command
on cliff; ``osc_plugin`` loads the same commands into ``openstack``; ``local_render`` previews a
render on the operator's machine.  Nothing here runs inside Mistral: the actions never import it.
"""
from tripleo_plan_actions.client.api import (  # noqa: F401  (the public API)
    CLIENT_AGENT, DEFAULT_TEMPLATES, TEMPLATES_ENV, Connection, LocalFiles, MistralClient, OperationFailed, PlanClient,
    Progress, SwiftUploader, connect, connection_for, read_tree)
