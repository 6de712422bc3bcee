"""Benchmark: how long ``vfx`` takes to start, before any work.

Short jobs (a composite of 24 keyframes takes about 0.1 s of work) are dominated by start-up:
the interpreter, numpy, OpenCV, typer and vfx's own modules. Prints the median of several runs
of ``vfx --version``, ``vfx composite --help`` and ``vfx composite`` on a missing folder (which
parses its options, then stops at the one-line error), and the typer version (0.29 builds a
pydantic adapter for every option on every call; vfx pins below it).

    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --against OTHER/src   # this tree against another one

With ``--against``, each command runs alternately from this tree and from another checkout's
``src`` (through ``PYTHONPATH``, so the same interpreter and packages), 15 times each, and the
ratio of the medians is printed: a change to the code's layout is measured against the same
machine in the same minutes.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from common import VFX

HERE = Path(__file__).resolve().parents[1] / "src"


def _once(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - start


def timed(cmd: list[str], repeat: int = 7) -> float:
    return statistics.median(_once(cmd) for _ in range(repeat))


def _env(src: Path) -> dict[str, str]:
    import compileall

    compileall.compile_dir(src / "vfx", quiet=1)  # as an installed package has it
    return os.environ | {"PYTHONPATH": str(src)}


def against(other: Path, repeat: int = 15) -> None:
    here_env, other_env = _env(HERE), _env(other)
    commands = {
        "vfx --version": [VFX, "--version"],
        "vfx composite (parse, fail)": [
            VFX,
            "composite",
            "/nonexistent-folder",
            "-o",
            "/tmp/never.tiff",
        ],
    }
    for name, cmd in commands.items():
        mine, theirs = [], []
        for _ in range(repeat):
            mine.append(_once(cmd, here_env))
            theirs.append(_once(cmd, other_env))
        a, b = statistics.median(mine), statistics.median(theirs)
        print(f"{name:30s} this tree {a * 1000:.0f} ms, {other} {b * 1000:.0f} ms: {a / b:.3f}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--against":
        against(Path(sys.argv[2]).resolve())
        return
    python = timed([sys.executable, "-c", "pass"])
    numpy = timed([sys.executable, "-c", "import numpy"])
    print(f"typer {version('typer')}")
    print(f"python -c pass:              {python * 1000:.0f} ms")
    print(f"python -c 'import numpy':    {numpy * 1000:.0f} ms")
    print(f"vfx --version:               {timed([VFX, '--version']) * 1000:.0f} ms")
    print(f"vfx composite --help:        {timed([VFX, 'composite', '--help']) * 1000:.0f} ms")
    missing = [VFX, "composite", "/nonexistent-folder", "-o", "/tmp/never.tiff"]
    print(f"vfx composite (parse, fail): {timed(missing) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
