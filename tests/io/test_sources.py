"""Frame sources: videos and folders of images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clips import ClipSpec
from vfx.errors import ImageReadError, VideoOpenError
from vfx.io.images import write_image
from vfx.io.sources import _Recycler, open_source
from vfx.io.table import write_frame_table
from vfx.types import FrameChoice


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
    assert open_source(ntsc_clip.path, frames=FrameChoice.all()).count == 61
    src = open_source(ntsc_clip.path, frames=FrameChoice.every(1))
    assert [s.index for s in src] == [0, 23, 47]
    assert [s.index for s in open_source(ntsc_clip.path).spread(3)] == [0, 24, 60]
    all_marked = [(s.index, s.selected) for s in open_source(ntsc_clip.path).iter_all()]
    assert len(all_marked) == 61 and sum(sel for _, sel in all_marked) == 6


def test_missing_input(tmp_path: Path) -> None:
    with pytest.raises(VideoOpenError, match="no such file"):
        open_source(tmp_path / "missing.mp4")


def _folder_of_levels(
    folder: Path, levels: list[int], shape: tuple[int, ...] = (32, 48, 3)
) -> Path:
    folder.mkdir()
    for k, level in enumerate(levels):
        write_image(folder / f"f{k:03d}.tiff", np.full(shape, level, np.uint8))
    return folder


def test_frames_kept_by_the_consumer_are_never_overwritten(tmp_path: Path) -> None:
    levels = [(17 * k) % 256 for k in range(20)]
    source = open_source(_folder_of_levels(tmp_path / "f", levels))
    kept = [still.image for still in source]  # every frame held on to
    assert [int(image[0, 0, 0]) for image in kept] == levels
    assert all((image == level).all() for image, level in zip(kept, levels, strict=True))
    views = [still.image[4:8] for still in source]  # only a view of each held on to
    assert [int(view[0, 0, 0]) for view in views] == levels


def test_memory_let_go_is_handed_out_again_and_memory_held_is_not() -> None:
    recycler = _Recycler(keep=3)
    shape, dtype = (4, 5, 3), np.dtype(np.uint8)
    first = recycler(shape, dtype)
    address = first.ctypes.data
    del first
    again = recycler(shape, dtype)
    assert again.ctypes.data == address  # let go, so reused
    other = recycler(shape, dtype)
    assert not np.shares_memory(other, again)  # "again" is held
    view = other[1:3]
    del other
    assert not np.shares_memory(recycler(shape, dtype), view)  # a view holds it too
    assert recycler((2, 2), dtype).shape == (2, 2)  # another size is a new array
