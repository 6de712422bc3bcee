"""Hostile input against the installed ``vfx``: the third round of reliability cases.

    .venv/bin/python bench/hostile.py

Each case builds its input in a fresh folder, runs ``vfx`` as a user would (a child process
with 3 GB of address space and 120 s at most), and says whether vfx held: the expected exit
code, no traceback or ``internal error``, one line for an error, and the case's own check (no
code ran, nothing outside the input shown, a track kept, no worker left, ...). It prints a
line per case and ``cases, held, faults``. The test suite checks each case on its own; this
script runs them all against the command, for the record.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the clip and track builders the tests use

from clips import make_clip  # noqa: E402
from crafted import SHORT_GPX, exiftool_option_name, png_header  # noqa: E402
from max360 import make_max_clip  # noqa: E402
from trackfiles import _FIT_EPOCH, sample_points, write_fit  # noqa: E402

VFX = str(Path(sys.executable).with_name("vfx"))


def _limits() -> None:  # pragma: no cover - in the child
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def vfx(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [VFX, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_limits,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -1, "", "timed out after 120 s")


def clean(done: subprocess.CompletedProcess[str], code: int = 0) -> str | None:
    """Why ``done`` is not a clean end with ``code`` (None when it is)."""
    err = done.stderr
    if "Traceback" in err or "internal error" in err or "MemoryError" in err:
        return f"crashed: {err.strip().splitlines()[-1] if err.strip() else '?'}"
    if done.returncode != code:
        return f"exit {done.returncode}, expected {code}: {err.strip()[-200:]}"
    if code == 1 and len([ln for ln in err.splitlines() if ln.startswith("vfx: error")]) != 1:
        return f"not one error line: {err.strip()[-200:]}"
    return None


def _frames(folder: Path, tmp: Path, fmt: str = "jpg") -> list[Path]:
    clip = make_clip(tmp / "frames_source.mp4", frames=50).path
    vfx("frames", clip, "--at", "0.5,1.0", "-f", fmt, "-o", folder,
        "--start-time", "2024-05-01T10:00:00Z")  # fmt: skip
    return sorted(folder.glob(f"*.{fmt}"))


# -- the cases: each returns None when vfx held, else what went wrong -----------------------
def geotag_name_runs_code(tmp: Path) -> str | None:
    marker = Path("/tmp") / f"vfx-pwned-{uuid.uuid4().hex}"
    first, _ = _frames(tmp / "g", tmp)
    first.rename(tmp / "g" / exiftool_option_name(marker))
    (tmp / "t.gpx").write_text(SHORT_GPX)
    done = vfx("geotag", tmp / "g", "--track", tmp / "t.gpx", "-o", tmp / "out")
    if marker.exists():
        marker.unlink()
        return "a file name ran code"
    return clean(done)


def geotag_truncated_png(tmp: Path) -> str | None:
    images = _frames(tmp / "g", tmp, "png")
    images[1].write_bytes(images[1].read_bytes()[:-30])
    (tmp / "t.gpx").write_text(SHORT_GPX)
    before = {p.name: p.read_bytes() for p in (tmp / "g").iterdir()}
    done = vfx("geotag", tmp / "g", "--track", tmp / "t.gpx")
    after = {p.name: p.read_bytes() for p in (tmp / "g").iterdir()}
    if after != before:
        return "images changed before the failure"
    return clean(done, 1) or (None if images[1].name in done.stderr else "file not named")


def recipe_cut_output(tmp: Path) -> str | None:
    clip = make_clip(tmp / "c.mp4", frames=25).path
    vfx("run", "keyframe-display", clip, "-o", tmp / "o", "--quiet")
    tiff = sorted((tmp / "o").rglob("*.tiff"))[0]
    whole = tiff.read_bytes()
    tiff.write_bytes(whole[: len(whole) // 2])
    done = vfx("run", "keyframe-display", clip, "-o", tmp / "o", "--quiet")
    return clean(done) or (None if tiff.read_bytes() == whole else "cut output counted as done")


def short_second_stream(tmp: Path) -> str | None:
    clip = make_max_clip(tmp / "cut.360", frames=10, frames5=4, gps=False)
    done = vfx("frames", clip, "--all", "-f", "jpg", "-o", tmp / "f")
    count = len(list((tmp / "f").glob("*.jpg")))
    if count != 4:
        return f"{count} panoramas from 4 frames of stream 5"
    return clean(done) or (None if "stream 5" in done.stderr else "no warning")


def panorama_width(tmp: Path) -> str | None:
    clip = make_max_clip(tmp / "m.360", frames=2, gps=False)
    return clean(vfx("frames", clip, "--all", "--width", "30000", "-o", tmp / "f"), 1)


def report_equal_names(tmp: Path) -> str | None:
    clip = make_clip(tmp / "c.mp4", frames=13).path
    for day in ("day1", "day2"):
        (tmp / day).mkdir()
        shutil.copy(clip, tmp / day / "GX010001.MP4")
    done = vfx("report", tmp / "day1/GX010001.MP4", tmp / "day2/GX010001.MP4", "-o", tmp / "r")
    pages = [p for p in (tmp / "r").glob("*.html") if p.name != "index.html"]
    return clean(done) or (None if len(pages) == 2 else f"{len(pages)} pages for two videos")


def report_outside_file(tmp: Path) -> str | None:
    clip = make_clip(tmp / "c.mp4", frames=13).path
    vfx("keyframes", clip, "-o", tmp / "kf")
    (tmp / "secret").mkdir()
    shutil.copy(next((tmp / "kf").glob("*.tiff")), tmp / "secret" / "secret.tiff")
    table = tmp / "kf" / "frames.csv"
    lines = table.read_text().splitlines()
    lines[1] = "../secret/secret.tiff" + lines[1][lines[1].index(",") :]
    table.write_text("\n".join(lines) + "\n")
    return clean(vfx("report", tmp / "kf", "-o", tmp / "r"), 1)


def gpx_late_doctype(tmp: Path) -> str | None:
    gpx = tmp / "t.gpx"
    gpx.write_text(
        f'<?xml version="1.0"?><!--{"x" * 70_000}--><!DOCTYPE gpx [<!ENTITY lat "12.5">]>'
        + SHORT_GPX.replace('lat="10"', 'lat="&lat;"')
    )
    _frames(tmp / "g", tmp)
    return clean(vfx("geotag", tmp / "g", "--track", gpx, "-o", tmp / "o"), 1)


def distance_nanometre(tmp: Path) -> str | None:
    from rides import make_ride

    ride = make_ride(tmp / "ride.mp4", seconds=6)
    return clean(vfx("frames", ride, "--distance", "1e-9", "-f", "jpg", "-o", tmp / "d"))


def kmz_bomb(tmp: Path) -> str | None:
    bomb = tmp / "bomb.kmz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("doc.kml", "<kml>" + "<a/>" * (50 * 1024 * 1024) + "</kml>")
    _frames(tmp / "g", tmp)
    return clean(vfx("geotag", tmp / "g", "--track", bomb, "-o", tmp / "o"), 1)


def tile_format_spec(tmp: Path) -> str | None:
    clip = make_clip(tmp / "c.mp4", frames=13).path
    return clean(vfx("report", clip, "--tiles", "https://t/{z}/{x:>300000000}/{y}.png"), 1)


def long_name(tmp: Path) -> str | None:
    clip = make_clip(tmp / ("d" * 230 + ".mp4"), frames=13).path
    return clean(vfx("keyframes", clip, "-o", tmp / "k"))


def killed_run_workers(tmp: Path) -> str | None:
    for i in range(3):
        (tmp / "in").mkdir(exist_ok=True)
        make_clip(tmp / "in" / f"v{i}.mp4", frames=1500)
    recipe = tmp / "all.toml"
    recipe.write_text('[[steps]]\nstep = "frames"\n[source]\nframes = "all"\n')
    proc = subprocess.Popen([VFX, "run", recipe, tmp / "in", "-o", tmp / "o", "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    children: list[int] = []
    while len(children) < 2 and time.monotonic() < deadline:
        children = [
            int(c)
            for task in Path(f"/proc/{proc.pid}/task").iterdir()
            for c in (task / "children").read_text().split()
        ]
        time.sleep(0.1)
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [c for c in children if Path(f"/proc/{c}").exists()
                 and Path(f"/proc/{c}/stat").read_text().split()[2] != "Z"]  # fmt: skip
    for c in alive:
        os.kill(c, signal.SIGKILL)
    return f"{len(alive)} processes outlived the run" if alive else None


def hand_edited_table(tmp: Path) -> str | None:
    clip = make_clip(tmp / "c.mp4", frames=13).path
    vfx("keyframes", clip, "-o", tmp / "kf")
    table = tmp / "kf" / "frames.csv"
    lines = table.read_text().splitlines()
    head = lines[0].split(",")
    cells = lines[1].split(",")
    for name, value in (("lat", "1e308"), ("lon", "1e308"), ("frame_index", "<!--<script>")):
        cells[head.index(name)] = value
    lines[1] = ",".join(cells)
    table.write_text("\n".join(lines) + "\n")
    done = vfx("report", tmp / "kf", "-o", tmp / "r")
    return clean(done) or (None if not done.stderr else f"stderr: {done.stderr[:120]}")


def run_json_shape(tmp: Path) -> str | None:
    (tmp / "o").mkdir()
    (tmp / "o" / "run.json").write_text("[1, 2]")
    return clean(vfx("report", tmp / "o", "-o", tmp / "r"), 1)


def track_bad_rows(tmp: Path) -> str | None:
    points = sample_points(3)
    points[1] = (_FIT_EPOCH + timedelta(seconds=100), *points[1][1:])
    fit = write_fit(tmp / "t.fit", points)
    _frames(tmp / "g", tmp)
    done = vfx("geotag", tmp / "g", "--track", fit, "-o", tmp / "o")
    return clean(done)


def png_of_gigabytes(tmp: Path) -> str | None:
    folder = tmp / "frames"
    folder.mkdir()
    png_header(folder / "a.png", 16000, 16000, 16, 6)
    return clean(vfx("composite", folder, "-o", tmp / "c.png"), 1)


CASES: dict[str, Callable[[Path], str | None]] = {
    "geotag: a file name that is exiftool options (-if)": geotag_name_runs_code,
    "geotag: a truncated PNG among the images": geotag_truncated_png,
    "run: an output cut after the run": recipe_cut_output,
    ".360: stream 5 shorter than stream 0": short_second_stream,
    ".360: --width 30000": panorama_width,
    "report: two videos of one name": report_equal_names,
    "report: frames.csv naming ../secret": report_outside_file,
    "track: a DOCTYPE after 70 kB of comment": gpx_late_doctype,
    "frames: --distance 1e-9": distance_nanometre,
    "track: a KMZ unpacking 1000 times": kmz_bomb,
    "report: a format spec in --tiles": tile_format_spec,
    "keyframes: a 230-character name": long_name,
    "run: kill -9 of a run with two workers": killed_run_workers,
    "report: lat 1e308 and <!--<script> in frames.csv": hand_edited_table,
    "report: a run.json that is a list": run_json_shape,
    "track: a FIT time below 0x10000000": track_bad_rows,
    "composite: a PNG that decodes to 2 GB": png_of_gigabytes,
}


def main() -> int:
    held = 0
    for name, case in CASES.items():
        folder = Path(tempfile.mkdtemp(prefix="vfx-hostile-"))
        try:
            fault = case(folder)
        except Exception as exc:  # the case itself could not be built
            fault = f"case failed to run: {type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        held += fault is None
        print(f"{'held ' if fault is None else 'FAULT'}  {name}" + (f": {fault}" if fault else ""),
              flush=True)  # fmt: skip
    print(f"{len(CASES)} cases, {held} held, {len(CASES) - held} faults")
    return 0 if held == len(CASES) else 1


if __name__ == "__main__":
    raise SystemExit(main())
