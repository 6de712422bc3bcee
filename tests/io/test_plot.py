"""The quantity-of-motion plot: drawn in a forked helper where that is safe, else in-process."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from vfx.io.images import read_image
from vfx.io.plot import Plotter, draw_qom

T = [i / 30 for i in range(300)]
Q = [0.02 + 0.01 * np.sin(t) for t in T]


@pytest.fixture
def forks() -> None:
    """Skip unless :meth:`Plotter.start` forks its helper here."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the helper is forked on Linux only")
    if threading.active_count() > 1:
        pytest.skip("another thread is running: the plotter does not fork")


def _plot(plotter: Plotter, path: Path) -> None:
    plotter.draw(path, T, Q, "clip.mp4")
    plotter.wait()


def _curve_columns(path: Path) -> int:
    plot = read_image(path)
    assert plot.shape == (260, 800, 4)
    curve = np.all(np.abs(plot[..., :3].astype(int) - (0x1F, 0x4E, 0x79)) < 40, axis=2)
    return int(curve.any(axis=0).sum())


def _no_helper_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "vfx-plot"]


@pytest.mark.usefixtures("forks")
def test_the_helper_draws_the_same_picture_and_ends(tmp_path: Path) -> None:
    with Plotter.start() as plotter:
        assert plotter._process is not None and plotter._process.is_alive()
        _plot(plotter, tmp_path / "helper.png")
        assert plotter._process is None  # ended once it had drawn
    draw_qom(tmp_path / "here.png", T, Q, "clip.mp4")
    assert _curve_columns(tmp_path / "helper.png") > 300
    np.testing.assert_array_equal(
        read_image(tmp_path / "helper.png"), read_image(tmp_path / "here.png")
    )
    assert _no_helper_left()
    # no temporary files left beside them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["helper.png", "here.png"]


def test_no_fork_beside_another_thread(tmp_path: Path) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with Plotter.start() as plotter:
            assert plotter._process is None
            _plot(plotter, tmp_path / "qom.png")
    finally:
        stop.set()
        other.join()
    assert _curve_columns(tmp_path / "qom.png") > 300


@pytest.mark.usefixtures("forks")
def test_a_lost_helper_falls_back_to_drawing_here(tmp_path: Path) -> None:
    plotter = Plotter.start()
    assert plotter._process is not None
    plotter._process.kill()
    plotter._process.join()
    _plot(plotter, tmp_path / "qom.png")
    assert _curve_columns(tmp_path / "qom.png") > 300
    assert _no_helper_left()


@pytest.mark.usefixtures("forks")
def test_closing_without_a_plot_ends_the_helper_at_once() -> None:
    start = time.perf_counter()
    with Plotter.start():
        pass  # a motion pass that failed: nothing to draw
    assert time.perf_counter() - start < 3.0  # the helper's import, not a join timeout
    assert _no_helper_left()
