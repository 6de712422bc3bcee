"""Process-wide settings of the ``vfx`` command (vfx._process)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from vfx._process import single_threaded_blas, tune_allocator, tune_collector


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
    code = "import vfx.cli, os, numpy; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_collector_freezes_the_imports_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (10_000, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
