"""Helpers shared by the benchmark scripts: clip generation, timing with peak memory."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
VFX = str(Path(sys.executable).with_name("vfx"))


def _compile_vfx() -> None:
    """Compile vfx's bytecode before timing it, as a pip-installed package has it.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (some CI and sandbox machines set it), Python
    never caches the bytecode of an editable install, so every ``vfx`` command would compile
    its modules again (40-100 ms per command, measured); ``compileall`` writes it anyway.
    """
    import compileall

    import vfx

    compileall.compile_dir(Path(vfx.__file__).parent, quiet=1)


_compile_vfx()


def oracle_venv(name: str, *packages: str) -> Path | None:
    """The Python of a reference tool's own virtual environment, ``bench/_work/<name>``,
    made once with ``pip install packages`` (its pins never touch vfx's); None, with a note,
    when it cannot be made."""
    venv = WORK / name
    python = venv / "bin" / "python"
    if not python.is_file():
        wanted = " ".join(packages)
        print(f"making bench/_work/{name} (pip install {wanted}) ...", flush=True)
        done = subprocess.run([sys.executable, "-m", "venv", str(venv)])
        if done.returncode == 0:
            done = subprocess.run([str(python), "-m", "pip", "install", "-q", *packages])
        if done.returncode != 0:
            print(f"{name}: skipped (could not install {wanted})")
            return None
    return python


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system time of the child and what it waited for


def run(cmd: list[str], *, cwd: Path | None = None) -> Run:
    """Run a command; wall time and the child's peak resident memory (from wait4).

    Earlier runs' files are flushed to disk first, so that their writeback is not billed to
    this run.
    """
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{err}")
    return Run(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def best_of(n: int, make: callable) -> Run:  # type: ignore[valid-type]
    """Median time and maximum peak memory over ``n`` runs of ``make()``."""
    runs = [make() for _ in range(n)]
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_rss_mb for r in runs))


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def scene(width: int, height: int, t: float, rng_texture):  # type: ignore[no-untyped-def]
    """A textured backdrop with a few moving shapes: compresses like real footage."""
    import numpy as np

    img = rng_texture.copy()
    for k in range(4):
        cx = int((0.5 + 0.4 * np.sin(t * (0.7 + 0.3 * k) + k)) * width)
        cy = int((0.5 + 0.3 * np.cos(t * (0.5 + 0.2 * k) + 2 * k)) * height)
        r = height // (8 + 2 * k)
        y0, y1 = max(0, cy - r), min(height, cy + r)
        x0, x1 = max(0, cx - r), min(width, cx + r)
        img[y0:y1, x0:x1] = (np.array([60 * k, 200 - 40 * k, 120]) + 30).astype(np.uint8)
    return img


def _in_child(maker: str, path: Path, options: dict[str, object]) -> Path:
    """Run ``maker(path, **options)`` from this module in a child process, once per path.

    The child keeps numpy and PyAV out of this process, so that the peak memory measured for
    the commands under test is theirs, not inherited from a large parent.
    """
    if not path.is_file():
        code = (
            "import sys, json; sys.path.insert(0, sys.argv[1]); import common; "
            "from pathlib import Path; "
            "getattr(common, sys.argv[2])(Path(sys.argv[3]), **json.loads(sys.argv[4]))"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(Path(__file__).parent),
                maker,
                str(path),
                json.dumps(options),
            ],
            check=True,
        )
    return path


def make_clip(path: Path, **options: object) -> Path:
    """Generate (once, cached by name) a test clip; see :func:`_make_clip`."""
    return _in_child("_make_clip", path, options)


def _make_clip(
    path: Path,
    *,
    width: int = 1920,
    height: int = 1080,
    seconds: float = 60,
    fps: int = 30,
    gop_s: float = 2,
    codec: str = "libx264",
) -> Path:
    """An H.264 test clip with a keyframe every ``gop_s`` seconds."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    y = np.linspace(0, 1, height)[:, None]
    x = np.linspace(0, 1, width)[None, :]
    ones = np.ones((height, width))
    base = np.stack([120 + 80 * x * y, (90 + 100 * y) * ones, (160 - 90 * x) * ones], axis=-1)
    texture = (base + rng.normal(0, 12, (height, width, 1))).clip(0, 255).astype(np.uint8)
    gop = round(gop_s * fps)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = {
            "preset": "veryfast",
            "crf": "23",
            "g": str(gop),
            "keyint_min": str(gop),
            "sc_threshold": "0",
            "bf": "2",
        }
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(
                scene(width, height, i / fps, texture), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.rename(path)
    return path


def make_dance_clip(path: Path) -> Path:
    """The bundled sample's scene (static backdrop, moving dancer) at 1920x1080, 24 s."""
    return _in_child("_make_dance_clip", path, {})


def _make_dance_clip(path: Path) -> None:
    import importlib.util

    import av
    import cv2

    spec = importlib.util.spec_from_file_location(
        "make_sample", Path(__file__).resolve().parents[1] / "samples" / "make_sample.py"
    )
    sample = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(sample)  # type: ignore[union-attr]
    base = sample.backdrop()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(sample.FPS))
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "crf": "20",
            "g": str(sample.GOP),
            "keyint_min": str(sample.GOP),
            "sc_threshold": "0",
        }
        for i in range(sample.FPS * sample.SECONDS):
            small = sample.draw(base, i / sample.FPS)
            big = cv2.resize(small, (1920, 1080), interpolation=cv2.INTER_CUBIC)
            for packet in stream.encode(av.VideoFrame.from_ndarray(big, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.rename(path)


def mgt_example(name: str) -> Path:
    """One of the Musical Gestures Toolbox's example clips (``dancer.avi``, ``pianist.avi``),
    from the musicalgestures wheel on PyPI, downloaded once into bench/_work."""
    import zipfile

    target = WORK / name
    if target.is_file():
        return target
    wheels = WORK / "mgt-wheel"
    if not any(wheels.glob("musicalgestures-*.whl")):
        fresh(wheels)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels),
             "musicalgestures"],
            check=True,
        )  # fmt: skip
    wheel = next(wheels.glob("musicalgestures-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        target.write_bytes(z.read(f"musicalgestures/examples/{name}"))
    return target
