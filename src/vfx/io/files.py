"""Files published whole: temporary names, renames, folder checks, and plain reads.

Every write goes to a temporary name in the destination folder (unique per process and call),
then is renamed over the final name, so an interrupted run never leaves a truncated file under a
final name and two processes writing the same folder never corrupt each other's files. The
readers of text, JSON and CSV files that are not images live here too, so that no module
outside :mod:`vfx.io` opens a file.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from vfx.errors import OutputError

__all__ = [
    "atomic_path",
    "discard",
    "folder_lock",
    "prepare_output_dir",
    "publish",
    "read_json",
    "read_text",
    "stage_copy",
    "temp_beside",
    "write_bytes",
    "write_text",
]


def _output_error(exc: OSError, path: Path) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError("disk full (no space left on device)", path=path)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError("cannot write here (permission denied or read-only)", path=path)
    if exc.errno == errno.ENOENT:
        return OutputError("folder does not exist", path=path.parent)
    return OutputError(f"cannot write ({exc.strerror or exc})", path=path)


def temp_beside(path: str | Path) -> Path:
    """A new, empty temporary file in ``path``'s folder, named for this process and call.

    Pair it with :func:`publish` (rename over ``path``) or :func:`discard`. Writers that need a
    file name rather than an open file (an encoder) use these; others use :func:`atomic_path`.
    """
    import tempfile  # 1 ms of imports (random, hashing) that a job without output never needs

    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _output_error(exc, path) from exc
    try:
        os.close(fd)
    except BaseException:  # a Ctrl-C (or a stopping batch's SIGINT) right here: no leftover
        discard(Path(tmp))
        raise
    return Path(tmp)


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
        raise _output_error(exc, path) from exc


def stage_copy(source: str | Path, path: str | Path) -> Path:
    """A copy of ``source`` in a new temporary file beside ``path``, for :func:`publish`."""
    import shutil

    path = Path(path)
    tmp = temp_beside(path)
    try:
        shutil.copyfile(source, tmp)
    except OSError as exc:
        discard(tmp)
        raise _output_error(exc, path) from exc
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
        raise _output_error(exc, path) from exc
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
