"""One long-lived exiftool process for the whole run (through pyexiftool).

exiftool reads telemetry of cameras vfx has no reader for (``-ee``: Insta360, DJI, BlackVue,
Garmin, Nextbase, ...) and writes tags into images vfx did not create (``vfx geotag``).

No text vfx did not write itself ever reaches the long-lived process as it is. That process
reads its arguments one per line, so a line break inside a file name would start a new
exiftool option there, and ``-if`` evaluates Perl: a file named ``x\n-if\nsystem(...)\ny.jpg``
would run code. :meth:`ExifTool.execute` refuses any argument holding a line break or NUL;
:meth:`ExifTool.read_json` hands such files to exiftool under a safe alias (a symbolic link
in a private folder), and :func:`tag_copy` tags a private copy under a safe name. File names
are always passed as absolute paths, so a name starting with ``-`` can never be read as an
option. The one-shot ``-ee`` reader (:func:`read_embedded_docs`) passes its file as a plain
argument of its own process, which exiftool never splits.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vfx.errors import MetadataError, ToolNotFoundError

__all__ = ["ExifTool", "exiftool", "read_embedded_docs", "tag_copy"]

log = logging.getLogger("vfx")

_HINT = "install it: sudo apt-get install libimage-exiftool-perl"


def _arg(path: str | Path) -> str:
    """A file argument exiftool cannot mistake for an option."""
    return str(Path(path).absolute())


#: Characters that end an argument of exiftool's ``-stay_open`` argument stream.
_BREAKS = ("\n", "\r", "\0")


def stream_safe(text: str) -> bool:
    """Whether ``text`` can travel as one argument of exiftool's argument stream."""
    return not any(c in text for c in _BREAKS)


def _safe_suffix(path: str | Path) -> str:
    """``path``'s suffix with only letters, digits and dots: exiftool picks a reader by it."""
    return "".join(c for c in Path(path).suffix if c.isalnum() or c == ".")


@contextmanager
def _private_folder() -> Iterator[Path]:
    """A new folder only this process uses, with a name exiftool's stream can carry."""
    folder = Path(tempfile.mkdtemp(prefix="vfx-exiftool-"))
    try:
        if not stream_safe(str(folder)):  # a TMPDIR holding a line break
            raise MetadataError("the temporary folder's name holds a line break", path=folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def safe_names(paths: Sequence[str | Path]) -> Iterator[list[str]]:
    """Absolute names of ``paths`` that exiftool's stream carries, in the same order.

    A name holding a line break is given as a symbolic link to the file, in a private folder,
    named by its position and the file's suffix (exiftool picks a reader by it); the links go
    when the block ends. Names without one are their own absolute paths.
    """
    names = [_arg(p) for p in paths]
    unsafe = [i for i, name in enumerate(names) if not stream_safe(name)]
    if not unsafe:
        yield names
        return
    with _private_folder() as folder:
        for i in unsafe:
            link = folder / f"{i}{_safe_suffix(names[i])}"
            os.symlink(names[i], link)
            names[i] = str(link)
        yield names


class ExifTool:
    """A lazily started ``exiftool -stay_open`` process, safe to share between threads."""

    def __init__(self, executable: str | None = None):
        self.executable = executable
        self._et: Any = None
        self._lock = threading.Lock()

    def _process(self) -> Any:
        if self._et is None:
            exe = self.executable or shutil.which("exiftool")
            if exe is None:
                raise ToolNotFoundError("exiftool is not installed", hint=_HINT)
            import exiftool as pyexiftool

            try:
                self._et = pyexiftool.ExifToolHelper(
                    executable=exe, common_args=["-charset", "filename=utf8"]
                )
            except Exception as exc:  # pyexiftool raises its own family
                raise ToolNotFoundError(f"exiftool would not start: {exc}", hint=_HINT) from exc
        return self._et

    def execute(self, *args: str, check: bool = True) -> str:
        """Run one exiftool command in the shared process and return its standard output.

        With ``check`` false, a non-zero exit status (exiftool's answer when one file of many
        could not be read) still returns what exiftool wrote.

        Raises
        ------
        ValueError
            When an argument holds a line break or NUL, which would split it into several
            arguments (and options) of the shared process; give such files through
            :func:`safe_names`.
        MetadataError
            When exiftool fails; the message is exiftool's own last line of errors.
        """
        for arg in args:
            if not stream_safe(arg):
                raise ValueError(f"exiftool argument holds a line break: {arg!r}")
        with self._lock:
            et = self._process()
            try:
                return str(et.execute(*args))
            except Exception as exc:
                stdout = getattr(exc, "stdout", None)
                if not check and isinstance(stdout, str) and getattr(exc, "returncode", 0) > 0:
                    return stdout
                raise MetadataError(f"exiftool failed: {_reason(exc)}") from exc

    def read_json(self, paths: Sequence[Path], *args: str) -> list[dict[str, Any]]:
        """``exiftool -j`` over ``paths`` with extra ``args``: one record per path, in order.

        A file exiftool could not read gets an empty record. Names holding line breaks are
        read through :func:`safe_names`.
        """
        import json

        with safe_names(paths) as names:
            text = self.execute("-j", *args, *names, check=False)
        try:
            records = list(json.loads(text)) if text.strip() else []
        except ValueError as exc:
            raise MetadataError(f"exiftool gave unreadable JSON: {exc}") from exc
        by_name = {str(r.get("SourceFile")): r for r in records if isinstance(r, dict)}
        return [by_name.get(name, {}) for name in names]

    def write(self, path: Path, tags: dict[str, object], *, out: Path | None = None) -> None:
        """Write ``tags`` (``{"GPSLatitude": 1.5, ...}``, numeric values) into ``path``.

        With ``out`` the tagged copy goes there; otherwise the file is replaced through
        exiftool's own temporary file (never left half-written).
        """
        args = ["-n", "-m"]
        for name, value in tags.items():
            if not (str(name).isalnum() and stream_safe(str(value))):
                raise ValueError(f"tag {name!r}={value!r} cannot be written through exiftool")
            args.append(f"-{name}={value}")
        if out is not None:
            args += ["-o", _arg(out)]
        else:
            args.append("-overwrite_original")
        result = self.execute(*args, _arg(path))
        if "1 image files" not in result:  # "... updated" in place, "... created" with out
            raise MetadataError(f"exiftool did not write the tags: {result.strip()}", path=path)

    def close(self) -> None:
        with self._lock:
            if self._et is not None:
                try:
                    self._et.terminate()
                except Exception:  # the process may already be gone at interpreter exit
                    log.debug("exiftool did not terminate cleanly")
                self._et = None


def _reason(exc: BaseException) -> str:
    """exiftool's own warnings and errors from a pyexiftool failure, without file names.

    ``Warning: Corrupted PNG image - x.png`` and ``Error: Error writing output file - x.png``
    become ``Corrupted PNG image; Error writing output file``.
    """
    stderr = getattr(exc, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    said: list[str] = []
    for line in str(stderr or "").splitlines():
        kind, _, text = line.strip().partition(": ")
        if kind in ("Warning", "Error") and text:
            text = text.rsplit(" - ", 1)[0].strip()
            if text not in said:
                said.append(text)
    return "; ".join(said) if said else str(exc)


def tag_copy(source: Path, tags: dict[str, object], *, tool: ExifTool | None = None) -> Path:
    """A tagged copy of ``source`` in a private temporary file; ``source`` is not touched.

    exiftool only ever sees the copy's own safe name, whatever ``source`` is called. The
    caller moves the copy where it belongs (:func:`vfx.io.files.publish` after a copy beside
    the destination) and removes it.

    Raises
    ------
    MetadataError
        When exiftool cannot write the tags; the message names ``source`` and gives exiftool's
        reason (``Error: Corrupted JPEG image``, ``Not a valid PNG``).
    """
    tool = tool or exiftool()
    fd, name = tempfile.mkstemp(prefix="vfx-tag-", suffix=_safe_suffix(source))
    os.close(fd)
    work = Path(name)
    try:
        if not stream_safe(name):
            raise MetadataError("the temporary folder's name holds a line break", path=work)
        shutil.copyfile(source, work)
        try:
            tool.write(work, tags)
        except MetadataError as exc:
            why = exc.message.removeprefix("exiftool failed: ").replace(str(work), source.name)
            raise MetadataError(f"exiftool cannot tag it: {why}", path=source) from exc
    except OSError as exc:
        work.unlink(missing_ok=True)
        raise MetadataError(
            f"cannot make a tagged copy ({exc.strerror or exc})", path=source
        ) from exc
    except BaseException:
        work.unlink(missing_ok=True)
        raise
    return work


_shared: ExifTool | None = None
_shared_lock = threading.Lock()


def exiftool() -> ExifTool:
    """The process-wide :class:`ExifTool`, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ExifTool()
            atexit.register(_shared.close)
        return _shared


_LINE = re.compile(r"^\[(Doc\d+|Main|Track\d+|[\w-]+)\]\s+(\w+)\s*:\s?(.*)$")


#: Limits of the ``-ee`` fallback, which reads a whole telemetry track in Perl: on a long or
#: crafted file it grew past 4.6 GB and ran for minutes.
EMBEDDED_TIMEOUT_S = 120.0
EMBEDDED_MEMORY_BYTES = 2 * 1024**3


def _limit_memory() -> None:  # pragma: no cover - runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (EMBEDDED_MEMORY_BYTES, EMBEDDED_MEMORY_BYTES))


def read_embedded_docs(
    path: Path, *, timeout_s: float | None = None
) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """``exiftool -ee`` of a video: the main tags and, per embedded document, its tag list.

    Tags repeat inside a document (a GPS sample holds many points), so each document is a list
    of ``(tag, value)`` pairs in file order. Values are exiftool's numeric (``-n``) form.

    Runs in a process of its own (not the shared one), limited to
    :data:`EMBEDDED_MEMORY_BYTES` of memory and ``timeout_s`` (default
    :data:`EMBEDDED_TIMEOUT_S`) seconds, and killed at once on Ctrl-C or a signal.

    Raises
    ------
    ToolNotFoundError
        When exiftool is not installed.
    MetadataError
        When exiftool fails, runs out of time or memory.
    """
    import subprocess
    import sys

    exe = shutil.which("exiftool")
    if exe is None:
        raise ToolNotFoundError("exiftool is not installed", hint=_HINT)
    limit = EMBEDDED_TIMEOUT_S if timeout_s is None else timeout_s
    args = [exe, "-ee", "-n", "-a", "-G3", "-s", "-api", "LargeFileSupport=1"]
    args += ["-charset", "filename=utf8", _arg(path)]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory if sys.platform.startswith("linux") else None,
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise MetadataError(
            f"exiftool took more than {limit:g} s reading the embedded telemetry; stopped",
            path=path,
        ) from None
    except BaseException:  # Ctrl-C, a signal: the child goes with us, at once
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0 and not out:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        why = reason[-1] if reason else f"exit code {proc.returncode}"
        if proc.returncode < 0 or "Out of memory" in why:
            why = "ran out of memory or was stopped"
        raise MetadataError(f"exiftool failed on the embedded telemetry: {why}", path=path)
    main: dict[str, str] = {}
    docs: dict[str, list[tuple[str, str]]] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        group, tag, value = m.groups()
        if group.startswith("Doc"):
            docs.setdefault(group, []).append((tag, value.strip()))
        else:
            main.setdefault(tag, value.strip())
    return main, docs
