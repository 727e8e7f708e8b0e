"""The pure parsers of operator input under a property-based fuzzer (hypothesis), for a bounded
number of examples each: whatever the input, the environment reader, the roles / network data
readers of a new plan and the archive reader either return or raise one of the pack's typed
errors (PlanError) — never another exception — and their memory stays bounded.

The inputs are random YAML-ish text (the characters YAML gives meaning to, anchors and aliases
included), random bytes, YAML documents built from random values, and tar archives of random
members, then corrupted.  ``derandomize``: CI sees the same examples on every run (a failure is
reproducible); the bound is ``max_examples`` per test, a few seconds in all."""
import io
import resource
import tarfile

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tripleo_plan_actions.core import archive, environment, plan
from tripleo_plan_actions.errors import PlanError

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,? \n\t%@`0123\\")), max_size=300)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=20)
DOCUMENTS = VALUES.map(lambda value: yaml.safe_dump(value).encode())
SECTIONS = st.dictionaries(st.sampled_from(["parameter_defaults", "parameters", "resource_registry",
                                            "parameter_merge_strategies", "event_sinks", "encrypted_param_names",
                                            "other"]), VALUES, max_size=4).map(lambda d: yaml.safe_dump(d).encode())
INPUTS = st.one_of(YAMLISH.map(str.encode), st.binary(max_size=300), DOCUMENTS, SECTIONS)
TEMPLATES = {"overcloud.yaml": b"heat_template_version: wallaby\n"}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def only_typed_errors(call, *args):
    try:
        call(*args)
    except PlanError:
        pass


@FUZZ
@given(INPUTS)
def test_the_environment_reader_returns_or_refuses(content):
    before = peak_mib()
    only_typed_errors(environment.environment_of, "/home/stack/fuzz.yaml", content)
    assert peak_mib() - before < 100


@FUZZ
@given(INPUTS, INPUTS)
def test_a_new_plans_roles_and_network_data_are_read_or_refused(roles, networks):
    only_typed_errors(plan.new_plan, "fuzzed", TEMPLATES, roles, networks)


def tar_of(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


MEMBERS = st.lists(st.tuples(st.text(alphabet=st.sampled_from(list("ab/._-\\ ")), min_size=1, max_size=12),
                             st.binary(max_size=64)), max_size=5)


@FUZZ
@given(MEMBERS, st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=4))
def test_the_archive_reader_reads_or_refuses_archives_and_their_corruptions(members, flips):
    data = bytearray(tar_of(members))
    for offset, value in flips:
        data[offset % len(data)] = value
    before = peak_mib()
    only_typed_errors(archive.read_archive, bytes(data))
    assert peak_mib() - before < 100


@FUZZ
@given(st.binary(max_size=600))
def test_the_archive_reader_refuses_random_bytes(data):
    only_typed_errors(archive.read_archive, data)
