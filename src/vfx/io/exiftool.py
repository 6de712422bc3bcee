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


def read_embedded_docs(path: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """``exiftool -ee`` of a video: the main tags and, per embedded document, its tag list.

    Tags repeat inside a document (a GPS sample holds many points), so each document is a list
    of ``(tag, value)`` pairs in file order. Values are exiftool's numeric (``-n``) form.
    """
    text = exiftool().execute(
        "-ee", "-n", "-a", "-G3", "-s", "-api", "LargeFileSupport=1", _arg(path)
    )
    main: dict[str, str] = {}
    docs: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        group, tag, value = m.groups()
        if group.startswith("Doc"):
            docs.setdefault(group, []).append((tag, value.strip()))
        else:
            main.setdefault(tag, value.strip())
    return main, docs
