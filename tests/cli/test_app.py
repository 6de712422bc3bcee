"""The console entry point: only the subcommand run is built, and the exit skips teardown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer.main

from conftest import SAMPLE
from vfx.cli import app, run
from vfx.cli.application import _for_command, _invoked
from vfx.io.images import read_image, write_image


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["composite", "frames", "-o", "x.tiff"], "composite"),
        (["-v", "-v", "composite"], "composite"),
        (["--verbose", "recipes", "list"], "recipes"),
        (["--help"], None),
        (["--version"], None),
        (["-h", "composite"], None),
        ([], None),
    ],
)
def test_invoked_names_the_first_word_after_the_root_options(
    args: list[str], name: str | None
) -> None:
    assert _invoked(args) == name


def test_only_the_invoked_command_is_built_and_the_app_is_untouched() -> None:
    everything = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert {"composite", "mask", "keyframes", "recipes"} <= everything
    one = typer.main.get_command(_for_command(app, "composite"))
    assert set(one.commands) == {"composite"}  # type: ignore[attr-defined]
    group = typer.main.get_command(_for_command(app, "recipes"))
    assert set(group.commands["recipes"].commands) == {"list", "show"}  # type: ignore[attr-defined]
    assert set(typer.main.get_command(app).commands) == everything  # type: ignore[attr-defined]
    assert _for_command(app, "compsite") is app  # click then suggests the right name


def test_run_takes_root_options_before_the_command(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for k, level in enumerate((200, 90, 140)):
        write_image(frames / f"f{k}.tiff", np.full((8, 12, 3), level, np.uint8))
    out = tmp_path / "darken.tiff"
    assert run(["-v", "composite", str(frames), "-o", str(out), "--mode", "darken", "--quiet"]) == 0
    assert (read_image(out) == 90).all()


def test_run_suggests_a_misspelt_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["compsite"]) == 2
    assert "Did you mean 'composite'" in capsys.readouterr().err


_CHILD = """
import atexit, sys, threading, time
from vfx.cli import app
@app.command("probe-exit")
def probe(mode: str) -> None:
    atexit.register(lambda: print("exit handler ran", flush=True))
    print("printed, not flushed", end="")
    if mode == "thread":
        threading.Thread(target=lambda: (time.sleep(0.3), print(" / thread finished"))).start()
    if mode == "fail":
        raise SystemExit(3)
from vfx.cli import main
sys.argv = ["vfx", "probe-exit", sys.argv[1]]
main()
"""


def test_a_profiled_run_exits_normally(tmp_path: Path) -> None:
    out = tmp_path / "vfx.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "vfx", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "vfx" in done.stdout and out.stat().st_size > 0


@pytest.mark.parametrize(
    ("mode", "code", "out"),
    [
        ("ok", 0, "printed, not flushedexit handler ran"),
        ("fail", 3, "printed, not flushedexit handler ran"),
        ("thread", 0, "printed, not flushed / thread finished\nexit handler ran"),
    ],
)
def test_the_quick_exit_keeps_exit_handlers_output_and_threads(
    mode: str, code: int, out: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code, done.stderr
    assert done.stdout.strip() == out


@pytest.mark.parametrize("enabled", [True, False])
def test_importing_the_cli_leaves_the_cycle_collector_as_it_was(enabled: bool) -> None:
    code = (
        "import gc\n"
        f"{'gc.enable()' if enabled else 'gc.disable()'}\n"
        "import vfx.cli\n"
        "print(gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == str(enabled), done.stderr


VFX = str(Path(sys.executable).with_name("vfx"))


def test_a_closed_pipe_ends_quietly() -> None:
    """`vfx motion --help | head -3` and `vfx info --json | head -c 10`: no traceback, no
    internal error, as other Unix tools behave when their reader goes away."""
    for args in (["motion", "--help"], ["info", str(SAMPLE), "--json"]):
        proc = subprocess.Popen(
            [VFX, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_narrow()
        )
        assert proc.stdout is not None
        proc.stdout.read(10)
        proc.stdout.close()
        assert proc.stderr is not None
        with proc.stderr:
            err = proc.stderr.read().decode()
        proc.wait(timeout=60)
        assert "Traceback" not in err and "internal error" not in err, err
        assert err == "", err


def _narrow() -> dict[str, str]:
    import os

    # A narrow terminal makes the help long enough to outlast a pipe's buffer.
    return {**os.environ, "COLUMNS": "40"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["info", "{sample}"]])
def test_a_full_disk_for_the_output_is_one_line(args: list[str]) -> None:
    argv = [a.replace("{sample}", str(SAMPLE)) for a in args]
    with open("/dev/full", "w") as full:
        done = subprocess.run([VFX, *argv], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
