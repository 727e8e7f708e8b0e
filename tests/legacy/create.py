"""A plan created as python-tripleoclient 12.x (Train) created one, with tripleo-common 11.7.0's code.

tripleoclient's ``plan_management.create_plan_from_templates``: the action
``tripleo.plan.create_container``, then ``_upload_templates`` (a tarball of the templates extracted
into the container by tripleo-common's ``utils.tarball``; ``-r``/``-n``/``-p`` files uploaded as
``roles_data.yaml``/``network_data.yaml``/``plan-environment.yaml``), then the workflow
``tripleo.plan_management.v1.create_deployment_plan`` with ``generate_passwords`` and
``validate_stack=False`` (what ``overcloud deploy`` passed), whose tasks are run here in the
workbook's order, each by the tripleo-common action the task names.  Skipped: Zaqar messages.
"""
from __future__ import annotations

import tempfile
from typing import Any

import oldclients
import yaml
from swiftclient import exceptions as swift_exc
from tripleo_common.actions import container_images, parameters, plan, swifthelper, templates
from tripleo_common.utils import swift as swiftutils, tarball

SAMPLE_PLAN = "plan-samples/openstack/"


def upload_templates(swift: Any, name: str, tht_root: str, roles_file: str | None = None,
                     plan_env_file: str | None = None, networks_file: str | None = None) -> None:
    """tripleoclient's ``_upload_templates``."""
    with tempfile.NamedTemporaryFile() as tmp_tarball:
        tarball.create_tarball(tht_root, tmp_tarball.name)
        tarball.tarball_extract_to_swift_container(swift, tmp_tarball.name, name)
    for remote, local in (("roles_data.yaml", roles_file), ("network_data.yaml", networks_file),
                          ("plan-environment.yaml", plan_env_file)):
        if local:
            with open(local, "rb") as content:
                swift.put_object(name, remote, content)


def _exists(swift: Any, name: str, obj: str) -> bool:
    try:
        swift.head_object(name, obj)
        return True
    except swift_exc.ClientException:
        return False


def check_plan_environment(swift: Any, name: str) -> None:
    """The sub-workflow ``_check_plan_environment``: without plan-environment.yaml or
    capabilities-map.yaml, ``select_sample_plan`` copies ``plan-samples/openstack/*.yaml`` to the root."""
    if _exists(swift, name, "plan-environment.yaml") and _exists(swift, name, "capabilities-map.yaml"):
        return
    for entry in swift.get_container(name, full_listing=True)[1]:
        if entry["name"].startswith(SAMPLE_PLAN) and entry["name"].endswith(".yaml"):
            swift.put_object(name, entry["name"][len(SAMPLE_PLAN):], swift.get_object(name, entry["name"])[1])


def create_plan(clients: oldclients.Clients, context: Any, name: str, tht_root: str, roles_file: str | None,
                plan_env_file: str | None, networks_file: str | None, generate_passwords: bool = True) -> None:
    """Create plan ``name`` from ``tht_root`` (tripleoclient's copy of --templates)."""
    oldclients.run(plan.CreateContainerAction(name), context)
    upload_templates(clients.swift, name, tht_root, roles_file, plan_env_file, networks_file)
    try:
        create_deployment_plan(context, clients.swift, name, generate_passwords)
    except RuntimeError:  # tripleoclient deleted the container when the workflow failed
        swiftutils.delete_container(clients.swift, name)
        raise


def create_deployment_plan(context: Any, swift: Any, name: str, generate_passwords: bool) -> None:
    """The ``create_deployment_plan`` workbook's tasks from create_plan on (no source_url, no
    default templates: the client made the container and uploaded the files)."""
    # container_required_check -> create_plan -> ensure_plan_environment_exists
    check_plan_environment(swift, name)
    if generate_passwords:  # ensure_passwords_exist
        oldclients.run(parameters.GeneratePasswordsAction(container=name), context)
    # add_root_stack_name (validate: $.validate_stack, False from overcloud deploy)
    oldclients.run(parameters.UpdateParametersAction({"RootStackName": name}, container=name, validate=False),
                   context)
    oldclients.run(container_images.PrepareContainerImageEnv(container=name), context)  # container_images_prepare
    oldclients.run(templates.ProcessTemplatesAction(container=name), context)  # process_templates


def swift_rings_backup(context: Any, name: str, validate: bool = True) -> None:
    """The sub-workflow ``tripleo.swift_backup.v1.create_swift_backup_container_plan``: temp URLs of
    ``<plan>-swift-rings/swift-rings.tar.gz`` (the container made by the first) into parameter_defaults."""
    rings = f"{name}-swift-rings"
    urls = {"SwiftRingGetTempurl": swifthelper.SwiftTempUrlAction(rings, "swift-rings.tar.gz"),
            "SwiftRingPutTempurl": swifthelper.SwiftTempUrlAction(rings, "swift-rings.tar.gz", method="PUT")}
    oldclients.run(parameters.UpdateParametersAction(
        {key: oldclients.run(action, context) for key, action in urls.items()}, container=name, validate=validate),
        context)


def update_plan_from_templates(clients: oldclients.Clients, context: Any, name: str, tht_root: str,
                               roles_file: str | None, plan_env_file: str | None, networks_file: str | None) -> None:
    """tripleoclient 12.6.0's ``update_plan_from_templates`` as ``overcloud deploy`` and ``overcloud
    update prepare`` call it (``_keep_env_on_update`` is False in both): the plan's ``passwords``
    read, the container EMPTIED, the templates (and -r/-n/-p) uploaded, the passwords put back into
    plan-environment.yaml; then the ``update_deployment_plan`` workbook's tasks (generate_passwords
    true, validate_stack false).  user-environment.yaml and user-files/ are made again by the ``-e``
    handling that follows."""
    swift = clients.swift
    passwords = plan_environment(swift, name).get("passwords")
    swiftutils.empty_container(swift, name)
    upload_templates(swift, name, tht_root, roles_file, plan_env_file, networks_file)
    if passwords:  # _update_passwords
        env = plan_environment(swift, name)
        env["passwords"] = passwords
        swift.put_object(name, "plan-environment.yaml", yaml.safe_dump(env, default_flow_style=False))
    oldclients.run(parameters.GeneratePasswordsAction(container=name), context)
    oldclients.run(parameters.UpdateParametersAction({"RootStackName": name}, container=name, validate=False),
                   context)
    oldclients.run(container_images.PrepareContainerImageEnv(container=name), context)
    swift_rings_backup(context, name, validate=False)
    oldclients.run(templates.ProcessTemplatesAction(container=name), context)


def plan_environment(swift: Any, name: str) -> dict[str, Any]:
    """plan-environment.yaml as it is in the container."""
    return yaml.safe_load(swift.get_object(name, "plan-environment.yaml")[1])
