"""Plan archives: reading an operator's tarball safely, and writing deterministic ones.

Pure functions over bytes and plain mappings (path -> bytes).  Reading refuses anything that could
escape the plan or is not a plain file or directory: ``..`` components, absolute paths, symlinks,
hard links, devices and FIFOs; and it enforces size limits.
"""
from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from typing import Mapping

from tripleo_plan_actions.errors import PlanError, PlanInputError

#: Largest single file accepted in a plan (THT's largest template is ~200 KiB).
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Largest plan, uncompressed (THT 18.0.0 is ~11 MiB).
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_FILES = 20000


class ArchiveError(PlanError):
    """The archive cannot be used; the message names the member at fault."""

    kind = "bad_archive"


class OversizeFile(PlanInputError):
    """A file over the size limit, refused from its length alone (never decoded nor parsed)."""

    kind = "bad_input"


def check_size(display: str, size: int, limit: int = MAX_FILE_BYTES, per: str = "per file",
               error: type[PlanError] = OversizeFile) -> None:
    """Refuse a file of ``size`` bytes over ``limit`` (``error``), naming it and the limit."""
    if size > limit:
        raise error(f"{display}: {size} bytes is over the limit of {limit} bytes {per}")


def check_content(display: str, content: bytes | str, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse ``content`` (bytes, or text as UTF-8) over ``limit`` bytes, from its length: text
    is encoded only when its length in characters cannot tell (1 to 4 bytes a character)."""
    size = len(content)
    if isinstance(content, str) and size <= limit < size * 4:
        size = len(content.encode("utf-8", "surrogatepass"))
    check_size(display, size, limit)


def clean_path(name: str) -> str:
    """Normalise a member or file path; raise ArchiveError for one that could leave the plan."""
    if name.startswith("/") or name.startswith("\\"):
        raise ArchiveError(f"{name}: absolute paths are not allowed in a plan")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"{name}: '..' is not allowed in a plan path")
    if not parts:
        raise ArchiveError(f"{name!r}: empty path")
    return "/".join(parts)


def read_archive(data: bytes, max_file_bytes: int = MAX_FILE_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES, strip_root: bool = False,
                 name: str = "the archive") -> dict[str, bytes]:
    """The files of a tar archive (plain, gzip, bzip2 or xz) as ``{path: bytes}``.

    Raises ArchiveError (naming the archive as ``name``) when ``data`` is not a tar archive, is
    truncated, or holds a member that is unsafe or too large.  Hidden files (a path component
    starting with '.') are left out, as THT's own tools leave them out.  With ``strip_root``, a
    single top-level directory shared by every file is dropped (a templates tarball such as THT's
    own source archive).
    """
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive:
                if member.isdir():
                    clean_path(member.name)
                    continue
                path = _file_path(member, max_file_bytes)
                total += member.size
                if total > max_total_bytes:
                    raise ArchiveError(f"the archive is over the limit of {max_total_bytes} bytes")
                if len(files) >= MAX_FILES:
                    raise ArchiveError(f"the archive holds more than {MAX_FILES} files")
                content = _content(archive, member)
                if any(part.startswith(".") for part in path.split("/")):
                    continue
                files[path] = content
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(f"{name} is not a plan archive (not a readable tar archive, plain or compressed "
                           "with gzip, bzip2 or xz)") from error
    if not files:
        raise ArchiveError(f"{name} holds no files")
    return strip_common_root(files) if strip_root else files


def _file_path(member: tarfile.TarInfo, max_file_bytes: int) -> str:
    """The clean plan path of a member that is not a directory; ArchiveError unless it is a
    regular file of at most ``max_file_bytes``."""
    path = clean_path(member.name)
    if member.issym() or member.islnk():
        raise ArchiveError(f"{member.name}: links are not allowed in a plan "
                           f"(points to {member.linkname})")
    if not member.isfile():
        raise ArchiveError(f"{member.name}: only regular files are allowed in a plan")
    check_size(member.name, member.size, max_file_bytes, error=ArchiveError)  # declared: before extracting
    return path


def _content(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The bytes of a regular file member; ArchiveError when the archive ends before them."""
    extracted = archive.extractfile(member)
    assert extracted is not None  # a regular file (checked by _file_path)
    content = extracted.read()
    if len(content) != member.size:
        raise ArchiveError(f"{member.name}: truncated archive")
    return content


def strip_common_root(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Drop a single top-level directory that every file shares."""
    tops = {path.split("/", 1)[0] for path in files}
    if len(tops) == 1 and all("/" in path for path in files):
        top = tops.pop() + "/"
        return {path[len(top):]: content for path, content in files.items()}
    return dict(files)


def write_archive(files: Mapping[str, bytes], compress: bool = True) -> bytes:
    """A tar archive of ``files``: sorted members, fixed times and owners, so equal plans give equal bytes."""
    buffer = io.BytesIO()
    # Compressed by a GzipFile of our own, not tarfile's "w:gz": mtime=0 in the gzip header keeps
    # the compressed bytes deterministic too.
    fileobj: io.BufferedIOBase = buffer
    if compress:
        import gzip

        fileobj = gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=6)
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(files):
            content = files[path]
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    if compress:
        fileobj.close()
    return buffer.getvalue()


def join(base: str, relative: str) -> str:
    """``relative`` resolved against the directory of plan file ``base`` (for nested references)."""
    return clean_path(posixpath.normpath(posixpath.join(posixpath.dirname(base), relative)))
