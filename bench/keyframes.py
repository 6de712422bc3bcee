"""Benchmark: ``vfx keyframes`` against ``ffmpeg -skip_frame nokey`` writing deflate RGB TIFFs.

Generates a 1080p, 60 s H.264 clip with a keyframe every 2 s (and a 120 s one for the memory
figure), then prints the wall-time ratio vfx/ffmpeg (target <= 1.0) and vfx's peak memory on
both lengths (flat memory: the ratio stays near 1.0).

Run: .venv/bin/python bench/keyframes.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil

from common import VFX, WORK, best_of, fresh, make_clip, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is not installed (make demo installs it)")
    clip = make_clip(WORK / "kf_1080p_60s.mp4", seconds=60)
    long_clip = make_clip(WORK / "kf_1080p_120s.mp4", seconds=120)

    def vfx_run(path=clip):  # type: ignore[no-untyped-def]
        out = fresh(WORK / "kf_vfx")
        return run([VFX, "keyframes", str(path), "-o", str(out), "--quiet"])

    def ffmpeg_run():  # type: ignore[no-untyped-def]
        out = fresh(WORK / "kf_ffmpeg")
        return run(
            [
                ffmpeg,
                "-v",
                "error",
                "-skip_frame",
                "nokey",
                "-i",
                str(clip),
                "-vsync",
                "0",
                "-pix_fmt",
                "rgb24",
                "-compression_algo",
                "deflate",
                "-f",
                "image2",
                str(out / "%04d.tiff"),
            ]
        )

    vfx_t = best_of(args.repeat, vfx_run)
    ff_t = best_of(args.repeat, ffmpeg_run)
    n_vfx = len(list((WORK / "kf_vfx").glob("*.tiff")))
    n_ff = len(list((WORK / "kf_ffmpeg").glob("*.tiff")))
    mb_vfx = sum(p.stat().st_size for p in (WORK / "kf_vfx").glob("*.tiff")) / 1e6
    mb_ff = sum(p.stat().st_size for p in (WORK / "kf_ffmpeg").glob("*.tiff")) / 1e6
    long_t = best_of(1, lambda: vfx_run(long_clip))
    print(f"clip: 1920x1080, 60 s, keyframe every 2 s ({n_vfx} keyframes; ffmpeg wrote {n_ff})")
    print(
        f"vfx keyframes (+frames.csv): {vfx_t.seconds:.2f} s, peak RSS {vfx_t.peak_rss_mb:.0f} MB"
    )
    print(f"ffmpeg -skip_frame nokey:    {ff_t.seconds:.2f} s, peak RSS {ff_t.peak_rss_mb:.0f} MB")
    print(f"TIFF bytes written: vfx {mb_vfx:.1f} MB, ffmpeg {mb_ff:.1f} MB (both lossless RGB)")
    print(f"time ratio vfx/ffmpeg: {vfx_t.seconds / ff_t.seconds:.2f}  (target <= 1.0)")
    print(
        f"vfx peak RSS 60 s clip {vfx_t.peak_rss_mb:.0f} MB, 120 s clip {long_t.peak_rss_mb:.0f}"
        f" MB: ratio {long_t.peak_rss_mb / vfx_t.peak_rss_mb:.2f} (flat = 1.0)"
    )


if __name__ == "__main__":
    main()
