"""The oracle for ``vfx flow``: the Musical Gestures Toolbox's own ``directograms()`` and
``impacts()`` (and, when asked, ``flow.dense()``).

Runs inside MGT's virtual environment (bench/_work/mgt-venv, made by ``bench/motion.py`` and
``bench/flow.py``); it never imports vfx. Each MGT call computes Farnebäck flow over the whole
clip from scratch, as a user of the toolbox runs it. Writes one ``.npz``: MGT's directogram
(frame pairs x 100 entries), its impact envelope, the impacts it detects (frame-pair indices),
the frame rate, and the seconds each call took.

Run: MGT_VENV/bin/python bench/flow_oracle.py VIDEO OUT.npz [--dense]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--dense", action="store_true", help="also time flow.dense()")
    args = parser.parse_args()

    import musicalgestures as mg
    from musicalgestures import _impacts

    video = mg.MgVideo(args.video)
    start = time.perf_counter()
    directogram = video.directograms()
    directograms_s = time.perf_counter() - start
    start = time.perf_counter()
    impacts = video.impacts()
    impacts_s = time.perf_counter() - start
    dense_s = np.nan
    if args.dense:
        start = time.perf_counter()
        video.flow.dense()
        dense_s = time.perf_counter() - start
    data = directogram.data["directogram"]
    fps = float(impacts.data["FPS"])
    envelope = np.asarray(impacts.data["impact envelopes"])
    times = np.asarray(impacts.data["impact times"])
    # The indices impacts() marks (it plots them as index / fps).
    found = np.array(_impacts.impact_detection(envelope, times, fps), dtype=np.int64)
    np.savez(
        args.out,
        directogram=data,
        envelope=envelope,
        impacts=found,
        fps=fps,
        directograms_s=directograms_s,
        impacts_s=impacts_s,
        dense_s=dense_s,
        version=mg.__version__ if hasattr(mg, "__version__") else "",
    )


if __name__ == "__main__":
    main()
