"""Soak: ``keyframes``, ``motion`` and ``composite`` on a generated 20-minute clip, with peak
memory against a 2-minute clip of the same kind (memory must not grow with length; only the
motiongrams grow, by one line per frame).

Run: .venv/bin/python bench/soak.py   (generating the 20-minute clip takes a few minutes once)
"""

from __future__ import annotations

from common import VFX, WORK, fresh, make_clip, run


def main() -> None:
    rows = []
    for minutes in (2, 20):
        clip = make_clip(
            WORK / f"soak_{minutes}min.mp4",
            width=640,
            height=360,
            seconds=60 * minutes,
            fps=30,
            gop_s=2,
        )
        for name, args in (
            ("keyframes", ["keyframes", str(clip), "-o", "{out}", "--quiet"]),
            (
                "motion",
                [
                    "motion",
                    str(clip),
                    "-o",
                    "{out}",
                    "--quiet",
                    "--only",
                    "video,motiongrams,average,history,qom",
                ],
            ),
            (
                "composite",
                [
                    "composite",
                    str(clip),
                    "-o",
                    "{out}/keyframes.png",
                    "--mode",
                    "darken",
                    "--overwrite",
                ],
            ),
        ):
            out = fresh(WORK / f"soak_{name}")
            r = run([VFX, *[a.replace("{out}", str(out)) for a in args]])
            rows.append((minutes, name, r))
            print(
                f"{minutes:>3} min {name:<10} {r.seconds:7.1f} s  peak RSS {r.peak_rss_mb:6.0f} MB",
                flush=True,
            )
    by = {(m, n): r for m, n, r in rows}
    for name in ("keyframes", "motion", "composite"):
        ratio = by[(20, name)].peak_rss_mb / by[(2, name)].peak_rss_mb
        print(f"{name}: peak RSS 20 min / 2 min = {ratio:.2f}")


if __name__ == "__main__":
    main()
