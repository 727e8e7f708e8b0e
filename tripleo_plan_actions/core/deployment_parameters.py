"""What python-tripleoclient 20.0.0 computed on the operator's machine before each deploy, server side.

Functional core: plain data in, plain data out, no I/O.  For every deploy, update, upgrade or
scale (recomputed each time: a scale changes counts, and so the services of a role), the pack adds
one generated environment, ``tripleo-plan/deployment-parameters.yaml``, where python-tripleoclient
put its own: right after ``overcloud-resource-registry-puppet.yaml`` (whose parameter_defaults give
every ``<Role>Services`` its defaults), before every other environment file (without the registry
file: right after the generated passwords), so anything an operator sets in an environment file or
as a parameter wins.  It holds:

``<Role>Services`` for every role of ``roles_data.yaml``
    tripleo-common 18.0.0's ``get_enabled_services``: a role whose count is 0 gets ``[]`` (THT then
    builds no service stacks for it); otherwise the ``<Role>Services`` the environments already
    give, else the role's ``ServicesDefault`` minus the services the effective resource_registry
    maps to ``OS::Heat::None``.  The count is ``<Role>Count`` of the merged ``parameter_defaults``,
    else the role's ``CountDefault``, else 0.
the container image parameters (``Container*Image`` and the Ceph/Prometheus ones, 148 names)
    tripleoclient's ``default_image_params`` (every image of tripleo-common 18.0.0's
    ``container-images/tripleo_containers.yaml.j2`` with the defaults of its
    ``container_image_prepare_defaults.yaml``), then updated, as ``container_images_prepare_multi``
    did with ``dry_run=True``, by every entry of the environments' ``ContainerImagePrepare`` (its
    ``set`` substitutions, ``includes``/``excludes``, ``push_destination``), limited to the images
    of enabled services.  ``<Role>ContainerImagePrepare`` gives ``<Role>Parameters`` the same way
    for that role alone.
``RootStackName``
    the stack (= plan) name.

What needs a container registry (``tag_from_label`` tag discovery when ``set`` gives no tag,
``modify_role``, ``push_destination: true`` without ``LocalContainerRegistry``) is refused with
:class:`~tripleo_plan_actions.errors.PlanInputError` rather than guessed; the insecure-registry
probe (``DockerInsecureRegistryAddress``) is not made: set that parameter in an environment.
``DeployIdentifier`` and the passwords have their own places (an explicit parameter and
:mod:`tripleo_plan_actions.core.passwords`).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from tripleo_plan_actions.core import environment as environments
from tripleo_plan_actions.core.plan import RESOURCE_REGISTRY, ROLES_DATA, load_yaml
from tripleo_plan_actions.errors import PlanInputError

__all__ = [
    "DEFAULT_PREPARE",
    "GENERATED_ENVIRONMENT",
    "deployment_parameters",
    "default_image_parameters",
    "enabled_services",
    "prepared_image_parameters",
    "role_count",
    "with_deployment_parameters",
]

#: The name of the generated environment in the stack's files.
GENERATED_ENVIRONMENT = "tripleo-plan/deployment-parameters.yaml"

SERVICE_PREFIX = "OS::TripleO::Services::"
NONE_TYPE = "OS::Heat::None"

#: tripleo-common 18.0.0's default ``ContainerImagePrepare`` (container_image_prepare_defaults.yaml).
DEFAULT_SET: Mapping[str, Any] = {
    "namespace": "quay.io/tripleomastercentos9",
    "name_prefix": "openstack-",
    "name_suffix": "",
    "tag": "current-tripleo",
    "rhel_containers": False,
    "neutron_driver": "ovn",
    "ceph_namespace": "quay.rdoproject.org/tripleomastercentos9",
    "ceph_image": "daemon",
    "ceph_tag": "current-ceph",
    "ceph_prometheus_namespace": "quay.io/prometheus",
    "ceph_prometheus_image": "prometheus",
    "ceph_prometheus_tag": "v2.33.4",
    "ceph_alertmanager_namespace": "quay.io/prometheus",
    "ceph_alertmanager_image": "alertmanager",
    "ceph_alertmanager_tag": "v0.23.0",
    "ceph_node_exporter_namespace": "quay.io/prometheus",
    "ceph_node_exporter_image": "node-exporter",
    "ceph_node_exporter_tag": "v1.3.1",
    "ceph_grafana_namespace": "quay.io/ceph",
    "ceph_grafana_image": "ceph-grafana",
    "ceph_grafana_tag": "6.7.4",
    "ceph_haproxy_namespace": "quay.io/ceph",
    "ceph_haproxy_image": "haproxy",
    "ceph_haproxy_tag": "2.3",
    "ceph_keepalived_namespace": "quay.io/ceph",
    "ceph_keepalived_image": "keepalived",
    "ceph_keepalived_tag": "2.1.5",
    "pushgateway_namespace": "quay.io/prometheus",
    "pushgateway_image": "pushgateway",
    "pushgateway_tag": "v1.4.2",
}
DEFAULT_PREPARE: Sequence[Mapping[str, Any]] = ({"tag_from_label": "rdo_version", "set": DEFAULT_SET},)


@dataclass(frozen=True)
class _Image:
    """One image of tripleo_containers.yaml.j2: its name pattern, the parameters it fills, the
    services that need it.  ``@`` abbreviates ``{namespace}/{name_prefix}`` and, then, the name
    ends ``{name_suffix}:{tag}``; service names without ``::`` are ``OS::TripleO::Services::``
    ones.  ``only``: listed only when ``neutron_driver`` is ``ovn`` / ``ceph_images`` is not
    false; ``ovn_services``: services that need the image only when ``neutron_driver`` is ovn."""

    pattern: str
    params_text: str
    services_text: str
    only: str | None = None
    ovn_services: str = ""

    @property
    def params(self) -> list[str]:
        return self.params_text.split()

    def name(self, mapping: Mapping[str, Any]) -> str:
        pattern = self.pattern
        if pattern.startswith("@"):
            pattern = "{namespace}/{name_prefix}" + pattern[1:] + "{name_suffix}:{tag}"
        return pattern.format_map({key: _text(value) for key, value in mapping.items()})

    def services(self, mapping: Mapping[str, Any]) -> set[str]:
        names = self.services_text.split()
        if mapping.get("neutron_driver") == "ovn":
            names += self.ovn_services.split()
        return {name if "::" in name else SERVICE_PREFIX + name for name in names}

    def listed(self, mapping: Mapping[str, Any]) -> bool:
        if self.only == "ovn":
            return mapping.get("neutron_driver") == "ovn"
        if self.only == "ceph":
            return bool(mapping.get("ceph_images", True))
        return True


#: tripleo-common 18.0.0 container-images/tripleo_containers.yaml.j2 (and ceph.j2), in its order.
#: The one service spelled ``OS::Tripleo::`` is spelled so there (it never matches a service).
IMAGES: tuple[_Image, ...] = (
    _Image("@aodh-api", "ContainerAodhApiImage ContainerAodhConfigImage",
           "AodhApi AodhEvaluator AodhListener AodhNotifier"),
    _Image("@aodh-evaluator", "ContainerAodhEvaluatorImage", "AodhEvaluator"),
    _Image("@aodh-listener", "ContainerAodhListenerImage", "AodhListener"),
    _Image("@aodh-notifier", "ContainerAodhNotifierImage", "AodhNotifier"),
    _Image("@barbican-api", "ContainerBarbicanApiImage ContainerBarbicanConfigImage", "BarbicanApi"),
    _Image("@barbican-keystone-listener",
           "ContainerBarbicanKeystoneListenerImage ContainerBarbicanKeystoneListenerConfigImage",
           "BarbicanApi BarbicanKeystoneListener"),
    _Image("@barbican-worker", "ContainerBarbicanWorkerImage ContainerBarbicanWorkerConfigImage",
           "BarbicanApi BarbicanWorker"),
    _Image("@ceilometer-central", "ContainerCeilometerCentralImage ContainerCeilometerConfigImage",
           "CeilometerAgentCentral CeilometerAgentIpmi CeilometerAgentNotification ComputeCeilometerAgent"),
    _Image("@ceilometer-compute", "ContainerCeilometerComputeImage", "ComputeCeilometerAgent"),
    _Image("@ceilometer-notification", "ContainerCeilometerNotificationImage", "CeilometerAgentNotification"),
    _Image("@ceilometer-ipmi", "ContainerCeilometerIpmiImage", "CeilometerAgentIpmi"),
    _Image("{pushgateway_namespace}/{pushgateway_image}:{pushgateway_tag}",
           "ContainerCeilometerPushgatewayImage",
           "OS::Tripleo::Services::CeilometerPushgateway"),
    _Image("@cinder-api", "ContainerCinderApiImage ContainerCinderConfigImage",
           "BlockStorageCinderVolume CinderApi CinderBackup CinderScheduler CinderVolume CinderVolumeEdge"),
    _Image("@cinder-backup", "ContainerCinderBackupImage", "CinderBackup"),
    _Image("@cinder-scheduler", "ContainerCinderSchedulerImage", "CinderScheduler"),
    _Image("@cinder-volume", "ContainerCinderVolumeImage",
           "BlockStorageCinderVolume CinderVolume CinderVolumeEdge"),
    _Image("@collectd", "ContainerCollectdConfigImage ContainerCollectdImage", "Collectd"),
    _Image("@cron", "ContainerCrondConfigImage ContainerCrondImage", "ContainersLogrotateCrond"),
    _Image("@designate-api", "ContainerDesignateApiImage ContainerDesignateApiConfigImage",
           "DesignateApi DesignateCentral DesignateMDNS DesignateSink DesignateProducer DesignateWorker"),
    _Image("@designate-base", "ContainerDesignateConfigImage",
           "DesignateCentral DesignateMDNS DesignateSink DesignateProducer DesignateWorker"),
    _Image("@designate-backend-bind9", "ContainerDesignateBackendBIND9Image", "DesignateWorker"),
    _Image("@designate-central", "ContainerDesignateCentralImage", "DesignateCentral"),
    _Image("@designate-mdns", "ContainerDesignateMDNSImage", "DesignateMDNS"),
    _Image("@designate-producer", "ContainerDesignateProducerImage", "DesignateProducer"),
    _Image("@designate-sink", "ContainerDesignateSinkImage", "DesignateSink"),
    _Image("@designate-worker", "ContainerDesignateWorkerImage", "DesignateWorker"),
    _Image("@etcd", "ContainerEtcdConfigImage ContainerEtcdImage", "Etcd"),
    _Image("@frr", "ContainerFrrImage", "Frr"),
    _Image("@ovn-bgp-agent", "ContainerOvnBgpAgentImage", "Frr"),
    _Image("@glance-api",
           "ContainerGlanceApiConfigImage ContainerGlanceApiImage ContainerGlanceApiInternalConfigImage",
           "GlanceApi GlanceApiEdge GlanceApiInternal"),
    _Image("@gnocchi-api", "ContainerGnocchiApiImage ContainerGnocchiConfigImage",
           "GnocchiApi GnocchiMetricd GnocchiStatsd"),
    _Image("@gnocchi-metricd", "ContainerGnocchiMetricdImage", "GnocchiMetricd"),
    _Image("@gnocchi-statsd", "ContainerGnocchiStatsdImage", "GnocchiStatsd"),
    _Image("@haproxy", "ContainerHAProxyConfigImage ContainerHAProxyImage", "HAproxy HAproxyEdge"),
    _Image("@heat-all", "ContainerHeatAllImage", "HeatEphemeral"),
    _Image("@heat-api-cfn", "ContainerHeatApiCfnConfigImage ContainerHeatApiCfnImage", "HeatApiCfn"),
    _Image("@heat-api", "ContainerHeatApiConfigImage ContainerHeatApiImage ContainerHeatConfigImage",
           "HeatApi HeatEngine HeatEphemeral"),
    _Image("@heat-engine", "ContainerHeatEngineImage", "HeatEngine HeatEphemeral"),
    _Image("@horizon", "ContainerHorizonConfigImage ContainerHorizonImage", "Horizon"),
    _Image("@ironic-api", "ContainerIronicApiImage ContainerIronicApiConfigImage", "IronicApi"),
    _Image("@ironic-conductor", "ContainerIronicConductorImage", "IronicConductor"),
    _Image("@ironic-inspector", "ContainerIronicInspectorImage ContainerIronicInspectorConfigImage",
           "IronicInspector"),
    _Image("@ironic-pxe", "ContainerIronicConfigImage ContainerIronicPxeImage", "IronicConductor IronicPxe"),
    _Image("@ironic-neutron-agent", "ContainerIronicNeutronAgentImage ContainerNeutronConfigImage",
           "IronicNeutronAgent"),
    _Image("@iscsid", "ContainerIscsidConfigImage ContainerIscsidImage", "Iscsid"),
    _Image("@keystone", "ContainerKeystoneConfigImage ContainerKeystoneImage", "Keystone"),
    _Image("@manila-api", "ContainerManilaApiImage ContainerManilaConfigImage",
           "ManilaApi ManilaScheduler ManilaShare"),
    _Image("@manila-scheduler", "ContainerManilaSchedulerImage", "ManilaScheduler"),
    _Image("@manila-share", "ContainerManilaShareImage", "ManilaShare"),
    _Image("@mariadb",
           "ContainerClustercheckConfigImage ContainerClustercheckImage ContainerMysqlConfigImage "
           "ContainerMysqlImage ContainerMysqlClientConfigImage",
           "MySQL"),
    _Image("@memcached", "ContainerMemcachedConfigImage ContainerMemcachedImage", "Memcached"),
    _Image("@multipathd", "ContainerMultipathdConfigImage ContainerMultipathdImage", "Multipathd"),
    _Image("@neutron-dhcp-agent", "ContainerNeutronDHCPImage", "NeutronDhcpAgent"),
    _Image("@neutron-l3-agent", "ContainerNeutronL3AgentImage", "NeutronL3Agent ComputeNeutronL3Agent"),
    _Image("@neutron-metadata-agent", "ContainerNeutronMetadataImage",
           "NeutronMetadataAgent ComputeNeutronMetadataAgent"),
    _Image("@neutron-openvswitch-agent", "ContainerOpenvswitchImage", "ComputeNeutronOvsAgent NeutronOvsAgent"),
    _Image("@neutron-sriov-agent", "ContainerNeutronSriovImage", "NeutronSriovAgent"),
    _Image("@neutron-mlnx-agent", "ContainerNeutronMlnxImage", "NeutronMlnxAgent"),
    _Image("@neutron-server", "ContainerNeutronApiImage ContainerNeutronConfigImage",
           "ComputeNeutronOvsAgent NeutronApi NeutronCorePlugin NeutronDhcpAgent NeutronL3Agent "
           "NeutronMetadataAgent NeutronOvsAgent NeutronServer NeutronSriovAgent",
           ovn_services="OVNController"),
    _Image("@neutron-metadata-agent-ovn", "ContainerOvnMetadataImage", "OVNMetadataAgent", only="ovn"),
    _Image("@nova-api",
           "ContainerNovaApiImage ContainerNovaConfigImage ContainerNovaMetadataImage "
           "ContainerNovaMetadataConfigImage",
           "NovaApi NovaConductor NovaIronic NovaScheduler NovaVncProxy NovaMetadata"),
    _Image("@nova-compute-ironic", "ContainerNovaComputeIronicImage", "NovaIronic"),
    _Image("@nova-compute", "ContainerNovaComputeImage ContainerNovaLibvirtConfigImage",
           "NovaCompute NovaLibvirt NovaMigrationTarget"),
    _Image("@nova-conductor", "ContainerNovaConductorImage", "NovaConductor"),
    _Image("@nova-libvirt", "ContainerNovaLibvirtImage", "NovaLibvirt"),
    _Image("@nova-novncproxy", "ContainerNovaVncProxyImage", "NovaVncProxy"),
    _Image("@nova-scheduler", "ContainerNovaSchedulerImage", "NovaScheduler"),
    _Image("@octavia-api",
           "ContainerOctaviaApiImage ContainerOctaviaConfigImage ContainerOctaviaDriverAgentImage "
           "ContainerOctaviaDriverAgentConfigImage",
           "OctaviaApi OctaviaHealthManager OctaviaHousekeeping OctaviaWorker"),
    _Image("@octavia-health-manager", "ContainerOctaviaHealthManagerImage", "OctaviaHealthManager"),
    _Image("@octavia-housekeeping", "ContainerOctaviaHousekeepingImage", "OctaviaHousekeeping"),
    _Image("@octavia-worker", "ContainerOctaviaWorkerImage", "OctaviaWorker"),
    _Image("@ovn-controller", "ContainerOvnControllerConfigImage ContainerOvnControllerImage",
           "OVNController", only="ovn"),
    _Image("@ovn-nb-db-server", "ContainerOvnNbDbImage", "OVNDBs", only="ovn"),
    _Image("@ovn-northd", "ContainerOvnNorthdImage ContainerOvnDbsImage ContainerOvnDbsConfigImage",
           "OVNDBs", only="ovn"),
    _Image("@ovn-sb-db-server", "ContainerOvnSbDbImage", "OVNDBs", only="ovn"),
    _Image("@placement-api", "ContainerPlacementConfigImage ContainerPlacementImage", "PlacementApi"),
    _Image("@qdrouterd",
           "ContainerQdrouterdConfigImage ContainerQdrouterdImage ContainerMetricsQdrConfigImage "
           "ContainerMetricsQdrImage",
           "Qdr OsloMessagingRpc MetricsQdr"),
    _Image("@rabbitmq", "ContainerRabbitmqConfigImage ContainerRabbitmqImage",
           "RabbitMQ OsloMessagingRpc OsloMessagingNotify"),
    _Image("@redis", "ContainerRedisConfigImage ContainerRedisImage", "Redis"),
    _Image("@swift-account", "ContainerSwiftAccountImage", "SwiftStorage"),
    _Image("@swift-container", "ContainerSwiftContainerImage", "SwiftStorage"),
    _Image("@swift-object", "ContainerSwiftObjectImage", "SwiftStorage"),
    _Image("@swift-proxy-server", "ContainerSwiftConfigImage ContainerSwiftProxyImage",
           "SwiftProxy SwiftRingBuilder SwiftStorage"),
    _Image("{ceph_namespace}/{ceph_image}:{ceph_tag}", "ContainerCephDaemonImage",
           "CephClient CephExternal CephMds CephMgr CephMon CephOSD CephRgw CephRbdMirror", only="ceph"),
    _Image("{ceph_prometheus_namespace}/{ceph_prometheus_image}:{ceph_prometheus_tag}",
           "PrometheusContainerImage",
           "CephGrafana", only="ceph"),
    _Image("{ceph_alertmanager_namespace}/{ceph_alertmanager_image}:{ceph_alertmanager_tag}",
           "AlertManagerContainerImage",
           "CephGrafana", only="ceph"),
    _Image("{ceph_node_exporter_namespace}/{ceph_node_exporter_image}:{ceph_node_exporter_tag}",
           "NodeExporterContainerImage",
           "CephGrafana", only="ceph"),
    _Image("{ceph_grafana_namespace}/{ceph_grafana_image}:{ceph_grafana_tag}", "GrafanaContainerImage",
           "CephGrafana", only="ceph"),
    _Image("{ceph_keepalived_namespace}/{ceph_keepalived_image}:{ceph_keepalived_tag}",
           "KeepalivedContainerImage",
           "CephIngress", only="ceph"),
    _Image("{ceph_haproxy_namespace}/{ceph_haproxy_image}:{ceph_haproxy_tag}", "HaproxyContainerImage",
           "CephIngress", only="ceph"),
    _Image("@rsyslog",
           "ContainerRsyslogImage ContainerRsyslogConfigImage ContainerRsyslogSidecarImage "
           "ContainerRsyslogSidecarConfigImage ContainerOctaviaRsyslogImage",
           "HAproxy OctaviaHealthManager Rsyslog RsyslogSidecar"),
    _Image("@unbound", "ContainerUnboundImage ContainerUnboundConfigImage", "Unbound"),
    _Image("@tempest", "ContainerTempestImage", "Tempest"),
    _Image("@tripleoclient", "ContainerTripleoClientImage", "TripleoClient"),
    _Image("{namespace}/tripleo-ansible-ee:{tag}", "ContainerAEEImage", ""),
)


def _text(value: Any) -> str:
    return str(value)  # as Jinja renders a value (2.3 -> "2.3", False -> "False")


def _mapping(substitutions: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template substitutions: ``substitutions`` over the defaults, prefix/suffix hyphenated."""
    mapping = {**DEFAULT_SET, **dict(substitutions or {})}
    if mapping["name_prefix"] and not str(mapping["name_prefix"]).endswith("-"):
        mapping["name_prefix"] = f"{mapping['name_prefix']}-"
    if mapping["name_suffix"] and not str(mapping["name_suffix"]).startswith("-"):
        mapping["name_suffix"] = f"-{mapping['name_suffix']}"
    return mapping


def role_count(role: Mapping[str, Any], parameter_defaults: Mapping[str, Any]) -> int:
    """``<Role>Count`` from ``parameter_defaults``, else the role's ``CountDefault``, else 0.

    Raises PlanInputError when the value is not an integer.
    """
    value = parameter_defaults.get(f"{role['name']}Count", role.get("CountDefault", 0))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PlanInputError(f"{role['name']}Count must be an integer, not {value!r}") from None


def enabled_services(roles: Sequence[Mapping[str, Any]], resource_registry: Mapping[str, Any],
                     parameter_defaults: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{<Role>Services: [service type, ...]}`` for every role of ``roles`` (roles_data.yaml).

    ``[]`` for a role whose count is 0; else ``<Role>Services`` as ``parameter_defaults`` gives it,
    else the role's ``ServicesDefault`` (order kept) without those ``resource_registry`` maps to
    ``OS::Heat::None``.
    """
    enabled: dict[str, list[str]] = {}
    for role in roles:
        name = f"{role['name']}Services"
        if role_count(role, parameter_defaults) <= 0:
            enabled[name] = []
        elif name in parameter_defaults:
            enabled[name] = copy.deepcopy(parameter_defaults[name])
        else:
            enabled[name] = [service for service in role.get("ServicesDefault") or []
                             if resource_registry.get(service) != NONE_TYPE]
    return enabled


def default_image_parameters(substitutions: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every image parameter, named with ``substitutions`` over the defaults (no service filter)."""
    mapping = _mapping(substitutions)
    return {param: image.name(mapping) for image in IMAGES if image.listed(mapping) for param in image.params}


def _neutron_driver(parameter_defaults: Mapping[str, Any]) -> str:
    drivers = parameter_defaults.get("NeutronMechanismDrivers")
    if drivers is None:
        return "ovn"
    return "ovn" if "ovn" in drivers else "other"


def prepared_image_parameters(prepare: Iterable[Mapping[str, Any]] | None, services: Iterable[str],
                              parameter_defaults: Mapping[str, Any]) -> dict[str, str]:
    """The image parameters of the images ``services`` need, per ``ContainerImagePrepare`` entry.

    ``prepare``: the entries (None or empty: :data:`DEFAULT_PREPARE`), later entries winning;
    ``services``: the enabled service types; ``parameter_defaults``: the merged ones (read for
    ``NeutronMechanismDrivers`` and ``LocalContainerRegistry``).  Images without services are
    never listed here.  Raises PlanInputError for what needs a registry (see the module doc).
    """
    services = set(services)
    parameters: dict[str, str] = {}
    for index, entry in enumerate(prepare or DEFAULT_PREPARE):
        substitutions, destination = _prepare_entry(entry, f"ContainerImagePrepare entry {index + 1}",
                                                    parameter_defaults)
        parameters.update(_entry_image_parameters(entry, substitutions, destination, services))
    return parameters


def _prepare_entry(entry: Any, where: str, parameter_defaults: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """One ``ContainerImagePrepare`` entry's substitutions (``set`` with ``neutron_driver``) and
    push destination; PlanInputError for what the pack cannot do without a registry."""
    if not isinstance(entry, Mapping):
        raise PlanInputError(f"{where}: must be a mapping")
    substitutions = dict(entry.get("set") or {})
    substitutions.setdefault("neutron_driver", _neutron_driver(parameter_defaults))
    if entry.get("tag_from_label") and not substitutions.get("tag"):
        raise PlanInputError(f"{where}: tag_from_label needs the registry to find each image's tag; "
                             "give the tag in 'set' (the pack does not query registries)")
    if entry.get("modify_role"):
        raise PlanInputError(f"{where}: modify_role runs an Ansible role on images; not supported")
    destination = entry.get("push_destination")
    if destination is True:
        registry = parameter_defaults.get("LocalContainerRegistry")
        if not registry:
            raise PlanInputError(f"{where}: push_destination true needs LocalContainerRegistry")
        destination = f"{registry}:8787"
    return substitutions, destination


def _entry_image_parameters(entry: Mapping[str, Any], substitutions: Mapping[str, Any], destination: Any,
                            services: set[str]) -> dict[str, str]:
    """The image parameters of one entry: its images that ``services`` need, filtered by its
    ``includes`` / ``excludes`` patterns, renamed under ``destination`` when set."""
    includes, excludes = entry.get("includes") or [], entry.get("excludes") or []
    mapping = _mapping(substitutions)
    parameters: dict[str, str] = {}
    for image in IMAGES:
        if not image.listed(mapping) or not image.services(mapping) & services:
            continue
        name = image.name(mapping)
        if includes and not any(re.search(pattern, name) for pattern in includes):
            continue
        if not includes and any(re.search(pattern, name) for pattern in excludes):
            continue
        if destination:
            name = f"{destination}/{name.partition('/')[2]}"
        parameters.update({param: name for param in image.params})
    return parameters


def deployment_parameters(roles: Sequence[Mapping[str, Any]], environment: Mapping[str, Any],
                          stack_name: str) -> dict[str, Any]:
    """The generated parameters for the merged ``environment`` (``resource_registry``,
    ``parameter_defaults``) of a deploy of ``roles`` as stack ``stack_name``."""
    registry = environment.get("resource_registry") or {}
    defaults = environment.get("parameter_defaults") or {}
    services = enabled_services(roles, registry, defaults)
    parameters: dict[str, Any] = dict(services)
    parameters.update(default_image_parameters())
    enabled = {service for names in services.values() for service in names if isinstance(service, str)}
    parameters.update(prepared_image_parameters(defaults.get("ContainerImagePrepare"), enabled, defaults))
    for role in roles:
        role_prepare = defaults.get(f"{role['name']}ContainerImagePrepare")
        if role_prepare:
            own = set(services[f"{role['name']}Services"])
            parameters[f"{role['name']}Parameters"] = prepared_image_parameters(role_prepare, own, defaults)
    parameters["RootStackName"] = stack_name
    return parameters


def with_deployment_parameters(arguments: Mapping[str, Any], plan: Mapping[str, bytes],
                               stack_name: str) -> dict[str, Any]:
    """``arguments`` (from :func:`~tripleo_plan_actions.core.environment.heat_arguments`) with the
    generated environment :data:`GENERATED_ENVIRONMENT` added to ``environment_files`` right after
    the plan's ``overcloud-resource-registry-puppet.yaml`` when it is deployed (as tripleoclient
    did: that file's parameter_defaults set every ``<Role>Services`` to the role's defaults, which
    would otherwise undo the ``[]`` of roles of count 0), else right after the generated
    passwords (first when there are none).

    The parameters are computed from the environment Heat would merge from ``arguments`` alone
    (Heat's own rules, :func:`~tripleo_plan_actions.core.environment.effective_environment`)
    and the plan's ``roles_data.yaml`` (none: no roles).  ``arguments`` is not changed.
    """
    roles = load_yaml(ROLES_DATA, plan[ROLES_DATA]) if ROLES_DATA in plan else []
    if not isinstance(roles, list) or not all(isinstance(role, Mapping) and "name" in role for role in roles):
        raise PlanInputError(f"{ROLES_DATA}: must be a list of roles, each with a 'name'")
    generated = deployment_parameters(roles, environments.effective_environment(arguments), stack_name)
    text = environments.dump_environment({"parameter_defaults": generated})
    files = dict(arguments["files"])
    if GENERATED_ENVIRONMENT in files:
        raise PlanInputError(f"{GENERATED_ENVIRONMENT} is the name of the pack's own generated file")
    files[GENERATED_ENVIRONMENT] = text
    names = list(arguments["environment_files"])
    if RESOURCE_REGISTRY in names:  # its parameter_defaults set every <Role>Services to the defaults
        position = names.index(RESOURCE_REGISTRY) + 1
    else:
        position = 1 if names[:1] == [environments.PASSWORDS_ENVIRONMENT] else 0
    names.insert(position, GENERATED_ENVIRONMENT)
    return {**arguments, "files": dict(sorted(files.items())), "environment_files": names}
