"""Make the README's pictures of ``vfx composite``, ``vfx motion``, the chronophotograph and
the trails from the Musical Gestures Toolbox's own clips (bench/_work, from its wheel).

* docs/composite_before_after.jpg: the keyframe display of ``dancer.avi`` as the old default
  made it (``--mode darken``) and as the default makes it now (foreground, auto mask);
* docs/videogram_before_after.jpg: the time-along-x videogram of ``dancer.avi`` as the old
  default made it (grey, unscaled) and as the default makes it now (colour, each frame's line
  stretched like MGT's);
* docs/pianist_motion_sound.png: the motion-and-sound figure of ``pianist.avi``;
* docs/chronophotograph.jpg: ``dancer.avi``, a figure every second from 28 to 40 s;
* docs/trails.jpg: the last frame of ``vfx trails dancer.avi --dark --decay 0.98`` (28-33 s);
* docs/dancer_motion_flow.png: the motiongram (``vfx motion``), the directogram and the
  impact envelope with its impacts (``vfx flow``) of ``dancer.avi`` on one time axis, drawn
  from the two commands' own files (``--flow-only`` makes only this one).

Run: .venv/bin/python bench/readme_pictures.py [--flow-only]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from common import VFX, WORK, fresh, mgt_example

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _vfx(*args: object) -> None:
    subprocess.run([VFX, *map(str, args), "--quiet"], check=True)


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image[..., :3]


def _label(image: np.ndarray, text: str) -> np.ndarray:
    out = image.copy()
    cv2.rectangle(out, (0, 0), (out.shape[1], 26), (255, 255, 255), -1)
    cv2.putText(out, text, (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def _side_by_side(path: Path, left: np.ndarray, right: np.ndarray, labels: tuple[str, str]):
    h = min(left.shape[0], right.shape[0])
    left = cv2.resize(left, (round(left.shape[1] * h / left.shape[0]), h))
    right = cv2.resize(right, (round(right.shape[1] * h / right.shape[0]), h))
    gap = np.full((h, 8, 3), 255, np.uint8)
    picture = np.hstack([_label(left, labels[0]), gap, _label(right, labels[1])])
    cv2.imwrite(str(path), picture, [cv2.IMWRITE_JPEG_QUALITY, 88])


def motion_and_flow(dancer: Path, work: Path) -> None:
    """The motiongram, directogram and impacts of ``dancer`` stacked on one time axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.colors import PowerNorm

    _vfx("motion", dancer, "-o", work / "mf_motion", "--only", "motiongrams,qom")
    _vfx("flow", dancer, "-o", work / "mf_flow", "--only", "directogram,impacts")
    gram = _read(work / "mf_motion" / "dancer_motiongram_time-x.png")[..., ::-1]
    qom = pd.read_csv(work / "mf_motion" / "dancer_qom.csv")
    directogram = pd.read_csv(work / "mf_flow" / "dancer_directogram.csv")
    impacts = pd.read_csv(work / "mf_flow" / "dancer_impacts.csv")
    t0, t1 = float(qom["time_s"].iloc[0]), float(qom["time_s"].iloc[-1])
    fig, axes = plt.subplots(3, 1, figsize=(10, 6.4), sharex=True, dpi=100,
                             gridspec_kw={"height_ratios": [1.3, 1.0, 0.7]})  # fmt: skip
    axes[0].imshow(gram, aspect="auto", extent=(t0, t1, gram.shape[0], 0))
    axes[0].set_ylabel("motiongram\n(row)")
    values = directogram.iloc[:, 2:].to_numpy()
    axes[1].imshow(values.T, origin="lower", aspect="auto", interpolation="nearest",
                   cmap="viridis", norm=PowerNorm(0.5, vmin=0, vmax=values.max()),
                   extent=(directogram["time_s"].iloc[0], directogram["time_s"].iloc[-1],
                           -180, 180))  # fmt: skip
    axes[1].set_yticks([-180, -90, 0, 90, 180], ["left", "up", "right", "down", "left"])
    axes[1].set_ylabel("directogram")
    for when in impacts["time_s"][impacts["impact"] == 1]:
        axes[2].axvline(when, color="#c0392b", linewidth=0.5, linestyle="--")
    axes[2].plot(impacts["time_s"], impacts["envelope"], linewidth=0.7, color="#1f4e79")
    axes[2].set_ylabel("impact\nenvelope")
    axes[2].set_xlabel("time (s)")
    axes[2].set_xlim(t0, t1)
    axes[0].set_title("dancer.avi: vfx motion's motiongram, vfx flow's directogram and impacts")
    fig.tight_layout()
    fig.savefig(DOCS / "dancer_motion_flow.png")
    plt.close(fig)


def main() -> None:
    dancer, pianist = mgt_example("dancer.avi"), mgt_example("pianist.avi")
    if "--flow-only" in sys.argv:
        motion_and_flow(dancer, fresh(WORK / "readme_pictures_flow"))
        return
    work = fresh(WORK / "readme_pictures")
    motion_and_flow(dancer, work)
    keys = work / "dancer_keyframes"
    _vfx("keyframes", dancer, "-o", keys)
    _vfx("composite", keys, "--mode", "darken", "-o", work / "before.png")
    _vfx("composite", keys, "-o", work / "after.png")
    _side_by_side(
        DOCS / "composite_before_after.jpg",
        _read(work / "before.png"),
        _read(work / "after.png"),
        ("before: vfx composite (darken)", "now: vfx composite (foreground)"),
    )

    _vfx("motion", dancer, "-o", work / "raw", "--only", "videograms", "--raw")
    _vfx("motion", dancer, "-o", work / "now", "--only", "videograms")
    raw = cv2.imread(str(work / "raw" / "dancer_videogram_time-x.png"), cv2.IMREAD_UNCHANGED)
    grey = cv2.cvtColor(raw, cv2.COLOR_BGR2GRAY)  # the old default: grey, unscaled
    before = _read_array(grey)
    now = _read(work / "now" / "dancer_videogram_time-x.png")
    width = 900
    before = cv2.resize(before, (width, before.shape[0]), interpolation=cv2.INTER_AREA)
    now = cv2.resize(now, (width, now.shape[0]), interpolation=cv2.INTER_AREA)
    gap = np.full((8, width, 3), 255, np.uint8)
    picture = np.vstack([
        _label(before, "before: videogram, grey and unscaled"), gap,
        _label(now, "now: colour, each frame's line stretched (as MGT draws it)"),
    ])  # fmt: skip
    cv2.imwrite(str(DOCS / "videogram_before_after.jpg"), picture, [cv2.IMWRITE_JPEG_QUALITY, 88])

    _vfx("motion", pianist, "-o", work / "pianist", "--only", "motiongrams,qom,audio")
    shutil.copy(work / "pianist" / "pianist_motion_sound.png", DOCS / "pianist_motion_sound.png")

    frames = work / "chrono_frames"
    _vfx("frames", dancer, "--every", "1", "--start", "28", "--end", "40", "-f", "png", "-o",
         frames)  # fmt: skip
    _vfx("composite", frames, "--mode", "chrono", "-o", work / "chrono.png")
    cv2.imwrite(
        str(DOCS / "chronophotograph.jpg"), _read(work / "chrono.png"),
        [cv2.IMWRITE_JPEG_QUALITY, 88],
    )  # fmt: skip

    _vfx("trails", dancer, "--dark", "--decay", "0.98", "--start", "28", "--end", "33", "-o",
         work / "trails.mp4")  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-sseof", "-0.1", "-i", str(work / "trails.mp4"),
         "-frames:v", "1", "-q:v", "3", str(DOCS / "trails.jpg")],
        check=True,
    )  # fmt: skip
    print("wrote the README pictures into docs/")


def _read_array(grey: np.ndarray) -> np.ndarray:
    image = grey
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


if __name__ == "__main__":
    main()
