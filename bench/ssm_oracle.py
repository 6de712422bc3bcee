"""Record the Musical Gestures Toolbox's motiongram self-similarity for the SSM test
(tests/jobs/test_motion.py).

Runs inside MGT's virtual environment (bench/_work/mgt-venv, made by ``bench/motion.py``); it
never imports vfx. The clip is made from the formula in tests/squares.py, as the test makes it:
coloured squares moving over a dark ground, stored losslessly in RGB (H.264
``libx264rgb`` at qp 0), so MGT (FFmpeg's planar RGB) and vfx (RGB) read the same pixels.
MGT's ``ssm(features='motiongrams')`` runs on it; its time-along-x matrix (the second one its
``slow_dot`` computes) goes to tests/data/mgt_ssm_squares.json, rounded to 5 decimals.

Run: bench/_work/mgt-venv/bin/python bench/ssm_oracle.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# The clip's formula lives with the test, which makes the same clip (numpy only, no vfx).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from squares import FPS, HEIGHT, WIDTH, frames


def main() -> None:
    import musicalgestures as mg
    from musicalgestures import _ssm

    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "squares.mp4"
        raw = b"".join(f.tobytes() for f in frames())
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
             f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", "-c:v", "libx264rgb", "-qp", "0",
             "-preset", "ultrafast", "-bf", "0", str(clip)],
            input=raw, check=True,
        )  # fmt: skip
        captured: list[np.ndarray] = []
        dot = _ssm.slow_dot

        def capture(x: np.ndarray, y: np.ndarray, length: int) -> np.ndarray:
            result = dot(x, y, length)
            captured.append(np.asarray(result))
            return result

        _ssm.slow_dot = capture
        mg.MgVideo(str(clip)).ssm(features="motiongrams")
    matrix = captured[1]
    out = Path(__file__).resolve().parents[1] / "tests" / "data" / "mgt_ssm_squares.json"
    record = {
        "source": "musicalgestures 1.32, MgVideo(clip).ssm(features='motiongrams'), "
        "its time-along-x matrix (bench/ssm_oracle.py)",
        "ssm": np.round(matrix.astype(np.float64), 5).tolist(),
    }
    out.write_text(json.dumps(record, separators=(",", ":")) + "\n")
    print(f"{out}: {matrix.shape[0]}x{matrix.shape[1]}")


if __name__ == "__main__":
    main()
