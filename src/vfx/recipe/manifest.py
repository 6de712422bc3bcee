"""``run.json``: what a recipe run did per input, read at the start so that a re-run skips what
is done, and updated under a lock after each input so that two runs into one folder keep each
other's entries."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from vfx.io.files import folder_lock, read_json, write_text
from vfx.io.images import looks_complete
from vfx.io.sources import IMAGE_SUFFIXES
from vfx.recipe.schema import Recipe

log = logging.getLogger("vfx")

__all__ = [
    "MANIFEST",
    "is_complete",
    "load_manifest",
    "update_manifest",
]


MANIFEST = "run.json"


def load_manifest(path: Path) -> dict[str, Any]:
    """``run.json`` as ``{"recipes": {name: {"recipe_hash": ..., "inputs": {...}}}}``; a file
    that is not one (unreadable, or of another shape) is warned about and taken as empty, so
    that the run starts afresh rather than failing on it."""
    if not path.is_file():
        return {}
    try:
        data = read_json(path)
    except (OSError, ValueError):
        log.warning("%s: unreadable manifest; starting afresh", path)
        return {}
    recipes = data.get("recipes", {}) if isinstance(data, dict) else None
    if not isinstance(recipes, dict) or not all(
        isinstance(r, dict) and isinstance(r.get("inputs", {}), dict) for r in recipes.values()
    ):
        log.warning("%s: not a manifest of vfx run; starting afresh", path)
        return {}
    return data


def is_complete(entry: dict[str, Any] | None, recipe_hash: str) -> bool:
    """Whether an input's recorded run can be skipped: done under the same recipe, and every
    output it lists still there and whole (images judged as a keyframes re-run judges them,
    :func:`vfx.io.images.looks_complete`; other files must not be empty)."""
    if not isinstance(entry, dict) or entry.get("status") not in ("done", "skipped"):
        return False
    if entry.get("recipe_hash") != recipe_hash:
        return False
    outputs = entry.get("outputs") or []
    if not isinstance(outputs, list) or not outputs:
        return False
    return all(_whole(Path(str(p))) for p in outputs)


def _whole(path: Path) -> bool:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return looks_complete(path)
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def update_manifest(path: Path, recipe: Recipe, video: str, entry: dict[str, Any]) -> None:
    """Record one input's outcome in run.json, read afresh and rewritten under a lock, so
    that two runs writing into one folder keep each other's entries."""
    with folder_lock(path.parent):
        runs: dict[str, Any] = dict(load_manifest(path).get("recipes", {}))
        run = dict(runs.get(recipe.name, {}))
        inputs = dict(run.get("inputs", {}))
        inputs[video] = entry
        runs[recipe.name] = {"recipe_hash": recipe.hash, "inputs": inputs}
        write_text(path, json.dumps({"recipes": runs}, indent=1) + "\n")
