"""Run a recipe over many videos: in this process, in parallel processes, or on Dask.

Each video is one task (:func:`vfx.recipe.task.run_one`): its steps run in order in its own output
folder, in this process or on a backend (:mod:`vfx.recipe.backends`). One failing video is recorded
with its one-line reason and the others go on. ``run.json`` in the output folder is the manifest
(:mod:`vfx.recipe.manifest`): per recipe run into that folder, the recipe's hash and per input its
status, outputs and error. It is rewritten (atomically) after every finished input, so an
interrupted batch resumes where it stopped: inputs whose outputs are complete under the same recipe
hash are skipped.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vfx.errors import ParameterError, RecipeError
from vfx.io.files import prepare_output_dir
from vfx.recipe.backends import run_dask, run_processes
from vfx.recipe.manifest import MANIFEST, is_complete, load_manifest, update_manifest
from vfx.recipe.schema import Recipe, find_recipe
from vfx.recipe.task import InputResult, run_one
from vfx.workers import available_cores

__all__ = [
    "RunResult",
    "expand_inputs",
    "run_recipe",
]

log = logging.getLogger("vfx")

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mts", ".m2ts", ".360")


@dataclass
class RunResult:
    recipe: str
    recipe_hash: str
    out_dir: Path
    manifest: Path
    results: list[InputResult]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[InputResult]:
        return [r for r in self.results if r.status == "failed"]


def expand_inputs(inputs: Iterable[str | Path], *, recursive: bool = False) -> list[Path]:
    """Videos named by ``inputs``: files, folders (searched for videos) and glob patterns."""
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found += sorted(
                p for p in path.glob(pattern) if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
            )
        elif path.exists():
            found.append(path)
        elif any(ch in text for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=recursive))
            if not matches:
                raise ParameterError(f"{text}: the pattern matches no files")
            found += [m for m in matches if m.is_file()]
        else:
            raise ParameterError(f"{text}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise ParameterError("no videos found in the inputs")
    return unique


def run_recipe(
    recipe: Recipe | str | Path,
    inputs: Iterable[str | Path],
    out_dir: str | Path | None = None,
    *,
    jobs: int | None = None,
    dask: str | None = None,
    recursive: bool = False,
    on_result: Callable[[InputResult], None] | None = None,
    worker_setup: Callable[[], None] | None = None,
) -> RunResult:
    """Run ``recipe`` (a :class:`Recipe`, a file or a built-in name) over ``inputs``.

    ``jobs`` worker processes (default: the number of cores; 1 runs in this process), or, with
    ``dask``, tasks on the Dask scheduler at that address (``tcp://host:8786``) or an existing
    ``distributed.Client``. Returns the per-input results; ``run.json`` in ``out_dir`` (default
    the current folder) records them.

    Each of the ``jobs`` worker processes sizes its thread pools to its share of the cores,
    and calls ``worker_setup`` (a module-level function, so that it reaches a new process) once
    when it starts: the ``vfx`` command passes its allocator tuning there.
    """
    if not isinstance(recipe, Recipe):
        recipe = find_recipe(recipe)
    if isinstance(inputs, str | Path):  # one input, not the characters of its name
        inputs = [inputs]
    videos = expand_inputs(inputs, recursive=recursive)
    stems = _distinct_folders(recipe, videos)
    # Absolute, so that workers (other processes, Dask workers in other folders) write where
    # the client looks.
    out = prepare_output_dir(out_dir or Path.cwd()).resolve()
    manifest_path = out / MANIFEST
    manifest = load_manifest(manifest_path)
    runs: dict[str, Any] = dict(manifest.get("recipes", {}))
    entries: dict[str, Any] = dict(runs.get(recipe.name, {}).get("inputs", {}))
    results: dict[str, InputResult] = {}
    todo: list[str] = []
    for video in videos:
        key = str(video)
        if is_complete(entries.get(key), recipe.hash):
            prior = entries[key]
            results[key] = InputResult(
                key, "skipped", list(prior.get("outputs", [])), None, 0.0, recipe.hash
            )
            if on_result:
                on_result(results[key])
        else:
            todo.append(key)

    def record(result: InputResult) -> None:
        results[result.video] = result
        entry = asdict(result) | ({"status": "done"} if result.status == "skipped" else {})
        entries[result.video] = entry
        update_manifest(manifest_path, recipe, result.video, entry)
        if on_result:
            on_result(result)

    try:
        if dask is not None:
            run_dask(recipe, todo, out, dask, record, stems)
        elif (jobs or available_cores()) <= 1 or len(todo) <= 1:
            for key in todo:
                record(run_one(recipe, key, str(out), stems[key]))
        else:
            workers = jobs or available_cores()
            run_processes(recipe, todo, out, workers, record, stems, worker_setup)
    except KeyboardInterrupt:
        finished = sum(r.status != "skipped" for r in results.values())
        log.warning(
            "%s: interrupted after %d of %d inputs; run.json lists them and a re-run resumes",
            recipe.name,
            finished,
            len(todo),
        )
        raise
    ordered = [results[str(v)] for v in videos]
    return RunResult(recipe.name, recipe.hash, out, manifest_path, ordered)


def _distinct_folders(recipe: Recipe, videos: list[Path]) -> dict[str, str]:
    """Each video's ``{stem}`` (distinct where camera names repeat, :mod:`vfx.io.naming`).

    Raises RecipeError before any work when two videos would still write the same files: a
    folder template without ``{stem}`` puts them in one folder, where the steps name their
    files after the video's own stem.
    """
    from vfx.io.naming import input_names

    names = input_names(videos)
    seen: dict[tuple[str, str], Path] = {}
    for name in names:
        key = (recipe.output_folder(name.stem).casefold(), name.path.stem.casefold())
        if key in seen:
            raise RecipeError(
                f"{seen[key]} and {name.path} would write the same files into "
                f"{recipe.output_folder(name.stem)!r}; put {{stem}} in the recipe's folder "
                "template or run them separately",
                path=recipe.path,
            )
        seen[key] = name.path
    return {str(n.path): n.stem for n in names}
