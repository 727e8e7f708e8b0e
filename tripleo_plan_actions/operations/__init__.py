"""The operations on a plan and its stack: one module each, prepared in memory, then performed.

Stack operations (:mod:`.stack` has their shared shape): :mod:`.deploy`, :mod:`.update`,
:mod:`.upgrade`, :mod:`.scale`, :mod:`.rollback`, :mod:`.undeploy`, completed by :mod:`.finish`.
Each has a ``Request`` (exactly its workflow's inputs), a pure ``prepare`` and a ``start``.
:mod:`.operate` maps the deprecated one-workflow-for-all input onto them.
"""
from tripleo_plan_actions.operations import deploy, rollback, scale, undeploy, update, upgrade

#: Operation name -> module, in the order the contract lists them.
STACK_OPERATIONS = {module.OPERATION: module for module in (deploy, update, upgrade, scale, rollback, undeploy)}
