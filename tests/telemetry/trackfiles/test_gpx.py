"""Reading GPX safely: bombs, non-XML, empty tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from vfx.errors import TelemetryError
from vfx.telemetry.trackfiles.gpx import read_gpx

GPX = """<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
<trk><trkseg>{points}</trkseg></trk></gpx>"""


def _point(lat: float, lon: float, time: str | None) -> str:
    t = f"<time>{time}</time>" if time else ""
    return f'<trkpt lat="{lat}" lon="{lon}"><ele>12.5</ele>{t}</trkpt>'


def test_points_with_times(tmp_path: Path) -> None:
    path = tmp_path / "t.gpx"
    points = _point(45.0, 7.0, "2024-05-01T10:00:00.500Z") + _point(
        45.1, 7.1, "2024-05-01T10:00:01Z"
    )
    path.write_text(GPX.format(points=points))
    track = read_gpx(path)
    assert track.lat.tolist() == [45.0, 45.1]
    assert track.utc_s[1] - track.utc_s[0] == pytest.approx(0.5)
    assert track.alt.tolist() == [12.5, 12.5]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("this is not xml at all", "not a readable GPX"),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<gpx>&lol2;</gpx>",
            "DOCTYPE",
        ),
        (GPX.format(points=""), "no timed track points"),
        (GPX.format(points=_point(45.0, 7.0, None)), "1 points without a time"),
    ],
)
def test_bad_gpx_is_one_clear_error(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.gpx"
    path.write_text(text)
    with pytest.raises(TelemetryError, match=reason) as info:
        read_gpx(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
