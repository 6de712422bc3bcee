"""The video reader: packet index, exact times, keyframe-only decoding, seeking, rotation."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from clips import ClipSpec, barcode, make_clip, read_barcode
from vfx.errors import VideoOpenError
from vfx.io.images import read_image
from vfx.io.video.reader import VideoReader, iter_frames, probe


def _keyframes(spec: ClipSpec) -> list:
    with VideoReader(spec.path) as reader:
        return list(reader.frames(keyframes=True))


@pytest.mark.parametrize("fixture", ["ntsc_clip", "avi_clip", "tenbit_clip", "vfr_clip"])
def test_keyframes_are_exactly_the_encoded_keyframes(fixture: str, request) -> None:
    spec: ClipSpec = request.getfixturevalue(fixture)
    frames = _keyframes(spec)
    assert [f.index for f in frames] == list(spec.keyframes)
    # The image under each index really is that frame (read from its bar code).
    assert [read_barcode(f.image) for f in frames] == list(spec.keyframes)
    assert all(f.key_frame and f.pict_type == "I" for f in frames)


def test_ntsc_times_are_exact_fractions(ntsc_clip: ClipSpec) -> None:
    frames = _keyframes(ntsc_clip)
    assert [f.time for f in frames] == [Fraction(1001, 24000) * k for k in ntsc_clip.keyframes]
    assert all(f.pts * f.time_base == f.time for f in frames)


def test_avi_with_bframes_times_are_not_shifted(avi_clip: ClipSpec) -> None:
    # libavformat guesses AVI pts one frame late when there are B-frames (ffmpeg's
    # -skip_frame nokey reports 0.04 s for the first frame); vfx reports the frame's slot.
    frames = _keyframes(avi_clip)
    assert [f.time for f in frames] == [Fraction(k, 25) for k in avi_clip.keyframes]
    assert frames[0].time == 0


def test_vfr_times_come_from_pts_not_index_over_fps(vfr_clip: ClipSpec) -> None:
    with VideoReader(vfr_clip.path) as reader:
        frames = list(reader.frames())
    expected_ms = [0]
    for i in range(1, 30):
        expected_ms.append(expected_ms[-1] + (33 if i % 3 else 71))
    assert [f.time for f in frames] == [Fraction(ms, 1000) for ms in expected_ms]


def test_ten_bit_source_gives_uint16_rgb(tenbit_clip: ClipSpec) -> None:
    frame = _keyframes(tenbit_clip)[0]
    assert frame.image.dtype == np.uint16
    assert frame.image.shape == (96, 160, 3)
    assert frame.image.flags["C_CONTIGUOUS"]
    # Full 16-bit range is used: white bars are near 65535, not near 1023.
    assert frame.image.max() > 60000


def test_rotation_is_applied(rotated_clip: ClipSpec) -> None:
    info = probe(rotated_clip.path)
    assert info.rotation == 90
    assert info.display_size == (96, 160)
    frame = _keyframes(rotated_clip)[0]
    assert frame.image.shape == (160, 96, 3)
    # Rotating the source 90 degrees counter-clockwise puts the red top-left marker bottom-left.
    expected = np.rot90(barcode(0), k=1)
    assert np.abs(frame.image.astype(int) - expected).mean() < 4


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_rotation_matches_ffmpeg_autorotate(rotated_clip: ClipSpec, tmp_path: Path) -> None:
    out = tmp_path / "ff.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(rotated_clip.path), "-frames:v", "1", str(out)],
        check=True,
    )
    frame = _keyframes(rotated_clip)[0]
    assert np.array_equal(read_image(out), frame.image)


def test_packet_index_counts_without_decoding(ntsc_clip: ClipSpec) -> None:
    info = probe(ntsc_clip.path)
    assert info.frame_count == 61
    assert info.keyframe_count == 6
    assert info.fps == Fraction(24000, 1001)
    assert info.mean_keyframe_interval_s == pytest.approx(12 * 1001 / 24000)
    assert info.codec == "h264"
    assert info.bit_depth == 8


@pytest.mark.parametrize("fixture", ["ntsc_clip", "avi_clip", "avi_h264_clip"])
def test_ranks_seek_and_return_exactly_the_wanted_frames(fixture: str, request) -> None:
    spec: ClipSpec = request.getfixturevalue(fixture)
    wanted = [3, 5, 11, 12, 30, 31, 55, 60]
    frames = list(iter_frames(spec.path, ranks=wanted))
    assert [f.index for f in frames] == wanted
    assert [read_barcode(f.image) for f in frames] == wanted


@pytest.mark.parametrize("fixture", ["avi_clip", "avi_h264_clip"])
def test_all_frames_in_display_order(fixture: str, request) -> None:
    frames = list(iter_frames(request.getfixturevalue(fixture).path))
    assert [f.index for f in frames] == list(range(61))
    assert [read_barcode(f.image) for f in frames] == list(range(61))
    assert [f.time for f in frames] == [Fraction(i, 25) for i in range(61)]


def test_keyframes_restricted_to_ranks(ntsc_clip: ClipSpec) -> None:
    frames = list(iter_frames(ntsc_clip.path, keyframes=True, ranks=[12, 13, 48]))
    assert [f.index for f in frames] == [12, 48]


def test_max_pixels_refuses_large_frames(ntsc_clip: ClipSpec) -> None:
    with pytest.raises(VideoOpenError, match="exceeds the limit"):
        VideoReader(ntsc_clip.path, max_pixels=1000)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"hello, not a video\n" * 10, "not a readable video")],
)
def test_bad_files_raise_video_open_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoOpenError, match=message) as err:
        probe(path)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoOpenError, match="no such file"):
        probe(tmp_path / "nope.mp4")


def test_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    import av

    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=48000)
        samples = np.zeros((1, 1024), np.float32)
        for _ in range(10):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 48000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoOpenError, match="no video stream"):
        probe(path)


def test_input_is_opened_read_only(ntsc_clip: ClipSpec) -> None:
    before = ntsc_clip.path.read_bytes()
    list(iter_frames(ntsc_clip.path, keyframes=True))
    probe(ntsc_clip.path)
    assert ntsc_clip.path.read_bytes() == before


def test_tiny_clip_one_frame(tmp_path: Path) -> None:
    spec = make_clip(tmp_path / "one.mp4", frames=1, gop=1)
    frames = list(iter_frames(spec.path))
    assert [f.index for f in frames] == [0]


def test_one_reader_serves_info_keyframes_and_ranks(ntsc_clip: ClipSpec) -> None:
    with VideoReader(ntsc_clip.path) as reader:
        assert reader.info().keyframe_count == 6
        assert [f.index for f in reader.frames(keyframes=True)] == list(ntsc_clip.keyframes)
        assert [f.index for f in reader.frames(ranks=[3, 40])] == [3, 40]
        assert [f.index for f in reader.frames(keyframes=True, ranks=[12])] == [12]


def _ffmpeg_grey(path: Path, out: Path) -> np.ndarray:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-pix_fmt", "gray", str(out)],
        check=True,
    )
    return read_image(out)


def _ten_bit_luma_by_hand(path: Path) -> np.ndarray:
    """The first frame's 10-bit video-range luma (64-940) scaled to full 16-bit range."""
    import av

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        plane = frame.planes[0]
        y = np.frombuffer(plane, np.uint16).reshape(-1, plane.line_size // 2)
        y = y[: frame.height, : frame.width].astype(np.float64)
    return np.clip(np.floor((y - 64) * 65535 / 876 + 0.5), 0, 65535).astype(np.uint16)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
@pytest.mark.parametrize("fixture", ["ntsc_clip", "rotated_clip", "tenbit_clip", "avi_clip"])
def test_grey_frames_are_the_full_range_luma(fixture: str, request, tmp_path: Path) -> None:
    spec: ClipSpec = request.getfixturevalue(fixture)
    deep = fixture == "tenbit_clip"
    # 8 bits: exactly ffmpeg's own grey (with its autorotation). 10 bits: the luma scaled by
    # hand (ffmpeg's command line dithers its 16-bit grey, a few levels off the exact value).
    expected = (
        _ten_bit_luma_by_hand(spec.path) if deep else _ffmpeg_grey(spec.path, tmp_path / "g.png")
    )
    with VideoReader(spec.path) as reader:
        grey = next(reader.frames(keyframes=True, pixels="grey"))
        both = next(reader.frames(keyframes=True, pixels="both"))
        rgb = next(reader.frames(keyframes=True))
    assert grey.image.shape == rgb.image.shape[:2] and grey.image.flags["C_CONTIGUOUS"]
    assert grey.image.dtype == (np.uint16 if deep else np.uint8)
    assert np.array_equal(grey.image, expected)
    assert both.grey is not None and np.array_equal(both.grey, grey.image)
    assert np.array_equal(both.image, rgb.image) and rgb.grey is None


def test_video_range_luma_scales_to_full_range_as_the_table_says() -> None:
    """The fast scaling of 8-bit luma gives the table's value for each of the 256 levels,
    also on a view with padded rows (a decoded plane)."""
    from vfx.io.video.reader import _VIDEO_TO_FULL_RANGE, _luma_to_full_range

    plane = np.zeros((16, 24), np.uint8)
    plane[:, :16] = np.arange(256, dtype=np.uint8).reshape(16, 16)
    scaled = _luma_to_full_range(plane[:, :16])
    assert scaled.dtype == np.uint8 and scaled.flags["C_CONTIGUOUS"]
    assert np.array_equal(scaled.ravel(), _VIDEO_TO_FULL_RANGE)
    assert scaled[1, 0] == 0 and scaled[14, 11] == 255  # 16 is black, 235 white


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_full_range_luma_is_kept(tmp_path: Path) -> None:
    spec = make_clip(tmp_path / "full.mp4", frames=3, gop=1, pix_fmt="yuvj420p")
    expected = _ffmpeg_grey(spec.path, tmp_path / "g.png")
    with VideoReader(spec.path) as reader:
        first, _, third = (f.image for f in reader.frames(pixels="grey"))
    assert np.array_equal(first, expected)
    # The backdrop (40) and frame 3's white bars keep their levels: no second range expansion.
    assert abs(int(np.median(first)) - 40) <= 1 and third.max() >= 253
    with VideoReader(spec.path) as reader, pytest.raises(ValueError, match="pixels"):
        next(reader.frames(pixels="gray"))


def test_opening_in_many_threads_leaves_ffmpeg_logging_as_it_was(ntsc_clip: ClipSpec) -> None:
    """Each open raises FFmpeg's process-wide log level to capture its error line; opens in
    parallel threads must not leave it raised (FFmpeg would then log every decoding error)."""
    import threading

    import av

    before = av.logging.get_level()

    def open_many() -> None:
        for _ in range(100):
            VideoReader(ntsc_clip.path).close()

    threads = [threading.Thread(target=open_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert av.logging.get_level() == before


def test_an_avi_index_counting_an_empty_entry_is_not_cut_short(
    avi_clip: ClipSpec, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """AVI muxers write empty index entries (dropped frames, B-frame delay) and may count
    them in the stream's frame total; the file is complete all the same."""
    import av

    from vfx.io.video.reader import probe

    def remux(dst: Path, *, keep: int, empty: bool) -> Path:
        with av.open(str(avi_clip.path)) as src, av.open(str(dst), "w") as out:
            stream = src.streams.video[0]
            target = out.add_stream_from_template(stream)
            packets = [p for p in src.demux(stream) if p.size][:keep]
            for p in packets:
                p.stream = target
                out.mux(p)
            if empty:
                last = av.Packet(0)
                last.stream = target
                last.pts, last.dts = packets[-1].pts + 1, packets[-1].dts + 1
                last.time_base = packets[-1].time_base
                out.mux(last)
        return dst

    extra = remux(tmp_path / "extra.avi", keep=avi_clip.frames, empty=True)
    assert probe(extra).frame_count == avi_clip.frames
    assert not any("cut short" in r.getMessage() for r in caplog.records)
    with av.open(str(extra)) as c:
        assert c.streams.video[0].frames == avi_clip.frames + 1  # the index counts it


@pytest.mark.tools
def test_a_clip_cut_with_an_edit_list_matches_ffmpeg_picture_by_picture(
    tmp_path: Path,
) -> None:
    """``ffmpeg -ss 1.3 -i in.mp4 -c copy out.mp4`` keeps the GOP before the cut and an edit
    list that hides it: the hidden pictures are no frames (count, times and pictures as ffmpeg
    shows them), and no "cut short" warning."""
    import shutil
    import subprocess

    from clips import make_clip, read_barcode
    from vfx.io.images import read_image
    from vfx.io.video.reader import probe
    from vfx.jobs.stills import extract_frames

    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg is not installed")
    src = make_clip(tmp_path / "src.mp4", frames=75, gop=12).path
    cut = tmp_path / "cut.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "1.3", "-i", str(src), "-c", "copy", str(cut)], check=True
    )
    shown = tmp_path / "ffmpeg"
    shown.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(cut),
            "-fps_mode",
            "passthrough",
            str(shown / "%04d.png"),
        ],
        check=True,
    )
    times = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=best_effort_timestamp_time",
            "-of",
            "csv=p=0",
            str(cut),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = [read_barcode(read_image(p)) for p in sorted(shown.glob("*.png"))]
    assert probe(cut).frame_count == len(expected) == len(times)
    result = extract_frames(cut, tmp_path / "vfx", all_frames=True, fmt="png")
    assert [read_barcode(read_image(p)) for p in result.files] == expected
    assert [float(r["time_s"]) for r in result.rows] == pytest.approx([float(t) for t in times])
    # what --every samples is what is on screen then: t = 0 is the first picture shown
    first = extract_frames(cut, tmp_path / "at0", at_s=[0.0], fmt="png")
    assert read_barcode(read_image(first.files[0])) == expected[0]


def test_frames_sharing_a_timestamp_each_keep_their_rank(tmp_path: Path) -> None:
    """A keyframe stamped with the previous frame's timestamp (as some muxers write after a
    cut) is neither lost nor reported as undecodable: every frame comes out once, in order."""
    from clips import make_clip, read_barcode
    from vfx.io.video.reader import VideoReader

    pts = [0, 1, 2, 3, 3, *range(4, 19)]
    spec = make_clip(
        tmp_path / "dup.mkv", frames=20, gop=4, bframes=0, pts=pts, time_base=Fraction(1, 10)
    )
    with VideoReader(spec.path) as reader:
        assert reader.index.frame_count == 20
        everything = [(f.index, read_barcode(f.image)) for f in reader.frames()]
        keys = [(f.index, read_barcode(f.image)) for f in reader.frames(keyframes=True)]
        some = [(f.index, read_barcode(f.image)) for f in reader.frames(ranks=[3, 4, 5])]
    assert everything == [(i, i) for i in range(20)]
    assert keys == [(i, i) for i in (0, 4, 8, 12, 16)]
    assert some == [(3, 3), (4, 4), (5, 5)]


@pytest.mark.parametrize("codec", ["libx264", "libx265"])
def test_frames_by_rank_are_the_pixels_of_a_full_decode(codec: str, tmp_path: Path) -> None:
    """Ranks are decoded with unreferenced pictures skipped (skip_frame NONREF) and seeks
    to each GOP's keyframe: the frames given are bit for bit those of decoding every frame."""
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"{codec} encoder not in this PyAV")
    clip = make_clip(tmp_path / "b.mp4", frames=90, gop=30, bframes=3, codec=codec).path
    with VideoReader(clip) as reader:
        every = {f.index: f.image for f in reader.frames()}
        wanted = [0, 4, 7, 13, 29, 31, 45, 46, 60, 88]
        got = {f.index: f.image for f in reader.frames(ranks=wanted)}
    assert sorted(got) == wanted
    for rank in wanted:
        np.testing.assert_array_equal(got[rank], every[rank])
        assert read_barcode(got[rank]) == rank
