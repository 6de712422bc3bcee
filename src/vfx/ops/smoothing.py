"""The One Euro filter (Casiry, Roussel, Vogel, CHI 2012) as MediaPipe applies it between
frames to landmarks (``util/filtering/one_euro_filter.cc``): a low-pass filter whose cutoff
rises with the speed of the value, so that still points stop jittering and fast ones do not
lag. A small streaming class over arrays: every value of the array is filtered on its own.

    alpha(cutoff) = 1 / (1 + tau / te),  tau = 1 / (2 pi cutoff),  te = 1 / frequency
    dx = (x - x_prev_raw) * value_scale * frequency      (0 for the first value)
    edx = lowpass(dx, alpha(derivate_cutoff))
    x_hat = lowpass(x, alpha(min_cutoff + beta * |edx|))

where ``lowpass(v, a)`` is ``v`` the first time and ``a v + (1 - a) previous`` after.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["OneEuroFilter"]


class OneEuroFilter:
    """Filter arrays of values that arrive with their times (seconds).

    ``frequency`` is the rate assumed until two times have been seen; after that it is the
    rate between the last two. A time not after the last one returns the values unfiltered,
    as MediaPipe does. ``value_scale`` (per call) multiplies the speed: MediaPipe passes one
    over the object's size, so that the filter behaves alike for near and far bodies.

    >>> f = OneEuroFilter(min_cutoff=1.0, beta=0.0, frequency=30.0)
    >>> float(f(0.0, np.array([10.0]))[0]), round(float(f(1 / 30, np.array([20.0]))[0]), 4)
    (10.0, 11.7317)
    """

    def __init__(
        self,
        *,
        min_cutoff: float,
        beta: float,
        derivate_cutoff: float = 1.0,
        frequency: float = 30.0,
    ):
        for name, value in (
            ("min_cutoff", min_cutoff),
            ("derivate_cutoff", derivate_cutoff),
            ("frequency", frequency),
        ):
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be > 0, got {value}")
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency = frequency
        self._last_time: float | None = None
        self._raw: np.ndarray | None = None
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None

    def _alpha(self, cutoff: float | np.ndarray) -> float | np.ndarray:
        te = 1.0 / self.frequency
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff, dtype=np.float64))
        return 1.0 / (1.0 + tau / te)

    def __call__(
        self, time_s: float, values: np.ndarray, value_scale: float | np.ndarray = 1.0
    ) -> np.ndarray:
        x = np.asarray(values, dtype=np.float64)
        if self._last_time is not None and time_s <= self._last_time:
            return x.copy()
        if self._last_time is not None:
            self.frequency = 1.0 / (time_s - self._last_time)
        self._last_time = time_s
        if self._raw is None or self._raw.shape != x.shape:
            self._raw, self._value = x.copy(), x.copy()
            self._speed = np.zeros_like(x)
            return x.copy()
        speed = (x - self._raw) * value_scale * self.frequency
        assert self._speed is not None and self._value is not None
        a = self._alpha(self.derivate_cutoff)
        self._speed = a * speed + (1 - a) * self._speed
        cutoff = self.min_cutoff + self.beta * np.abs(self._speed)
        a = self._alpha(cutoff)
        self._value = a * x + (1 - a) * self._value
        self._raw = x.copy()
        return self._value.copy()
