"""``vfx select`` on synthetic clips with long static stretches and short distinct events."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clips import write_lossless
from conftest import SAMPLE, media
from selection_clips import EVENTS, H, W, _event, pool_onnx
from vfx.errors import ParameterError, VfxError
from vfx.io.images import read_image
from vfx.io.table import read_frame_table
from vfx.jobs.select import select_frames


@pytest.fixture(scope="module")
def events_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    static = np.full((H, W, 3), 90, np.uint8)
    static[30:40, 50:60] = 140  # a little structure
    frames = [_event(EVENTS[i]) if i in EVENTS else static for i in range(120)]
    return write_lossless(tmp_path_factory.mktemp("sel") / "events.mp4", frames, fps=10)


def test_coreset_represents_every_event(events_clip: Path, tmp_path: Path) -> None:
    result = select_frames(events_clip, 4, tmp_path, compare=True)
    kinds = {EVENTS.get(i) for i in result.chosen.frame_indices}
    assert kinds == {0, 1, 2, 3}
    uniform = next(r for r in result.compared if r.method == "uniform")
    assert result.chosen.distances["min"] >= uniform.distances["min"]
    # the written images are those frames, with the usual table
    rows = read_frame_table(tmp_path)
    assert [int(r["frame_index"]) for r in rows] == result.chosen.frame_indices
    for row in rows:
        image = read_image(tmp_path / row["file"])
        assert np.array_equal(image, _event(EVENTS[int(row["frame_index"])]))


def test_dedupe_counts_identical_frames(events_clip: Path, tmp_path: Path) -> None:
    result = select_frames(events_clip, 5, tmp_path)
    # 108 static frames are one frame; each 3-frame event is one frame
    assert result.candidates == 120 and result.duplicates_removed == 107 + 4 * 2
    kept = select_frames(events_clip, 5, tmp_path / "b", dedupe=False)
    assert kept.duplicates_removed == 0


def test_selections_are_deterministic(events_clip: Path, tmp_path: Path) -> None:
    a = select_frames(events_clip, 6, tmp_path / "a", method="random", seed=7, dedupe=False)
    b = select_frames(events_clip, 6, tmp_path / "b", method="random", seed=7, dedupe=False)
    c = select_frames(events_clip, 6, tmp_path / "c", method="random", seed=8, dedupe=False)
    assert a.chosen.frame_indices == b.chosen.frame_indices != c.chosen.frame_indices
    d = select_frames(events_clip, 6, tmp_path / "d")
    e = select_frames(events_clip, 6, tmp_path / "e")
    assert d.chosen.frame_indices == e.chosen.frame_indices


def test_uniform_every_and_keyframes(events_clip: Path, tmp_path: Path) -> None:
    u = select_frames(events_clip, 4, tmp_path / "u", method="uniform", dedupe=False)
    assert u.chosen.frame_indices == [0, 40, 79, 119]
    ev = select_frames(events_clip, 3, tmp_path / "e", method="uniform", stride=10, dedupe=False)
    assert ev.candidates == 12 and all(i % 10 == 0 for i in ev.chosen.frame_indices)
    kf = select_frames(events_clip, 2, tmp_path / "k", method="keyframes")
    assert kf.candidates >= 1 and len(kf.chosen.frame_indices) <= 2


def test_report_file(events_clip: Path, tmp_path: Path) -> None:
    result = select_frames(events_clip, 4, tmp_path, compare=True)
    report = json.loads((tmp_path / "selection.json").read_text())
    assert report["chosen"]["frame_indices"] == result.chosen.frame_indices
    assert [r["method"] for r in report["compared"]] == ["uniform", "random"]
    assert report["chosen"]["bytes_written"] > 0
    assert report["bytes_all_candidates_estimate"] > report["chosen"]["bytes_written"]
    assert set(report["chosen"]["distances"]) == {
        "mean",
        "min",
        "max",
        "p10",
        "p90",
        "nn_mean",
        "nn_min",
    }


def test_bad_parameters(events_clip: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError):
        select_frames(events_clip, 0, tmp_path)
    with pytest.raises(ParameterError):
        select_frames(events_clip, 3, tmp_path, method="best")
    with pytest.raises(ParameterError, match="no such model"):
        select_frames(events_clip, 3, tmp_path, model=tmp_path / "none.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(VfxError, match="ONNX"):
        select_frames(events_clip, 3, tmp_path, model=junk)


def test_onnx_model(events_clip: Path, tmp_path: Path) -> None:
    path = pool_onnx(tmp_path / "pool.onnx")
    result = select_frames(events_clip, 4, tmp_path / "o", model=path, input_size=32)
    assert result.embedder == "onnx pool.onnx"
    assert {EVENTS.get(i) for i in result.chosen.frame_indices} >= {0, 2}


def test_real_clip_coreset_beats_uniform(tmp_path: Path) -> None:
    clip = SAMPLE if SAMPLE.is_file() else media("gopro-hero7.mp4")
    result = select_frames(clip, 10, tmp_path, compare=True, stride=2)
    uniform = next(r for r in result.compared if r.method == "uniform")
    assert result.chosen.distances["min"] > uniform.distances["min"]
    assert all(v is not None for v in result.chosen.distances.values())
