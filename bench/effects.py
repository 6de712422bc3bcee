"""Benchmark: ``vfx mask`` and ``vfx composite --mode darken`` against ImageMagick.

On the keyframes (RGB TIFF) of two generated 1080p clips, times the ImageMagick loop users run
today against vfx, and prints the ratios (targets: masks >= 20x faster, composite >= 5x) with
the agreement figures beside them: mask IoU and the largest composite difference.

- "dance": the bundled sample's scene at 1080p (static camera, one moving figure), the case
  these commands are for;
- "noise": a textured scene where coding noise changes pixels all over every frame, the worst
  case for vfx (its mask work is proportional to the changed region).

Then the composite alone on 60 keyframes, where vfx's fixed start-up (about 0.1 s, see
bench/startup.py) weighs less. Also prints vfx composite's peak memory on 30 and on 60 frames
(flat in the number of frames), and the contact sheet of those 60 keyframes: ImageMagick's
``montage`` command against ``vfx montage`` (same tiles, 320 pixels wide, 6 columns, labelled),
with the largest difference between their first tiles (the montage command samples big frames
to five times the tile size before its Lanczos reduction, ImageMagick's thumbnail shortcut;
vfx reduces with Lanczos directly, so fine texture differs by a few levels).

Run: .venv/bin/python bench/effects.py
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from common import VFX, WORK, fresh, make_clip, make_dance_clip, run


def convert_tool() -> str:
    tool = shutil.which("magick") or (
        "/usr/bin/convert" if Path("/usr/bin/convert").exists() else None
    )
    if tool is None:
        raise SystemExit("ImageMagick is not installed (make demo installs it)")
    return tool


def keyframes(clip: Path, name: str) -> Path:
    out = WORK / name
    if not (out / "frames.csv").is_file():
        fresh(out)
        run([VFX, "keyframes", str(clip), "-o", str(out), "--quiet"])
    return out


def imagemagick_masks(convert: str, frames: list[Path], out: Path) -> float:
    fresh(out)
    background = frames[0]
    start = time.perf_counter()
    for frame in frames:
        mask = out / f"{frame.stem}-mask.tiff"
        subprocess.run(
            [
                convert,
                str(background),
                str(frame),
                "-compose",
                "difference",
                "-composite",
                "-threshold",
                "5%",
                "-blur",
                "0x3",
                "-threshold",
                "20%",
                "-blur",
                "0x3",
                str(mask),
            ],
            check=True,
        )
        subprocess.run(
            [
                convert,
                str(frame),
                str(mask),
                "-compose",
                "multiply",
                "-flatten",
                str(out / f"{frame.stem}-clean.jpg"),
            ],
            check=True,
        )
    return time.perf_counter() - start


def time_composite(convert: str, kf: Path, label: str, repeat: int = 5) -> tuple[float, float, int]:
    """Median seconds for ``convert ... -compose darken -flatten`` and for ``vfx composite
    --mode darken`` on the same keyframes (the two take turns, ``repeat`` times each, so that
    a burst of load on the shared machine hits both), and the largest difference between
    their images."""
    import statistics

    import numpy as np

    from vfx.io.images import read_image

    frames = sorted(kf.glob("*.tiff"))
    im_comp = WORK / f"fx_im_darken_{label}.tiff"
    vfx_comp = WORK / f"fx_vfx_darken_{label}.tiff"
    im_cmd = [convert, *map(str, frames), "-background", "white", "-compose", "darken"]
    im_cmd += ["-flatten", str(im_comp)]
    vfx_cmd = [VFX, "composite", str(kf), "-o", str(vfx_comp), "--mode", "darken", "--quiet"]
    vfx_cmd.append("--overwrite")  # the runs alternate over one output
    im_times, vfx_times = [], []
    for _ in range(repeat):
        im_times.append(run(im_cmd).seconds)
        vfx_times.append(run(vfx_cmd).seconds)
    diff = int(np.abs(read_image(vfx_comp).astype(int) - read_image(im_comp)).max())
    return statistics.median(im_times), statistics.median(vfx_times), diff


def composite_ratio(convert: str, kf: Path, label: str) -> None:
    """``vfx composite --mode darken`` against ``convert ... -compose darken -flatten``."""
    im_s, vfx_s, diff = time_composite(convert, kf, label)
    print(
        f"[{label}] composite of {len(list(kf.glob('*.tiff')))} keyframes: convert {im_s:.2f} s, "
        f"vfx composite {vfx_s:.2f} s -> {im_s / vfx_s:.1f}x faster (target >= 5x); "
        f"largest difference {diff} level(s)"
    )


def montage_ratio(kf: Path, repeat: int = 3) -> None:
    """``montage -label %t FRAMES -geometry 320x+4+4 -tile 6x`` against ``vfx montage``."""
    import statistics

    import numpy as np

    from vfx.io.images import read_image

    tool = shutil.which("montage")
    if tool is None:
        print("contact sheet: skipped (no ImageMagick montage command)")
        return
    frames = sorted(kf.glob("*.tiff"))
    im_out, vfx_out = WORK / "fx_im_sheet.png", WORK / "fx_vfx_sheet.png"
    im_cmd = [tool, "-label", "%t", *map(str, frames), "-geometry", "320x+4+4", "-tile", "6x"]
    im_cmd += ["-pointsize", "14", str(im_out)]
    vfx_cmd = [VFX, "montage", str(kf), "-o", str(vfx_out), "--quiet", "--overwrite"]
    im_times, vfx_times = [], []
    for _ in range(repeat):
        im_times.append(run(im_cmd).seconds)
        vfx_times.append(run(vfx_cmd).seconds)
    first = read_image(frames[0])
    height = round(first.shape[0] * 320 / first.shape[1])
    tiles = [read_image(f)[4 : 4 + height, 4 : 4 + 320].astype(int) for f in (im_out, vfx_out)]
    if tiles[0].dtype != tiles[1].dtype or tiles[0].max() > 255:
        tiles[0] = tiles[0] >> 8  # ImageMagick's 16-bit sheet
    diff = int(np.abs(tiles[0][..., :3] - tiles[1]).max())
    im_s, vfx_s = statistics.median(im_times), statistics.median(vfx_times)
    print(
        f"contact sheet of {len(frames)} keyframes (1920x1080 TIFF): montage {im_s:.2f} s, "
        f"vfx montage {vfx_s:.2f} s -> {im_s / vfx_s:.1f}x faster; first tiles differ by at "
        f"most {diff} level(s)"
    )


def compare(convert: str, kf: Path, label: str) -> None:
    import numpy as np

    from vfx.io.images import read_image

    frames = sorted(kf.glob("*.tiff"))
    im_mask_s = imagemagick_masks(convert, frames, WORK / f"fx_im_masks_{label}")
    vfx_out = fresh(WORK / f"fx_vfx_masks_{label}")
    vfx_mask = run(
        [VFX, "mask", str(kf), "-o", str(vfx_out), "-b", "first", "-f", "jpg", "--quiet"]
    )
    ious = []
    for frame in frames:
        a = read_image(vfx_out / f"{frame.stem}_mask.png") > 127
        b = read_image(WORK / f"fx_im_masks_{label}" / f"{frame.stem}-mask.tiff")
        b = (b if b.ndim == 2 else b[..., 0]) > 127
        union = (a | b).sum()
        ious.append(1.0 if union == 0 else (a & b).sum() / union)
    im_comp_s, vfx_comp_s, comp_diff = time_composite(convert, kf, label)
    n = len(frames)
    print(f"[{label}] {n} keyframes, 1920x1080 RGB TIFF")
    print(
        f"  masks:     ImageMagick loop {im_mask_s:.1f} s ({im_mask_s / n:.2f} s/frame), "
        f"vfx mask {vfx_mask.seconds:.2f} s -> {im_mask_s / vfx_mask.seconds:.1f}x faster "
        f"(target >= 20x); mask IoU mean {np.mean(ious):.4f}, min {np.min(ious):.4f}"
    )
    print(
        f"  composite: convert -compose darken -flatten {im_comp_s:.2f} s, vfx composite "
        f"{vfx_comp_s:.2f} s -> {im_comp_s / vfx_comp_s:.1f}x faster (target >= 5x); "
        f"largest difference {comp_diff} level(s)"
    )


def main() -> None:
    convert = convert_tool()
    dance = keyframes(make_dance_clip(WORK / "dance_1080p_24s.mp4"), "fx_kf_dance")
    noise = keyframes(make_clip(WORK / "kf_1080p_60s.mp4", seconds=60), "fx_kf30")
    kf60 = keyframes(make_clip(WORK / "kf_1080p_120s.mp4", seconds=120), "fx_kf60")
    compare(convert, dance, "dance")
    compare(convert, noise, "noise")
    # Longer inputs: vfx's fixed start-up (~0.1 s: bench/startup.py) weighs less.
    composite_ratio(convert, kf60, "noise-60")
    c30 = run(
        [VFX, "composite", str(noise), "-o", str(WORK / "fx_c30.tiff"), "--quiet", "--overwrite"]
    )
    c60 = run(
        [VFX, "composite", str(kf60), "-o", str(WORK / "fx_c60.tiff"), "--quiet", "--overwrite"]
    )
    print(
        f"vfx composite peak RSS: {c30.peak_rss_mb:.0f} MB on "
        f"{len(list(noise.glob('*.tiff')))} frames, {c60.peak_rss_mb:.0f} MB on "
        f"{len(list(kf60.glob('*.tiff')))} frames (flat = same)"
    )
    montage_ratio(kf60)


if __name__ == "__main__":
    main()
