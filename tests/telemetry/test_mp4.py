"""The box walker's sample tables on built files and real clips."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from conftest import media
from mp4build import add_track
from vfx.errors import TelemetryError
from vfx.io.mp4 import Mp4File, list_tracks


def _samples(path: Path, entry: str) -> list:
    with Mp4File(path) as mp4:
        track = next(t for t in mp4.tracks if t.sample_entry == entry)
        return [(s, data) for s, data in mp4.iter_sample_data(track)]


@pytest.mark.parametrize("co64", [False, True])
def test_sample_offsets_sizes_and_times(plain_clip: Path, tmp_path: Path, co64: bool) -> None:
    payloads = [b"a" * 5, b"bb" * 7, b"ccc"]
    out = add_track(
        plain_clip,
        tmp_path / "t.mp4",
        entry="test",
        samples=payloads,
        durations=[500, 500, 2000],
        co64=co64,
    )
    got = _samples(out, "test")
    assert [data for _, data in got] == payloads
    assert [s.time_s for s, _ in got] == [0.0, 0.5, 1.0]
    assert [s.duration_s for s, _ in got] == [0.5, 0.5, 2.0]


def test_edit_list_delays_the_track(plain_clip: Path, tmp_path: Path) -> None:
    # One edit of 2 s (in the movie timescale) playing the track's media from 0.25 s.
    with Mp4File(plain_clip) as mp4:
        movie_scale = mp4.header.timescale
    out = tmp_path / "e.mp4"
    add_track(
        plain_clip,
        out,
        entry="test",
        samples=[b"x"] * 2,
        durations=[1000, 1000],
        elst=(2 * movie_scale, 250),
    )
    with Mp4File(out) as mp4:
        track = next(t for t in mp4.tracks if t.sample_entry == "test")
        times = [s.time_s for s in mp4.samples(track)]
    # a non-empty first edit starting at media time 0.25 s shifts the track 0.25 s earlier
    assert times == pytest.approx([-0.25, 0.75])


def test_table_claiming_more_entries_than_it_holds_is_refused(
    plain_clip: Path, tmp_path: Path
) -> None:
    out = add_track(plain_clip, tmp_path / "bad.mp4", entry="test", samples=[b"x"], durations=[1])
    data = bytearray(out.read_bytes())
    at = data.rfind(b"stsz")
    struct.pack_into(">I", data, at + 4 + 8, 1_000_000)  # sample count
    out.write_bytes(bytes(data))
    with Mp4File(out) as mp4, pytest.raises(TelemetryError, match="stsz") as info:
        mp4.samples(next(t for t in mp4.tracks if t.sample_entry == "test"))
    assert str(out) in str(info.value)


def test_sample_past_end_of_file_is_refused(plain_clip: Path, tmp_path: Path) -> None:
    out = add_track(
        plain_clip, tmp_path / "cut.mp4", entry="test", samples=[b"x" * 100], durations=[1]
    )
    out.write_bytes(out.read_bytes()[:-50])
    with pytest.raises(TelemetryError), Mp4File(out) as mp4:
        mp4.samples(next(t for t in mp4.tracks if t.sample_entry == "test"))


def test_plain_file_is_recognised(plain_clip: Path, gps_clip: Path) -> None:
    with Mp4File(plain_clip) as mp4:
        assert mp4.looks_plain()
    with Mp4File(gps_clip) as mp4:
        assert not mp4.looks_plain()


@pytest.mark.media
def test_real_gopro_tables() -> None:
    path = media("gopro-hero7.mp4")
    with Mp4File(path) as mp4:
        gpmd = next(t for t in mp4.tracks if t.sample_entry == "gpmd")
        samples = mp4.samples(gpmd)
        assert mp4.header.timescale == 90000
    assert len(samples) == 11
    assert samples[1].time_s == pytest.approx(1.001)
    assert all(s.duration_s == pytest.approx(1.001) for s in samples)
    assert [t.sample_entry for t in list_tracks(path)] == ["avc1", "mp4a", "tmcd", "gpmd", "fdsc"]
