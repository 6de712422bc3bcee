"""Run a recipe over many videos: in this process, in parallel processes, or on Dask.

Each video is one task (:func:`run_one`): its steps run in order in its own output folder.
One failing video is recorded with its one-line reason and the others go on. ``run.json`` in
the output folder is the manifest: per recipe run into that folder, the recipe's hash and per
input its status, outputs and error. It is rewritten (atomically) after every finished input,
so an interrupted batch resumes where it stopped: inputs whose outputs are complete under the
same recipe hash are skipped.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vfx.errors import ParameterError, RecipeError, VfxError
from vfx.io.files import folder_lock, prepare_output_dir, read_json, write_text
from vfx.recipe.registry import STEPS, StepContext
from vfx.recipe.schema import Recipe, find_recipe
from vfx.workers import available_cores

__all__ = ["MANIFEST", "InputResult", "RunResult", "expand_inputs", "run_one", "run_recipe"]

log = logging.getLogger("vfx")

MANIFEST = "run.json"
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mts", ".m2ts", ".360")


@dataclass
class InputResult:
    """How one input went: ``done``, ``skipped`` (complete from an earlier run) or ``failed``."""

    video: str
    status: str
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    recipe_hash: str = ""


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
    video's own stem (:func:`vfx.jobs.naming.input_names` gives distinct ones for a batch).
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


def _load_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = read_json(path)
    except (OSError, ValueError):
        log.warning("%s: unreadable manifest; starting afresh", path)
        return {}
    return data if isinstance(data, dict) else {}


def _complete(entry: dict[str, Any] | None, recipe_hash: str) -> bool:
    if not entry or entry.get("status") not in ("done", "skipped"):
        return False
    if entry.get("recipe_hash") != recipe_hash:
        return False
    outputs = entry.get("outputs") or []
    return bool(outputs) and all(Path(p).exists() for p in outputs)


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
    manifest = _load_manifest(manifest_path)
    runs: dict[str, Any] = dict(manifest.get("recipes", {}))
    entries: dict[str, Any] = dict(runs.get(recipe.name, {}).get("inputs", {}))
    results: dict[str, InputResult] = {}
    todo: list[str] = []
    for video in videos:
        key = str(video)
        if _complete(entries.get(key), recipe.hash):
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
        _update_manifest(manifest_path, recipe, result.video, entry)
        if on_result:
            on_result(result)

    try:
        if dask is not None:
            _run_dask(recipe, todo, out, dask, record, stems)
        elif (jobs or available_cores()) <= 1 or len(todo) <= 1:
            for key in todo:
                record(run_one(recipe, key, str(out), stems[key]))
        else:
            workers = jobs or available_cores()
            _run_processes(recipe, todo, out, workers, record, stems, worker_setup)
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


def _update_manifest(path: Path, recipe: Recipe, video: str, entry: dict[str, Any]) -> None:
    """Record one input's outcome in run.json, read afresh and rewritten under a lock, so
    that two runs writing into one folder keep each other's entries."""
    with folder_lock(path.parent):
        runs: dict[str, Any] = dict(_load_manifest(path).get("recipes", {}))
        run = dict(runs.get(recipe.name, {}))
        inputs = dict(run.get("inputs", {}))
        inputs[video] = entry
        runs[recipe.name] = {"recipe_hash": recipe.hash, "inputs": inputs}
        write_text(path, json.dumps({"recipes": runs}, indent=1) + "\n")


def _lost(video: str, recipe: Recipe, why: str) -> InputResult:
    return InputResult(video, "failed", [], f"{video}: {why}", 0.0, recipe.hash)


def _distinct_folders(recipe: Recipe, videos: list[Path]) -> dict[str, str]:
    """Each video's ``{stem}`` (distinct where camera names repeat, :mod:`vfx.jobs.naming`).

    Raises RecipeError before any work when two videos would still write the same files: a
    folder template without ``{stem}`` puts them in one folder, where the steps name their
    files after the video's own stem.
    """
    from vfx.jobs.naming import input_names

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


def _run_processes(
    recipe: Recipe,
    todo: list[str],
    out: Path,
    jobs: int,
    record: Callable[[InputResult], None],
    stems: dict[str, str],
    worker_setup: Callable[[], None] | None = None,
) -> None:
    """Run the inputs on ``jobs`` worker processes, one input per worker at a time.

    A worker that dies (killed, out of memory, a crash in a library) takes down the pool: the
    inputs that were running are tried once more in a new pool (which of them killed it cannot
    be told), and an input running in two pools that died fails with the reason, in its own
    row. On Ctrl-C or a signal the workers are stopped at once; what finished stays recorded.
    """
    import multiprocessing
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")  # no forked threads or exiftool pipes
    queue = deque(todo)
    deaths: dict[str, int] = {}
    while queue:
        pool = ProcessPoolExecutor(
            max_workers=min(jobs, len(queue)),
            mp_context=context,
            initializer=_worker_setup,
            initargs=(worker_setup,),
        )
        running: dict[Future[InputResult], str] = {}
        broken = False
        try:
            while queue or running:
                while queue and len(running) < jobs:
                    video = queue.popleft()
                    share = max(1, available_cores() // jobs)
                    job = pool.submit(_worker_run, recipe, video, str(out), stems[video], share)
                    running[job] = video
                done, _ = wait(set(running), return_when=FIRST_COMPLETED)
                for future in done:
                    video = running.pop(future)
                    try:
                        record(future.result())
                    except BrokenProcessPool:
                        broken = True
                        running[future] = video
                if broken:
                    break
            if broken:
                for video in running.values():
                    deaths[video] = deaths.get(video, 0) + 1
                    if deaths[video] >= 2:
                        record(_lost(video, recipe, "its worker process died (killed?), twice"))
                    else:
                        queue.appendleft(video)
                log.warning("a worker process died; %d inputs go to a new pool", len(queue))
        except BaseException:
            _stop_pool(pool)
            raise
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


_BUSY = False  # in a worker process: whether it is running an input now


def _worker_setup(setup: Callable[[], None] | None = None) -> None:
    """A worker process's set-up: the caller's ``setup``, and Ctrl-C or SIGTERM handled as the
    command handles them: a busy worker stops its input cleanly (records what it wrote,
    removes its temporary files), an idle one just ends, without a traceback."""
    import signal

    if setup is not None:
        setup()

    def stop(signum: int, frame: object) -> None:
        if _BUSY:
            raise KeyboardInterrupt
        os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


def _worker_run(recipe: Recipe, video: str, out_base: str, stem: str, threads: int) -> InputResult:
    """One input in a worker process whose share of the cores is ``threads`` (its thread
    pools and OpenCV's are sized to it, not to the whole machine)."""
    global _BUSY
    import cv2

    cv2.setNumThreads(threads)
    _BUSY = True
    try:
        return run_one(recipe, video, out_base, stem, threads=threads)
    finally:
        _BUSY = False


def _stop_pool(pool: ProcessPoolExecutor, grace_s: float = 10.0) -> None:
    """Stop a pool's workers now (Ctrl-C, SIGTERM): no worker outlives the run.

    Each worker is interrupted as Ctrl-C would (it records what it wrote and removes its
    temporary files), and killed if it has not ended within ``grace_s``.
    """
    import signal

    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        with suppress(OSError, ValueError):
            os.kill(process.pid, signal.SIGINT)
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


#: How long a Dask run waits with no worker in the cluster before it fails what is left.
DASK_NO_WORKER_S = 60.0


def _record_dask(
    future: Any, video: str, recipe: Recipe, record: Callable[[InputResult], None]
) -> None:
    """One Dask task's outcome as that input's row."""
    try:
        result = future.result()
    except Exception as exc:  # KilledWorker, a lost worker, a cancelled task
        record(_lost(video, recipe, f"Dask: {type(exc).__name__}: {exc}"))
        return
    missing = [p for p in result.outputs if not Path(p).exists()]
    if missing:  # a worker with its own file system wrote elsewhere
        record(
            _lost(
                video,
                recipe,
                f"the worker reported {len(missing)} outputs this machine cannot see "
                f"(first: {missing[0]}); the output folder must be shared",
            )
        )
        return
    record(result)


def _run_dask(
    recipe: Recipe,
    todo: list[str],
    out: Path,
    address: Any,
    record: Callable[[InputResult], None],
    stems: dict[str, str],
) -> None:
    try:
        from distributed import Client
        from distributed import wait as dask_wait
    except ImportError as exc:
        raise ParameterError(
            "--dask needs the distributed package: pip install 'vfx[dask]'"
        ) from exc
    client = address if isinstance(address, Client) else Client(address)
    try:
        futures = {
            client.submit(run_one, recipe, video, str(out), stems[video], pure=False): video
            for video in todo
        }
        pending = set(futures)
        alone_since: float | None = None
        while pending:
            try:
                done, pending = dask_wait(pending, timeout=5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                _record_dask(future, futures[future], recipe, record)
            if done or not pending:
                alone_since = None
                continue
            # No progress for 5 s: is any worker left to do the rest?
            if client.scheduler_info().get("workers"):
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > DASK_NO_WORKER_S:
                for future in pending:
                    future.cancel()
                    record(
                        _lost(
                            futures[future],
                            recipe,
                            f"Dask: no worker left for {DASK_NO_WORKER_S:g} s; not run",
                        )
                    )
                log.warning("%s: the Dask cluster has no worker left", recipe.name)
                pending = set()
    finally:
        if client is not address:
            client.close()
