"""Files published whole: temporary names, renames, folder checks, and plain reads.

Every write goes to a temporary name in the destination folder (unique per process and call),
then is renamed over the final name, so an interrupted run never leaves a truncated file under a
final name and two processes writing the same folder never corrupt each other's files. The
readers of text, JSON and CSV files that are not images live here too, so that no module
outside :mod:`vfx.io` opens a file.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from vfx.errors import OutputError

log = logging.getLogger("vfx")

__all__ = [
    "atomic_path",
    "discard",
    "folder_lock",
    "output_error",
    "prepare_output_dir",
    "publish",
    "read_json",
    "read_text",
    "remove_stale_temporaries",
    "stage_copy",
    "temp_beside",
    "write_bytes",
    "write_text",
    "zipped",
]


def output_error(exc: OSError, path: Path) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError("disk full (no space left on device)", path=path)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError("cannot write here (permission denied or read-only)", path=path)
    if exc.errno == errno.ENOENT:
        return OutputError("folder does not exist", path=path.parent)
    return OutputError(f"cannot write ({exc.strerror or exc})", path=path)


#: The longest file name (bytes) the file systems vfx writes to take.
NAME_MAX = 255
#: A temporary file's name: ``.<name>.<host><pid>-<random>.part``, where ``<name>`` is the
#: final name, shortened (with a digest of the rest) when the whole would be too long.
_TEMP = re.compile(r"^\..+\.([0-9a-f]{4})(\d+)-[A-Za-z0-9_]+\.part$")


@functools.cache
def _host_tag() -> str:
    """Four hex digits of this machine's name: a process number means something only on the
    machine that gave it (a folder may be shared with Dask workers elsewhere)."""
    import hashlib
    import socket

    return hashlib.blake2b(socket.gethostname().encode(), digest_size=2).hexdigest()


def _temp_prefix(name: str) -> str:
    """``.<name>.<host><pid>-``, the name shortened when the temporary name would not fit."""
    tag = f"{_host_tag()}{os.getpid()}-"
    room = NAME_MAX - len(".." + tag) - len("XXXXXXXX.part")
    raw = os.fsencode(name)
    if len(raw) > room:
        import hashlib

        digest = hashlib.blake2b(raw, digest_size=4).hexdigest()
        raw = raw[: room - len(digest) - 1] + b"~" + digest.encode()
        name = os.fsdecode(raw)  # a multi-byte character cut in two stays its own bytes
    return f".{name}.{tag}"


def temp_beside(path: str | Path) -> Path:
    """A new, empty temporary file in ``path``'s folder, named for this process and call.

    Pair it with :func:`publish` (rename over ``path``) or :func:`discard`. Writers that need a
    file name rather than an open file (an encoder) use these; others use :func:`atomic_path`.
    The name holds this machine's tag and this process's number, so that a later run can tell
    the leftovers of a killed process (:func:`remove_stale_temporaries`); it fits in a file
    name whatever the length of ``path``'s.
    """
    import tempfile  # 1 ms of imports (random, hashing) that a job without output never needs

    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=".part", dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path) from exc
    try:
        os.close(fd)
    except BaseException:  # a Ctrl-C (or a stopping batch's SIGINT) right here: no leftover
        discard(Path(tmp))
        raise
    return Path(tmp)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(folder: str | Path) -> int:
    """Remove the temporary files that processes of this machine which no longer run left in
    ``folder`` (a run killed with SIGKILL, a power cut); returns how many.

    Files of live processes (another run writing the same folder) and of other machines are
    left alone.
    """
    host = _host_tag()
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or match.group(1) != host:
            continue
        pid = int(match.group(2))
        if pid == os.getpid() or _alive(pid):
            continue
        with suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def publish(tmp: Path, path: str | Path) -> None:
    """Move a finished temporary file over ``path`` (world-readable); on failure drop it.

    The file's data reaches the disk before the rename and the rename before this returns
    (fsync of the file, then of its folder), so that after a power cut a name vfx published
    holds the whole file, and frames.csv never lists an image that is not on the disk.
    """
    path = Path(path)
    try:
        os.chmod(tmp, 0o644)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        discard(tmp)
        raise output_error(exc, path) from exc


def stage_copy(source: str | Path, path: str | Path) -> Path:
    """A copy of ``source`` in a new temporary file beside ``path``, for :func:`publish`."""
    import shutil

    path = Path(path)
    tmp = temp_beside(path)
    try:
        shutil.copyfile(source, tmp)
    except OSError as exc:
        discard(tmp)
        raise output_error(exc, path) from exc
    except BaseException:
        discard(tmp)
        raise
    return tmp


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # some file systems cannot open a folder: the rename stands as it is
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def discard(tmp: Path) -> None:
    """Remove a temporary file, if it is still there."""
    with suppress(OSError):
        os.unlink(tmp)


@contextmanager
def atomic_path(path: str | Path, mode: str = "wb") -> Iterator[IO]:  # type: ignore[type-arg]
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    On any error (including KeyboardInterrupt) the temporary file is removed and ``path`` is
    left as it was.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        tmp = temp_beside(path)
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        publish(tmp, path)
    except OSError as exc:
        if tmp is not None:
            discard(tmp)
        raise output_error(exc, path) from exc
    except BaseException:
        if tmp is not None:
            discard(tmp)
        raise


def prepare_output_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` if needed and check that files can be created in it."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError("output exists and is not a folder", path=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder ({exc.strerror or exc})", path=out) from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError("output folder is not writable", path=out)
    count = remove_stale_temporaries(out)
    if count:
        log.info("%s: removed %d temporary files of runs that were killed", out, count)
    return out


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path, "wb") as fh:
        fh.write(data)


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically.

    A file name that is not valid UTF-8 (``caf\\xe9.mp4`` from a Latin-1 system) reaches
    Python as lone surrogates; they are written back as the name's own bytes, so that the
    text names the very file (``surrogateescape``, as the file system does).
    """
    with atomic_path(path, "wb") as fh:
        fh.write(text.encode("utf-8", "surrogateescape"))


def read_text(path: str | Path) -> str:
    """The UTF-8 text of ``path`` (``OSError`` or ``UnicodeDecodeError`` as they come)."""
    return Path(path).read_text(encoding="utf-8")


def read_bytes(path: str | Path) -> bytes:
    """The bytes of ``path`` (``OSError`` as it comes)."""
    return Path(path).read_bytes()


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path`` (``OSError`` or ``ValueError`` as they come)."""
    return json.loads(read_text(path))


@contextmanager
def folder_lock(folder: str | Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` for the block (``flock``), between processes.

    The lock is on the folder itself, not on a file in it: a file replaced by each write (a
    manifest) would move the lock away with its name, and no lock file is left behind.
    """
    import fcntl

    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def zipped(member: str, data: bytes) -> bytes:
    """A zip archive, in memory, of one file ``member`` holding ``data`` (a KMZ is its KML
    zipped as ``doc.kml``)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return buf.getvalue()
