"""Hash what every command writes, to check that a refactoring changed no output byte.

    .venv/bin/python bench/outputs.py record before.json     # on the old tree
    .venv/bin/python bench/outputs.py record after.json      # on the new tree
    .venv/bin/python bench/outputs.py compare before.json after.json

Each command runs the installed ``vfx`` on ``samples/dance.mp4`` and on the real clips of
``../shared/media`` (those absent are left out, and the record says which ran), into a fresh
folder; every file written is hashed (SHA-256). Fields that hold the moment of the run or the
folder it ran in are not outputs of the algorithms: ``run.json``'s times and the report
pages are listed with their hash of the text where those fields are blanked (see ``_VARYING``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA = Path(os.environ.get("VFX_SHARED_MEDIA", ROOT.parent / "shared" / "media"))
VFX = str(Path(sys.executable).with_name("vfx"))

#: (name, arguments) run in a fresh folder; ``{S}`` the sample, ``{M}`` the media folder.
COMMANDS: list[tuple[str, list[str]]] = [
    ("info", ["info", "{S}", "--json"]),
    ("keyframes", ["keyframes", "{S}", "-o", "kf"]),
    ("frames", ["frames", "{S}", "--every", "2", "-f", "png", "-o", "every2"]),
    ("frames-jpg", ["frames", "{S}", "--at", "0.5,1.25,3", "-f", "jpg", "-o", "at"]),
    ("background", ["background", "kf", "-o", "bg.png", "--method", "auto"]),
    ("background-mean", ["background", "kf", "-o", "bgmean.tiff", "--method", "mean"]),
    ("mask", ["mask", "kf", "--background", "auto", "-o", "masks"]),
    ("mask-mog2", ["mask", "{S}", "--method", "mog2", "--background", "first", "-o", "mog2"]),
    ("composite", ["composite", "kf", "--mode", "foreground", "-o", "display.png"]),
    ("composite-darken", ["composite", "kf", "--mode", "darken", "-o", "darken.png"]),
    ("montage", ["montage", "kf", "-o", "sheet.png"]),
    ("motion", ["motion", "{S}", "-o", "motion", "--quiet"]),
    ("select", ["select", "{S}", "-n", "6", "-f", "png", "-o", "selected"]),
    ("run", ["run", "keyframe-display", "{S}", "-o", "recipes"]),
    ("report", ["report", "{S}", "kf", "-o", "report", "--quiet"]),
    ("hero7-keyframes", ["keyframes", "{M}/gopro-hero7.mp4", "-f", "jpg", "-o", "hero7"]),
    ("hero7-info", ["info", "{M}/gopro-hero7.mp4", "--json"]),
    (
        "hero7-distance",
        ["frames", "{M}/gopro-hero7.mp4", "--distance", "3", "-f", "jpg", "-o", "d3"],
    ),
    ("hero7-gpx", ["telemetry", "{M}/gopro-hero7.mp4", "-o", "hero7.gpx"]),
    ("hero7-csv", ["telemetry", "{M}/gopro-hero7.mp4", "-o", "hero7.csv"]),
    ("geotag", ["geotag", "hero7", "--track", "hero7.gpx", "-o", "tagged"]),
    ("karma-telemetry", ["telemetry", "{M}/gopro-karma.mp4", "-o", "karma.json"]),
    ("camm-keyframes", ["keyframes", "{M}/camm-orientation.mp4", "-f", "jpg", "-o", "camm"]),
    ("dancer-motion", ["motion", "{M}/mgt-dancer.avi", "-o", "dancer", "--quiet"]),
    ("pianist-keyframes", ["keyframes", "{M}/mgt-pianist-20s.avi", "-f", "png", "-o", "pianist"]),
]

#: Text that records when or where a run happened, blanked before hashing.
_VARYING = [
    re.compile(rb'"(started|finished|elapsed_s|seconds|duration_s|made|generated)": [^,}\n]+'),
    re.compile(rb"vfx [\w.]+ on \d{4}-\d\d-\d\d \d\d:\d\d UTC"),
]


def _digest(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix in (".json", ".html", ".txt") or path.name == "run.json":
        for pattern in _VARYING:
            data = pattern.sub(b"", data)
    return hashlib.sha256(data).hexdigest()


def record(out: Path) -> None:
    # one fixed folder, so that pages naming their files' paths (and thumbnails named by a
    # digest of the path) are the same on every run
    work = Path(tempfile.gettempdir()) / "vfx-outputs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    # inputs by relative names, so that paths written into outputs are the same in any tree
    shutil.copy(ROOT / "samples" / "dance.mp4", work / "dance.mp4")
    # the file's time is a time source of last resort: the same one in every tree
    os.utime(work / "dance.mp4", (1_700_000_000, 1_700_000_000))
    if MEDIA.is_dir():
        (work / "media").symlink_to(MEDIA)
    result: dict[str, dict[str, str]] = {}
    try:
        for name, args in COMMANDS:
            if any("{M}" in a for a in args) and not MEDIA.is_dir():
                continue
            argv = [a.replace("{S}", "dance.mp4").replace("{M}", "media") for a in args]
            before = {p for p in work.rglob("*") if p.is_file() and "media" not in p.parts}
            proc = subprocess.run([VFX, *argv], cwd=work, capture_output=True)
            files = sorted(
                p
                for p in work.rglob("*")
                if p.is_file() and p not in before and p.parts[len(work.parts)] != "media"
            )
            entry = {str(p.relative_to(work)): _digest(p) for p in files}
            text = proc.stdout if name.endswith("info") else b""
            entry["(exit code)"] = str(proc.returncode)
            if text:
                entry["(stdout)"] = hashlib.sha256(
                    text.replace(str(MEDIA).encode(), b"")
                ).hexdigest()
            result[name] = entry
            print(f"{name}: {len(files)} files, exit {proc.returncode}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=True))


def compare(a: Path, b: Path) -> int:
    old, new = json.loads(a.read_text()), json.loads(b.read_text())
    differ = 0
    for name in sorted(set(old) | set(new)):
        x, y = old.get(name, {}), new.get(name, {})
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                differ += 1
                if differ <= 20:
                    print(f"differs: {name}: {key}")
    files = sum(len(v) for v in old.values())
    print(f"{len(old)} commands, {files} outputs compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        record(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        raise SystemExit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        raise SystemExit(__doc__)
