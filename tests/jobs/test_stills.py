"""Keyframe and time-sampled extraction: files, frames.csv, re-runs, interruption."""

from __future__ import annotations

import hashlib
import types
from fractions import Fraction
from pathlib import Path

import pytest
import tifffile

from clips import ClipSpec, make_clip, read_barcode
from conftest import SAMPLE
from vfx.errors import OutputError, ParameterError
from vfx.io.images import read_image
from vfx.io.table import read_frame_table
from vfx.jobs.stills import extract_frames, extract_keyframes


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_keyframes_written_with_exact_table(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = extract_keyframes(ntsc_clip.path, tmp_path / "out")
    names = [f"ntsc bframes_{k:06d}.tiff" for k in ntsc_clip.keyframes]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.tiff")) == names
    assert [read_barcode(read_image(tmp_path / "out" / n)) for n in names] == list(
        ntsc_clip.keyframes
    )
    rows = read_frame_table(tmp_path / "out")
    assert [r["file"] for r in rows] == names
    for row, k in zip(rows, ntsc_clip.keyframes, strict=True):
        assert int(row["frame_index"]) == k
        assert Fraction(int(row["pts"])) * Fraction(row["time_base"]) == Fraction(1001, 24000) * k
        assert Fraction(row["time_s"]) == round(Fraction(1001, 24000) * k, 9)
        assert row["key_frame"] == "true"
        assert row["pict_type"] == "I"
        assert row["source"] == "ntsc bframes.mp4"
    assert result.table == tmp_path / "out" / "frames.csv"
    assert len(result.written) == 6 and not result.skipped


def test_ten_bit_keyframes_are_16_bit_rgb_tiffs(tenbit_clip: ClipSpec, tmp_path: Path) -> None:
    extract_keyframes(tenbit_clip.path, tmp_path)
    for path in sorted(tmp_path.glob("*.tiff")):
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            assert page.bitspersample == 16
            assert page.photometric == tifffile.PHOTOMETRIC.RGB


def test_rerun_skips_complete_images(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    extract_keyframes(ntsc_clip.path, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.tiff")}
    again = extract_keyframes(ntsc_clip.path, tmp_path)
    assert not again.written and len(again.skipped) == 6
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.tiff")} == before
    # A deleted image is the only one written again.
    victim = tmp_path / "ntsc bframes_000024.tiff"
    victim.unlink()
    third = extract_keyframes(ntsc_clip.path, tmp_path)
    assert third.written == [victim]
    assert len(read_frame_table(tmp_path)) == 6


def test_overwrite_rewrites(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    extract_keyframes(ntsc_clip.path, tmp_path)
    again = extract_keyframes(ntsc_clip.path, tmp_path, overwrite=True)
    assert len(again.written) == 6 and not again.skipped


def test_interrupted_run_leaves_no_partial_files_and_resumes(
    ntsc_clip: ClipSpec, tmp_path: Path
) -> None:
    reference = tmp_path / "ref"
    extract_keyframes(ntsc_clip.path, reference, threads=1)

    def interrupt(done: int, total: int | None) -> None:
        if done >= 2:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        extract_keyframes(ntsc_clip.path, out, progress=interrupt, threads=1)
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    rows = read_frame_table(out)
    assert 2 <= len(rows) < 6
    assert all((out / r["file"]).is_file() for r in rows)
    resumed = extract_keyframes(ntsc_clip.path, out)
    assert len(resumed.skipped) >= 2
    assert _hashes(out) == _hashes(reference)


def test_frames_every_seconds_on_the_sample(tmp_path: Path) -> None:
    result = extract_frames(SAMPLE, tmp_path, every_s=2.0, fmt="png")
    rows = read_frame_table(tmp_path)
    assert [Fraction(r["time_s"]) for r in rows] == [Fraction(2 * k) for k in range(12)]
    assert [int(r["frame_index"]) for r in rows] == [50 * k for k in range(12)]
    assert len(result.written) == 12


def test_frames_at_times_take_the_frame_on_screen(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    # 0.5 s shows frame 11 (0.4588 s); 1.0 s shows frame 23 (0.9593 s); 1.5015 s is frame 36.
    result = extract_frames(ntsc_clip.path, tmp_path, at_s=[0.5, 1.0, 1.5015])
    indices = [int(r["frame_index"]) for r in result.rows]
    assert indices == [11, 23, 36]
    assert [read_barcode(read_image(p)) for p in result.files] == indices


def test_frames_all_between_start_and_end(avi_clip: ClipSpec, tmp_path: Path) -> None:
    result = extract_frames(avi_clip.path, tmp_path, all_frames=True, start_s=1.0, end_s=1.4)
    assert [int(r["frame_index"]) for r in result.rows] == list(range(25, 35))
    assert [read_barcode(read_image(p)) for p in result.files] == list(range(25, 35))


def test_frames_fps(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    result = extract_frames(ntsc_clip.path, tmp_path, fps=2, fmt="jpg", quality=80)
    assert [int(r["frame_index"]) for r in result.rows] == [0, 11, 23, 35, 47, 59]
    assert all(p.suffix == ".jpg" for p in result.files)


def test_no_frames_in_range_is_a_parameter_error(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="no frames"):
        extract_frames(ntsc_clip.path, tmp_path, every_s=1, start_s=100)
    assert not any(tmp_path.iterdir())


def test_choose_exactly_one_way(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="exactly one"):
        extract_frames(ntsc_clip.path, tmp_path, every_s=1, fps=2)
    with pytest.raises(ParameterError, match="end"):
        extract_frames(ntsc_clip.path, tmp_path, every_s=1, start_s=2, end_s=1)


def test_output_that_is_a_file(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        extract_keyframes(ntsc_clip.path, target)
    assert target.read_text() == "x"


def test_two_videos_share_a_folder(ntsc_clip: ClipSpec, avi_clip: ClipSpec, tmp_path: Path) -> None:
    extract_keyframes(ntsc_clip.path, tmp_path)
    extract_keyframes(avi_clip.path, tmp_path)
    extract_keyframes(ntsc_clip.path, tmp_path)
    sources = [r["source"] for r in read_frame_table(tmp_path)]
    assert sources.count("ntsc bframes.mp4") == 6
    assert sources.count("bframes.avi") == 6


def test_default_folder_is_stem_keyframes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_clip(tmp_path / "clip.mp4", frames=13, gop=6)
    monkeypatch.chdir(tmp_path)
    result = extract_keyframes(spec.path)
    assert result.out_dir == tmp_path / "clip_keyframes"
    assert len(list(result.out_dir.glob("clip_*.tiff"))) == 3


def test_corrupted_stream_skips_bad_frames_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = make_clip(tmp_path / "clip.mp4", frames=61, gop=12)
    data = bytearray(spec.path.read_bytes())
    # Overwrite the middle of the media data with noise: some frames no longer decode.
    rng = __import__("random").Random(3)
    for i in range(len(data) * 45 // 100, len(data) * 55 // 100):
        data[i] = rng.randrange(256)
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(bytes(data))
    result = extract_frames(bad, tmp_path / "out", all_frames=True, fmt="png")
    assert 0 < len(result.rows) <= 61
    for path in result.files:
        assert read_image(path).shape == (96, 160, 3)


def test_a_rerun_redoes_cut_and_empty_images(ntsc_clip: ClipSpec, tmp_path: Path) -> None:
    """frames.csv lists them, but a 0-byte or truncated image is not complete: redone."""
    result = extract_keyframes(ntsc_clip.path, tmp_path)
    first, second = result.files[0], result.files[1]
    good = first.read_bytes()
    first.write_bytes(b"")
    second.write_bytes(second.read_bytes()[:100])
    again = extract_keyframes(ntsc_clip.path, tmp_path)
    assert sorted(again.written) == sorted([first, second])
    assert first.read_bytes() == good
    assert len(again.skipped) == len(result.files) - 2


def _code_objects(code: types.CodeType) -> set[types.CodeType]:
    """A function's code and that of the functions defined in it."""
    found = {code}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _code_objects(const)
    return found


def test_a_ctrl_c_between_any_two_statements_keeps_frames_csv_exact(tmp_path: Path) -> None:
    """Ctrl-C raises KeyboardInterrupt on the main thread between any two of its statements,
    wherever that is. Raised at each line of the extraction loop in turn (the writer threads
    run on), frames.csv must list exactly the images on disk, each one complete, so that a
    re-run resumes from it."""
    import sys

    from vfx.jobs import stills as extraction

    clip = make_clip(tmp_path / "k.mp4", frames=24, gop=4)  # 6 keyframes
    targets = _code_objects(extraction.write_frames.__code__)
    lines_run = 0
    raise_at: int | None = None

    def local(frame: types.FrameType, event: str, arg: object) -> object:
        nonlocal lines_run, raise_at
        if event == "line" and raise_at is not None:
            lines_run += 1
            if lines_run == raise_at:
                raise_at = None  # once: the handler's own clean-up runs untraced
                raise KeyboardInterrupt
        return local

    def calls(frame: types.FrameType, event: str, arg: object) -> object:
        return local if frame.f_code in targets and frame.f_code.co_name != "finish" else None

    def run(out: Path, at: int | None) -> bool:
        nonlocal lines_run, raise_at
        lines_run, raise_at = 0, at
        sys.settrace(calls)
        try:
            extract_keyframes(clip.path, out, threads=2)
        except KeyboardInterrupt:
            return True
        finally:
            sys.settrace(None)
        return False

    assert not run(tmp_path / "counted", 10**9)  # counts the lines of an uninterrupted run
    total = lines_run
    assert total > 50
    for at in range(1, total + 1):
        out = tmp_path / f"at{at}"
        assert run(out, at), at
        images = sorted(p.name for p in out.glob("*.tiff")) if out.is_dir() else []
        listed = [r["file"] for r in read_frame_table(out)] if images else []
        assert listed == images, f"interrupted at line {at} of {total}"
        for name in images:  # each listed image is whole, the frame its name says
            assert read_barcode(read_image(out / name)) == int(name[-11:-5])


def test_sharpest_takes_the_sharp_neighbour_of_a_blurred_frame(tmp_path: Path) -> None:
    """Every other frame of a textured clip is a blurred copy (as shake makes it): sampling
    every 0.5 s lands on blurred frames, --sharpest 0.15 on their sharp neighbours, each
    tagged with its own time and never one frame twice."""
    import cv2
    import numpy as np

    from clips import write_lossless

    rng = np.random.default_rng(2)
    texture = rng.integers(0, 256, (120, 400, 3), dtype=np.uint8)
    frames = []
    for i in range(40):
        image = np.ascontiguousarray(np.roll(texture, 4 * i, axis=1)[:, :160])
        frames.append(cv2.GaussianBlur(image, (0, 0), 3) if i % 2 == 0 else image)
    clip = write_lossless(tmp_path / "shaky.mp4", frames, fps=10)
    plain = extract_frames(clip, tmp_path / "plain", every_s=0.5)
    sharp = extract_frames(clip, tmp_path / "sharp", every_s=0.5, sharpest_s=0.15)
    planned = [int(r["frame_index"]) for r in read_frame_table(tmp_path / "plain")]
    assert planned == [0, 5, 10, 15, 20, 25, 30, 35] and len(plain.files) == 8
    rows = read_frame_table(tmp_path / "sharp")
    written = [int(r["frame_index"]) for r in rows]
    assert all(i % 2 == 1 for i in written) and len(set(written)) == len(written) == 8
    for row in rows:
        offset = float(row["offset_s"])
        assert abs(offset) <= 0.15 + 1e-9
        assert float(row["time_s"]) == pytest.approx(float(row["planned_time_s"]) + offset)
        assert float(row["time_s"]) == pytest.approx(int(row["frame_index"]) / 10)
    assert np.array_equal(read_image(sharp.files[1]), frames[written[1]])
    with pytest.raises(ParameterError, match="sharpest_s"):
        extract_frames(clip, tmp_path / "x", every_s=0.5, sharpest_s=-1)


def test_keyframes_sharpest_takes_a_sharp_neighbour(tmp_path: Path) -> None:
    """Keyframes every 10 frames, each one a blurred frame: with --sharpest 0.15 the
    written frames are their sharp neighbours, one per keyframe."""
    import cv2
    import numpy as np

    from clips import write_lossless

    rng = np.random.default_rng(3)
    texture = rng.integers(0, 256, (96, 300, 3), dtype=np.uint8)
    frames = []
    for i in range(40):
        image = np.ascontiguousarray(np.roll(texture, 3 * i, axis=1)[:, :128])
        frames.append(cv2.GaussianBlur(image, (0, 0), 3) if i % 2 == 0 else image)
    clip = write_lossless(tmp_path / "gop.mp4", frames, fps=10, gop=10)
    extract_keyframes(clip, tmp_path / "keys")
    keys = [int(r["frame_index"]) for r in read_frame_table(tmp_path / "keys")]
    assert keys == [0, 10, 20, 30]
    extract_keyframes(clip, tmp_path / "sharp", sharpest_s=0.15)
    rows = read_frame_table(tmp_path / "sharp")
    written = [int(r["frame_index"]) for r in rows]
    assert len(written) == 4 and all(i % 2 == 1 for i in written)
    assert [abs(w - k) for w, k in zip(written, keys, strict=True)] == [1, 1, 1, 1]
    assert [float(r["planned_time_s"]) for r in rows] == [0.0, 1.0, 2.0, 3.0]
