"""Output names for a batch of inputs: distinct even where camera file names repeat.

Cameras name files the same on every card (``GX010001.MP4``), so a season of footage holds many
inputs with one stem. Outputs are named after the stem (``<stem>_000012.tiff``,
``<stem>_keyframes/``), so inputs sharing a stem in one command or run get names that tell them
apart: the names of the folders above them, as few as needed, joined with ``_``
(``day1/GX010001.MP4`` and ``day2/GX010001.MP4`` become ``day1_GX010001`` and
``day2_GX010001``; ``clip.mp4`` beside ``clip.mov`` become ``clip_mp4`` and ``clip_mov``). An
input whose stem no other input shares keeps its plain stem, so a single video is named as
always. The ``source`` column of frames.csv is the input's name with those folders
(``day1/GX010001.MP4``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["InputName", "input_names", "source_id"]


@dataclass(frozen=True)
class InputName:
    """How one input's outputs are named: ``stem`` for files and default folders, ``source``
    for the frames.csv ``source`` column and ``vfx:SourceVideo``."""

    path: Path
    stem: str
    source: str


def _candidates(path: Path) -> list[tuple[str, str]]:
    """(stem, source) pairs for ``path``, from the plainest to the most specific."""
    parents = [p.name for p in path.resolve().parents if p.name]
    out = [(path.stem, path.name)]
    for depth in range(1, len(parents) + 1):
        above = list(reversed(parents[:depth]))
        out.append(("_".join([*above, path.stem]), "/".join([*above, path.name])))
    suffix = path.suffix.lstrip(".")
    if suffix:  # same folder, same stem, other container
        out.append((f"{path.stem}_{suffix}", path.name))
    return out


def input_names(paths: Sequence[Path]) -> list[InputName]:
    """Distinct output names for ``paths`` (in order; see the module docstring)."""
    choices = [_candidates(Path(p)) for p in paths]
    level = [0] * len(paths)
    while True:
        stems = [c[min(k, len(c) - 1)][0] for c, k in zip(choices, level, strict=True)]
        counts = Counter(s.casefold() for s in stems)  # case-insensitive file systems too
        clash = [i for i, s in enumerate(stems) if counts[s.casefold()] > 1]
        movable = [i for i in clash if level[i] < len(choices[i]) - 1]
        if not movable:
            break
        for i in movable:
            level[i] += 1
    names = []
    seen: Counter[str] = Counter()
    for path, c, k in zip(paths, choices, level, strict=True):
        stem, source = c[min(k, len(c) - 1)]
        seen[stem.casefold()] += 1
        if seen[stem.casefold()] > 1:  # the same file named twice: number the repeats
            stem = f"{stem}_{seen[stem.casefold()]}"
        names.append(InputName(Path(path), stem, source))
    return names


def source_id(path: Path) -> str:
    """The input's size and modification time (``bytes:mtime_ns``): frames.csv records it, so
    that a re-run takes only images made from this very file as already there."""
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"
