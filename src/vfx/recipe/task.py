"""One input of a recipe run: its steps in order, and what came of it (:class:`InputResult`).

:func:`run_one` is what every backend (this process, worker processes, Dask) runs per video;
it never raises for the video's own problems, which become a failed result.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from vfx.errors import VfxError
from vfx.io.files import prepare_output_dir
from vfx.recipe.registry import STEPS, StepContext
from vfx.recipe.schema import Recipe

log = logging.getLogger("vfx")

__all__ = [
    "InputResult",
    "lost_result",
    "run_one",
]


@dataclass
class InputResult:
    """How one input went: ``done``, ``skipped`` (complete from an earlier run) or ``failed``."""

    video: str
    status: str
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    recipe_hash: str = ""


def run_one(
    recipe: Recipe,
    video: str,
    out_base: str,
    stem: str | None = None,
    *,
    threads: int | None = None,
) -> InputResult:
    """Run every step of ``recipe`` on one video; never raises for the video's own problems.

    ``stem`` names the video's folder (``{stem}`` in the recipe's template); by default the
    video's own stem (:func:`vfx.io.naming.input_names` gives distinct ones for a batch).
    ``threads`` sizes the steps' thread pools (default: the process's cores).
    """
    start = time.perf_counter()
    path = Path(video)
    try:
        out_dir = prepare_output_dir(Path(out_base) / recipe.output_folder(stem or path.stem))
        ctx = StepContext(
            video=path,
            out_dir=out_dir,
            frames=recipe.frames,
            select=recipe.select,
            image_format=recipe.image_format,
            quality=recipe.quality,
            threads=threads,
        )
        outputs: list[Path] = []
        for step in recipe.steps:
            outputs += STEPS[step.name].run(ctx, dict(step.options))
    except VfxError as exc:
        return InputResult(
            video, "failed", [], " ".join(str(exc).split()), _since(start), recipe.hash
        )
    except Exception as exc:  # a bug or a library failure: record it, keep the batch going
        log.debug("%s failed", video, exc_info=True)
        reason = f"{video}: {type(exc).__name__}: {' '.join(str(exc).split())}"
        return InputResult(video, "failed", [], reason, _since(start), recipe.hash)
    return InputResult(video, "done", [str(p) for p in outputs], None, _since(start), recipe.hash)


def _since(start: float) -> float:
    return round(time.perf_counter() - start, 3)


def lost_result(video: str, recipe: Recipe, why: str) -> InputResult:
    return InputResult(video, "failed", [], f"{video}: {why}", 0.0, recipe.hash)
