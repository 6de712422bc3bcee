"""Drawing with matplotlib (headless Agg): loading it, a figure with one plot against time,
writing a figure as a PNG. Shared by the plots of :mod:`vfx.io.plot` and the figures of
:mod:`vfx.io.figures`."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from vfx.io.files import write_bytes
from vfx.io.images import write_image

__all__ = ["import_matplotlib", "printable", "save_figure", "time_axes"]


def import_matplotlib() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg
    import matplotlib.figure


def time_axes(width: float, height: float) -> tuple[Any, Any]:
    """A figure of ``width`` x ``height`` inches with one plot against time, its margins
    fixed (inches, for the tick and axis labels at this size) instead of tight_layout, which
    measures every text first."""
    import_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.subplots_adjust(
        left=0.8 / width, right=1 - 0.15 / width, bottom=0.5 / height, top=1 - 0.3 / height
    )
    return fig, fig.add_subplot()


def save_figure(fig: Any, path: str | Path, *, opencv: bool = True) -> None:
    """Render a matplotlib figure and write it as a PNG, atomically (``opencv=False``:
    encoded by matplotlib's Pillow writer, for the forked helper; the pixels are the same)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        canvas.draw()
    if opencv:
        write_image(path, np.asarray(canvas.buffer_rgba()))
    else:
        buf = io.BytesIO()
        canvas.print_png(buf, pil_kwargs={"compress_level": 1})
        write_bytes(path, buf.getvalue())


def printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
