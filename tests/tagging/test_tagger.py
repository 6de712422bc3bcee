"""The metadata stage end to end: every image carries when and where it was taken."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from clips import HEIGHT, WIDTH
from conftest import exif, media
from mp4build import add_to_video_trak, spherical_v1
from telemetry_clips import T0, gps_lat
from vfx.errors import MetadataError, ParameterError
from vfx.io.table import read_frame_table
from vfx.jobs.stills import extract_frames, extract_keyframes
from vfx.tagging.rows import parse_start_time
from vfx.tagging.settings import MetadataOptions
from vfx.telemetry.track import distance_m


def _utc(row: dict[str, str]) -> float:
    return datetime.fromisoformat(row["datetime_utc"].replace("Z", "+00:00")).timestamp()


def test_gps_clip_times_and_positions(gps_clip: Path, tmp_path: Path) -> None:
    result = extract_keyframes(gps_clip, tmp_path)
    rows = read_frame_table(tmp_path)
    assert [int(r["frame_index"]) for r in rows] == [0, 12, 24, 36, 48, 60]
    for row in rows:
        t = float(row["time_s"])
        # the stale first GPSU (30 s old) does not shift the clock
        assert _utc(row) == pytest.approx(T0.timestamp() + t, abs=1e-3)
        assert float(row["lat"]) == pytest.approx(gps_lat(t), abs=1e-7)
        assert float(row["heading"]) == pytest.approx(0.0, abs=0.5)
        assert float(row["speed"]) == pytest.approx(11.1)
    assert result.metadata is not None and result.metadata.time_source == "gps"
    tags = exif(result.files[2])
    assert tags["ExifIFD:DateTimeOriginal"] == "2024:05:01 10:00:00"
    assert str(tags["ExifIFD:SubSecTimeOriginal"]) == "960"
    assert tags["Composite:GPSLatitude"] == pytest.approx(gps_lat(0.96), abs=1e-7)
    assert tags["XMP-vfx:SourceVideo"] == "gps.mp4" and tags["XMP-vfx:FrameIndex"] == 24
    assert "XMP-GPano:ProjectionType" not in tags  # ordinary video: no GPano


def test_manual_start_time_and_offset(plain_clip: Path, tmp_path: Path) -> None:
    start = parse_start_time("2024-06-01T12:00:00+02:00")
    opts = MetadataOptions(time_source="manual", start_time=start, offset_s=1.5)
    extract_frames(plain_clip, tmp_path, at_s=[1.0], metadata=opts)
    (row,) = read_frame_table(tmp_path)
    assert row["datetime_utc"] == "2024-06-01T10:00:02.500Z"


def test_gpx_track_by_utc_and_max_gap(
    plain_clip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gpx = tmp_path / "track.gpx"
    points = "".join(
        f'<trkpt lat="{50 + i * 0.5e-4}" lon="8"><time>2024-06-01T10:00:0{i / 2}Z</time></trkpt>'
        for i in range(3)
    )
    gpx.write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        + points
        + "</trkseg></trk></gpx>"
    )
    opts = MetadataOptions(
        time_source="manual",
        start_time=parse_start_time("2024-06-01T10:00:00Z"),
        gpx=gpx,
        max_gap_s=0.5,
    )
    out = tmp_path / "out"
    extract_frames(plain_clip, out, at_s=[0.5, 2.0], metadata=opts)
    first, late = read_frame_table(out)
    assert float(first["lat"]) == pytest.approx(50 + 0.5e-4)
    assert late["lat"] == "" and late["gps_flag"] == "after_track"
    assert any("got no position" in r.getMessage() for r in caplog.records)
    assert "GPS:GPSLatitude" not in exif(out / late["file"])


def test_gpx_without_video_time_is_a_clear_error(plain_clip: Path, tmp_path: Path) -> None:
    gpx = tmp_path / "t.gpx"
    gpx.write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="1" lon="2"><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>'
    )
    with pytest.raises(MetadataError, match="--start-time"):
        extract_keyframes(plain_clip, tmp_path / "o", metadata=MetadataOptions(gpx=gpx))


def test_min_distance_flags_duplicates(gps_clip: Path, tmp_path: Path) -> None:
    # keyframes are 0.48 s apart at 11.1 m/s: 5.3 m; with a 10 m minimum every other is flagged
    extract_keyframes(gps_clip, tmp_path, metadata=MetadataOptions(min_distance_m=10))
    flags = [r["gps_flag"] for r in read_frame_table(tmp_path)]
    assert flags == ["", "duplicate", "", "duplicate", "", "duplicate"]
    assert len(list(tmp_path.glob("*.tiff"))) == 6  # flagged, never dropped


def test_no_metadata_writes_no_tags(gps_clip: Path, tmp_path: Path) -> None:
    result = extract_keyframes(gps_clip, tmp_path, metadata=MetadataOptions(enabled=False))
    tags = exif(result.files[0])
    assert not any(k.startswith(("GPS:", "XMP", "ExifIFD:")) for k in tags)
    assert "lat" not in read_frame_table(tmp_path)[0]


def test_camm_orientation_per_frame(camm_clip: Path, tmp_path: Path) -> None:
    extract_frames(camm_clip, tmp_path, all_frames=True, end_s=0.5)
    rows = read_frame_table(tmp_path)
    yaw = [float(r["yaw"]) for r in rows]
    # 0.01 rad about z per frame
    np.testing.assert_allclose(yaw, np.degrees(0.01 * np.arange(len(rows))), atol=1e-3)
    assert float(rows[5]["lon"]) == pytest.approx(7.0 + 5e-5, abs=1e-8)
    assert _utc(rows[0]) == pytest.approx(T0.timestamp(), abs=1e-3)


def test_360_video_gets_gpano(plain_clip: Path, tmp_path: Path) -> None:
    clip = add_to_video_trak(plain_clip, tmp_path / "pano.mp4", spherical_v1(WIDTH, HEIGHT))
    result = extract_frames(clip, tmp_path / "o", at_s=[0.0], fmt="jpg")
    tags = exif(result.files[0])
    assert tags["XMP-GPano:ProjectionType"] == "equirectangular"
    assert tags["XMP-GPano:FullPanoWidthPixels"] == WIDTH
    assert tags["XMP-GPano:CroppedAreaImageHeightPixels"] == HEIGHT


#: The XMP-GPano properties Google's Street View publish guidelines name for a 360 photo.
STREET_VIEW_GPANO = (
    "ProjectionType",
    "UsePanoramaViewer",
    "FullPanoWidthPixels",
    "FullPanoHeightPixels",
    "CroppedAreaImageWidthPixels",
    "CroppedAreaImageHeightPixels",
    "CroppedAreaLeftPixels",
    "CroppedAreaTopPixels",
    "PoseHeadingDegrees",
)


@pytest.mark.parametrize("angle", [0, 90])
def test_spherical_clip_gets_the_street_view_gpano_set(
    plain_clip: Path, tmp_path: Path, angle: int
) -> None:
    from telemetry_clips import make_gps_clip

    pano = add_to_video_trak(plain_clip, tmp_path / "pano.mp4", spherical_v1(WIDTH, HEIGHT))
    clip = make_gps_clip(pano, tmp_path)
    options = MetadataOptions(camera_angle_deg=angle)
    result = extract_frames(clip, tmp_path / "o", at_s=[1.0], fmt="jpg", metadata=options)
    tags = exif(result.files[0])
    assert all(f"XMP-GPano:{name}" in tags for name in STREET_VIEW_GPANO), tags
    assert tags["XMP-GPano:UsePanoramaViewer"] is True
    assert tags["XMP-GPano:FullPanoWidthPixels"] == WIDTH
    assert tags["XMP-GPano:FullPanoHeightPixels"] == HEIGHT
    # the clip moves due north: the pose heading is the camera direction
    assert tags["XMP-GPano:PoseHeadingDegrees"] % 360 == pytest.approx(angle, abs=0.01)
    assert "XMP-GPano:PosePitchDegrees" not in tags  # GPMF gives no world orientation
    import shutil
    import subprocess

    check = subprocess.run(
        [
            shutil.which("exiftool") or "exiftool",
            "-validate",
            "-warning",
            "-a",
            str(result.files[0]),
        ],
        capture_output=True,
        text=True,
    ).stdout
    assert "Warning" not in check, check


def test_dual_fisheye_is_reported_and_never_tagged_equirectangular(
    gps_clip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from vfx.io.video.containers import INSTA360_MAGIC
    from vfx.io.video.reader import probe

    # an Insta360 recording: its trailer ends the file, whatever the name
    trailer = bytes(32) + (72).to_bytes(4, "little") + (3).to_bytes(4, "little") + INSTA360_MAGIC
    clip = tmp_path / "VID_20240501_100000_00_001.mp4"
    clip.write_bytes(gps_clip.read_bytes() + trailer)
    insv = tmp_path / "VID.insv"
    insv.write_bytes(gps_clip.read_bytes())
    for path in (clip, insv):
        assert "stitch to equirectangular first" in (probe(path).layout or "")
        with caplog.at_level(logging.WARNING, logger="vfx"):
            result = extract_frames(path, tmp_path / path.stem, at_s=[1.0], fmt="jpg")
        tags = exif(result.files[0])
        assert not any(key.startswith("XMP-GPano") for key in tags)
        assert "GPS:GPSLatitude" in tags  # the rest of the metadata is still written
        assert "stitch to equirectangular first" in caplog.text
        caplog.clear()


def test_options_are_checked() -> None:
    with pytest.raises(ParameterError, match="start-time"):
        MetadataOptions(time_source="manual")
    with pytest.raises(ParameterError, match="time source"):
        MetadataOptions(time_source="sundial")
    with pytest.raises(ParameterError, match="ISO 8601"):
        parse_start_time("yesterday")


def test_gps_time_source_without_gps_is_an_error(plain_clip: Path, tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="no GPS time"):
        extract_keyframes(plain_clip, tmp_path, metadata=MetadataOptions(time_source="gps"))


# -- the real GoPro clip ---------------------------------------------------------------------
def _exiftool_points(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-point times, latitudes and longitudes as exiftool -ee reports them, each point
    placed by spreading a sample's points over its duration (independent of vfx's parser)."""
    from vfx.io.exiftool import read_embedded_docs

    _, docs = read_embedded_docs(path)
    times, lats, lons = [], [], []
    for tags in docs.values():
        d: dict[str, list[str]] = {}
        for k, v in tags:
            d.setdefault(k, []).append(v)
        if "GPSLatitude" not in d:
            continue
        start, dur = float(d["SampleTime"][0]), float(d["SampleDuration"][0])
        n = len(d["GPSLatitude"])
        times += [start + i * dur / n for i in range(n)]
        lats += [float(v) for v in d["GPSLatitude"]]
        lons += [float(v) for v in d["GPSLongitude"]]
    return np.array(times), np.array(lats), np.array(lons)


@pytest.mark.media
@pytest.mark.tools
def test_gopro_keyframes_carry_gps_time_and_position(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = media("gopro-hero7.mp4")
    caplog.set_level(logging.WARNING, logger="vfx")
    result = extract_keyframes(path, tmp_path)
    assert any("disagrees with GPS time" in r.getMessage() for r in caplog.records)
    rows = read_frame_table(tmp_path)
    assert len(rows) == 36
    times, lats, lons = _exiftool_points(path)
    gps_start = datetime(2019, 5, 6, 18, 15, 7, tzinfo=UTC).timestamp()
    previous = -1.0
    for row, file in zip(rows, result.files, strict=True):
        tags = exif(file)
        t = float(row["time_s"])
        when = datetime.fromisoformat(
            str(tags["Composite:SubSecDateTimeOriginal"]).replace(":", "-", 2).replace(" ", "T")
        ).timestamp()
        # UTC from the GPS time base (not the camera's local CreateDate, 7 h earlier)
        assert when == pytest.approx(gps_start + t, abs=1.0)
        assert when > previous
        previous = when
        interval = float(np.median(np.diff(times)))
        if t > times[-1] + interval:
            # After the last fix (the GPS stops before the video does): no position held.
            assert "Composite:GPSLatitude" not in tags and row["gps_flag"] == "after_track"
            continue
        lat, lon = float(tags["Composite:GPSLatitude"]), float(tags["Composite:GPSLongitude"])
        inside = t <= times[-1]
        ref_lat = np.interp(t, times, lats) if inside else lats[-1]
        ref_lon = np.interp(t, times, lons) if inside else lons[-1]
        assert float(distance_m(lat, lon, ref_lat, ref_lon)) < 1.0
        assert tags["IFD0:Make"] == "GoPro" and tags["IFD0:Model"] == "HERO7 Black"


@pytest.mark.media
def test_real_camm_frames_carry_orientation(tmp_path: Path) -> None:
    extract_keyframes(media("camm-orientation.mp4"), tmp_path)
    rows = read_frame_table(tmp_path)
    assert len(rows) == 5 and all(r["yaw"] and r["pitch"] and r["roll"] for r in rows)


def test_masks_carry_the_frames_time_and_place(gps_clip: Path, tmp_path: Path) -> None:
    from vfx.jobs.masks import make_masks

    frames = tmp_path / "frames"
    extract_keyframes(gps_clip, frames)
    from_folder = make_masks(frames, tmp_path / "a", background="first")
    from_video = make_masks(gps_clip, tmp_path / "b", background="first")
    for result in (from_folder, from_video):
        clean = next(p for p in result.cleans if p.name.endswith("000024_clean.png"))
        tags = exif(clean)
        assert str(tags["ExifIFD:SubSecTimeOriginal"]) == "960"
        assert tags["Composite:GPSLatitude"] == pytest.approx(gps_lat(0.96), abs=1e-7)
        assert tags["XMP-vfx:SourceVideo"] == "gps.mp4"


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_composites_carry_the_span_of_their_exposures(
    gps_clip: Path, tmp_path: Path, fmt: str
) -> None:
    from vfx.jobs.background import make_background
    from vfx.jobs.composite import make_composite

    frames = tmp_path / "frames"
    extract_keyframes(gps_clip, frames)  # keyframes at 0, 0.48, ..., 2.40 s
    made = [
        make_composite(gps_clip, tmp_path / f"video.{fmt}"),
        make_composite(frames, tmp_path / f"folder.{fmt}", mode="mean"),
        make_background(gps_clip, tmp_path / f"bg.{fmt}", method="darken"),
    ]
    for result in made:
        tags = exif(result.path)
        # Made from 6 frames: no single time or place in EXIF; the span is in XMP.
        assert "ExifIFD:DateTimeOriginal" not in tags
        assert not any(k.startswith(("GPS:", "Composite:GPS")) for k in tags), tags
        assert tags["XMP-vfx:FirstExposure"] == "2024:05:01 10:00:00.000Z"  # as exiftool shows it
        assert tags["XMP-vfx:LastExposure"] == "2024:05:01 10:00:02.400Z"
        assert tags["XMP-vfx:ExposureCount"] == 6
        assert tags["XMP-vfx:LastFrameTime"] == pytest.approx(2.4)
        assert tags["XMP-vfx:SourceVideo"] == "gps.mp4"


def test_a_background_from_one_frame_has_one_exposure(gps_clip: Path, tmp_path: Path) -> None:
    from vfx.jobs.background import make_background

    result = make_background(gps_clip, tmp_path / "bg.png", method="first")
    tags = exif(result.path)
    assert result.frames == 1 and tags["XMP-vfx:ExposureCount"] == 1
    assert tags["XMP-vfx:FirstExposure"] == tags["XMP-vfx:LastExposure"]
    # One frame: that frame's time and place, as a mask of it has.
    assert tags["ExifIFD:DateTimeOriginal"] == "2024:05:01 10:00:00"
    assert tags["Composite:GPSLatitude"] == pytest.approx(gps_lat(0.0), abs=1e-7)


def test_contact_sheet_labels_and_tags(gps_clip: Path, tmp_path: Path) -> None:
    pytest.importorskip("wand.image")
    from vfx.io.sources import open_source
    from vfx.jobs.montage import _label, make_montage

    sheet = make_montage(gps_clip, tmp_path / "sheet.jpg", columns=3, tile_width=80)
    tags = exif(sheet.path)
    assert tags["XMP-vfx:ExposureCount"] == 6
    assert tags["XMP-vfx:LastExposure"] == "2024:05:01 10:00:02.400Z"
    assert "Composite:GPSLatitude" not in tags and "ExifIFD:DateTimeOriginal" not in tags
    # Each tile's label: name, video time, UTC time and position.
    frames = tmp_path / "frames"
    extract_keyframes(gps_clip, frames)
    still = list(open_source(frames))[2]
    from vfx.tagging.rows import tags_from_row

    label = _label(still, tags_from_row(still.row or {}, WIDTH, HEIGHT))
    assert label.splitlines() == [
        "gps_000024",
        "0.960 s",
        "2024-05-01 10:00:00 UTC",
        f"{gps_lat(0.96):.5f}, {float(still.row['lon']):.5f}",  # type: ignore[index]
    ]


@pytest.mark.tools
def test_make_and_model_from_quicktime_keys_and_the_command_line(
    plain_clip: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from mp4build import add_to_moov, quicktime_keys
    from vfx.cli import app
    from vfx.telemetry.read import read_telemetry

    phone = add_to_moov(
        plain_clip,
        tmp_path / "phone.mp4",
        quicktime_keys(
            {
                "com.android.version": "14",
                "com.android.manufacturer": "Google",
                "com.android.model": "Pixel 8",
            }
        ),
    )
    tel = read_telemetry(phone)
    assert (tel.make, tel.model) == ("Google", "Pixel 8")
    out = tmp_path / "kf"
    result = CliRunner().invoke(app, ["keyframes", str(phone), "-o", str(out)])
    assert result.exit_code == 0, result.output
    tags = exif(next(out.glob("*.tiff")))
    assert (tags["IFD0:Make"], tags["IFD0:Model"]) == ("Google", "Pixel 8")
    args = ["frames", str(phone), "--at", "1", "-o", str(tmp_path / "fr")]
    result = CliRunner().invoke(app, [*args, "--camera-make", "Sony", "--camera-model", "A7S III"])
    assert result.exit_code == 0, result.output
    tags = exif(next((tmp_path / "fr").glob("*.tiff")))
    assert (tags["IFD0:Make"], tags["IFD0:Model"]) == ("Sony", "A7S III")


@pytest.mark.tools
def test_motion_stills_carry_the_span_not_a_place(gps_clip: Path, tmp_path: Path) -> None:
    from vfx.jobs.motion import analyse_motion

    result = analyse_motion(gps_clip, tmp_path, outputs=("average", "motiongrams"))
    stills = [p for p in result.files.values() if p.suffix in (".png", ".tiff")]
    assert stills
    for path in stills:
        tags = exif(path)
        assert not any(k.startswith(("GPS:", "Composite:GPS")) for k in tags), path
        assert "ExifIFD:DateTimeOriginal" not in tags
        assert tags["XMP-vfx:FirstExposure"] == "2024:05:01 10:00:00.000Z"
        assert tags["XMP-vfx:LastExposure"] == "2024:05:01 10:00:02.400Z"
        assert tags["XMP-vfx:ExposureCount"] == 61


@pytest.mark.tools
def test_a_bad_reading_is_left_out_and_counted(
    plain_clip: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A receiver that reports a negative speed (GPS5 speeds are signed) must not stop the
    writer (rationals are unsigned): the speed is left out, counted, and the rest written."""
    from datetime import timedelta

    from mp4build import add_track, gps5_payload

    samples = [
        gps5_payload(
            [(gps_lat(k + i / 10), 7.0, 100.0, -2.5, 2.5) for i in range(10)],
            T0 + timedelta(seconds=k),
        )
        for k in range(3)
    ]
    clip = add_track(
        plain_clip, tmp_path / "neg.mp4", entry="gpmd", samples=samples, durations=[1000] * 3
    )
    out = tmp_path / "kf"
    extract_keyframes(clip, out)
    rows = read_frame_table(out)
    assert len(rows) == 6 and all(r["lat"] for r in rows)
    tags = exif(out / rows[1]["file"])
    assert "GPS:GPSSpeed" not in tags and tags["Composite:GPSLatitude"] == pytest.approx(
        gps_lat(0.48), abs=1e-7
    )
    assert tags["GPS:GPSMapDatum"] == "WGS-84" and tags["XMP-vfx:AltitudeDatum"] == "EGM96"
    assert rows[1]["alt_datum"] == "EGM96" and float(rows[1]["alt_ellipsoid"]) == 100.0
    assert any("left out of the tags: 6 speed" in r.getMessage() for r in caplog.records)
