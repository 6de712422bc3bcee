"""The body and hand trackers of ``vfx pose``: MediaPipe's pose and hand graphs (0.10.21,
``pose_landmark_cpu.pbtxt`` with model complexity 1, ``hand_landmark_tracking_cpu.pbtxt``)
reproduced over its own models, which :class:`vfx.io.models.Model` runs.

A tracker is fed the frames of one video in order, each with its time, and keeps what
MediaPipe keeps between frames: the region of interest taken from the previous frame's
landmarks (the detector runs only when there is none, or when the landmark model says the
body or hand is gone) and, for the body, the One Euro filters that smooth the landmarks.
Every step of its own is a pure function in :mod:`vfx.ops.detection`,
:mod:`vfx.ops.landmarks` and :mod:`vfx.ops.smoothing`.

Single person: BlazePose tracks one body (the detector's best), as MediaPipe's solution does;
the hand tracker follows up to two hands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vfx.io.models import Model
from vfx.ops.detection import PALM_DETECTOR, POSE_DETECTOR, anchors, decode, iou, weighted_nms
from vfx.ops.landmarks import (
    LANDMARK_INPUT,
    Roi,
    cut_region,
    decode_landmarks,
    frame_roi,
    project_landmarks,
    refine_with_heatmap,
    region_to_frame,
    roi_from_box,
    roi_from_hand,
    roi_from_keypoints,
    roi_to_input,
    rotate_world,
)
from vfx.ops.smoothing import OneEuroFilter

__all__ = ["Body", "BodyTracker", "Hand", "HandTracker"]

#: Below this score of the landmark model's presence output, the body (or hand) is gone.
PRESENCE_THRESHOLD = 0.5
HAND_INPUT = 224


@dataclass(frozen=True)
class Body:
    """One frame's body: ``landmarks`` ``(33, 5)``, x and y in frame pixels, z in pixels of
    the same scale (smaller is nearer the camera, the hips' centre at about 0), visibility and
    presence in 0-1; ``world`` ``(33, 3)``, metres, origin between the hips, y down."""

    landmarks: np.ndarray
    world: np.ndarray
    score: float


@dataclass(frozen=True)
class Hand:
    """One hand: ``side`` is the person's own (``"left"`` or ``"right"``), ``score`` the model's
    certainty of it; ``landmarks`` ``(21, 3)`` pixels (z relative to the wrist), ``world``
    ``(21, 3)`` metres about the hand's centre."""

    side: str
    score: float
    landmarks: np.ndarray
    world: np.ndarray
    presence: float


def crop(image: np.ndarray, roi: Roi, side: int, *, border: int) -> np.ndarray:
    """The region ``roi`` of ``image`` cut out upright at ``side`` x ``side`` pixels, float32
    RGB 0-255, as ``ImageToTensorCalculator`` does (:func:`~vfx.ops.landmarks.cut_region`);
    ``border`` is OpenCV's border mode for the parts outside the frame."""
    return cut_region(image, roi, side, border=border).astype(np.float32)


def _landmarks(
    model: Model,
    image: np.ndarray,
    roi: Roi,
    side: int,
    *,
    threshold: float = PRESENCE_THRESHOLD,
) -> tuple[dict[str, np.ndarray], float] | None:
    """A landmark model on the region ``roi`` (cut out upright, edges replicated, 0-1): its
    outputs and presence score, or None when the score is under ``threshold`` (the body or
    hand is gone: MediaPipe's graph gates every output on :data:`PRESENCE_THRESHOLD`)."""
    x = crop(image, roi, side, border=cv2.BORDER_REPLICATE) / np.float32(255.0)
    out = model.run(x[None])
    score = float(out["Identity_1"].reshape(-1)[0])
    return None if score < threshold else (out, score)


def _detect(
    model: Model, spec_anchors: np.ndarray, spec, image: np.ndarray, *, low: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:  # type: ignore[no-untyped-def]
    """The detector on the letterboxed frame; boxes and key points back in frame pixels."""
    h, w = image.shape[:2]
    letterbox = frame_roi(w, h)
    x = crop(image, letterbox, spec.input_size, border=cv2.BORDER_CONSTANT)
    x = x * ((1.0 - low) / 255.0) + low
    out = model.run(x[None].astype(np.float32))
    raw = next(v for v in out.values() if v.shape[-1] == 4 + 2 * spec.num_keypoints)
    logits = next(v for v in out.values() if v.shape[-1] == 1)
    found = weighted_nms(*decode(raw, logits, spec_anchors, spec), spec.min_suppression)
    m = roi_to_input(letterbox, spec.input_size)
    size = spec.input_size

    def to_frame(points: np.ndarray) -> np.ndarray:
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2) * size
        return p @ m[:, :2].T + m[:, 2]

    return [(to_frame(box).reshape(-1), to_frame(points), score) for box, points, score in found]


class BodyTracker:
    """BlazePose (full) over the frames of one video, with MediaPipe's tracking and smoothing.

    Call it with each frame (RGB ``uint8``, upright) and its time in seconds, in order; it
    returns the :class:`Body` or None when nobody is found. ``smooth=False`` gives the raw
    landmarks of each frame.
    """

    def __init__(self, *, threads: int = 1, smooth: bool = True, folder: Path | None = None):
        self._detector = Model("pose_detection", threads=threads, folder=folder)
        self._landmarker = Model("pose_landmark_full", threads=threads, folder=folder)
        self._anchors = anchors(POSE_DETECTOR)
        self.smooth = smooth
        self.reset()

    def reset(self) -> None:
        """Forget the track: the next frame starts with the detector."""
        self._roi: Roi | None = None
        self._filters = {
            "landmarks": OneEuroFilter(min_cutoff=0.05, beta=80.0),
            "world": OneEuroFilter(min_cutoff=0.1, beta=40.0),
            "aux": OneEuroFilter(min_cutoff=0.01, beta=10.0),
        }
        self._visibility: np.ndarray | None = None
        self._aux_visibility: np.ndarray | None = None

    def detect(self, image: np.ndarray) -> Roi | None:
        """The region of the detector's best person, or None."""
        found = _detect(self._detector, self._anchors, POSE_DETECTOR, image, low=-1.0)
        if not found:
            return None
        _, points, _ = found[0]
        return roi_from_keypoints(tuple(points[0]), tuple(points[1]))

    def __call__(self, image: np.ndarray, time_s: float) -> Body | None:
        roi = self._roi if self._roi is not None else self.detect(image)
        if roi is None:
            self.reset()
            return None
        found = _landmarks(self._landmarker, image, roi, LANDMARK_INPUT)
        if found is None:
            self.reset()
            return None
        out, score = found
        marks = decode_landmarks(out["Identity"], count=39)
        marks = refine_with_heatmap(marks, out["Identity_3"], kernel=7)
        pixels = project_landmarks(marks[:, :3], roi)
        world = rotate_world(out["Identity_4"].reshape(39, 3)[:33], roi)
        body, aux = pixels[:33], pixels[33:35]
        visibility, presence = marks[:33, 3], marks[:33, 4]
        aux_visibility = marks[33:35, 3]
        if self.smooth:
            # The object's scale, for the filters' speed: the side of the square the raw
            # auxiliary points give (``AlignmentPointsRectsCalculator``).
            scale = 2.0 * math.hypot(*(aux[1, :2] - aux[0, :2]))
            value_scale = 1.0 / scale if scale > 0 else 1.0
            visibility = self._low_pass("_visibility", visibility)
            self._low_pass("_aux_visibility", aux_visibility)
            body = self._filters["landmarks"](time_s, body, value_scale)
            world = self._filters["world"](time_s, world)
            aux = self._filters["aux"](time_s, aux, value_scale)
        self._roi = roi_from_keypoints(tuple(aux[0, :2]), tuple(aux[1, :2]))
        landmarks = np.column_stack([body, visibility, presence])
        return Body(landmarks=landmarks, world=world, score=score)

    def person_mask(self, image: np.ndarray, *, looks: int = 2) -> np.ndarray | None:
        """The probability (``float32 (H, W)``, 0-1) that each pixel of one picture is the
        person, from the landmark model's segmentation output; None when nobody is found.

        No tracking (each picture on its own, as MediaPipe's static mode): the detector's
        region, then ``looks - 1`` more runs on the region the landmarks themselves give,
        which frames the body better. Only the last look is gated on the presence score: a
        body bent far from upright in the detector's region can score under the threshold
        there and well over it in the landmarks' region (MGT's dancer, bowing). The model's
        logits are laid back onto the frame bilinearly before the sigmoid, so edges stay
        smooth at any size.
        """
        roi = self.detect(image)
        if roi is None:
            return None
        h, w = image.shape[:2]
        for look in range(looks):
            last = look == looks - 1
            threshold = PRESENCE_THRESHOLD if last else 0.0
            found = _landmarks(self._landmarker, image, roi, LANDMARK_INPUT, threshold=threshold)
            if found is None:
                return None
            out = found[0]
            if not last:
                marks = decode_landmarks(out["Identity"], count=39)
                aux = project_landmarks(marks[33:35, :3], roi)
                roi = roi_from_keypoints(tuple(aux[0, :2]), tuple(aux[1, :2]))
        # outside the region the model said nothing: background (a large negative logit)
        logits = region_to_frame(out["Identity_2"][0, :, :, 0], roi, w, h, fill=-20.0)
        return np.exp(-np.logaddexp(0.0, -logits)).astype(np.float32)

    def _low_pass(self, name: str, values: np.ndarray, alpha: float = 0.1) -> np.ndarray:
        """MediaPipe's visibility smoothing: ``alpha`` of the new value, the rest the old."""
        old = getattr(self, name)
        new = values if old is None else alpha * values + (1 - alpha) * old
        setattr(self, name, new)
        return new


class HandTracker:
    """MediaPipe Hands (full models, up to ``max_hands``) over the frames of one video.

    Call it with each frame (RGB ``uint8``, upright); it returns the hands found, each with
    the person's side. The palm detector runs while fewer than ``max_hands`` hands are
    tracked; a detection overlapping a tracked hand (IoU > 0.5 of their upright boxes) gives
    way to it, as ``AssociationNormRectCalculator`` does. MediaPipe's hand solution does not
    smooth, and neither does this.
    """

    def __init__(self, *, threads: int = 1, max_hands: int = 2, folder: Path | None = None):
        self._detector = Model("palm_detection_full", threads=threads, folder=folder)
        self._landmarker = Model("hand_landmark_full", threads=threads, folder=folder)
        self._anchors = anchors(PALM_DETECTOR)
        self.max_hands = max_hands
        self._rois: list[Roi] = []

    def reset(self) -> None:
        self._rois = []

    def detect(self, image: np.ndarray) -> list[Roi]:
        """The regions of the detector's best palms, at most ``max_hands``."""
        found = _detect(self._detector, self._anchors, PALM_DETECTOR, image, low=0.0)
        rois = []
        for box, points, _ in found[: self.max_hands]:
            x0, y0, x1, y1 = box
            rotation = roi_from_keypoints(tuple(points[0]), tuple(points[2])).rotation
            centre = ((x0 + x1) / 2, (y0 + y1) / 2)
            rois.append(roi_from_box(centre, x1 - x0, y1 - y0, rotation, scale=2.6, shift_y=-0.5))
        return rois

    def __call__(self, image: np.ndarray, time_s: float = 0.0) -> list[Hand]:
        # Tracked regions that have come to overlap are merged even when the detector rests.
        detected = self.detect(image) if len(self._rois) < self.max_hands else []
        rois = _associate(detected, self._rois)
        hands: list[Hand] = []
        self._rois = []
        for roi in rois:
            found = _landmarks(self._landmarker, image, roi, HAND_INPUT)
            if found is None:
                continue
            out, presence = found
            raw = out["Identity"].reshape(21, 3).astype(np.float64)
            unit = np.column_stack([raw[:, :2] / HAND_INPUT, raw[:, 2] / HAND_INPUT / 0.4])
            pixels = project_landmarks(unit, roi)
            world = rotate_world(out["Identity_3"].reshape(21, 3), roi)
            # The model's "Left" is a mirrored (selfie) picture's: the person's right hand.
            p_left = float(out["Identity_2"].reshape(-1)[0])
            side, score = ("right", p_left) if p_left > 0.5 else ("left", 1.0 - p_left)
            hands.append(Hand(side, score, pixels, world, presence))
            self._rois.append(roi_from_hand(pixels))
        return hands


def _box(roi: Roi) -> np.ndarray:
    """The region's upright box, unturned (MediaPipe's association ignores rotation)."""
    half = roi.size / 2
    return np.array([roi.x - half, roi.y - half, roi.x + half, roi.y + half])


def _associate(detected: list[Roi], tracked: list[Roi], threshold: float = 0.5) -> list[Roi]:
    """Detected regions, then tracked ones; each one added removes those before it that it
    overlaps by more than ``threshold``."""
    out: list[Roi] = []
    for roi in detected + tracked:
        if out:
            overlap = iou(_box(roi), np.array([_box(r) for r in out]))
            out = [r for r, o in zip(out, overlap, strict=True) if o <= threshold]
        out.append(roi)
    return out
