"""Sound on the motion time axis: spectra, mel spectrogram, onset strength, tempogram.

Pure numpy over mono ``float32`` samples; nothing here decodes or writes files. The
definitions are librosa's (0.10-0.11), the library the Musical Gestures Toolbox draws its
audio figures with, so the numbers are the ones music researchers already publish:

* frames are centred: frame ``t`` covers samples ``t * hop - n_fft / 2`` to
  ``t * hop + n_fft / 2`` of the signal padded with zeros (``librosa.stft(center=True)``);
* the window is the periodic Hann window;
* the mel filters are Slaney's (``htk=False``, ``norm='slaney'``);
* onset strength is the mean over mel bands of the rise of the mel spectrogram in dB from one
  frame to the next, shifted by ``1 + n_fft / (2 hop)`` frames so that a sound starting at
  sample ``s`` peaks at frame ``s / hop`` (``librosa.onset.onset_strength``);
* the tempogram is the windowed autocorrelation of the onset strength
  (``librosa.feature.tempogram``, Hann window of 384 frames, columns scaled to a maximum of 1).

:class:`Spectrum` computes the frames as the samples arrive, so a clip's samples are never
all in memory: it keeps, per frame of ``hop`` samples, the mel spectrum, RMS, spectral
centroid and the samples' extremes (about 0.5 kB a frame, 160 MB for an hour of 44.1 kHz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "HOP",
    "N_FFT",
    "N_MELS",
    "Spectrum",
    "SpectrumResult",
    "hann",
    "hz_to_mel",
    "mel_filters",
    "mel_to_hz",
    "onset_strength",
    "per_interval",
    "power_to_db",
    "tempogram",
]

#: librosa's defaults, and MGT's (``MgAudio(n_fft=2048, hop_length=512)``).
N_FFT = 2048
HOP = 512
N_MELS = 128
#: Frames of onset strength in one tempogram window (librosa's ``win_length``).
TEMPOGRAM_WINDOW = 384


def hann(n: int) -> np.ndarray:
    """The periodic Hann window of ``n`` points (``scipy.signal.get_window('hann', n)``).

    >>> hann(4).round(3).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mels = hz / (200.0 / 3)
    log_step = np.log(6.4) / 27.0
    above = hz >= 1000.0
    return np.where(above, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step, mels)


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(mels >= 15.0, 1000.0 * np.exp(log_step * (mels - 15.0)), mels * 200.0 / 3)


def mel_filters(
    sample_rate: float,
    n_fft: int = N_FFT,
    n_mels: int = N_MELS,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """The ``(n_mels, 1 + n_fft // 2)`` triangular mel filter bank, Slaney-normalised
    (each filter's area is constant): ``librosa.filters.mel`` with its defaults.

    >>> f = mel_filters(16000, 512, 40); f.shape, bool((f >= 0).all())
    ((40, 257), True)
    """
    fmax = sample_rate / 2.0 if fmax is None else fmax
    fft_hz = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)


def power_to_db(
    power: np.ndarray, *, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0
) -> np.ndarray:
    """``10 log10(power / ref)``, floored at ``amin`` and at ``top_db`` below the array's
    maximum (``librosa.power_to_db``).

    >>> power_to_db(np.array([1.0, 0.01, 0.0])).tolist()
    [0.0, -20.0, -80.0]
    """
    db = 10.0 * np.log10(np.maximum(amin, power)) - 10.0 * np.log10(max(amin, ref))
    if top_db is not None and db.size:
        db = np.maximum(db, db.max() - top_db)
    return db.astype(np.float32)


def onset_strength(mel_db: np.ndarray, *, lag: int = 1, n_fft: int = N_FFT, hop: int = HOP):
    """Onset strength per frame from a mel spectrogram in dB ``(n_mels, T)``: the mean over
    bands of ``max(0, S[t] - S[t - lag])``, delayed so that frame ``t`` is the onset at
    sample ``t * hop`` (``librosa.onset.onset_strength`` on centred frames).

    >>> s = np.zeros((2, 8), np.float32); s[:, 4:] = 10.0
    >>> onset_strength(s, n_fft=4, hop=2).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0]
    """
    frames = mel_db.shape[1]
    rise = np.maximum(0.0, mel_db[:, lag:] - mel_db[:, :-lag]).mean(axis=0)
    shift = lag + n_fft // (2 * hop)
    out = np.zeros(frames, np.float32)
    kept = max(0, min(rise.size, frames - shift))
    out[shift : shift + kept] = rise[:kept]
    return out


def tempogram(
    onset: np.ndarray,
    *,
    window: int = TEMPOGRAM_WINDOW,
    columns: np.ndarray | None = None,
) -> np.ndarray:
    """The autocorrelation tempogram ``(window, len(columns))`` of an onset-strength curve:
    column ``j`` is the autocorrelation, lags 0 to ``window - 1`` frames, of the Hann-windowed
    ``window`` frames centred on frame ``columns[j]`` (default every frame), scaled so its
    largest value is 1 (``librosa.feature.tempogram`` with its defaults). Only the columns
    asked for are computed, so a long clip's picture costs its width, not its length.

    >>> t = tempogram(np.tile([1.0, 0, 0, 0], 64), window=16)
    >>> t.shape, [round(float(v), 2) for v in t[[0, 2, 4], 32]]
    ((16, 256), [1.0, 0.0, 0.67])
    """
    onset = np.asarray(onset, dtype=np.float64)
    half = window // 2
    # librosa pads with a linear ramp down to 0 at each end.
    padded = np.pad(onset, half, mode="linear_ramp", end_values=0)
    columns = np.arange(onset.size) if columns is None else np.asarray(columns)
    frames = np.lib.stride_tricks.sliding_window_view(padded, window)[columns]
    windowed = frames * hann(window).astype(np.float64)
    n = 2 * window  # zero-padded FFT: the linear, not circular, autocorrelation
    spectrum = np.fft.rfft(windowed, n=n, axis=1)
    acf = np.fft.irfft(spectrum * spectrum.conj(), n=n, axis=1)[:, :window]
    top = np.abs(acf).max(axis=1, keepdims=True)
    tiny = np.finfo(np.float32).tiny
    acf = np.where(top > tiny, acf / np.where(top > tiny, top, 1.0), acf)
    return acf.T.astype(np.float32)


@dataclass
class SpectrumResult:
    """What :class:`Spectrum` measured, one column per frame of ``hop`` samples; frame ``t``
    is centred on sample ``t * hop``."""

    sample_rate: float
    hop: int
    n_fft: int
    mel_power: np.ndarray  #: (n_mels, T) mel power spectrum (|STFT|^2 through the filters)
    rms: np.ndarray  #: (T,) root mean square of the frame's n_fft samples (not windowed)
    centroid_hz: np.ndarray  #: (T,) spectral centroid of the magnitude spectrum, Hz
    low: np.ndarray  #: (T,) smallest sample among the hop samples from t * hop
    high: np.ndarray  #: (T,) largest sample among them
    samples: int  #: how many samples the clip had

    @property
    def frames(self) -> int:
        return int(self.rms.size)

    def frame_times(self) -> np.ndarray:
        """Each frame's centre, in seconds from the first sample."""
        return np.arange(self.frames) * (self.hop / self.sample_rate)

    def onset(self) -> np.ndarray:
        """Onset strength per frame (see :func:`onset_strength`), from the mel spectrogram in
        dB relative to 1, its top 80 dB, as librosa takes it."""
        db = power_to_db(self.mel_power, ref=1.0, top_db=80.0)
        return onset_strength(db, n_fft=self.n_fft, hop=self.hop)


class Spectrum:
    """Centred STFT frames of a mono signal, computed as its samples arrive.

    ``update(samples)`` takes the next mono ``float32`` samples; ``result()`` pads the end
    and returns a :class:`SpectrumResult`. Frame count and values are librosa's for the whole
    signal: ``1 + len(signal) // hop`` frames.
    """

    #: Frames transformed at a time (bounds the working memory to about 16 MB).
    BLOCK = 1024

    def __init__(
        self, sample_rate: float, *, n_fft: int = N_FFT, hop: int = HOP, n_mels: int = N_MELS
    ):
        if n_fft % 2 or hop <= 0 or hop > n_fft:
            raise ValueError(f"need an even n_fft and 0 < hop <= n_fft, got {n_fft}, {hop}")
        self.sample_rate = float(sample_rate)
        self.n_fft, self.hop = n_fft, hop
        self._window = hann(n_fft)
        self._filters = mel_filters(sample_rate, n_fft, n_mels)
        self._freqs = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2).astype(np.float32)
        self._buffer = np.zeros(n_fft // 2, np.float32)  # the centring pad
        self._samples = 0
        self._mel: list[np.ndarray] = []
        self._rms: list[np.ndarray] = []
        self._centroid: list[np.ndarray] = []
        self._low: list[np.ndarray] = []
        self._high: list[np.ndarray] = []
        # The extremes of each hop of the signal itself, as it arrives.
        self._pending = np.zeros(0, np.float32)
        self._waiting: list[np.ndarray] = []
        self._waiting_size = 0

    def update(self, samples: np.ndarray) -> None:
        """Add the next mono samples."""
        samples = np.asarray(samples, dtype=np.float32).ravel()
        if not samples.size:
            return
        self._samples += samples.size
        # Decoders hand over a few thousand samples at a time: gather a block's worth before
        # framing, so the buffer is joined once per block, not once per chunk.
        self._waiting.append(samples)
        self._waiting_size += samples.size
        if self._waiting_size >= self.BLOCK * self.hop:
            self._join()
            self._frames()

    def _join(self) -> None:
        if self._waiting:
            data = np.concatenate(self._waiting)
            self._extremes(data)
            self._buffer = np.concatenate([self._buffer, data])
            self._waiting.clear()
            self._waiting_size = 0

    def _extremes(self, samples: np.ndarray, *, last: bool = False) -> None:
        data = np.concatenate([self._pending, samples])
        whole = data.size // self.hop * self.hop
        if whole:
            blocks = data[:whole].reshape(-1, self.hop)
            self._low.append(blocks.min(axis=1))
            self._high.append(blocks.max(axis=1))
        self._pending = data[whole:]
        if last:
            tail = self._pending
            self._low.append(np.array([tail.min() if tail.size else 0.0], np.float32))
            self._high.append(np.array([tail.max() if tail.size else 0.0], np.float32))
            self._pending = np.zeros(0, np.float32)

    def _frames(self) -> None:
        while self._buffer.size >= self.n_fft:
            count = min(self.BLOCK, 1 + (self._buffer.size - self.n_fft) // self.hop)
            used = (count - 1) * self.hop + self.n_fft
            frames = np.lib.stride_tricks.sliding_window_view(self._buffer[:used], self.n_fft)
            frames = frames[:: self.hop]
            self._measure(frames)
            self._buffer = self._buffer[count * self.hop :]

    def _measure(self, frames: np.ndarray) -> None:
        self._rms.append(np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)))
        spectrum = np.fft.rfft(frames * self._window, axis=1)
        magnitude = np.abs(spectrum).astype(np.float32)
        total = magnitude.sum(axis=1)
        weighted = magnitude @ self._freqs
        self._centroid.append(np.where(total > 0, weighted / np.where(total > 0, total, 1), 0.0))
        power = np.square(magnitude)
        self._mel.append((power @ self._filters.T).T)

    def result(self) -> SpectrumResult:
        """Every frame's measures (pads the end of the signal; call once)."""
        self._join()
        self._buffer = np.concatenate([self._buffer, np.zeros(self.n_fft // 2, np.float32)])
        self._frames()
        self._extremes(np.zeros(0, np.float32), last=True)
        frames = 1 + self._samples // self.hop
        n_mels = self._filters.shape[0]
        mel = np.concatenate(self._mel, axis=1) if self._mel else np.zeros((n_mels, 0))
        low = np.concatenate(self._low)[:frames]
        high = np.concatenate(self._high)[:frames]
        return SpectrumResult(
            sample_rate=self.sample_rate,
            hop=self.hop,
            n_fft=self.n_fft,
            mel_power=mel.astype(np.float32),
            rms=np.concatenate(self._rms).astype(np.float32) if self._rms else np.zeros(0),
            centroid_hz=np.concatenate(self._centroid).astype(np.float32)
            if self._centroid
            else np.zeros(0),
            low=low,
            high=high,
            samples=self._samples,
        )


def per_interval(
    frame_times: np.ndarray, values: np.ndarray, edges: np.ndarray, *, how: str = "mean"
) -> np.ndarray:
    """``values`` (one per audio frame at ``frame_times``, ascending) reduced over each
    interval ``(edges[i], edges[i + 1]]``: the sound between one video frame and the next,
    as the motion between them. ``how`` is ``"mean"``, ``"max"`` or ``"rms"`` (the root of
    the mean square). An interval holding no frame takes the frame nearest its end; one
    outside the sound (before its first frame or after its last, by more than half a frame's
    spacing) is NaN.

    >>> edges = np.array([0.0, 1.0, 2.0, 9.0, 10.0])
    >>> per_interval(np.arange(6) * 0.5, np.arange(6.0), edges, how="max").tolist()
    [2.0, 4.0, 5.0, nan]
    """
    if how not in ("mean", "max", "rms"):
        raise ValueError(f"how must be mean, max or rms, got {how!r}")
    frame_times = np.asarray(frame_times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    out = np.full(max(0, edges.size - 1), np.nan)
    if not frame_times.size or not out.size:
        return out
    lo = np.searchsorted(frame_times, edges[:-1], side="right")
    hi = np.searchsorted(frame_times, edges[1:], side="right")
    data = np.square(values) if how == "rms" else values
    filled = hi > lo
    if filled.any():
        starts = lo[filled]
        ends = hi[filled]
        if how == "max":
            reduced = np.array([data[a:b].max() for a, b in zip(starts, ends, strict=True)])
        else:
            sums = np.cumsum(np.concatenate([[0.0], data]))
            reduced = (sums[ends] - sums[starts]) / (ends - starts)
        out[filled] = np.sqrt(reduced) if how == "rms" else reduced
    empty = ~filled
    if empty.any():
        ends = edges[1:][empty]
        nearest = np.clip(np.searchsorted(frame_times, ends), 1, frame_times.size - 1)
        left = frame_times[nearest - 1]
        pick = np.where(
            np.abs(ends - left) <= np.abs(frame_times[nearest] - ends), nearest - 1, nearest
        )
        if frame_times.size == 1:
            pick = np.zeros_like(pick)
        out[empty] = values[pick]
    spacing = float(np.median(np.diff(frame_times))) if frame_times.size > 1 else 0.0
    outside = (edges[1:] < frame_times[0] - spacing / 2) | (
        edges[:-1] > frame_times[-1] + spacing / 2
    )
    out[outside] = np.nan
    return out
