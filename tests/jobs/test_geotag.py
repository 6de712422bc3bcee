"""``vfx.jobs.geotag``: hostile file names, images exiftool cannot write, stopped and resumed runs.

The images are vfx's own JPEG and PNG frames of ``plain_clip`` placed on a hand-written GPX
track by ``--start-time``; exiftool (the real one) reads them back.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import exif
from crafted import SHORT_GPX, exiftool_option_name
from vfx.cli import app
from vfx.errors import MetadataError, OutputError, ParameterError
from vfx.io.table import read_frame_table
from vfx.jobs.geotag import geotag_folder

pytestmark = pytest.mark.tools
runner = CliRunner()


def vfx(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _frames(clip: Path, folder: Path, fmt: str = "jpg", at: str = "0.5,1.0,1.5") -> list[Path]:
    result = vfx(
        "frames", clip, "--at", at, "-o", folder, "-f", fmt, "--start-time", "2024-05-01T10:00:00Z"
    )
    assert result.exit_code == 0, result.output
    return sorted(folder.glob(f"*.{fmt}"))


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = Path("/tmp") / f"vfx-pwned-{uuid.uuid4().hex}"
    yield path
    path.unlink(missing_ok=True)


def test_the_marker_name_is_a_working_exploit(marker: Path) -> None:
    """The name really is Perl that creates the marker (so the tests below can fail)."""
    import subprocess

    code = exiftool_option_name(marker).split("\n")[2].removesuffix(" or 1")
    subprocess.run(["perl", "-e", code], check=True)
    assert marker.exists()


@pytest.mark.parametrize("copies", [True, False])
def test_a_name_with_line_breaks_runs_no_code_and_is_tagged(
    plain_clip: Path, tmp_path: Path, marker: Path, copies: bool
) -> None:
    folder = tmp_path / "g"
    first, *_ = _frames(plain_clip, folder)
    hostile = folder / exiftool_option_name(marker)
    first.rename(hostile)
    innocent = folder / "holiday\nphoto.jpg"
    _frames(plain_clip, tmp_path / "h", at="1.2")[0].rename(innocent)
    (tmp_path / "t.gpx").write_text(SHORT_GPX)
    args = ["-o", tmp_path / "out"] if copies else []
    result = vfx("geotag", folder, "--track", tmp_path / "t.gpx", *args)
    assert not marker.exists()  # no code ran
    assert result.exit_code == 0, result.output
    assert "4 images geotagged" in result.stdout
    where = tmp_path / "out" if copies else folder
    for name in (hostile.name, innocent.name):
        assert exif(where / name)["Composite:GPSLatitude"] == pytest.approx(10.0, abs=0.001)


def test_a_name_with_line_breaks_is_not_passed_to_the_shared_exiftool(tmp_path: Path) -> None:
    from vfx.io.exiftool import ExifTool

    with pytest.raises(ValueError, match="line break"):
        ExifTool().execute("-j", str(tmp_path / "a\n-if\n1\nb.jpg"))


def test_a_video_named_like_an_option_runs_no_code(
    plain_clip: Path, tmp_path: Path, marker: Path
) -> None:
    """``info`` and ``telemetry`` ask exiftool (``-ee``) about a video vfx reads no telemetry of."""
    import av

    video = tmp_path / exiftool_option_name(marker).replace(".jpg", ".mkv")
    with av.open(str(plain_clip)) as src, av.open(str(video), "w", format="matroska") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        for packet in src.demux(stream):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    assert vfx("info", video).exit_code == 0
    result = vfx("telemetry", video, "-o", tmp_path / "t.json")
    assert result.exit_code == 1 and "no telemetry" in result.stderr
    assert not marker.exists()


def test_an_image_exiftool_cannot_write_changes_nothing(plain_clip: Path, tmp_path: Path) -> None:
    folder = tmp_path / "g"
    images = _frames(plain_clip, folder, fmt="png")
    cut = images[1]
    cut.write_bytes(cut.read_bytes()[:-30])  # a truncated PNG: exiftool refuses to write it
    (tmp_path / "t.gpx").write_text(SHORT_GPX)
    before = _digests(folder)
    with pytest.raises(MetadataError) as err:
        geotag_folder(folder, tmp_path / "t.gpx")
    assert err.value.path == cut
    assert err.value.message == (
        "exiftool cannot tag it: Corrupted PNG image; Error writing output file"
    )
    assert _digests(folder) == before  # nothing changed, no temporary file left
    result = vfx("geotag", folder, "--track", tmp_path / "t.gpx")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert cut.name in result.stderr


def test_output_equal_to_input_and_read_only_folders_are_refused(
    plain_clip: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "g"
    _frames(plain_clip, folder)
    (tmp_path / "t.gpx").write_text(SHORT_GPX)
    before = _digests(folder)
    with pytest.raises(ParameterError, match="output folder is the input folder"):
        geotag_folder(folder, tmp_path / "t.gpx", out_dir=tmp_path / "g" / ".." / "g")
    if os.geteuid() != 0:  # root writes anywhere
        folder.chmod(0o555)
        try:
            with pytest.raises(OutputError, match="not writable"):
                geotag_folder(folder, tmp_path / "t.gpx")
        finally:
            folder.chmod(0o755)
    assert _digests(folder) == before


def test_a_second_run_with_copies_skips_the_finished_ones(
    plain_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped after publishing one copy is completed by the next one."""
    import vfx.jobs.geotag as geotag

    folder = tmp_path / "g"
    images = _frames(plain_clip, folder, fmt="png")
    (tmp_path / "t.gpx").write_text(SHORT_GPX)
    out = tmp_path / "out"
    real_publish = geotag.publish
    calls = []

    def stop_after_one(tmp: Path, dest: Path) -> None:
        if calls:
            raise KeyboardInterrupt
        calls.append(dest)
        real_publish(tmp, dest)

    monkeypatch.setattr(geotag, "publish", stop_after_one)
    with pytest.raises(KeyboardInterrupt):
        geotag_folder(folder, tmp_path / "t.gpx", out_dir=out)
    assert [p.name for p in out.iterdir()] == [images[0].name]  # whole, and nothing else
    first = out / images[0].name
    stamp = first.stat().st_mtime_ns
    monkeypatch.setattr(geotag, "publish", real_publish)
    result = geotag_folder(folder, tmp_path / "t.gpx", out_dir=out)
    assert len(result.tagged) == 3
    assert first.stat().st_mtime_ns == stamp  # skipped, not written again
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(p.name for p in images), "frames.csv"]
    )
    for row in read_frame_table(out):
        assert exif(out / row["file"])["Composite:GPSLatitude"] == pytest.approx(
            float(row["lat"]), abs=1e-7
        )
