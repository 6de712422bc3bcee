"""Camera orientation and sensor series: unit quaternions ``(w, x, y, z)`` interpolated at a
time, and the conversions the readers need (angle-axis, rotation matrices, Euler angles).

Angles are degrees at the interface (radians inside the conversions, as the formats store
them); times are on the video's movie timeline (``time_s``), as in :mod:`vfx.telemetry.track`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Orientation",
    "Series",
    "axis_angle_to_quaternion",
    "matrix_to_quaternion",
    "quaternion_to_euler_deg",
]


@dataclass
class Series:
    """A sensor series: ``values[i]`` measured at ``time_s[i]``, one column per axis."""

    name: str
    unit: str
    time_s: np.ndarray
    values: np.ndarray
    columns: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.time_s.size)


@dataclass
class Orientation:
    """Camera orientation samples as unit quaternions ``(w, x, y, z)``.

    ``frame`` says what the rotation relates (for example ``"camera to world"`` for CAMM,
    ``"relative to the first frame"`` for GoPro CORI).
    """

    time_s: np.ndarray
    quaternions: np.ndarray
    source: str
    frame: str

    def __len__(self) -> int:
        return int(self.time_s.size)

    def at(self, times: np.ndarray) -> np.ndarray:
        """Quaternions at ``times`` by spherical linear interpolation (ends held)."""
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        n = self.time_s.size
        if n == 0:
            return np.full((t.size, 4), np.nan)
        right = np.clip(np.searchsorted(self.time_s, t), 0, n - 1)
        left = np.clip(right - 1, 0, n - 1)
        span = self.time_s[right] - self.time_s[left]
        frac = np.clip(
            np.where(span > 0, (t - self.time_s[left]) / np.where(span > 0, span, 1), 1.0), 0, 1
        )
        return _slerp(self.quaternions[left], self.quaternions[right], frac)

    def euler_deg(self, times: np.ndarray) -> np.ndarray:
        """``(yaw, pitch, roll)`` in degrees at ``times`` (Z-Y-X intrinsic order)."""
        return quaternion_to_euler_deg(self.at(times))


def _slerp(q0: np.ndarray, q1: np.ndarray, frac: np.ndarray) -> np.ndarray:
    dot = np.sum(q0 * q1, axis=1)
    q1 = np.where(dot[:, None] < 0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    small = theta < 1e-6
    s = np.sin(np.where(small, 1.0, theta))
    w0 = np.where(small, 1 - frac, np.sin((1 - frac) * theta) / s)
    w1 = np.where(small, frac, np.sin(frac * theta) / s)
    q = w0[:, None] * q0 + w1[:, None] * q1
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def quaternion_to_euler_deg(q: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(w, x, y, z)`` to ``(yaw, pitch, roll)`` degrees, Z-Y-X order."""
    w, x, y, z = (q[:, i] for i in range(4))
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    pitch = np.arcsin(np.clip(2 * (w * y - z * x), -1.0, 1.0))
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    return np.degrees(np.stack([yaw, pitch, roll], axis=1))


def axis_angle_to_quaternion(v: np.ndarray) -> np.ndarray:
    """Angle-axis vectors (radians, axis scaled by angle) to unit quaternions ``(w, x, y, z)``."""
    v = np.asarray(v, dtype=np.float64).reshape(-1, 3)
    angle = np.linalg.norm(v, axis=1)
    half = angle / 2
    scale = np.where(angle > 1e-12, np.sin(half) / np.where(angle > 1e-12, angle, 1), 0.5)
    return np.column_stack([np.cos(half), v * scale[:, None]])


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(N, 3, 3)`` to unit quaternions ``(w, x, y, z)`` (Shepperd's method)."""
    m = np.asarray(m, dtype=np.float64).reshape(-1, 3, 3)
    out = np.empty((m.shape[0], 4))
    for i, r in enumerate(m):
        tr = r[0, 0] + r[1, 1] + r[2, 2]
        if tr > 0:
            s = math.sqrt(tr + 1.0) * 2
            q = (
                0.25 * s,
                (r[2, 1] - r[1, 2]) / s,
                (r[0, 2] - r[2, 0]) / s,
                (r[1, 0] - r[0, 1]) / s,
            )
        elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
            s = math.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
            q = (
                (r[2, 1] - r[1, 2]) / s,
                0.25 * s,
                (r[0, 1] + r[1, 0]) / s,
                (r[0, 2] + r[2, 0]) / s,
            )
        elif r[1, 1] > r[2, 2]:
            s = math.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
            q = (
                (r[0, 2] - r[2, 0]) / s,
                (r[0, 1] + r[1, 0]) / s,
                0.25 * s,
                (r[1, 2] + r[2, 1]) / s,
            )
        else:
            s = math.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
            q = (
                (r[1, 0] - r[0, 1]) / s,
                (r[0, 2] + r[2, 0]) / s,
                (r[1, 2] + r[2, 1]) / s,
                0.25 * s,
            )
        out[i] = q
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1)
