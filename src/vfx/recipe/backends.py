"""Where a recipe's inputs run when there are many: worker processes on this machine, or a
Dask scheduler's workers. Each backend calls :func:`vfx.recipe.task.run_one` per input and
hands each result to ``record`` as it comes."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import suppress
from pathlib import Path
from typing import Any

from vfx.errors import ParameterError
from vfx.recipe.schema import Recipe
from vfx.recipe.task import InputResult, lost_result, run_one
from vfx.workers import available_cores

log = logging.getLogger("vfx")

__all__ = [
    "DASK_NO_WORKER_S",
    "run_dask",
    "run_processes",
]


def run_processes(
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
            initargs=(os.getpid(), worker_setup),
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
                        record(
                            lost_result(video, recipe, "its worker process died (killed?), twice")
                        )
                    else:
                        queue.appendleft(video)
                log.warning("a worker process died; %d inputs go to a new pool", len(queue))
        except BaseException:
            _stop_pool(pool)
            raise
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


_BUSY = False  # in a worker process: whether it is running an input now
_PARENT: int | None = None  # in a worker process: the run's process


def _die_with(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when ``parent`` ends, even by ``kill -9``
    (``PR_SET_PDEATHSIG``), and end now if it already has; elsewhere a no-op. SIGTERM, not
    SIGKILL, so that a busy worker removes its temporary files on the way out."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(128 + signal.SIGTERM)


def _worker_setup(parent: int, setup: Callable[[], None] | None = None) -> None:
    """A worker process's set-up: it ends with ``parent`` (the run) however the run ends, the
    caller's ``setup`` runs, and Ctrl-C or SIGTERM are handled as the command handles them: a
    busy worker stops its input cleanly (records what it wrote, removes its temporary
    files), an idle one just ends, without a traceback."""
    import signal

    def stop(signum: int, frame: object) -> None:
        if _BUSY:
            raise KeyboardInterrupt
        os._exit(128 + signum)

    global _PARENT
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    _PARENT = parent
    _die_with(parent)
    if setup is not None:
        setup()


def _worker_run(recipe: Recipe, video: str, out_base: str, stem: str, threads: int) -> InputResult:
    """One input in a worker process whose share of the cores is ``threads`` (its thread
    pools and OpenCV's are sized to it, not to the whole machine)."""
    global _BUSY
    import cv2

    cv2.setNumThreads(threads)
    _BUSY = True
    try:
        return run_one(recipe, video, out_base, stem, threads=threads)
    except KeyboardInterrupt:
        if _PARENT is not None and os.getppid() != _PARENT:
            # The run was killed: its input stopped cleanly, and there is nobody to report
            # to (waiting for the next input would wait for ever).
            os._exit(143)
        raise
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
        record(lost_result(video, recipe, f"Dask: {type(exc).__name__}: {exc}"))
        return
    missing = [p for p in result.outputs if not Path(p).exists()]
    if missing:  # a worker with its own file system wrote elsewhere
        record(
            lost_result(
                video,
                recipe,
                f"the worker reported {len(missing)} outputs this machine cannot see "
                f"(first: {missing[0]}); the output folder must be shared",
            )
        )
        return
    record(result)


def run_dask(
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
                        lost_result(
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
