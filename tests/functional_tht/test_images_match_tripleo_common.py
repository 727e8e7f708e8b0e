"""The container image parameters of the pure core against tripleo-common 18.0.0's own image
template (its PyPI source archive), rendered with Jinja2 as tripleo-common renders it."""
import subprocess
import sys
import tarfile

import pytest
import yaml

from benchmarks.tht import CACHE
from tripleo_plan_actions.core import deployment_parameters as dp

VERSION = "18.0.0"
S = dp.SERVICE_PREFIX


@pytest.fixture(scope="module")
def template_dir():
    target = CACHE / f"tripleo-common-{VERSION}"
    if not target.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--disable-pip-version-check", "-d", str(CACHE), f"tripleo-common=={VERSION}"],
                       check=True, stderr=subprocess.DEVNULL)
        archive = next(CACHE.glob(f"tripleo[-_]common-{VERSION}.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, members=[m for m in tar.getmembers() if "/container-images/" in m.name],
                           filter="data")
    return target / "container-images"


def reference(template_dir, substitutions, services=None):
    """param -> image as tripleo-common renders tripleo_containers.yaml.j2 (later entries win)."""
    import jinja2

    defaults = yaml.safe_load((template_dir / "container_image_prepare_defaults.yaml").read_text())
    mapping = {**defaults["parameter_defaults"]["ContainerImagePrepare"][0]["set"], **substitutions}
    for key, fix in (("name_prefix", lambda v: v if v.endswith("-") else v + "-"),
                     ("name_suffix", lambda v: v if v.startswith("-") else "-" + v)):
        mapping[key] = fix(mapping[key]) if mapping[key] else mapping[key]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)))
    rendered = environment.from_string((template_dir / "tripleo_containers.yaml.j2").read_text()).render(mapping)
    images = {}
    for entry in yaml.safe_load(rendered)["container_images_template"]:
        if services is None or set(entry.get("services", [])) & services:
            images.update({param: entry["imagename"] for param in entry.get("params", [])})
    return images


@pytest.mark.parametrize("substitutions", [
    {},
    {"neutron_driver": "other"},
    {"ceph_images": False, "namespace": "r.example.com/x", "name_prefix": "p", "name_suffix": "s", "tag": "t"},
])
def test_default_image_parameters_match(template_dir, substitutions):
    ours = dp.default_image_parameters(substitutions)
    assert ours == reference(template_dir, substitutions)
    assert len(ours) > 100


@pytest.mark.parametrize("driver", ["ovn", "other"])
def test_service_filtered_images_match(template_dir, driver):
    services = {S + "NovaCompute", S + "OVNController", S + "CephMon", S + "Keystone", S + "HAproxy",
                "OS::TripleO::Services::CeilometerPushgateway"}
    ours = dp.prepared_image_parameters([{"set": {"tag": "current-tripleo", "neutron_driver": driver}}],
                                        services, {})
    assert ours == reference(template_dir, {"neutron_driver": driver}, services)
    assert "ContainerNovaComputeImage" in ours
