"""``vfx telemetry``, ``vfx geotag`` and the metadata options of ``keyframes``/``frames``."""

from __future__ import annotations

import json
from pathlib import Path

import gpxpy
import pytest
from typer.testing import CliRunner

from conftest import exif
from telemetry_clips import T0, gps_lat
from vfx.cli import app
from vfx.io.table import read_frame_table
from vfx.telemetry.geoid import find_geoid

runner = CliRunner()


def vfx(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("fmt", ["gpx", "geojson", "csv", "json"])
def test_telemetry_formats_by_suffix(gps_clip: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"track.{fmt}"
    result = vfx("telemetry", gps_clip, "-o", out)
    assert result.exit_code == 0, result.output
    assert "30 GPS points" in result.stdout
    text = out.read_text()
    if fmt == "gpx":
        points = gpxpy.parse(text).tracks[0].segments[0].points
        assert len(points) == 30
        assert points[1].time.timestamp() == pytest.approx(T0.timestamp() + 0.1)
        assert points[5].latitude == pytest.approx(gps_lat(0.5))
    elif fmt == "geojson":
        doc = json.loads(text)
        assert doc["type"] == "FeatureCollection"
        line, *points = doc["features"]
        assert line["geometry"]["type"] == "LineString" and len(points) == 30
        # GPS5 heights are ellipsoidal: written above sea level (EGM96) beside the receiver's
        lon, lat, alt = points[0]["geometry"]["coordinates"]
        assert (lon, lat) == (7.0, 45.0)
        props = points[0]["properties"]
        geoid = find_geoid()
        if geoid is not None:
            assert alt == pytest.approx(100.0 - geoid.undulation(45.0, 7.0)[0], abs=0.001)
            assert props["alt_datum"] == "EGM96" and props["alt_ellipsoid"] == 100.0
        else:
            assert alt == 100.0 and props["alt_datum"] == "ellipsoid"
        assert points[3]["properties"]["datetime_utc"] == "2024-05-01T10:00:00.300Z"
    elif fmt == "csv":
        import csv

        rows = list(csv.DictReader(text.splitlines()))
        assert len(rows) == 30 and rows[0]["kind"] == "gps" and rows[0]["fix"] == "3"
    else:
        doc = json.loads(text)
        assert doc["sources"] == ["gpmf"] and len(doc["gps"]) == 30
        assert doc["clock"]["utc_at_video_start"] == "2024-05-01T10:00:00.000Z"


def test_telemetry_format_option_and_orientation(camm_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "camm.txt"
    result = vfx("telemetry", camm_clip, "-o", out, "--format", "csv", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["orientation_samples"] == 61
    kinds = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert kinds.count("orientation") == 61 and kinds.count("gps") == 61


def test_telemetry_without_gps_is_one_line_error(plain_clip: Path, tmp_path: Path) -> None:
    result = vfx("telemetry", plain_clip, "-o", tmp_path / "x.gpx")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and str(plain_clip) in result.stderr
    assert not (tmp_path / "x.gpx").exists()


def test_keyframes_metadata_options(plain_clip: Path, tmp_path: Path) -> None:
    result = vfx(
        "frames",
        plain_clip,
        "--at",
        "1",
        "-o",
        tmp_path,
        "--time-source",
        "manual",
        "--start-time",
        "2024-06-01T10:00:00Z",
        "--offset",
        "0.25",
    )
    assert result.exit_code == 0, result.output
    assert read_frame_table(tmp_path)[0]["datetime_utc"] == "2024-06-01T10:00:01.250Z"


def test_keyframes_bad_start_time_and_missing_gpx(plain_clip: Path, tmp_path: Path) -> None:
    result = vfx("keyframes", plain_clip, "-o", tmp_path, "--start-time", "soon")
    assert result.exit_code == 1 and "ISO 8601" in result.stderr
    result = vfx("keyframes", plain_clip, "-o", tmp_path, "--gpx", tmp_path / "none.gpx")
    assert result.exit_code == 1 and "none.gpx" in result.stderr
    assert not list(tmp_path.glob("*.tiff"))


def test_geotag_folder_from_gpx(gps_clip: Path, plain_clip: Path, tmp_path: Path) -> None:
    gpx = tmp_path / "t.gpx"
    assert vfx("telemetry", gps_clip, "-o", gpx).exit_code == 0
    frames = tmp_path / "frames"
    # frames of a clip without GPS, timed onto the track's clock by hand
    r = vfx(
        "frames",
        plain_clip,
        "--every",
        "0.5",
        "-o",
        frames,
        "-f",
        "jpg",
        "--time-source",
        "manual",
        "--start-time",
        "2024-05-01T10:00:00Z",
    )
    assert r.exit_code == 0, r.output
    before = {p.name: p.read_bytes() for p in frames.glob("*.jpg")}
    out = tmp_path / "tagged"
    result = vfx("geotag", frames, "--gpx", gpx, "-o", out, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["tagged"]) == 5 and report["no_position"] == []
    assert {p.name: p.read_bytes() for p in frames.glob("*.jpg")} == before  # copies only
    for row in read_frame_table(out):
        tags = exif(out / row["file"])
        assert tags["Composite:GPSLatitude"] == pytest.approx(
            gps_lat(float(row["time_s"])), abs=1e-7
        )


def test_geotag_in_place_with_gap(plain_clip: Path, tmp_path: Path) -> None:
    gpx = tmp_path / "t.gpx"
    gpx.write_text(
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="10" lon="20"><time>2024-05-01T10:00:00Z</time></trkpt>'
        '<trkpt lat="10.0001" lon="20"><time>2024-05-01T10:00:01Z</time></trkpt>'
        "</trkseg></trk></gpx>"
    )
    frames = tmp_path / "-frames"  # a leading dash must not reach exiftool as an option
    vfx(
        "frames",
        plain_clip,
        "--at",
        "0.5,2.4",
        "-o",
        frames,
        "-f",
        "png",
        "--start-time",
        "2024-05-01T10:00:00Z",
    )
    result = vfx("geotag", frames, "--gpx", gpx, "--max-gap", "1")
    assert result.exit_code == 0, result.output
    assert "1 images geotagged, 1 too far" in result.stdout
    tagged, untagged = sorted(frames.glob("*.png"))
    # the frame on screen at 0.5 s is frame 12, at 0.48 s
    assert exif(tagged)["Composite:GPSLatitude"] == pytest.approx(10.000048, abs=1e-7)
    assert "Composite:GPSLatitude" not in exif(untagged)


def test_a_track_without_a_usable_fix_is_not_exported(plain_clip: Path, tmp_path: Path) -> None:
    """Two fixes at 0,0 (a receiver still searching) are no GPS: one line, exit 1, no file."""
    from mp4build import add_track, gps5_payload

    clip = add_track(
        plain_clip,
        tmp_path / "nofix.mp4",
        entry="gpmd",
        samples=[gps5_payload([(0.0, 0.0, 0.0, 0.0, 0.0)] * 2, None)],
        durations=[1000],
    )
    out = tmp_path / "track.gpx"
    result = CliRunner().invoke(app, ["telemetry", str(clip), "-o", str(out)])
    assert result.exit_code == 1
    assert "no usable GPS point in the track of 2 (2 no fix)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def _ogr(*args: object) -> str:
    import shutil
    import subprocess

    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL (gdal-bin) is not installed")
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("suffix", ["kml", "kmz"])
def test_kml_is_read_by_gdal_with_the_track_and_timed_points(
    gps_clip: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"track.{suffix}"
    result = vfx("telemetry", gps_clip, "-o", out)
    assert result.exit_code == 0, result.output
    # GDAL reads KML with LIBKML by default, and with its own KML driver when LIBKML is skipped
    skips = (["LIBKML"], []) if suffix == "kml" else ([],)
    for skip in skips:
        config = ["--config", "GDAL_SKIP", "LIBKML"] if skip else []
        text = _ogr("ogrinfo", *config, "-al", out)
        assert f"using driver `{'KML' if skip else 'LIBKML'}' successful" in text
        assert text.count("LINESTRING") == 1 and text.count("POINT") == 30
    text = _ogr("ogrinfo", out, "points")  # LIBKML: each point with its time
    assert text.count("timestamp (DateTime) = 2024/05/01 10:00:0") == 30
    assert "timestamp (DateTime) = 2024/05/01 10:00:00.3" in text


def test_the_geojson_line_layer_becomes_a_shapefile(gps_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "track.geojson"
    assert vfx("telemetry", gps_clip, "-o", out).exit_code == 0
    shp = tmp_path / "line.shp"
    _ogr("ogr2ogr", "-f", "ESRI Shapefile", shp, out, "-where", "OGR_GEOMETRY='LINESTRING'")
    text = _ogr("ogrinfo", "-al", "-so", shp)
    assert "Line String" in text and "Feature Count: 1" in text


@pytest.mark.parametrize(
    ("name", "args", "said"),
    [("x.xyz", [], "does not write .xyz"), ("x.kml", ["-f", "gpx"], "--format says gpx")],
)
def test_an_output_name_of_another_format_is_refused(
    gps_clip: Path, tmp_path: Path, name: str, args: list[str], said: str
) -> None:
    result = vfx("telemetry", gps_clip, "-o", tmp_path / name, *args)
    assert result.exit_code == 1 and said in result.stderr
    assert result.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []
