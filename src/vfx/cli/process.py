"""Process-wide settings of the ``vfx`` command and its worker processes: the one place.

Only :mod:`vfx.__main__` and the CLI read or set these; library code takes what it needs as
arguments (threads, a plot helper, a worker set-up), so a program that imports vfx gets none
of it and behaves the same.

glibc's allocator hands the memory of a freed large block (a decoded frame: 750 KB at 500x500,
6 MB at 1080p) back to the kernel, so the next frame of the same size page-faults all of it in
again: on a 1800-frame motion pass that was 390,000 page faults and a quarter of the CPU time in
the kernel. Raising the mmap and trim thresholds keeps those blocks in the heap for reuse
(measured: 31,000 faults, system time 1.3 s -> 0.5 s). Memory freed stays reserved up to the
trim threshold, so the peak resident size does not grow with the video's length.

OpenBLAS (numpy's linear algebra) starts a thread per core when numpy is imported, and those
threads spin for a while after each call. vfx does its parallel work itself (codec threads,
worker processes) and its matrix products are small, so the command keeps OpenBLAS to one
thread: numpy's import costs 60 instead of 120 ms of CPU, and no thread spins beside a pass
that needs both cores. Set ``OPENBLAS_NUM_THREADS`` to override.

Python's cycle collector walks every tracked object on each full collection, and the command's
imports (typer, numpy, OpenCV, matplotlib) leave a few hundred thousand of them that are never
garbage. Freezing them once the command has started, and collecting the youngest generation
every 10,000 instead of 700 allocations, cuts the collector's share of a motion pass (3 % of
its CPU time) to almost nothing; vfx makes few reference cycles.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "OWNS_PROCESS",
    "opencv_threads",
    "single_threaded_blas",
    "tune_allocator",
    "tune_collector",
    "tune_worker",
]

#: True when this process is the ``vfx`` command itself (set by :func:`vfx.__main__.main`):
#: only then may a command fork a helper process (the QoM plot's, see :mod:`vfx.io.plot`).
#: A program that imports vfx, or calls :func:`vfx.cli.run`, is never forked.
OWNS_PROCESS = False

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's own upper limit for its adaptive threshold
_TRIM_THRESHOLD = 128 * 1024 * 1024


def tune_allocator() -> bool:
    """Keep large freed blocks for reuse (glibc only); True when the settings were applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        # glibc's soname; ctypes.util.find_library would cost 15 ms (it runs ldconfig)
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


def single_threaded_blas() -> None:
    """One OpenBLAS thread unless the environment says otherwise; must run before numpy loads."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def tune_collector() -> None:
    """Freeze the objects that exist now (the imported modules) out of the cycle collector's
    full collections, and collect the youngest generation less often."""
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(10_000, second, third)


@contextmanager
def opencv_threads(count: int) -> Iterator[None]:
    """OpenCV's (process-wide) thread pool at ``count`` threads for a block, as it was after.

    For the vfx command and its worker processes only: the motion pass runs its own two busy
    threads, and OpenCV's pool on top of them cost 25 % in contention (measured).
    """
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(count)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


class _WorkerLines(logging.Handler):
    """A worker's log records as the command prints its own: ``vfx: warning: ...``, one line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = " ".join(record.getMessage().split())
            sys.stderr.write(f"vfx: {record.levelname.lower()}: {text}\n")
            sys.stderr.flush()
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def tune_worker() -> None:
    """The set-up of a ``vfx run --jobs N`` worker process that this command starts (given to
    :func:`vfx.recipe.runner.run_recipe` as ``worker_setup``): the allocator tuning, and the
    library's warnings printed as the command prints them."""
    tune_allocator()
    logger = logging.getLogger("vfx")
    logger.addHandler(_WorkerLines())
    logger.setLevel(logging.WARNING)
    logger.propagate = False
