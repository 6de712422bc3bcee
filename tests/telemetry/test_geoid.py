"""Heights above mean sea level by the EGM96 geoid (``egm96_15.gtx``, Debian's proj-data)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from conftest import exif, media
from vfx.io.table import read_frame_table
from vfx.jobs.stills import extract_keyframes
from vfx.telemetry.geoid import find_geoid

needs_grid = pytest.mark.skipif(find_geoid() is None, reason="no egm96_15.gtx (proj-data)")


@needs_grid
@pytest.mark.parametrize(
    ("lat", "lon", "published"),
    [
        # MathWorks, Aerospace Toolbox, geoidegm96 (EGM96 from its 15-minute grid), examples:
        # https://www.mathworks.com/help/aerotbx/ug/geoidegm96.html
        (42.4, 71.0, -36.59),
        (39.3, -77.2, -33.01),
        (33.4, 36.5, 25.55),
        # MathWorks, Mapping Toolbox, egm96geoid, example (Mount Everest):
        # https://www.mathworks.com/help/map/ref/egm96geoid.html
        (27.988056, 86.925278, -28.7444),
    ],
)
def test_undulations_are_egm96s(lat: float, lon: float, published: float) -> None:
    # PROJ interpolates the grid bilinearly; MathWorks' interpolation differs by up to 0.15 m
    assert find_geoid().undulation(lat, lon)[0] == pytest.approx(published, abs=0.2)


@needs_grid
def test_heights_above_sea_level_and_no_position() -> None:
    geoid = find_geoid()
    # on the Californian coast the geoid lies about 35 m below the ellipsoid
    assert geoid.above_sea_level(33.1268, -117.3274, -19.5)[0] == pytest.approx(15.18, abs=0.05)
    assert np.isnan(geoid.undulation(np.nan, 10.0)[0])


@needs_grid
@pytest.mark.media
def test_gopro_altitude_is_above_sea_level(tmp_path: Path) -> None:
    """GPS5 heights are ellipsoidal: GPSAltitude is that height minus the undulation at the
    frame's position, above sea level on the HERO7 clip's beach (not 19.5 m below it)."""
    result = extract_keyframes(media("gopro-hero7.mp4"), tmp_path, fmt="jpg")
    rows = read_frame_table(tmp_path)
    geoid = find_geoid()
    checked = 0
    for row, file in zip(rows, result.files, strict=True):
        if not row["alt"]:
            continue
        lat, lon, h = float(row["lat"]), float(row["lon"]), float(row["alt_ellipsoid"])
        assert row["alt_datum"] == "EGM96" and h < 0
        tags = exif(file)
        written = float(tags["GPS:GPSAltitude"])
        assert tags["GPS:GPSAltitudeRef"] == 0  # above sea level
        assert written == pytest.approx(h - geoid.undulation(lat, lon)[0], abs=0.1)
        assert tags["XMP-vfx:AltitudeDatum"] == "EGM96"
        checked += 1
    assert checked >= 30


@pytest.mark.media
def test_without_the_grid_heights_stay_ellipsoidal_and_it_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("VFX_GEOID_GRID", str(tmp_path / "missing.gtx"))
    with caplog.at_level(logging.WARNING, logger="vfx"):
        extract_keyframes(media("gopro-hero7.mp4"), tmp_path / "kf")
    said = [r.getMessage() for r in caplog.records if "geoid" in r.getMessage()]
    assert len(said) == 1 and "proj-data" in said[0]
    row = read_frame_table(tmp_path / "kf")[0]
    assert row["alt_datum"] == "ellipsoid" and row["alt_ellipsoid"] == ""
    assert float(row["alt"]) < 0
