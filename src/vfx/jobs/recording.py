"""Each job's outputs recorded in its folder's contents list (:mod:`vfx.io.contents`), as the job
finishes: what each file is and the command, options, source and time range that made it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vfx.io.contents import Output, record_outputs

__all__ = ["note_files", "note_outputs"]


def note_outputs(
    command: str,
    files: Iterable[tuple[Path, str, str]],
    *,
    options: dict[str, Any] | None = None,
    source: str | Path | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
) -> None:
    """Record ``files`` (each ``(path, what, kind)``) as made by ``vfx <command>`` with
    ``options``, from ``source`` between ``start_s`` and ``end_s``, in the contents list of each
    file's folder."""
    by_folder: dict[Path, list[Output]] = {}
    for path, what, kind in files:
        path = Path(path)
        by_folder.setdefault(path.parent, []).append(
            Output(
                file=path.name,
                what=what,
                kind=kind,
                command=command,
                options=dict(options or {}),
                source=str(source) if source is not None else "",
                start_s=start_s,
                end_s=end_s,
            )
        )
    for folder, outputs in by_folder.items():
        record_outputs(folder, outputs)


def note_files(
    command: str,
    files: dict[str, Path],
    captions: dict[str, tuple[str, str]],
    *,
    options: dict[str, Any] | None = None,
    source: str | Path | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
) -> None:
    """:func:`note_outputs` for a job's ``files`` by output name, each captioned by
    ``captions[name]`` (``(what, kind)``; a name it lacks is recorded as data)."""
    note_outputs(
        command,
        [(path, *captions.get(name, (name.replace("_", " ").capitalize(), "data")))
         for name, path in files.items()],
        options=options,
        source=source,
        start_s=start_s,
        end_s=end_s,
    )  # fmt: skip
