"""The sound and self-similarity figures of ``vfx motion`` and the flow figures of ``vfx
flow`` as PNGs (matplotlib, headless Agg).

Each figure is a function of its data returning a matplotlib Figure (:data:`FIGURES`), so
that the plotting helper process of :mod:`vfx.io.plot` (which imports this module) can draw
it and encode it without OpenCV; :func:`draw_figure` draws one in this process.

Every figure has time in seconds on the video's clock along x, so the waveform, the
spectrogram, the tempogram and the motion pictures of one clip line up when stacked; the
motion-and-sound figure stacks them on one shared axis. Long clips are drawn from pooled
columns (at most :data:`MAX_COLUMNS`), never from every sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vfx.io.canvas import import_matplotlib, printable, save_figure, time_axes

__all__ = ["FIGURES", "MAX_CELLS", "MAX_COLUMNS", "draw_figure"]

#: Columns drawn at most across a figure's time axis (the figures are 1000 pixels wide:
#: matplotlib resampling more columns only costs time).
MAX_COLUMNS = 1200
#: Cells a self-similarity matrix needs at most along each axis to be drawn (its panels are
#: 460 pixels): callers average larger ones over blocks.
MAX_CELLS = 600

_MEL_TICKS_HZ = (0, 128, 512, 1024, 2048, 4096, 8192, 16384)


def _pooled(values: np.ndarray, how: str = "mean") -> np.ndarray:
    """``values`` ``(..., T)`` with at most :data:`MAX_COLUMNS` columns (mean or max of
    neighbours)."""
    t = values.shape[-1]
    if t <= MAX_COLUMNS:
        return values
    factor = -(-t // MAX_COLUMNS)
    starts = np.arange(0, t, factor)
    if how == "max":
        return np.maximum.reduceat(values, starts, axis=-1)
    counts = np.diff(np.append(starts, t))
    return np.add.reduceat(values.astype(np.float64), starts, axis=-1) / counts


def _span(t0: float, t1: float) -> tuple[float, float]:
    return (t0, t1 if t1 > t0 else t0 + 1.0)


def _mel_axis(ax, sample_rate: float, n_mels: int) -> None:
    """Label a mel-band axis (rows 0..n_mels-1, bottom to top) in Hz."""
    from vfx.ops.spectral import hz_to_mel

    top = hz_to_mel(sample_rate / 2.0)
    ticks = [f for f in _MEL_TICKS_HZ if f <= sample_rate / 2.0]
    ax.set_yticks([float(hz_to_mel(f)) / float(top) * n_mels for f in ticks])
    ax.set_yticklabels([f"{f / 1000:g}k" if f >= 1000 else str(f) for f in ticks])
    ax.set_ylabel("frequency (Hz, mel)")


def _spectrogram_image(ax, mel_db: np.ndarray, t0: float, t1: float, sample_rate: float):
    image = ax.imshow(
        _pooled(mel_db),
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        vmin=float(mel_db.max()) - 80.0 if mel_db.size else -80.0,
        vmax=float(mel_db.max()) if mel_db.size else 0.0,
        extent=(*_span(t0, t1), 0, mel_db.shape[0]),
    )
    _mel_axis(ax, sample_rate, mel_db.shape[0])
    return image


def waveform_figure(t0: float, t1: float, low: np.ndarray, high: np.ndarray, *, title: str) -> Any:
    """The waveform's envelope (each column's lowest and highest sample) from ``t0`` to
    ``t1`` seconds."""
    fig, ax = time_axes(10.0, 2.6)
    lo, hi = -_pooled(-np.asarray(low), "max"), _pooled(np.asarray(high), "max")
    t = np.linspace(t0, t1, lo.size) if lo.size > 1 else np.array([t0, t1])
    if lo.size == 1:
        lo, hi = np.repeat(lo, 2), np.repeat(hi, 2)
    ax.fill_between(t, lo, hi, color="#1f4e79", linewidth=0)
    ax.set_xlim(*_span(t0, t1))
    top = float(max(np.abs(lo).max(initial=0), np.abs(hi).max(initial=0))) or 1.0
    ax.set_ylim(-top, top)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(printable(title), fontsize=9)
    return fig


def spectrogram_figure(
    mel_db: np.ndarray, t0: float, t1: float, sample_rate: float, *, title: str
) -> Any:
    """The mel spectrogram (dB, ``(n_mels, T)``, its top 80 dB shown) from ``t0`` to ``t1``
    seconds."""
    fig, ax = time_axes(10.0, 3.6)
    fig.subplots_adjust(right=0.9)
    image = _spectrogram_image(ax, mel_db, t0, t1, sample_rate)
    fig.colorbar(image, ax=ax, format="%+.0f dB", pad=0.01)
    ax.set_xlabel("time (s)")
    ax.set_title(printable(title), fontsize=9)
    return fig


def tempogram_figure(
    tempogram: np.ndarray,
    t0: float,
    t1: float,
    lag_s: float,
    *,
    title: str,
    onset: np.ndarray | None = None,
) -> Any:
    """The autocorrelation tempogram (``(lags, T)``, lag ``k`` is ``k * lag_s`` seconds)
    from ``t0`` to ``t1`` seconds, with tempo in beats per minute up the side, over the onset
    strength when given,."""
    from matplotlib.figure import Figure

    import_matplotlib()
    fig = Figure(figsize=(10.0, 4.6 if onset is not None else 3.6), dpi=100)
    rows = (1, 3) if onset is not None else (3,)
    grid = fig.add_gridspec(len(rows), 1, height_ratios=rows, hspace=0.08)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.12, top=0.93)
    axes = [fig.add_subplot(grid[i]) for i in range(len(rows))]
    ax = axes[-1]
    if onset is not None:
        o = _pooled(np.asarray(onset), "max")
        axes[0].plot(np.linspace(t0, t1, o.size), o, linewidth=0.7, color="#1f4e79")
        axes[0].set_xlim(*_span(t0, t1))
        axes[0].set_ylim(bottom=0)
        axes[0].set_ylabel("onset")
        axes[0].tick_params(labelbottom=False)
        axes[0].set_title(printable(title), fontsize=9)
    else:
        ax.set_title(printable(title), fontsize=9)
    lags = tempogram.shape[0]
    ax.imshow(
        _pooled(tempogram),
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        vmin=0.0,
        vmax=1.0,
        extent=(*_span(t0, t1), 0, lags * lag_s),
    )
    bpm = [b for b in (20, 30, 60, 120, 240) if 60.0 / b <= lags * lag_s]
    ax.set_yticks([60.0 / b for b in bpm], [str(b) for b in bpm])
    ax.set_ylabel("tempo (BPM, as lag)")
    ax.set_xlabel("time (s)")
    return fig


def motion_sound_figure(
    motiongram: np.ndarray,
    motion_span: tuple[float, float],
    qom_t: np.ndarray,
    qom: np.ndarray,
    mel_db: np.ndarray | None,
    sound_span: tuple[float, float],
    sample_rate: float,
    *,
    title: str,
) -> Any:
    """Motiongram (time along x), quantity of motion and mel spectrogram stacked on one
    time axis in seconds,: the figure music researchers publish."""
    from matplotlib.figure import Figure

    import_matplotlib()
    panels = 3 if mel_db is not None else 2
    fig = Figure(figsize=(10.0, 2.4 * panels + 0.6), dpi=100)
    grid = fig.add_gridspec(panels, 1, height_ratios=(3, 1.4, 3)[:panels], hspace=0.1)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.08, top=0.95)
    axes = [fig.add_subplot(grid[i]) for i in range(panels)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    start = min(motion_span[0], sound_span[0]) if mel_db is not None else motion_span[0]
    end = max(motion_span[1], sound_span[1]) if mel_db is not None else motion_span[1]
    picture = motiongram
    if picture.dtype == np.uint16:
        picture = (picture.astype(np.float32) / 65535.0).clip(0, 1)
    cols = picture.shape[1]
    if cols > MAX_COLUMNS:
        picture = np.moveaxis(_pooled(np.moveaxis(picture, 1, -1)), -1, 1)
    axes[0].imshow(
        picture,
        aspect="auto",
        interpolation="nearest",
        cmap="gray" if picture.ndim == 2 else None,
        extent=(*_span(*motion_span), picture.shape[0], 0),
    )
    axes[0].set_ylabel("motiongram (row)")
    axes[0].set_title(printable(title), fontsize=9)
    axes[1].plot(qom_t, qom, linewidth=0.8, color="#1f4e79")
    axes[1].set_ylim(bottom=0)
    axes[1].set_ylabel("quantity\nof motion")
    if mel_db is not None:
        _spectrogram_image(axes[2], mel_db, *sound_span, sample_rate)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("time (s)")
    axes[0].set_xlim(*_span(start, end))
    return fig


def ssm_figure(
    panels: list[tuple[str, np.ndarray, float, float]],
    *,
    title: str,
) -> Any:
    """Self-similarity matrices side by side, each ``(name, matrix, t0, t1)`` with time in
    seconds on both axes (earliest at the bottom left),."""
    from matplotlib.figure import Figure

    import_matplotlib()
    n = len(panels)
    fig = Figure(figsize=(4.6 * n, 5.0), dpi=100)
    fig.subplots_adjust(left=0.6 / (4.6 * n), right=0.99, bottom=0.1, top=0.88, wspace=0.25)
    fig.suptitle(printable(title), fontsize=10)
    for i, (name, matrix, t0, t1) in enumerate(panels):
        ax = fig.add_subplot(1, n, i + 1)
        top = float(matrix.max()) if matrix.size else 1.0
        ax.imshow(
            matrix,
            origin="lower",
            aspect="equal",
            interpolation="nearest",
            cmap="gray_r",
            vmin=0.0,
            vmax=top if top > 0 else 1.0,
            extent=(*_span(t0, t1), *_span(t0, t1)),
        )
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time (s)")
        if i == 0:
            ax.set_ylabel("time (s)")
    return fig


def directogram_figure(
    t: np.ndarray,
    directions: np.ndarray,
    data: np.ndarray,
    *,
    title: str,
) -> Any:
    """A directogram as a picture: time ``t`` (seconds, one per row of ``data``) along x,
    direction (``directions``, the bins' centres in degrees) along y, the amount of motion
    as brightness (square-root scale, as MGT draws it)."""
    from matplotlib.colors import PowerNorm

    fig, ax = time_axes(8.0, 3.2)
    fig.subplots_adjust(left=1.0 / 8.0)
    first, last = (float(t[0]), float(t[-1])) if len(t) else (0.0, 1.0)
    step = (directions[1] - directions[0]) / 2 if len(directions) > 1 else 1.0
    top = float(np.max(data)) if np.size(data) else 0.0
    ax.imshow(
        np.asarray(data, dtype=np.float64).T,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="viridis",
        norm=PowerNorm(gamma=0.5, vmin=0.0, vmax=top if top > 0 else 1.0),
        extent=(first, last if last > first else first + 1,
                directions[0] - step, directions[-1] + step),
    )  # fmt: skip
    ax.set_yticks([-180, -90, 0, 90, 180], ["left", "up", "right", "down", "left"])
    ax.set_ylabel("direction of motion")
    ax.set_xlabel("time (s)")
    ax.set_title(printable(title), fontsize=9)
    return fig


def impacts_figure(
    t: np.ndarray,
    envelope: np.ndarray,
    impacts: np.ndarray,
    *,
    title: str,
) -> Any:
    """The impact envelope against time ``t`` (seconds) with a dashed red line at each
    impact (``impacts``: times in seconds)."""
    fig, ax = time_axes(8.0, 2.6)
    for when in impacts:
        ax.axvline(float(when), color="#c0392b", linewidth=0.7, linestyle="--")
    ax.plot(t, envelope, linewidth=0.8, color="#1f4e79")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("impact envelope")
    ax.set_title(printable(f"{title} ({len(impacts)} impacts)"), fontsize=9)
    if len(t):
        ax.set_xlim(float(t[0]), float(t[-1]) if t[-1] > t[0] else float(t[0]) + 1)
    ax.set_ylim(0, 1.05)
    return fig


#: The figures by name, each a function of the data that returns a matplotlib Figure.
FIGURES = {
    "waveform": waveform_figure,
    "spectrogram": spectrogram_figure,
    "tempogram": tempogram_figure,
    "motion_sound": motion_sound_figure,
    "ssm": ssm_figure,
    "directogram": directogram_figure,
    "impacts": impacts_figure,
}


def draw_figure(name: str, path: str | Path, *args: Any, **kwargs: Any) -> None:
    """Draw the figure ``name`` of :data:`FIGURES` from its data into the PNG ``path``."""
    save_figure(FIGURES[name](*args, **kwargs), path)
