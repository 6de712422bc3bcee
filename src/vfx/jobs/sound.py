"""A video's sound on its motion time axis: the per-frame sound table and the sound figures of
``vfx motion``.

The audio track is decoded once, in chunks (:mod:`vfx.io.video.audio`), through a streaming
short-time Fourier transform (:class:`vfx.ops.spectral.Spectrum`); the samples are never all
in memory. Times are the video's: the track's first sample sits at its own timestamp on the
video's clock, so a track that starts late is drawn and tabled late.

Files, ``<stem>`` being the video's stem:

* ``<stem>_audio.csv``: one row per motion frame (the rows of ``<stem>_qom.csv``): the onset
  strength (the largest), RMS and spectral centroid (their means) of the sound between the
  previous used frame and this one, the interval the frame's motion covers;
* ``<stem>_waveform.png``, ``<stem>_spectrogram.png`` (mel, dB), ``<stem>_tempogram.png``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import numpy as np

from vfx.io.figures import MAX_COLUMNS
from vfx.io.files import write_text
from vfx.io.plot import Plotter
from vfx.io.table import format_seconds
from vfx.io.video.audio import AudioTrack, open_audio
from vfx.ops.spectral import Spectrum, SpectrumResult, per_interval, power_to_db, tempogram

__all__ = [
    "ANALYSIS_RATE",
    "AUDIO_COLUMNS",
    "Sound",
    "analyse_sound",
    "measure_sound",
    "write_sound",
]

AUDIO_COLUMNS = ("frame_index", "time_s", "onset_strength", "rms", "spectral_centroid_hz")
#: The rate the sound is analysed at: librosa's default, the one the Musical Gestures Toolbox
#: loads sound at, so hops of 512 samples are 23 ms and the mel bands reach 11 kHz.
ANALYSIS_RATE = 22050


@dataclass
class Sound:
    """The measured sound of one video (see :func:`analyse_sound`)."""

    spectrum: SpectrumResult
    #: Time of the first sample on the video's clock (seconds).
    offset_s: float

    def __post_init__(self) -> None:
        self.onset = self.spectrum.onset()

    @property
    def times(self) -> np.ndarray:
        """Each analysis frame's centre on the video's clock (seconds)."""
        return self.offset_s + self.spectrum.frame_times()

    @property
    def span(self) -> tuple[float, float]:
        """First and last sample's times (seconds)."""
        s = self.spectrum
        return self.offset_s, self.offset_s + s.samples / s.sample_rate

    @cached_property
    def mel_db(self) -> np.ndarray:
        """The mel spectrogram in dB below its loudest cell (top 80 dB), as drawn (the
        spectrogram, the motion-and-sound figure and the sound's SSM all take it)."""
        power = self.spectrum.mel_power
        return power_to_db(power, ref=float(power.max()) if power.size else 1.0)

    def per_frame(self, edges: Sequence[float]) -> dict[str, np.ndarray]:
        """Onset strength (max), RMS and spectral centroid (mean) over each interval
        ``(edges[i], edges[i + 1]]`` (seconds on the video's clock)."""
        t = self.times
        e = np.asarray(edges, dtype=np.float64)
        return {
            "onset_strength": per_interval(t, self.onset, e, how="max"),
            "rms": per_interval(t, self.spectrum.rms, e, how="rms"),
            "spectral_centroid_hz": per_interval(t, self.spectrum.centroid_hz, e, how="mean"),
        }


def analyse_sound(
    video: str | Path, *, origin_s: float = 0.0, sample_rate: int | None = ANALYSIS_RATE
) -> Sound | None:
    """Decode and measure the first audio track of ``video``; None when it has no audio (or
    no samples). ``origin_s`` is the container time of the video's time zero; the samples are
    resampled to ``sample_rate`` (None: the track's own rate)."""
    track = open_audio(video, origin_s=origin_s, sample_rate=sample_rate)
    return None if track is None else measure_sound(track)


def measure_sound(track: AudioTrack, *, stop: Callable[[], bool] | None = None) -> Sound | None:
    """Decode and measure an open audio track (closing it); None when it has no samples.

    It may run on a thread of its own; ``stop``, asked before each chunk of samples, ends the
    work early (None is returned) when it says True. Open the track on the calling thread:
    opening raises FFmpeg's process-wide log level for a moment, which would let another
    thread's decoding errors through to the log.
    """
    with track:
        spectrum = Spectrum(track.sample_rate)
        for chunk in track.chunks():
            if stop is not None and stop():
                return None
            spectrum.update(chunk)
        offset = track.offset_s or 0.0
    result = spectrum.result()
    if result.samples == 0:
        return None
    return Sound(result, offset)


def write_sound(
    out: Path,
    stem: str,
    name: str,
    sound: Sound,
    indices: Sequence[int],
    times: Sequence[Fraction],
    first_time: Fraction,
    plotter: Plotter,
) -> dict[str, Path]:
    """Write the sound table (one row per motion frame ``indices``/``times``, each covering
    the time since the previous frame, ``first_time`` before the first) into ``out`` and hand
    the three sound figures to ``plotter`` (its ``wait()`` finishes them); returns the files
    by output name. ``name`` titles the figures."""
    files: dict[str, Path] = {}
    edges = [float(first_time), *(float(t) for t in times)]
    columns = sound.per_frame(edges)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(AUDIO_COLUMNS)
    for row, (index, time) in enumerate(zip(indices, times, strict=True)):
        cells = (columns[key][row] for key in AUDIO_COLUMNS[2:])
        writer.writerow(
            (index, format_seconds(time), *("" if math.isnan(v) else f"{v:.6g}" for v in cells))
        )
    files["audio"] = out / f"{stem}_audio.csv"
    write_text(files["audio"], buf.getvalue())

    s = sound.spectrum
    t0, t1 = sound.span
    files["waveform"] = out / f"{stem}_waveform.png"
    plotter.figure(
        "waveform", files["waveform"], t0, t1, s.low, s.high, title=f"Waveform of {name}"
    )
    files["spectrogram"] = out / f"{stem}_spectrogram.png"
    plotter.figure(
        "spectrogram", files["spectrogram"], sound.mel_db, t0, t1, s.sample_rate,
        title=f"Mel spectrogram of {name} (dB below the loudest)",
    )  # fmt: skip
    # Only as many tempogram columns as the picture shows: each is its own window's
    # autocorrelation, so the ones drawn are exact.
    step = max(1, -(-sound.onset.size // MAX_COLUMNS))
    chosen = np.arange(0, sound.onset.size, step)
    files["tempogram"] = out / f"{stem}_tempogram.png"
    plotter.figure(
        "tempogram", files["tempogram"], tempogram(sound.onset, columns=chosen), t0, t1,
        s.hop / s.sample_rate, title=f"Tempogram of {name} (onset autocorrelation)",
        onset=sound.onset,
    )  # fmt: skip
    return files
