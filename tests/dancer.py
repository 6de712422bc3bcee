"""A frame of MGT's dancer (``../shared/media/mgt-dancer.avi``, frame 100), the figure a plain
blue-screen rule finds on it, and BlazePose's detector run on it, for the model tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conftest import media


@dataclass(frozen=True)
class Detected:
    image: np.ndarray  # the frame, RGB
    side: int  # the padded square's side, pixels
    offset: np.ndarray  # (left, top) of the frame in the square
    detections: list[tuple[np.ndarray, np.ndarray, float]]  # in the square's unit coordinates

    def figure(self) -> tuple[int, int, int, int]:
        """``(x0, y0, x1, y1)`` of the pixels far from the blue screen (blue well above red
        and green is screen), in frame pixels."""
        r, g, b = (self.image[..., c].astype(int) for c in range(3))
        ys, xs = np.nonzero(~((b > r + 40) & (b > g + 20)))
        return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def detect_dancer(frame_index: int = 100) -> Detected:
    """Frame ``frame_index`` padded to a square, scaled to 224 px in [-1, 1] as MediaPipe's
    detection graph feeds it, and BlazePose's detections after weighted NMS."""
    import av
    import cv2

    from vfx.io.models import Model
    from vfx.ops.detection import POSE_DETECTOR, anchors, decode, weighted_nms

    with av.open(str(media("mgt-dancer.avi"))) as container:
        for k, frame in enumerate(container.decode(video=0)):
            if k == frame_index:
                image = frame.to_ndarray(format="rgb24")
                break
    h, w = image.shape[:2]
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side, 3), np.uint8)
    square[top : top + h, left : left + w] = image
    x = cv2.resize(square, (224, 224), interpolation=cv2.INTER_AREA).astype(np.float32)
    out = Model("pose_detection").run((x / 127.5 - 1)[None])
    raw = next(v for v in out.values() if v.shape[-1] == 12)
    logits = next(v for v in out.values() if v.shape[-1] == 1)
    found = weighted_nms(*decode(raw, logits, anchors(POSE_DETECTOR), POSE_DETECTOR), 0.3)
    return Detected(image, side, np.array([left, top]), found)
