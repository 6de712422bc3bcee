"""``vfx.io.files``: files published whole, temporary names that fit, and the leftovers of
killed runs removed by the next one (and only those)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vfx.io import files
from vfx.io.files import (
    NAME_MAX,
    atomic_path,
    prepare_output_dir,
    remove_stale_temporaries,
    temp_beside,
    write_text,
)
from vfx.io.images import write_image


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temporary(folder: Path, name: str, host: str, pid: int) -> Path:
    path = folder / f".{name}.{host}{pid}-abc123_x.part"
    path.write_bytes(b"half an image")
    return path


def test_leftovers_of_dead_processes_go_and_live_ones_stay(tmp_path: Path) -> None:
    host = files._host_tag()
    dead = _temporary(tmp_path, "a.tiff", host, _dead_pid())
    mine = _temporary(tmp_path, "b.tiff", host, os.getpid())
    parent = _temporary(tmp_path, "c.tiff", host, os.getppid())  # alive: another run
    elsewhere = _temporary(tmp_path, "d.tiff", "zzzz" if host != "zzzz" else "yyyy", 1)
    other = tmp_path / ".notes.part"
    other.write_text("not ours")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not dead.exists()
    assert mine.exists() and parent.exists() and elsewhere.exists() and other.exists()


def test_a_new_run_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = _temporary(out, "k_000000.tiff", files._host_tag(), _dead_pid())
    prepare_output_dir(out)
    assert not dead.exists()


def test_temporary_names_fit_whatever_the_final_name(tmp_path: Path) -> None:
    for name in ("a" * 240 + ".tiff", "é" * 120 + ".png", "short.jpg"):
        assert len(os.fsencode(name)) <= NAME_MAX
        tmp = temp_beside(tmp_path / name)
        assert len(os.fsencode(tmp.name)) <= NAME_MAX and tmp.name.endswith(".part")
        assert files._TEMP.match(tmp.name), tmp.name  # recognised, so a re-run can clean it
        tmp.unlink()
        write_text(tmp_path / name, "whole")
        assert (tmp_path / name).read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path, "w") as fh:
        fh.write("half")
        raise RuntimeError("stop")
    assert path.read_text() == "old" and sorted(tmp_path.iterdir()) == [path]


def test_publishing_syncs_the_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data reaches the disk before the rename, and the rename before the write returns."""
    import os

    from vfx.io import files

    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "file")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        calls.append("rename")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    write_image(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8))
    assert calls == ["file", "rename", "dir"]
