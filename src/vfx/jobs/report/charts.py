"""Plots of series against the video's time as inline SVG (matplotlib, no fonts embedded).

All plots of a page share one time axis, from 0 to the video's duration, so a moment lines up
from the speed plot to the quantity of motion.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np

from vfx.jobs.report.content import Plot

__all__ = ["plot_svg"]

_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def plot_svg(plot: Plot, t_end: float | None) -> str:
    """One panel as an ``<svg>`` element (its XML prologue removed, for inlining)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "vfx"}):
        width, height = 8.0, 2.2
        fig = Figure(figsize=(width, height), dpi=100)
        fig.subplots_adjust(
            left=0.8 / width, right=1 - 0.15 / width, bottom=0.5 / height, top=1 - 0.3 / height
        )
        ax = fig.add_subplot()
        ends = []
        for label, (t, v) in plot.series.items():
            t = np.asarray(t, dtype=float)
            v = np.asarray(v, dtype=float)
            ok = np.isfinite(t) & np.isfinite(v)
            ax.plot(t[ok], v[ok], linewidth=0.9, label=label)
            if ok.any():
                ends.append(float(t[ok].max()))
        right = t_end if t_end else (max(ends) if ends else 1.0)
        ax.set_xlim(0.0, right if right > 0 else 1.0)
        ax.set_xlabel("video time (s)")
        ax.set_ylabel(plot.unit)
        ax.set_title(plot.title, fontsize=10)
        if len(plot.series) > 1:
            ax.legend(fontsize=8, loc="upper right")
        buf = io.StringIO()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning)
            FigureCanvasSVG(fig).print_svg(buf)
    svg = _XML_PROLOGUE.sub("", buf.getvalue(), count=1)
    title = f"<title>{plot.title} against video time</title>"
    return svg.replace(">", f' role="img" aria-label="{plot.title}">{title}', 1).strip()
