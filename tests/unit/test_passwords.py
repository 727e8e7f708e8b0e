# Generated passwords: 52 names, formats as tripleo-common 18.0.0 generated them for
# tripleo-heat-templates 18.0.0 (both read from their PyPI source archives; passlib 1.7.4 read for
# the default password alphabet). THT 18.0.0 declares 95 parameters `hidden: true`.
import base64
import random as stdlib_random
import string
import struct
import uuid

import pytest

from tripleo_plan_actions.core import passwords
from tripleo_plan_actions.core.passwords import (
    MASK,
    PASSWORD_NAMES,
    THT_HIDDEN_NAMES,
    RandomSource,
    SecretsRandom,
    generate,
    is_secret,
    mask,
)

EXPECTED_NAMES = {
    "AdminPassword", "AodhPassword", "BarbicanPassword", "BarbicanSimpleCryptoKek",
    "CeilometerMeteringSecret", "CeilometerPassword", "CephClientKey", "CephClusterFSID",
    "CephDashboardAdminPassword", "CephGrafanaAdminPassword", "CephManilaClientKey", "CephRgwKey",
    "CinderPassword", "DesignatePassword", "DesignateRndcKey", "EtcdInitialClusterToken",
    "GlancePassword", "GnocchiPassword", "HAProxyStatsPassword", "HeatAuthEncryptionKey",
    "HeatPassword", "HeatStackDomainAdminPassword", "HorizonSecret", "IronicPassword",
    "KeystoneCredential0", "KeystoneCredential1", "KeystoneFernetKeys", "KeystonePassword",
    "LibvirtTLSPassword", "ManilaPassword", "MigrationSshKey", "MysqlClustercheckPassword",
    "MysqlMariabackupPassword", "MysqlRootPassword", "NeutronMetadataProxySharedSecret",
    "NeutronPassword", "NotifyPassword", "NovaPassword", "OctaviaCaKeyPassphrase",
    "OctaviaHeartbeatKey", "OctaviaPassword", "OctaviaServerCertsKeyPassphrase",
    "PacemakerRemoteAuthkey", "PcsdPassword", "PlacementPassword", "RabbitCookie",
    "RabbitPassword", "RedisPassword", "RpcPassword", "SnmpdReadonlyUserPassword",
    "SwiftHashSuffix", "SwiftPassword",
}
SPECIAL_LENGTHS = {
    "HeatAuthEncryptionKey": 32, "HorizonSecret": 10, "MysqlRootPassword": 10,
    "OctaviaServerCertsKeyPassphrase": 32, "PacemakerRemoteAuthkey": 4096, "PcsdPassword": 16,
    "RabbitCookie": 20, "SnmpdReadonlyUserPassword": 24,
}
FERNET_LIKE = ("BarbicanSimpleCryptoKek", "KeystoneCredential0", "KeystoneCredential1")
CEPHX = ("CephClientKey", "CephManilaClientKey", "CephRgwKey")
STRUCTURED = set(FERNET_LIKE + CEPHX) | {"CephClusterFSID", "DesignateRndcKey",
                                         "KeystoneFernetKeys", "MigrationSshKey"}
PLAIN = sorted(EXPECTED_NAMES - STRUCTURED)
ALPHABET = set(string.ascii_letters + string.digits)
NOW = 1_700_000_000


class SeededRandom:
    """A deterministic RandomSource for tests."""

    def __init__(self, seed):
        self._rng = stdlib_random.Random(seed)

    def token_bytes(self, nbytes):
        return self._rng.randbytes(nbytes)

    def randbelow(self, exclusive_upper_bound):
        return self._rng.randrange(exclusive_upper_bound)


@pytest.fixture(scope="module")
def generated():
    return generate(now=NOW)


def test_every_name_is_generated(generated):
    assert len(PASSWORD_NAMES) == 52 == len(set(PASSWORD_NAMES))
    assert set(PASSWORD_NAMES) == EXPECTED_NAMES
    assert set(generated) == EXPECTED_NAMES
    assert all(generated[name] for name in EXPECTED_NAMES)


@pytest.mark.parametrize("name", PLAIN)
def test_plain_passwords_have_their_length_and_alphabet(generated, name):
    value = generated[name]
    assert isinstance(value, str)
    assert len(value) == SPECIAL_LENGTHS.get(name, 25)
    assert set(value) <= ALPHABET


def test_the_whole_alphabet_is_used(generated):
    # 4096 draws from 62 symbols: missing one has a probability of about 1e-27.
    assert set(generated["PacemakerRemoteAuthkey"]) == ALPHABET


def _fernet_key_bytes(value):
    assert isinstance(value, str) and len(value) == 44
    raw = base64.urlsafe_b64decode(value.encode("ascii"))
    assert len(raw) == 32
    assert base64.urlsafe_b64encode(raw).decode("ascii") == value
    return raw


@pytest.mark.parametrize("name", FERNET_LIKE)
def test_credential_keys_and_kek_are_fernet_keys(generated, name):
    _fernet_key_bytes(generated[name])
    fernet = pytest.importorskip("cryptography.fernet")
    token = fernet.Fernet(generated[name]).encrypt(b"x")
    assert fernet.Fernet(generated[name]).decrypt(token) == b"x"


def test_keystone_fernet_keys_structure(generated):
    keys = generated["KeystoneFernetKeys"]
    assert set(keys) == {"/etc/keystone/fernet-keys/0", "/etc/keystone/fernet-keys/1"}
    contents = []
    for entry in keys.values():
        assert set(entry) == {"content"}
        contents.append(_fernet_key_bytes(entry["content"]))
    assert contents[0] != contents[1]


@pytest.mark.parametrize("name", CEPHX)
def test_ceph_keys_have_the_cephx_header(generated, name):
    value = generated[name]
    assert len(value) == 40 and value.startswith("AQ")  # every CephX AES key starts so
    raw = base64.b64decode(value, validate=True)
    assert len(raw) == 12 + 16
    key_type, created, nanoseconds, length = struct.unpack("<HIIH", raw[:12])
    assert (key_type, created, nanoseconds, length) == (1, NOW, 0, 16)


def test_ceph_key_creation_time_defaults_to_now():
    import time
    before = int(time.time())
    raw = base64.b64decode(generate(existing={"MigrationSshKey": {}})["CephRgwKey"])
    assert before <= struct.unpack("<HIIH", raw[:12])[1] <= int(time.time())


def test_ceph_fsid_is_a_uuid(generated):
    value = generated["CephClusterFSID"]
    parsed = uuid.UUID(value)
    assert str(parsed) == value and parsed.version == 4


def test_designate_rndc_key(generated):
    value = generated["DesignateRndcKey"]
    assert len(base64.b64decode(value, validate=True)) == 32


def test_migration_ssh_key_pair(generated):
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    pair = generated["MigrationSshKey"]
    assert set(pair) == {"private_key", "public_key"}
    assert pair["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pair["public_key"].startswith("ssh-rsa ")
    assert pair["public_key"].endswith(" Generated by TripleO")
    assert "\n" not in pair["public_key"]
    private = serialization.load_pem_private_key(pair["private_key"].encode(), password=None)
    assert private.key_size == 2048
    derived = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    assert pair["public_key"].split(" ")[:2] == derived.split(" ")


def test_existing_values_are_kept(generated):
    existing = {
        "AdminPassword": "chosen-by-the-operator",
        "KeystoneFernetKeys": {"/etc/keystone/fernet-keys/0": {"content": "k0"}},
        "MigrationSshKey": {"private_key": "p", "public_key": "ssh-rsa q"},
        "CephClusterFSID": "",           # present, even empty: kept
        "NovaPassword": None,            # None counts as missing
        "ControllerCount": 3,            # not a generated name: ignored
    }
    snapshot = {k: (dict(v) if isinstance(v, dict) else v) for k, v in existing.items()}
    result = generate(existing)
    assert set(result) == EXPECTED_NAMES
    for name in ("AdminPassword", "KeystoneFernetKeys", "MigrationSshKey", "CephClusterFSID"):
        assert result[name] == existing[name]
    assert len(result["NovaPassword"]) == 25
    assert existing == snapshot
    result["KeystoneFernetKeys"]["/etc/keystone/fernet-keys/0"]["content"] = "changed"
    assert existing["KeystoneFernetKeys"]["/etc/keystone/fernet-keys/0"]["content"] == "k0"


def test_a_complete_set_is_kept_as_is(generated):
    assert generate(generated) == generated


def test_admin_token_becomes_keystone_password():
    result = generate({"AdminToken": "legacy", "MigrationSshKey": {}})
    assert result["KeystonePassword"] == "legacy"
    result = generate({"AdminToken": "legacy", "KeystonePassword": "new", "MigrationSshKey": {}})
    assert result["KeystonePassword"] == "new"


def test_rpc_and_notify_passwords_default_to_the_rabbit_password_as_tripleo_common_did():
    result = generate({"RabbitPassword": "rabbit", "NotifyPassword": "own", "MigrationSshKey": {}})
    assert (result["RpcPassword"], result["NotifyPassword"]) == ("rabbit", "own")
    fresh = generate()
    assert fresh["RpcPassword"] != fresh["RabbitPassword"]  # a new plan: each its own


def test_two_calls_give_different_values(generated):
    other = generate(now=NOW)
    for name in EXPECTED_NAMES:
        assert other[name] != generated[name], name


def test_an_injected_source_makes_it_reproducible():
    keep_ssh = {"MigrationSshKey": {"private_key": "p", "public_key": "q"}}
    first = generate(keep_ssh, SeededRandom(7), now=NOW)
    assert first == generate(keep_ssh, SeededRandom(7), now=NOW)
    different = generate(keep_ssh, SeededRandom(8), now=NOW)
    assert all(first[n] != different[n] for n in EXPECTED_NAMES - {"MigrationSshKey"})


def test_default_source_is_a_random_source():
    assert isinstance(SecretsRandom(), RandomSource)
    assert isinstance(SeededRandom(1), RandomSource)


def test_mask_replaces_secrets_deeply():
    params = {
        "parameter_defaults": {
            "AdminPassword": "a",
            "ControllerCount": 1,
            "KeystoneFernetKeys": {"/etc/keystone/fernet-keys/0": {"content": "k"}},
            "RhsmVars": {"rhsm_username": "u", "rhsm_password": "p"},
            "ExtraConfig": {"my::secret": "s", "my::user": "u",
                            "nested": {"db_password": "p", "port": 3306}},
            "Servers": [{"name": "n", "token": "t"}, "plain", ["x", {"ApiKey": "k"}]],
            "KeystoneOpenIdcClientSecret": "not hidden in THT, but a secret",
            "ManageKeystoneFernetKeys": True,
        },
        1: "non-string key",
    }
    original = repr(params)
    masked = mask(params)
    assert repr(params) == original
    assert masked == {
        "parameter_defaults": {
            "AdminPassword": MASK,
            "ControllerCount": 1,
            "KeystoneFernetKeys": MASK,
            "RhsmVars": MASK,
            "ExtraConfig": {"my::secret": MASK, "my::user": "u",
                            "nested": {"db_password": MASK, "port": 3306}},
            "Servers": [{"name": "n", "token": MASK}, "plain", ["x", {"ApiKey": MASK}]],
            "KeystoneOpenIdcClientSecret": MASK,
            "ManageKeystoneFernetKeys": True,
        },
        1: "non-string key",
    }


def test_mask_of_generated_hides_every_value(generated):
    assert mask(generated) == {name: MASK for name in EXPECTED_NAMES}


def test_every_generated_and_hidden_name_is_secret():
    assert len(THT_HIDDEN_NAMES) == 95
    assert all(is_secret(name) for name in PASSWORD_NAMES)
    assert all(is_secret(name) for name in THT_HIDDEN_NAMES)


@pytest.mark.parametrize("name", [
    # THT 18 hidden parameters, and THT 18 parameters that are secrets but not hidden
    "CinderNetappPassword", "SSLKey", "SSLCertificate", "RhsmVars", "AdminToken", "OctaviaCaKey",
    "CinderBackupS3SecretKey", "ContainerImageRegistryCredentials", "MlnxSDNToken",
    "SwiftHashPrefix", "KeystoneOpenIdcClientSecret", "KeystoneOpenIdcCryptoPassphrase",
    "CinderPureAPIToken", "CinderBackupGcsCredentials",
    # names the rule alone must recognise
    "SomeNewServicePassword", "FooCredential2", "rhsm_password", "api-key", "Token", "SSLKEY",
])
def test_is_secret_true(name):
    assert is_secret(name)


@pytest.mark.parametrize("name", [
    "ControllerCount", "NtpServer", "DeployIdentifier", "NeutronBridgeMappings",
    "SshServerOptions", "KeystoneTokenProvider", "CinderNetappLogin", "RabbitUserName",
    "ContainerImageRegistryLogin", "CephDashboardAdminUser", "KeystoneSSLCertificate",
    "EnableMysqlAuthEd25519", "KeystoneFernetMaxActiveKeys", "ManageKeystoneFernetKeys",
    "CephRbdMirrorCopyAdminKey", "IronicConfigureSwiftTempUrlKey", "input_key",
    "PublicSSLCertificateAutogenerated", "Monkey", "turkey",
])
def test_is_secret_false(name):
    assert not is_secret(name)


def test_the_name_rule_alone_misses_some_hidden_names():
    # why THT_HIDDEN_NAMES is kept: these hidden THT 18 names do not look like secrets
    missed = {n for n in THT_HIDDEN_NAMES if not passwords._looks_secret(n)}
    assert missed == {"BarbicanDogtagStorePEMPath", "BarbicanPkcs11CryptoLogin",
                      "CephExternalMultiConfig", "DesignateExternalBindServers",
                      "KeystoneLDAPBackendConfigs", "RhsmVars", "SSLCertificate"}
