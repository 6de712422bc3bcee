"""A batch survives its parts: real processes, real signals, a real Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
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
RECIPE = '[[steps]]\nstep = "frames"\n[source]\nframes = "all"\n'


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four copies of a clip that takes a few seconds to write frame by frame."""
    folder = tmp_path_factory.mktemp("batch")
    first = folder / "v0.mp4"
    rng = np.random.default_rng(4)
    with av.open(str(first), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 480, 270, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for _ in range(150):
            img = rng.integers(0, 255, (270, 480, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    for i in range(1, 4):
        shutil.copy(first, folder / f"v{i}.mp4")
    return folder


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "children").read_text().split()
        except FileNotFoundError:  # the thread ended between the listing and the read
            continue
        out += [int(x) for x in text]
    return out


def _cmdline(pid: int) -> str:
    """A process's command line ("" once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _workers(pid: int, count: int, deadline_s: float = 60) -> list[int]:
    """The run's worker processes (the resource tracker is a child too: skip it)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = [c for c in _children(pid) if "resource_tracker" not in _cmdline(c)]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    pytest.fail("the workers did not start")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _recipe(tmp_path: Path) -> Path:
    path = tmp_path / "all.toml"
    path.write_text(RECIPE)
    return path


def _start_run(tmp_path: Path, inputs: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    """``vfx run`` of the all-frames recipe over ``inputs`` on two workers."""
    return start(["run", str(_recipe(tmp_path)), str(inputs), "-o", str(out), "-j", "2", *extra])


def test_a_killed_worker_is_replaced_and_its_input_tried_again(
    inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = _start_run(tmp_path, inputs, out, "--json")
    victim = _workers(proc.pid, 2)[0]
    time.sleep(0.5)
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "a worker process died" in stderr and "Traceback" not in stderr
    rows = json.loads(stdout)["inputs"]
    assert [r["status"] for r in rows] == ["done"] * 4
    manifest = json.loads((out / "run.json").read_text())["recipes"]["all"]["inputs"]
    assert len(manifest) == 4 and {e["status"] for e in manifest.values()} == {"done"}


def test_an_input_whose_worker_dies_twice_fails_alone(inputs: Path, tmp_path: Path) -> None:
    """Each worker is killed as soon as it starts, twice over: the inputs they were running
    fail, each in its own row with the reason; the batch goes on and writes its summary."""
    out = tmp_path / "out"
    proc = _start_run(tmp_path, inputs, out, "--json")
    killed: set[int] = set()
    for _ in range(2):
        fresh: list[int] = []
        deadline = time.monotonic() + 60
        while len(fresh) < 2 and time.monotonic() < deadline:
            fresh = [w for w in _workers(proc.pid, 1) if w not in killed]
            time.sleep(0.05)
        time.sleep(0.3)
        for worker in fresh:
            os.kill(worker, signal.SIGKILL)
            killed.add(worker)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    rows = json.loads(stdout)["inputs"]
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(rows) == 4 and 1 <= len(failed) <= 2, rows
    assert all("worker process died" in r["error"] for r in failed)
    assert [r["status"] for r in rows].count("done") == 4 - len(failed)
    manifest = json.loads((out / "run.json").read_text())["recipes"]["all"]["inputs"]
    assert len(manifest) == 4


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_stops_the_workers_and_keeps_the_manifest(
    inputs: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    out = tmp_path / "out"
    proc = _start_run(tmp_path, inputs, out)
    workers = _workers(proc.pid, 2)
    deadline = time.monotonic() + 120
    while not (out / "run.json").is_file():  # at least one input finished
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr, stderr
    deadline = time.monotonic() + 10  # a killed worker may take a moment to be reaped
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "a worker outlived the run"
    manifest = json.loads((out / "run.json").read_text())["recipes"]["all"]["inputs"]
    assert 1 <= len(manifest) <= 4, manifest
    assert [p for p in out.rglob(".*") if p.is_file()] == []


def test_workers_die_with_a_killed_run(inputs: Path, tmp_path: Path) -> None:
    """``kill -9`` of ``vfx run --jobs 2``: its workers (and so the resource tracker, whose
    pipe they hold) end too, instead of writing on for ever with nobody to record it."""
    out = tmp_path / "out"
    proc = _start_run(tmp_path, inputs, out)
    workers = _workers(proc.pid, 2)
    everyone = _children(proc.pid)
    time.sleep(0.5)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in everyone) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in everyone if _alive(w)], f"outlived the run: {workers}"


def test_two_runs_into_one_folder_keep_every_entry(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    recipe = _recipe(tmp_path)
    args = ["-o", str(out), "-j", "1", "--quiet"]
    procs = [
        subprocess.Popen(
            [
                VFX,
                "run",
                str(recipe),
                str(inputs / f"v{i}.mp4"),
                str(inputs / f"v{i + 2}.mp4"),
                *args,
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    manifest = json.loads((out / "run.json").read_text())["recipes"]["all"]["inputs"]
    assert sorted(Path(k).name for k in manifest) == [f"v{i}.mp4" for i in range(4)]


def test_dask_with_a_relative_output_writes_where_the_client_looks(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    from vfx.recipe.runner import run_recipe
    from vfx.recipe.schema import load_recipe

    monkeypatch.chdir(tmp_path)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(os.chdir, "/")  # the worker's own working folder is elsewhere
        result = run_recipe(load_recipe(_recipe(tmp_path)), [inputs / "v0.mp4"], "rel", dask=client)
    assert [r.status for r in result.results] == ["done"]
    assert all(
        Path(p).is_file() and Path(p).is_relative_to(tmp_path) for p in result.results[0].outputs
    )


def test_a_dask_worker_that_dies_fails_its_inputs_not_the_run(
    inputs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On a real LocalCluster, the one worker is killed while it holds both inputs: each is a
    failed row naming Dask's reason (KilledWorker), the run returns with its summary, and
    run.json has both; the scheduler's own error log is its business, not vfx's."""
    import logging
    import threading

    caplog.set_level(logging.CRITICAL, logger="distributed.scheduler")

    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from vfx.recipe.runner import run_recipe
    from vfx.recipe.schema import load_recipe

    recipe = load_recipe(_recipe(tmp_path))
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        outcome: list[object] = []
        runner_thread = threading.Thread(
            target=lambda: outcome.append(
                run_recipe(
                    recipe, [inputs / "v0.mp4", inputs / "v1.mp4"], tmp_path / "o", dask=client
                )
            )
        )
        runner_thread.start()
        deadline = time.monotonic() + 60
        while not list((tmp_path / "o").rglob("*.tiff")):  # the first input is running
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (pid,) = client.run(os.getpid).values()
        os.kill(pid, signal.SIGKILL)
        runner_thread.join(timeout=240)
        assert not runner_thread.is_alive()
    (result,) = outcome
    rows = result.results  # type: ignore[attr-defined]
    assert [r.status for r in rows] == ["failed", "failed"]
    assert all("Dask: KilledWorker" in (r.error or "") for r in rows)
    manifest = json.loads((tmp_path / "o" / "run.json").read_text())["recipes"]["all"]["inputs"]
    assert len(manifest) == 2


def test_a_dask_cluster_without_workers_fails_the_rest_instead_of_waiting(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    from vfx.recipe import backends, runner
    from vfx.recipe.schema import load_recipe

    monkeypatch.setattr(backends, "DASK_NO_WORKER_S", 1.0)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        started = time.monotonic()
        result = runner.run_recipe(
            load_recipe(_recipe(tmp_path)), [inputs / "v0.mp4"], tmp_path / "o", dask=client
        )
    assert time.monotonic() - started < 60
    (row,) = result.results
    assert row.status == "failed" and "no worker left" in (row.error or "")
    assert json.loads((tmp_path / "o" / "run.json").read_text())["recipes"]["all"]["inputs"]


def test_warnings_of_workers_read_like_the_commands(tmp_path: Path) -> None:
    """In ``vfx run --jobs 2`` a worker's warning came out bare ('file is cut short...'),
    without the ``vfx: warning:`` every other line of the command has."""
    from corpus import build_corpus

    corpus = build_corpus(tmp_path / "corpus")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(corpus["cut_in_mdat.mp4"], folder / "cut.mp4")
    shutil.copy(corpus["cut_in_mdat.mp4"], folder / "cut2.mp4")
    proc = start(["run", str(_recipe(tmp_path)), str(folder), "-o", str(tmp_path / "o"), "-j",
                  "2", "--quiet"])  # fmt: skip
    _, stderr = proc.communicate(timeout=300)
    lines = [line for line in stderr.splitlines() if "cut short" in line]
    assert lines, stderr
    assert all(line.startswith("vfx: warning: ") for line in lines), lines
