"""The skeletons of BlazePose (33 body landmarks) and MediaPipe's hand model (21): their names,
bones, body parts and sides, drawing them onto a frame, and the speed of every joint between
two frames. Pure functions over numpy arrays; coordinates in pixels, ``y`` down.

Names and bones are MediaPipe's (``PoseLandmark``, ``POSE_CONNECTIONS``, ``HandLandmark``,
``HAND_CONNECTIONS``), lower-case. Left and right are the person's own.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "BODY_BONES",
    "BODY_LANDMARKS",
    "BODY_PARTS",
    "HAND_BONES",
    "HAND_LANDMARKS",
    "draw_skeleton",
    "side_of",
    "speeds",
]

BODY_LANDMARKS = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip

BODY_BONES = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12),
    (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18),
    (16, 20), (16, 22), (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27),
    (26, 28), (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)  # fmt: skip

#: The body's parts, by landmark: the mean speed of a part's landmarks is the part's speed.
BODY_PARTS: dict[str, tuple[int, ...]] = {
    "head": tuple(range(0, 11)),
    "arms": tuple(range(13, 23)),
    "torso": (11, 12, 23, 24),
    "legs": tuple(range(25, 33)),
}

HAND_LANDMARKS = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip", "index_finger_mcp",
    "index_finger_pip", "index_finger_dip", "index_finger_tip", "middle_finger_mcp",
    "middle_finger_pip", "middle_finger_dip", "middle_finger_tip", "ring_finger_mcp",
    "ring_finger_pip", "ring_finger_dip", "ring_finger_tip", "pinky_mcp", "pinky_pip",
    "pinky_dip", "pinky_tip",
)  # fmt: skip

HAND_BONES = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10),
    (10, 11), (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18),
    (18, 19), (19, 20),
)  # fmt: skip

#: Colours (RGB) of the person's left side, right side and the middle.
LEFT, RIGHT, MIDDLE = (255, 140, 0), (0, 170, 255), (235, 235, 235)


def side_of(name: str) -> str:
    """``"left"``, ``"right"`` or ``"middle"`` for a landmark name.

    >>> side_of("left_wrist"), side_of("mouth_right"), side_of("nose")
    ('left', 'right', 'middle')
    """
    if name.startswith("left_") or name.endswith("_left"):
        return "left"
    if name.startswith("right_") or name.endswith("_right"):
        return "right"
    return "middle"


_SIDE_COLOUR = {"left": LEFT, "right": RIGHT, "middle": MIDDLE}
_BODY_COLOURS = np.array([_SIDE_COLOUR[side_of(n)] for n in BODY_LANDMARKS], dtype=np.float64)


def _faded(colour: np.ndarray, visibility: float) -> tuple[int, int, int]:
    """``colour`` toward a dark grey as ``visibility`` falls below 1 (0.25 of it at 0)."""
    grey = np.array([70.0, 70.0, 70.0])
    weight = 0.25 + 0.75 * float(np.clip(visibility, 0.0, 1.0))
    return tuple(int(v) for v in np.rint(grey + (colour - grey) * weight))  # type: ignore[return-value]


def draw_skeleton(
    image: np.ndarray,
    body: np.ndarray | None,
    hands: list[tuple[str, np.ndarray]] | tuple[()] = (),
    *,
    thickness: int | None = None,
) -> np.ndarray:
    """``image`` (RGB ``uint8``, changed in place and returned) with the skeleton drawn.

    ``body`` is ``(33, >=4)``: x, y in pixels, z, visibility (or None: no body). Bones and
    joints of the person's left side are orange, the right side blue, the middle white; each
    fades toward grey as its visibility falls. ``hands`` are ``(side, (21, >=2))`` pairs,
    drawn in their side's colour. Lines are anti-aliased, their width scaled to the frame.
    """
    h, w = image.shape[:2]
    line = thickness or max(1, round(max(h, w) / 320))
    radius = line + 1
    if body is not None:
        xy = np.rint(body[:, :2]).astype(np.int64)
        vis = body[:, 3] if body.shape[1] > 3 else np.ones(len(body))
        for a, b in BODY_BONES:
            colour = (
                _BODY_COLOURS[b] if side_of(BODY_LANDMARKS[a]) == "middle" else _BODY_COLOURS[a]
            )
            cv2.line(image, tuple(xy[a]), tuple(xy[b]), _faded(colour, min(vis[a], vis[b])),
                     line, cv2.LINE_AA)  # fmt: skip
        for k in range(len(xy)):
            cv2.circle(image, tuple(xy[k]), radius, _faded(_BODY_COLOURS[k], vis[k]), -1,
                       cv2.LINE_AA)  # fmt: skip
    for side, marks in hands:
        colour = np.array(_SIDE_COLOUR.get(side, MIDDLE), dtype=np.float64)
        xy = np.rint(marks[:, :2]).astype(np.int64)
        for a, b in HAND_BONES:
            cv2.line(image, tuple(xy[a]), tuple(xy[b]), _faded(colour, 1.0), max(1, line - 1),
                     cv2.LINE_AA)  # fmt: skip
        for point in xy:
            cv2.circle(image, tuple(point), max(1, radius - 1), MIDDLE, -1, cv2.LINE_AA)
    return image


def speeds(before: np.ndarray, after: np.ndarray, seconds: float) -> np.ndarray:
    """The speed of each point between two frames ``seconds`` apart: the distance between
    ``before`` and ``after`` (``(N, D)``, the same units) over the time; NaN where a point is
    missing (NaN) in either, or when the time is not positive.

    >>> speeds(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), 0.5)
    array([10.])
    """
    if not seconds > 0:
        return np.full(len(after), np.nan)
    return np.linalg.norm(np.asarray(after) - np.asarray(before), axis=1) / seconds
