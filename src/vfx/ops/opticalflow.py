"""Optical flow and what is made of it: directograms, impact envelopes and impacts, flow
colours, tracked feature points, and flow from a codec's motion vectors.

The definitions are those of the Musical Gestures Toolbox (1.32), after Abe Davis and Maneesh
Agrawala, "Visual Rhythm and Beat" (SIGGRAPH 2018), sections 4.1-4.3:

* the frames are filtered first (:func:`prepare`: OpenCV's Gaussian adaptive threshold, block
  11, offset 2), then Farnebäck's dense flow runs between consecutive filtered frames with
  MGT's parameters (:data:`FARNEBACK`);
* the **directogram** of a frame pair is the histogram of the flow's directions weighted by
  the flow's magnitude (:func:`directogram`);
* the **impact envelope** is the positive flux of the median-filtered directogram over time,
  its outliers clipped at the 98th percentile and scaled to a maximum of 1
  (:func:`impact_envelope`); **impacts** are its local maxima that stand above the local mean
  by a tenth of the global maximum (:func:`detect_impacts`).

Directions are angles in image coordinates, ``atan2(dy, dx)`` with ``y`` pointing down:
0 is rightwards, 90 degrees downwards, -90 upwards, +-180 leftwards.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "DIRECTIONS",
    "FARNEBACK",
    "Farneback",
    "FeatureTracks",
    "FlowAccumulator",
    "block_flow",
    "dense_flow",
    "detect_impacts",
    "direction_centres",
    "directogram",
    "flow_colour",
    "impact_envelope",
    "prepare",
    "rotate_field",
]

#: Direction bins of a directogram: MGT's, whose edges are ``linspace(-pi, pi, 100)``.
DIRECTIONS = 99


@dataclass(frozen=True)
class Farneback:
    """The parameters of :func:`cv2.calcOpticalFlowFarneback` (OpenCV's names)."""

    pyr_scale: float = 0.5
    levels: int = 3
    winsize: int = 15
    iterations: int = 3
    poly_n: int = 5
    poly_sigma: float = 1.2


#: MGT's Farnebäck parameters (``directograms()``, ``impacts()``, ``flow.dense()``).
FARNEBACK = Farneback()


def prepare(grey: np.ndarray, *, scale: float = 1.0, threshold: bool = True) -> np.ndarray:
    """An 8-bit luma frame made ready for the flow: with ``threshold``, MGT's adaptive
    threshold (a pixel is white where it is brighter than its Gaussian-weighted 11x11
    neighbourhood's mean minus 2, else black), then resized by ``scale`` (area averaging).

    Thresholding at the source's size and averaging the binary picture down keeps the
    texture the threshold finds at full size, which is what MGT's flow follows: on MGT's
    ``dancer.avi`` at half size the directogram correlates with the full-size one at 0.92
    this way, 0.72 when the smaller picture is thresholded.
    """
    if grey.dtype != np.uint8 or grey.ndim != 2:
        raise ValueError(f"expected an 8-bit grey image, got {grey.dtype} {grey.shape}")
    if threshold:
        grey = cv2.adaptiveThreshold(
            grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 11, 2
        )
    if scale != 1.0:
        h, w = grey.shape
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return grey


def dense_flow(before: np.ndarray, after: np.ndarray, params: Farneback = FARNEBACK) -> np.ndarray:
    """Farnebäck's dense flow from ``before`` to ``after`` (8-bit grey, same size):
    ``(H, W, 2)`` float32, the displacement ``(dx, dy)`` of each pixel in pixels."""
    return cv2.calcOpticalFlowFarneback(
        before,
        after,
        None,
        params.pyr_scale,
        params.levels,
        params.winsize,
        params.iterations,
        params.poly_n,
        params.poly_sigma,
        0,
    )


def direction_centres(bins: int = DIRECTIONS) -> np.ndarray:
    """The centre of each directogram bin, in degrees (from -180 to 180)."""
    edges = np.linspace(-180.0, 180.0, bins + 1)
    return (edges[:-1] + edges[1:]) / 2


def _bin_of(angle: np.ndarray, bins: int) -> np.ndarray:
    """The bin of each angle in [-pi, pi]: ``bins`` equal bins from -pi, the last one
    closed (as ``np.digitize`` against MGT's edges)."""
    index = ((angle + np.pi) * (bins / (2 * np.pi))).astype(np.intp)
    return np.minimum(index, bins - 1, out=index)


def directogram(
    flow: np.ndarray, *, bins: int = DIRECTIONS, weight: float | np.ndarray = 1.0
) -> np.ndarray:
    """The directions of ``flow`` (``(..., 2)``, ``dx, dy``) as a histogram of ``bins`` equal
    bins over [-180, 180) degrees, each direction weighted by its magnitude, times
    ``weight``: the area each vector stands for, one number for all (1 for a pixel of the
    frame the flow was computed on) or one per vector (``flow.shape[:-1]``).
    float64, length ``bins``."""
    dx = flow[..., 0].ravel()
    dy = flow[..., 1].ravel()
    magnitude = np.hypot(dx, dy)
    if isinstance(weight, np.ndarray):
        magnitude *= weight.ravel()
    index = _bin_of(np.arctan2(dy, dx), bins)
    hist = np.bincount(index, weights=magnitude, minlength=bins)
    if not isinstance(weight, np.ndarray) and weight != 1.0:
        hist *= weight
    return hist


def impact_envelope(directograms: np.ndarray, *, kernel: int = 5) -> np.ndarray:
    """The impact envelope of a sequence of directograms ``(pairs, bins)``: the sum of the
    positive change of each direction bin from one pair to the next, after a ``kernel`` x
    ``kernel`` median filter over time and direction; values above the 98th percentile are
    clipped to it (the spikes of cuts), then the envelope is scaled to a maximum of 1.

    The first pair has no predecessor and gets 0. MGT 1.32's code sets the values above the
    98th percentile to 0 instead of clipping them (its own description and the paper say
    clip), which drops the strongest impacts; vfx clips.
    """
    d = np.asarray(directograms, dtype=np.float32)
    if d.ndim != 2 or d.shape[0] == 0:
        raise ValueError(f"expected directograms of shape (pairs, bins), got {d.shape}")
    if kernel not in (3, 5):
        raise ValueError(f"kernel must be 3 or 5, got {kernel}")
    # scipy's medfilt2d, which MGT uses, pads with zeros: pad so, and OpenCV's median of the
    # padded array (whose own border rule then never reaches the original cells) is the same.
    half = kernel // 2
    padded = cv2.copyMakeBorder(d, half, half, half, half, cv2.BORDER_CONSTANT, value=0)
    filtered = cv2.medianBlur(padded, kernel)[half:-half, half:-half].astype(np.float64)
    flux = np.zeros(d.shape[0])
    if d.shape[0] > 1:
        rise = np.diff(filtered, axis=0)
        np.maximum(rise, 0.0, out=rise)
        flux[1:] = rise.sum(axis=1)
    ceiling = np.percentile(flux, 98)
    np.minimum(flux, ceiling, out=flux)
    top = flux.max()
    return flux / top if top > 0 else flux


def detect_impacts(
    envelope: np.ndarray, fps: float, *, local_mean: float = 0.1, local_maxima: float = 0.15
) -> np.ndarray:
    """The indices of the impacts in ``envelope`` (sampled at ``fps``): the values greater
    than every value within ``local_maxima / 2`` seconds on each side, and greater than the
    mean of the values within ``local_mean / 2`` seconds on each side (the two sides' means
    averaged) by a tenth of the envelope's maximum. As MGT, the first and last
    ``local_maxima / 2`` seconds and 4 samples are not searched."""
    e = np.asarray(envelope, dtype=np.float64)
    mean_half = int(local_mean / 2 * fps)
    max_half = int(local_maxima / 2 * fps)
    first, stop = max_half + 4, len(e) - max_half - 4
    if stop <= first or mean_half < 1 or max_half < 1:
        return np.zeros(0, dtype=np.int64)
    top = e.max()
    i = np.arange(first, stop)
    # Sliding sums and maxima over the windows before and after each index.
    cum = np.concatenate([[0.0], np.cumsum(e)])
    before_mean = (cum[i] - cum[i - mean_half]) / mean_half
    after_mean = (cum[i + 1 + mean_half] - cum[i + 1]) / mean_half
    windows = np.lib.stride_tricks.sliding_window_view(e, max_half)
    before_max = windows[i - max_half]
    after_max = windows[i + 1]
    local_max = np.maximum(before_max.max(axis=1), after_max.max(axis=1))
    current = e[i]
    keep = (current > local_max) & (current - (before_mean + after_mean) / 2 > 0.1 * top)
    return i[keep].astype(np.int64)


def flow_colour(flow: np.ndarray, *, floor: float = 1.0) -> np.ndarray:
    """A flow field as an RGB ``uint8`` picture, MGT's colours: the hue is the direction
    (OpenCV's hue wheel: rightwards red, downwards yellow-green, leftwards cyan, upwards
    violet), full saturation, the value the magnitude over the frame's largest (at least
    ``floor`` pixels, so that a still frame stays dark instead of showing its noise)."""
    magnitude, angle = cv2.cartToPolar(flow[..., 0], flow[..., 1], angleInDegrees=True)
    top = max(float(magnitude.max()), floor)
    return _hsv_to_rgb(angle, 1.0, magnitude / top)


def _hsv_to_rgb(
    degrees: np.ndarray, saturation: np.ndarray | float, value: np.ndarray
) -> np.ndarray:
    """RGB ``uint8`` of a hue in degrees [0, 360), and a saturation and value in [0, 1]
    (clipped), on OpenCV's hue wheel."""
    hsv = np.empty((*degrees.shape, 3), np.uint8)
    hsv[..., 0] = degrees / 2  # OpenCV's 8-bit hue is degrees / 2
    hsv[..., 1] = np.clip(np.multiply(saturation, 255), 0, 255)
    hsv[..., 2] = np.clip(value * 255, 0, 255)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


class FlowAccumulator:
    """The picture of where a clip moved and which way: per pixel, the sum of the flow
    vectors and of their magnitudes over every pair added.

    :meth:`result` colours it as :func:`flow_colour` does, by the direction of the summed
    vector, with the saturation the share of the motion that went that way (1 for motion
    always in one direction, 0 for motion back and forth, which shows white) and the value
    the mean magnitude (scaled so that its 99.5th percentile is full).
    """

    def __init__(self) -> None:
        self._vectors: np.ndarray | None = None
        self._magnitude: np.ndarray | None = None
        self.count = 0

    def add(self, flow: np.ndarray) -> None:
        if self._vectors is None:
            self._vectors = np.zeros(flow.shape, np.float64)
            self._magnitude = np.zeros(flow.shape[:2], np.float64)
        assert self._magnitude is not None
        self._vectors += flow
        self._magnitude += np.hypot(flow[..., 0], flow[..., 1])
        self.count += 1

    def result(self) -> np.ndarray:
        """RGB ``uint8``."""
        if self._vectors is None or self._magnitude is None:
            raise ValueError("no flow was added")
        net_x, net_y = self._vectors[..., 0], self._vectors[..., 1]
        net = np.hypot(net_x, net_y)
        total = self._magnitude
        saturation = np.divide(net, total, out=np.zeros_like(net), where=total > 0)
        mean = total / self.count
        top = float(np.percentile(mean, 99.5)) or float(mean.max()) or 1.0
        angle = np.degrees(np.arctan2(net_y, net_x)) % 360.0
        return _hsv_to_rgb(angle, saturation, mean / top)


def block_flow(
    vectors: np.ndarray,
    width: int,
    height: int,
    *,
    block: int = 16,
    past: float = 1.0,
    future: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A codec's motion vectors (FFmpeg's ``AVMotionVector`` records, as PyAV's
    ``MotionVectors.to_ndarray()``) as a coarse flow field of ``block``-pixel cells:
    ``((H/block, W/block, 2) float32, (H/block, W/block) float32 area weights)``.

    Each vector says where its block's pixels were in a reference picture (``source`` < 0,
    a past one) or will be (``source`` > 0, a future one); the motion forwards in time is
    ``dst - src`` for the first and ``src - dst`` for the second, divided by ``past`` or
    ``future``, the frames between this one and its reference (the codec does not say which
    picture a vector refers to: the caller gives the distance to the nearest anchor, I or P
    picture, on each side). A block predicted both ways gets the mean.
    """
    rows, cols = math.ceil(height / block), math.ceil(width / block)
    field = np.zeros((rows, cols, 2), np.float64)
    weight = np.zeros((rows, cols), np.float64)
    if len(vectors):
        v = vectors
        scale = np.maximum(v["motion_scale"].astype(np.float64), 1.0)
        dx = v["motion_x"] / scale
        dy = v["motion_y"] / scale
        # motion_x is src - dst; forwards in time is dst - src from a past reference.
        forwards = np.where(v["source"] < 0, -1.0 / past, 1.0 / future)
        area = v["w"].astype(np.float64) * v["h"].astype(np.float64)
        cx = np.clip(v["dst_x"] // block, 0, cols - 1).astype(np.intp)
        cy = np.clip(v["dst_y"] // block, 0, rows - 1).astype(np.intp)
        flat = cy * cols + cx
        for k, values in enumerate((dx * forwards, dy * forwards)):
            field[..., k].flat[:] += np.bincount(flat, values * area, rows * cols)
        weight.flat[:] = np.bincount(flat, area, rows * cols)
        field /= np.maximum(weight, 1.0)[..., None]
    return field.astype(np.float32), weight.astype(np.float32)


def rotate_field(field: np.ndarray, rotation: int) -> np.ndarray:
    """A flow field ``(H, W, 2)`` turned ``rotation`` degrees (a multiple of 90) as
    ``np.rot90`` turns a picture (counter-clockwise, as vfx applies a video's rotation): the
    grid and the vectors both."""
    k = (rotation // 90) % 4
    if k == 0:
        return field
    turned = np.rot90(field, k=k, axes=(0, 1))
    dx, dy = turned[..., 0], turned[..., 1]
    # A quarter turn counter-clockwise of the picture maps (x, y) to (y, W - 1 - x).
    vector = {1: (dy, -dx), 2: (-dx, -dy), 3: (-dy, dx)}[k]
    return np.ascontiguousarray(np.stack(vector, axis=-1))


class FeatureTracks:
    """Feature points followed from frame to frame with pyramidal Lucas-Kanade, MGT's
    ``flow.sparse()`` defaults (Shi-Tomasi corners: at most 100, quality 0.3, 7 pixels
    apart, block 7; LK window 15, 2 pyramid levels, 10 iterations or 0.03 pixels).

    Unlike MGT, points lost are replaced (corners are sought again when fewer than half
    remain), and each point keeps a tail of its last ``tail`` positions rather than every
    position since the start.
    """

    def __init__(self, *, max_points: int = 100, tail: int = 25):
        self.max_points = max_points
        self.tail = tail
        self._grey: np.ndarray | None = None
        self._points = np.zeros((0, 1, 2), np.float32)
        self._tails: list[deque[tuple[float, float]]] = []
        self._ids: list[int] = []
        self._next_id = 0

    def _seek(self, grey: np.ndarray) -> None:
        mask = np.full(grey.shape, 255, np.uint8)
        for x, y in self._points.reshape(-1, 2):
            cv2.circle(mask, (int(x), int(y)), 7, 0, -1)
        found = cv2.goodFeaturesToTrack(
            grey,
            maxCorners=self.max_points - len(self._tails),
            qualityLevel=0.3,
            minDistance=7,
            blockSize=7,
            mask=mask,
        )
        if found is None:
            return
        self._points = np.concatenate([self._points, found.astype(np.float32)])
        for x, y in found.reshape(-1, 2):
            self._tails.append(deque([(float(x), float(y))], maxlen=self.tail))
            self._ids.append(self._next_id)
            self._next_id += 1

    def update(self, grey: np.ndarray) -> None:
        """Follow the points into the next 8-bit grey frame."""
        if self._grey is not None and len(self._tails):
            moved, status, _ = cv2.calcOpticalFlowPyrLK(
                self._grey,
                grey,
                self._points,
                None,
                winSize=(15, 15),
                maxLevel=2,
                criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03),
            )
            ok = status.ravel() == 1
            self._points = moved[ok].reshape(-1, 1, 2)
            self._tails = [t for t, keep in zip(self._tails, ok, strict=True) if keep]
            self._ids = [i for i, keep in zip(self._ids, ok, strict=True) if keep]
            for tail, (x, y) in zip(self._tails, self._points.reshape(-1, 2), strict=True):
                tail.append((float(x), float(y)))
        self._grey = grey
        if len(self._tails) < self.max_points // 2:
            self._seek(grey)

    @property
    def points(self) -> np.ndarray:
        """The points' current positions, ``(N, 2)`` float32."""
        return self._points.reshape(-1, 2)

    def draw(self, image: np.ndarray) -> np.ndarray:
        """``image`` (RGB ``uint8``, changed in place and returned) with each point's tail
        and a dot at its position, one colour per point."""
        width = max(1, round(max(image.shape[:2]) / 320))
        for ident, tail in zip(self._ids, self._tails, strict=True):
            hue = (ident * 47) % 180
            colour = cv2.cvtColor(np.uint8([[[hue, 220, 255]]]), cv2.COLOR_HSV2RGB)[0, 0]
            rgb = tuple(int(c) for c in colour)
            pts = np.round(np.array(tail)).astype(np.int32)
            if len(pts) > 1:
                cv2.polylines(image, [pts], False, rgb, width, cv2.LINE_AA)
            cv2.circle(image, tuple(int(v) for v in pts[-1]), 2 * width + 1, rgb, -1, cv2.LINE_AA)
        return image
