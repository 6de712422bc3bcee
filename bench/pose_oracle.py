"""The oracle for ``vfx pose``: MediaPipe 0.10.21's own ``mp.solutions.pose`` and ``.hands``.

Runs inside a virtual environment that has ``mediapipe==0.10.21`` (its numpy<2 and protobuf<5
pins never touch vfx's): ``bench/pose.py`` makes it and calls this script. It never imports
vfx. It writes one JSON file: for every frame of the video, the body's 33 landmarks (x and y
in pixels, z, visibility) and world landmarks (metres), or null where no person was found;
with ``--hands``, each found hand's 21 landmarks (pixels) and its label; and the seconds the
whole pass took, decoding included.

Run: VENV/bin/python bench/pose_oracle.py VIDEO OUT.json [--hands] [--frames N]
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import mediapipe as mp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--hands", action="store_true", help="run mp.solutions.hands instead")
    parser.add_argument("--frames", type=int, default=0, help="only the first N frames")
    parser.add_argument("--static", action="store_true", help="detect on every frame")
    args = parser.parse_args()

    capture = cv2.VideoCapture(args.video)
    if args.hands:
        model = mp.solutions.hands.Hands(
            static_image_mode=args.static, max_num_hands=2, model_complexity=1,
            min_detection_confidence=0.5, min_tracking_confidence=0.5,
        )  # fmt: skip
    else:
        model = mp.solutions.pose.Pose(
            static_image_mode=args.static, model_complexity=1, smooth_landmarks=True,
            enable_segmentation=False, min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )  # fmt: skip
    frames: list[object] = []
    width = height = 0
    start = time.perf_counter()
    while True:
        ok, bgr = capture.read()
        if not ok or (args.frames and len(frames) >= args.frames):
            break
        height, width = bgr.shape[:2]
        result = model.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if args.hands:
            hands = []
            for marks, label in zip(
                result.multi_hand_landmarks or [], result.multi_handedness or [], strict=True
            ):
                hands.append({
                    "label": label.classification[0].label,
                    "score": round(label.classification[0].score, 4),
                    "xy": [[round(p.x * width, 2), round(p.y * height, 2)] for p in marks.landmark],
                })  # fmt: skip
            frames.append(hands)
        elif result.pose_landmarks is None:
            frames.append(None)
        else:
            marks = result.pose_landmarks.landmark
            world = result.pose_world_landmarks.landmark
            frames.append({
                "xy": [[round(p.x * width, 2), round(p.y * height, 2)] for p in marks],
                "z": [round(p.z * width, 2) for p in marks],
                "visibility": [round(p.visibility, 4) for p in marks],
                "world": [[round(p.x, 4), round(p.y, 4), round(p.z, 4)] for p in world],
            })  # fmt: skip
    seconds = time.perf_counter() - start
    model.close()
    with open(args.out, "w") as fh:
        json.dump(
            {"mediapipe": mp.__version__, "width": width, "height": height,
             "seconds": seconds, "frames": frames},
            fh,
        )  # fmt: skip


if __name__ == "__main__":
    main()
