"""Real processes, real signals: Ctrl-C leaves no temporary or partial files and exits 130;
after SIGKILL a re-run completes the job with outputs identical to an uninterrupted run."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import start

VFX = str(Path(sys.executable).with_name("vfx"))


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """640x360, 240 frames of noise with a keyframe every 3 frames: 80 slow-to-compress
    keyframes, a few seconds of work."""
    path = tmp_path_factory.mktemp("sig") / "long.mp4"
    rng = np.random.default_rng(2)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"g": "3", "keyint_min": "3", "sc_threshold": "0", "preset": "ultrafast"}
        for _ in range(240):
            img = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _start(args: list[str]) -> subprocess.Popen[str]:
    return start(args)


def _wait_for(out: Path, pattern: str, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(list(out.glob(pattern))) < count:
        if proc.poll() is not None:
            pytest.fail(f"finished before it could be interrupted: {proc.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no progress within 60 s")
        time.sleep(0.02)


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".part"]


def _hashes(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["keyframes", "{clip}", "-o", "{out}"], "*.tiff"),
        (["mask", "{clip}", "--background", "first", "-o", "{out}"], "*_mask.png"),
    ],
)
def test_ctrl_c_leaves_only_complete_files(
    long_clip: Path, tmp_path: Path, args: list[str], pattern: str
) -> None:
    out = tmp_path / "out"
    argv = [a.replace("{clip}", str(long_clip)).replace("{out}", str(out)) for a in args]
    proc = _start(argv)
    _wait_for(out, pattern, 3, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "vfx: interrupted" in err
    assert "interrupted after" in err  # says how far it got
    assert _leftovers(out) == []
    written = sorted(out.glob(pattern))
    assert 3 <= len(written) < 80
    if args[0] == "keyframes":
        # frames.csv lists exactly the complete images, so a re-run resumes from them
        table = (out / "frames.csv").read_text().splitlines()[1:]
        assert sorted(line.split(",")[0] for line in table) == [p.name for p in written]


def test_sigkill_then_rerun_equals_an_uninterrupted_run(long_clip: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert (
        subprocess.run([VFX, "keyframes", str(long_clip), "-o", str(clean), "--quiet"]).returncode
        == 0
    )
    out = tmp_path / "killed"
    proc = _start(["keyframes", str(long_clip), "-o", str(out)])
    _wait_for(out, "*.tiff", 5, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    rerun = subprocess.run(
        [VFX, "keyframes", str(long_clip), "-o", str(out), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    # the killed run's temporary files (hidden .*.part) are gone with the re-run, and
    # everything else is exact
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert _hashes(out) == _hashes(clean)


def test_two_processes_writing_one_folder(long_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared"
    procs = [_start(["keyframes", str(long_clip), "-o", str(out), "--quiet"]) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    import tifffile

    images = sorted(out.glob("*.tiff"))
    assert len(images) == 80 and _leftovers(out) == []
    for path in images[::10]:
        assert tifffile.imread(path).shape == (360, 640, 3)  # complete, readable files
    assert len((out / "frames.csv").read_text().splitlines()) == 81


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_a_recipe_run_then_resume(long_clip: Path, tmp_path: Path, jobs: str) -> None:
    import json
    import shutil

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(4):
        shutil.copy(long_clip, inputs / f"v{i}.mp4")
    recipe = tmp_path / "kf.toml"
    recipe.write_text('[[steps]]\nstep = "frames"\n')
    out = tmp_path / "out"
    proc = _start(["run", str(recipe), str(inputs), "-o", str(out), "-j", jobs])
    deadline = time.monotonic() + 120
    while not (out / "run.json").is_file():  # wait until at least one input has finished
        assert proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted after" in err
    leftovers = [p for p in out.rglob(".*") if p.is_file()]
    assert leftovers == []
    done = json.loads((out / "run.json").read_text())["recipes"]["kf"]["inputs"]
    assert 1 <= len(done) < 4
    again = subprocess.run(
        [VFX, "run", str(recipe), str(inputs), "-o", str(out), "-j", "1", "--json"],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    statuses = [r["status"] for r in json.loads(again.stdout)["inputs"]]
    assert statuses.count("skipped") == len(done) and statuses.count("done") == 4 - len(done)


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["term", "hup"]
)
def test_sigterm_and_sighup_stop_like_ctrl_c(
    long_clip: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    """A batch scheduler, ``timeout`` or a closed terminal: frames.csv lists every image
    written, no temporary file is left, and the exit code says which signal."""
    out = tmp_path / "out"
    proc = _start(["frames", str(long_clip), "--all", "-o", str(out)])
    _wait_for(out, "*.tiff", 3, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"stopped by {sig.name}" in err
    assert _leftovers(out) == [], err
    written = sorted(p.name for p in out.glob("*.tiff"))
    assert 3 <= len(written) < 240, err
    table = (out / "frames.csv").read_text().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in table) == written, err
