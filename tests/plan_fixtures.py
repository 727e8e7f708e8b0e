"""A small templates tree shaped like tripleo-heat-templates, as plain data (path -> bytes)."""
import io
import tarfile

ROLES = b"""- name: Controller
  CountDefault: 1
  tags: [primary, controller]
  ServicesDefault: [OS::TripleO::Services::Keystone]
- name: Compute
  CountDefault: 1
  ServicesDefault: [OS::TripleO::Services::NovaCompute]
"""


def templates() -> dict[str, bytes]:
    return {
        "overcloud.j2.yaml": b"heat_template_version: wallaby\n{% for role in roles %}# {{ role.name }}\n{% endfor %}",
        "overcloud-resource-registry-puppet.j2.yaml": b"resource_registry: {}\n",
        "roles_data.yaml": ROLES,
        "network_data_default.yaml": b"[]\n",
        "j2_excludes.yaml": b"name: []\n",
        "environments/debug.yaml": b"# Enable debug logging everywhere.\nparameter_defaults:\n  Debug: true\n",
        "environments/described.yaml": b"description: Turns on the thing.\nparameter_defaults: {}\n",
        "environments/network-environment.j2.yaml": b"# Network settings.\nparameter_defaults: {}\n",
        "puppet/services/keystone.yaml": b"heat_template_version: wallaby\nparameters: {}\n",
        "README.rst": b"not yaml: [\n",
    }


def tarball(files, mode="w:gz", extra=None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for info in extra or ():
            archive.addfile(info)
    return buffer.getvalue()
