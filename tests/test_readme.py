"""The README's "From Python" example runs as written (from a folder holding samples/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT


def test_the_readmes_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    os.symlink(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = tmp_path / "out"
    for made in (
        "keys/frames.csv",
        "display.png",
        "sheet.png",
        "motion/vfx.json",
        "trails.mp4",
        "pose/dance_pose.csv",
        "flow/dance_directogram.csv",
        "report/report.html",
    ):
        assert (out / made).is_file(), made  # fmt: skip
    assert any((out / "runs").rglob("dance_motiongram_time-x.png"))
