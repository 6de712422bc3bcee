"""``vfx.jobs.trails`` on a square moving over black: the trail behind it fades by the decay
per frame (lagfun's rule), or is the mean of the last frames (tmix's)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from clips import write_lossless
from vfx.errors import OutputError, ParameterError
from vfx.jobs.trails import make_trails

SIDE, STEP = 8, 8


def _frames(count: int = 10) -> list[np.ndarray]:
    frames = []
    for k in range(count):
        img = np.zeros((32, 96, 3), np.uint8)
        img[12:20, STEP * k : STEP * k + SIDE] = 255
        frames.append(img)
    return frames


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def square(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lossless(tmp_path_factory.mktemp("t") / "square.mp4", _frames())


def test_decay_trail_fades_by_the_decay_per_frame(square: Path, tmp_path: Path) -> None:
    result = make_trails(square, tmp_path / "t.mp4", decay=0.8)
    frames = _decoded(result.path)
    assert result.frames == len(frames) == 10
    last = frames[-1]
    for age in range(5):  # the square's place `age` frames ago
        x = STEP * (9 - age)
        level = last[14:18, x + 2 : x + 6].mean()
        assert level == pytest.approx(255 * 0.8**age, abs=4), age
    assert last[:8].max() <= 4  # nothing above the square's path


def test_mean_trail_is_the_mean_of_the_last_frames(square: Path, tmp_path: Path) -> None:
    result = make_trails(square, tmp_path / "m.mp4", mode="mean", frames=4)
    last = _decoded(result.path)[-1]
    for age in range(6):
        x = STEP * (9 - age)
        expected = 255 / 4 if age < 4 else 0
        assert last[14:18, x + 2 : x + 6].mean() == pytest.approx(expected, abs=4), age


def test_trails_refuse_before_any_work(square: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="trails mode"):
        make_trails(square, tmp_path / "x.mp4", mode="blend")
    with pytest.raises(OutputError, match="replace the input"):
        make_trails(square, square)
    with pytest.raises(OutputError, match=r"\.mp4"):
        make_trails(square, tmp_path / "x.png")
    existing = tmp_path / "old.mp4"
    existing.write_bytes(b"keep")
    with pytest.raises(OutputError, match="--overwrite"):
        make_trails(square, existing)
    assert existing.read_bytes() == b"keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]
