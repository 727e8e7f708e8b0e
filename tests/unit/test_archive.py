import tarfile

import pytest

from tests.plan_fixtures import tarball, templates
from tripleo_plan_actions.core import archive
from tripleo_plan_actions.core.archive import ArchiveError


def test_round_trip_is_deterministic():
    files = templates()
    data = archive.write_archive(files)
    assert archive.write_archive(dict(reversed(list(files.items())))) == data
    assert archive.read_archive(data) == files


def test_single_top_directory_is_the_root():
    data = tarball({f"tripleo-heat-templates-18.0.0/{p}": c for p, c in templates().items()})
    assert archive.read_archive(data, strip_root=True) == templates()
    assert archive.read_archive(data) != templates()


def test_hidden_files_are_left_out():
    data = tarball({"a.yaml": b"a: 1\n", ".git/config": b"x", "d/.hidden.yaml": b"h: 1\n"})
    assert archive.read_archive(data) == {"a.yaml": b"a: 1\n"}


@pytest.mark.parametrize("data,message", [
    (b"this is not a tar archive at all", "not a readable tar archive"),
    (tarball(templates())[:300], "not a readable tar archive|truncated"),
    (tarball({"../evil.yaml": b"x"}), r"'\.\.' is not allowed"),
    (tarball({"a/../../evil.yaml": b"x"}), r"'\.\.' is not allowed"),
    (tarball({"/etc/passwd": b"x"}), "absolute paths are not allowed"),
])
def test_unsafe_or_broken_archives(data, message):
    with pytest.raises(ArchiveError, match=message):
        archive.read_archive(data)


def test_truncated_plain_tar():
    data = tarball({"big.yaml": b"x" * 5000}, mode="w")
    with pytest.raises(ArchiveError, match="truncated|not a readable"):
        archive.read_archive(data[:2000])


def test_links_and_devices_are_refused():
    link = tarfile.TarInfo("link.yaml")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
    with pytest.raises(ArchiveError, match="link.yaml: links are not allowed"):
        archive.read_archive(tarball({"a.yaml": b"a: 1\n"}, extra=[link]))
    device = tarfile.TarInfo("dev/null")
    device.type = tarfile.CHRTYPE
    with pytest.raises(ArchiveError, match="dev/null: only regular files"):
        archive.read_archive(tarball({"a.yaml": b"a: 1\n"}, extra=[device]))


def test_size_limits_name_the_file():
    with pytest.raises(ArchiveError, match="huge.yaml: 2000 bytes is over the limit of 1000"):
        archive.read_archive(tarball({"huge.yaml": b"x" * 2000}), max_file_bytes=1000)
    with pytest.raises(ArchiveError, match="over the limit of 1500 bytes"):
        archive.read_archive(tarball({"a": b"x" * 1000, "b": b"y" * 1000}), max_total_bytes=1500)


def test_empty_archive():
    with pytest.raises(ArchiveError, match="no files"):
        archive.read_archive(tarball({}))


def test_join_resolves_relative_references():
    assert archive.join("environments/a.yaml", "../puppet/x.yaml") == "puppet/x.yaml"
    with pytest.raises(ArchiveError):
        archive.join("a.yaml", "../../etc/passwd")
