"""The quantity-of-motion plot as a PNG (matplotlib, headless Agg), drawn beside a motion pass.

matplotlib takes about 0.3 s of CPU to import, nearly all of it holding the GIL. Imported on a
thread during a motion pass, it stalls the pass's own Python by as much (every return from a
decoder or OpenCV call waits for the GIL); imported after the pass, it adds the same time at
the end. :class:`Plotter` instead forks a helper process before the pass starts: the helper
imports matplotlib on its own interpreter while the pass runs, then draws the figures it is sent
(measured on the 60 s motion benchmark: the pass 1.92 -> 1.77 s, against 1.66 s with no plot
at all).

The helper is forked only where that is safe: on Linux, from a process with no other Python
thread (the ``vfx`` command forks before its progress bar starts). It draws with matplotlib and
Pillow only, never OpenCV or FFmpeg, whose thread pools do not survive a fork, and writes its
file atomically like every vfx writer. Anywhere else, or if the helper fails, the plot is drawn
in this process, with matplotlib imported on a thread during the pass.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vfx.io.canvas import import_matplotlib, printable, save_figure, time_axes

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

__all__ = [
    "Plotter",
    "draw_qom",
    "draw_series",
    "draw_trails",
]

log = logging.getLogger("vfx")

#: How long the caller waits for the helper's plot before drawing it itself.
HELPER_TIMEOUT_S = 60.0


def draw_qom(
    path: str | Path, t: list[float], q: list[float], title: str, *, opencv: bool = True
) -> None:
    """Draw quantity of motion ``q`` against time ``t`` (seconds) into the PNG ``path``.

    ``opencv=False`` encodes the PNG with Pillow (matplotlib's own writer) instead of vfx's
    OpenCV writer, for a forked helper; the pixels are the same.
    """
    # The PNG at deflate level 1, not Pillow's default level (78 -> 36 ms in all, with the
    # fixed margins of time_axes).
    fig, ax = time_axes(8.0, 2.6)
    ax.plot(t, q, linewidth=0.8, color="#1f4e79")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("quantity of motion")
    ax.set_title(printable(title), fontsize=9)
    ax.set_xlim(t[0], t[-1] if t[-1] > t[0] else t[0] + 1)
    ax.set_ylim(bottom=0)
    save_figure(fig, path, opencv=opencv)


def draw_series(
    path: str | Path,
    t: list[float],
    series: dict[str, list[float]],
    *,
    ylabel: str,
    title: str,
) -> None:
    """Several series against time ``t`` (seconds), one line each with a legend, into the PNG
    ``path``; missing values (NaN) leave gaps."""
    fig, ax = time_axes(8.0, 3.2)
    for name, values in series.items():
        ax.plot(t, values, linewidth=0.8, label=name)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.set_title(printable(title), fontsize=9)
    if t:
        ax.set_xlim(t[0], t[-1] if t[-1] > t[0] else t[0] + 1)
    ax.set_ylim(bottom=0)
    if series:
        ax.legend(loc="upper right", fontsize=8, ncols=len(series), frameon=False)
    save_figure(fig, path)


def draw_trails(
    path: str | Path,
    background: np.ndarray,
    t: np.ndarray,
    points: np.ndarray,
    names: tuple[str, ...] | list[str],
    *,
    title: str,
) -> None:
    """The paths of points over a picture: ``points`` ``(frames, joints, 2)`` in the
    picture's pixels (NaN where a point is missing: the path breaks), coloured by time ``t``
    (seconds) with a colour bar; the picture ``background`` (RGB ``uint8``) is dimmed so the
    paths stand out. The PNG keeps the picture's own scale (one picture pixel per pixel)."""
    import_matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    h, w = background.shape[:2]
    dpi = 100.0
    bar = 90.0  # pixels of colour bar and its labels, right of the picture
    top = 28.0
    fig = Figure(figsize=((w + bar) / dpi, (h + top) / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, w / (w + bar), h / (h + top)))
    ax.imshow((background.astype(np.float32) * 0.55).astype(np.uint8), interpolation="nearest")
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_axis_off()
    first, last = (float(t[0]), float(t[-1])) if len(t) else (0.0, 0.0)
    span = (first, last if last > first else first + 1)
    lines = None
    width = max(1.0, max(h, w) / 320)
    for j in range(points.shape[1] if points.ndim == 3 else 0):
        xy = points[:, j, :]
        segments = np.stack([xy[:-1], xy[1:]], axis=1)
        ok = np.isfinite(segments).all(axis=(1, 2))
        if not ok.any():
            continue
        lines = LineCollection(segments[ok], cmap="plasma", linewidths=width)
        lines.set_array(np.asarray(t[1:], dtype=np.float64)[ok])
        lines.set_clim(*span)
        ax.add_collection(lines)
        last = xy[np.isfinite(xy).all(axis=1)]
        if len(last):
            ax.annotate(names[j].replace("_", " "), last[-1], color="white", fontsize=7,
                        xytext=(4, 4), textcoords="offset points")  # fmt: skip
    cax = fig.add_axes(((w + 12) / (w + bar), 0.08, 14 / (w + bar), 0.8 * h / (h + top)))
    if lines is None:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        lines = ScalarMappable(norm=Normalize(*span), cmap="plasma")
    fig.colorbar(lines, cax=cax, label="time (s)")
    fig.text(0.01, 1 - 6 / (h + top), printable(title), fontsize=8, va="top")
    save_figure(fig, path)


def _can_fork() -> bool:
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


#: A figure to draw: its name ("qom", or one of vfx.io.figures.FIGURES), its file, its data.
Job = tuple[str, str, tuple[Any, ...], dict[str, Any]]


def _draw(job: Job, *, opencv: bool) -> None:
    name, path, args, kwargs = job
    if name == "qom":
        draw_qom(path, *args, opencv=opencv, **kwargs)
        return
    from vfx.io.figures import FIGURES  # (figures imports canvas, never this module)

    save_figure(FIGURES[name](*args, **kwargs), path, opencv=opencv)


def _receive(conn: Connection, jobs: queue.SimpleQueue[Job | None]) -> None:
    """The helper's receiving thread: every job sent, then None once the caller's end closes."""
    try:
        while True:
            jobs.put(conn.recv())
    except (EOFError, OSError):
        jobs.put(None)


def _serve(conn: Connection, callers_end: Connection) -> None:
    """The helper: import matplotlib, then draw each figure it is sent, answering each with
    None or the error, until the caller closes the pipe."""
    # The fork copied the caller's end of the pipe too; closed, so that the caller's close
    # reaches this end as end-of-file.
    callers_end.close()
    # Ctrl-C is the caller's to handle: it closes the pipe, and the helper then ends quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Jobs are taken off the pipe as they come, on a thread of their own, so the caller's
    # send never waits for the figure before to be drawn (a figure's data, a spectrogram or a
    # motiongram, is far larger than the pipe's buffer): it goes on with its own work.
    jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
    threading.Thread(
        target=_receive, args=(conn, jobs), name="vfx-plot-receive", daemon=True
    ).start()
    try:
        import_matplotlib()
        while True:
            job = jobs.get()
            if job is None:  # all drawn, or the pass failed or was interrupted
                return
            try:
                _draw(job, opencv=False)
            except Exception as exc:  # reported to the caller, which draws the figure itself
                conn.send(f"{type(exc).__name__}: {exc}")
            else:
                conn.send(None)
    finally:
        conn.close()


class Plotter:
    """Draws a pass's figures (the quantity-of-motion plot, the sound and self-similarity
    figures), with matplotlib loaded while the frames decode.

    :meth:`start` forks the helper process where that is safe (see the module's docstring) and
    otherwise starts importing matplotlib on a thread; :meth:`draw` and :meth:`figure` hand
    figures to the helper, which draws them while the caller goes on, and :meth:`wait`
    collects them (drawing here any the helper could not); :meth:`close` ends the helper
    (also as a context manager). Start it before any other thread exists.
    """

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._process: Any = None
        self._jobs: list[Job] = []

    @classmethod
    def start(cls) -> Plotter:
        plotter = cls()
        if _can_fork():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            # The child flushes the standard streams when it ends: nothing of ours may be
            # waiting in their buffers, or it would be written twice.
            sys.stdout.flush()
            sys.stderr.flush()
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, ours), name="vfx-plot", daemon=True
            )
            process.start()
            theirs.close()
            plotter._conn, plotter._process = ours, process
        else:
            threading.Thread(target=import_matplotlib, name="vfx-import", daemon=True).start()
        return plotter

    def draw(self, path: str | Path, t: list[float], q: list[float], title: str) -> None:
        """The quantity-of-motion plot ``q`` against ``t`` (seconds) into ``path``."""
        self._submit(("qom", str(path), (t, q, title), {}))

    def figure(self, name: str, path: str | Path, *args: Any, **kwargs: Any) -> None:
        """The figure ``name`` of :data:`vfx.io.figures.FIGURES` from its data into ``path``."""
        self._submit((name, str(path), args, kwargs))

    def _submit(self, job: Job) -> None:
        self._jobs.append(job)
        if self._conn is not None:
            try:
                self._conn.send(job)
            except OSError as exc:
                log.debug("%s: the plotting helper is gone (%s)", job[1], exc)
                self.close()

    def wait(self) -> None:
        """Finish every figure handed over: wait for the helper's answers, and draw here those
        it did not draw (no helper, a failure, or no answer within ``HELPER_TIMEOUT_S``)."""
        jobs, self._jobs = self._jobs, []
        drawn: set[int] = set()
        if self._conn is not None and jobs:
            try:
                for k, job in enumerate(jobs):  # the helper answers in the order it was sent
                    if not self._conn.poll(HELPER_TIMEOUT_S):
                        log.debug("%s: the plotting helper did not answer", job[1])
                        break
                    error = self._conn.recv()
                    if error is None:
                        drawn.add(k)
                    else:
                        log.debug("%s: the plotting helper failed (%s)", job[1], error)
            except (OSError, EOFError) as exc:
                log.debug("the plotting helper is gone (%s)", exc)
            finally:
                self.close()
        for k, job in enumerate(jobs):
            if k not in drawn:
                _draw(job, opencv=True)

    def close(self) -> None:
        """End the helper process, if any (it exits once its pipe closes)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
            self._process = None

    def __enter__(self) -> Plotter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
