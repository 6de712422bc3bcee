"""What a folder vfx wrote holds, its contents list: ``vfx.json``, one entry per file vfx made
in it (a recipe's ``run.json`` is another thing: the state of a batch).

Each command and recipe step records its outputs when they are written: what each file is
(a caption a person reads), its kind (``picture``, ``figure``, ``video``, ``mask``,
``table``, ``data``; a folder's frames are named by its ``frames.csv``, recorded as a
table), the command and options that made it, the source and time range. The report and the
library read it instead of guessing from file names; a file the list does not name is not
vfx's.

The document is rewritten whole (written beside and renamed, under a lock on the folder), so
two commands writing into one folder each keep their entries and a reader never sees half a
file. Entries of files that no longer exist are dropped when it is rewritten.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vfx.io.files import folder_lock, read_json, write_text

__all__ = ["CONTENTS_NAME", "KINDS", "Output", "read_contents", "record_outputs"]

CONTENTS_NAME = "vfx.json"
#: What an output can be, in the order a report shows them.
KINDS = ("picture", "figure", "video", "mask", "table", "data")
_VERSION = 1


@dataclass
class Output:
    """One file vfx wrote: ``file`` is its path relative to the contents list's folder."""

    file: str
    what: str
    kind: str
    command: str
    options: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")


def _plain(value: Any) -> Any:
    """``value`` as JSON holds it: paths as text, numbers finite or None, tuples as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def record_outputs(folder: str | Path, outputs: list[Output]) -> Path:
    """Add ``outputs`` (files in ``folder``) to its contents list, replacing earlier entries of the
    same files; returns the list's path."""
    folder = Path(folder)
    path = folder / CONTENTS_NAME
    with folder_lock(folder):
        entries = {o.file: o for o in read_contents(folder, keep_missing=False) or []}
        for output in outputs:
            entries[output.file] = output
        doc = {
            "vfx_contents": _VERSION,
            "outputs": [_plain(asdict(o)) for o in entries.values()],
        }
        write_text(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return path


def read_contents(folder: str | Path, *, keep_missing: bool = True) -> list[Output] | None:
    """The outputs recorded in ``folder``'s contents list, or None when it has none (or one vfx
    cannot read). ``keep_missing=False`` leaves out files that are gone."""
    folder = Path(folder)
    try:
        doc = read_json(folder / CONTENTS_NAME)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("outputs"), list):
        return None
    outputs = []
    for item in doc["outputs"]:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            continue
        try:
            output = Output(
                file=item["file"],
                what=str(item.get("what", "")),
                kind=str(item.get("kind", "data")),
                command=str(item.get("command", "")),
                options=item.get("options") if isinstance(item.get("options"), dict) else {},
                source=str(item.get("source") or ""),
                start_s=_number(item.get("start_s")),
                end_s=_number(item.get("end_s")),
            )
        except ValueError:
            continue
        name = Path(output.file)
        if name.is_absolute() or ".." in name.parts:
            continue  # the list only speaks of its own folder
        if keep_missing or (folder / name).is_file():
            outputs.append(output)
    return outputs


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
