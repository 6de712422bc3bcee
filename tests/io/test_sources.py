"""Frame sources: videos and folders of images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clips import ClipSpec
from vfx.errors import ImageReadError, ParameterError, VideoOpenError
from vfx.io.images import write_image
from vfx.io.sources import open_source, parse_frames_spec
from vfx.io.table import write_frame_table


def _img(v: int, h: int = 8, w: int = 8) -> np.ndarray:
    return np.full((h, w, 3), v, np.uint8)


def test_folder_sorted_by_number_not_text(tmp_path: Path) -> None:
    for i in (10, 2, 1):
        write_image(tmp_path / f"f{i}.png", _img(i))
    assert [s.name for s in open_source(tmp_path)] == ["f1", "f2", "f10"]


def test_folder_ordered_by_frames_csv(tmp_path: Path) -> None:
    for i in (1, 2, 3):
        write_image(tmp_path / f"f{i}.png", _img(i))
    rows = [
        {"file": f"f{i}.png", "frame_index": 10 * i, "time_s": f"{i}.5", "source": "v.mp4"}
        for i in (3, 1, 2)
    ]
    write_frame_table(tmp_path, rows)  # the table sorts by frame_index
    stills = list(open_source(tmp_path))
    assert [s.name for s in stills] == ["f1", "f2", "f3"]
    assert [s.index for s in stills] == [10, 20, 30]
    assert float(stills[0].time) == 1.5 and stills[0].source == "v.mp4"


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError, match="no images"):
        open_source(tmp_path)
    write_image(tmp_path / "a.png", _img(1))
    write_image(tmp_path / "b.png", _img(1, h=9))
    with pytest.raises(ImageReadError, match=r"b\.png: is 8x9 uint8, but a\.png is 8x8"):
        list(open_source(tmp_path))
    (tmp_path / "b.png").write_text("broken")
    with pytest.raises(ImageReadError, match=r"b\.png: not a readable image"):
        list(open_source(tmp_path))


def test_video_frames_spec(ntsc_clip: ClipSpec) -> None:
    assert open_source(ntsc_clip.path).count == 6
    assert open_source(ntsc_clip.path, frames="all").count == 61
    src = open_source(ntsc_clip.path, frames="every:1")
    assert [s.index for s in src] == [0, 23, 47]
    assert [s.index for s in open_source(ntsc_clip.path).spread(3)] == [0, 24, 60]
    all_marked = [(s.index, s.selected) for s in open_source(ntsc_clip.path).iter_all()]
    assert len(all_marked) == 61 and sum(sel for _, sel in all_marked) == 6


def test_spec_and_missing_input(tmp_path: Path) -> None:
    assert parse_frames_spec("every:2.5") == ("every", 2.5)
    for bad in ("every:0", "every:x", "some"):
        with pytest.raises(ParameterError):
            parse_frames_spec(bad)
    with pytest.raises(VideoOpenError, match="no such file"):
        open_source(tmp_path / "missing.mp4")
