"""One long-lived exiftool process for the whole run (through pyexiftool).

exiftool reads telemetry of cameras vfx has no reader for (``-ee``: Insta360, DJI, BlackVue,
Garmin, Nextbase, ...) and writes tags into images vfx did not create (``vfx geotag``). File
names are always passed as absolute paths, so a name starting with ``-`` can never be read as
an option.
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from vfx.errors import MetadataError, ToolNotFoundError

__all__ = ["ExifTool", "exiftool", "read_embedded_docs"]

log = logging.getLogger("vfx")

_HINT = "install it: sudo apt-get install libimage-exiftool-perl"


def _arg(path: str | Path) -> str:
    """A file argument exiftool cannot mistake for an option."""
    return str(Path(path).absolute())


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

    def execute(self, *args: str) -> str:
        """Run one exiftool command in the shared process and return its standard output."""
        with self._lock:
            et = self._process()
            try:
                return str(et.execute(*args))
            except Exception as exc:
                raise MetadataError(f"exiftool failed: {exc}") from exc

    def read_json(self, paths: list[Path], *args: str) -> list[dict[str, Any]]:
        """``exiftool -j`` over ``paths`` with extra ``args``."""
        import json

        text = self.execute("-j", *args, *[_arg(p) for p in paths])
        try:
            return list(json.loads(text)) if text.strip() else []
        except ValueError as exc:
            raise MetadataError(f"exiftool gave unreadable JSON: {exc}") from exc

    def write(self, path: Path, tags: dict[str, object], *, out: Path | None = None) -> None:
        """Write ``tags`` (``{"GPSLatitude": 1.5, ...}``, numeric values) into ``path``.

        With ``out`` the tagged copy goes there; otherwise the file is replaced through
        exiftool's own temporary file (never left half-written).
        """
        args = ["-n", "-m"]
        for name, value in tags.items():
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
