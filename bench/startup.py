"""Benchmark: how long ``vfx`` takes to start, before any work.

Short jobs (a composite of 24 keyframes takes about 0.1 s of work) are dominated by start-up:
the interpreter, numpy, OpenCV, typer and vfx's own modules. Prints the median of several runs
of ``vfx --version``, ``vfx composite --help`` and ``vfx composite`` on a missing folder (which
parses its options, then stops at the one-line error), and the typer version (0.29 builds a
pydantic adapter for every option on every call; vfx pins below it).

Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from importlib.metadata import version

from common import VFX


def timed(cmd: list[str], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
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
