"""Process-wide settings of the ``vfx`` command (vfx.cli.process)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vfx.cli.process import single_threaded_blas, tune_allocator, tune_collector


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_allocator_settings_apply_on_glibc() -> None:
    assert tune_allocator() is True


def test_blas_threads_default_to_one_but_respect_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    single_threaded_blas()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    single_threaded_blas()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"


def test_the_command_loads_numpy_with_one_blas_thread() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    code = (
        "import atexit, os, sys\n"
        "from vfx.__main__ import main\n"
        "atexit.register(lambda: print(os.environ.get('OPENBLAS_NUM_THREADS'),"
        " 'numpy' in sys.modules))\n"
        "sys.argv = ['vfx', 'info', '--help']\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "1 True"


HOST = """
import gc, os, signal, sys, threading
import cv2  # opencv-python's loader adds its lib folder to LD_LIBRARY_PATH: not vfx's doing
gc.set_threshold(500, 7, 9)
cv2.setNumThreads(3)
env = dict(os.environ)
handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
forks = []
os.register_at_fork(before=lambda: forks.append(1))
import vfx, vfx.cli
from vfx.cli.application import run
clip, out = sys.argv[1], sys.argv[2]
for args in (["info", clip, "--json"], ["motion", clip, "-o", out + "/cli", "--quiet"]):
    assert run(args) == 0, args
vfx.analyse_motion(clip, out + "/lib")
class Cycle:
    def __init__(self):
        self.me, self.block = self, bytearray(10_000_000)
for _ in range(5):
    Cycle()
    run(["info", clip, "--json"])
unreachable = gc.collect()
assert unreachable >= 10, unreachable  # the five cycles are found and freed
assert gc.get_threshold() == (500, 7, 9), gc.get_threshold()
assert cv2.getNumThreads() == 3, cv2.getNumThreads()  # OpenCV's pool is the host's
assert gc.get_freeze_count() == 0, gc.get_freeze_count()
assert gc.isenabled()
assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())
assert {s: signal.getsignal(s) for s in handlers} == handlers
assert forks == [], "a library call forked the process"
assert [t.name for t in threading.enumerate()] == ["MainThread"], threading.enumerate()
print("host unchanged")
"""


def test_importing_and_calling_vfx_changes_nothing_in_the_host(
    plain_clip: Path, tmp_path: Path
) -> None:
    """A program that imports vfx and calls run() and analyse_motion() keeps its own
    collector settings, environment, signal handlers and threads, and is never forked."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", HOST, str(plain_clip), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "host unchanged"
    assert (tmp_path / "lib" / "plain_qom.png").is_file()
    assert (tmp_path / "cli" / "plain_qom.png").is_file()


def test_collector_freezes_the_imports_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (10_000, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
