"""``vfx report``: pages built from videos, output folders and batches, checked as a user
would: valid HTML, every image described, a marker per geotagged frame, nothing fetched."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import html5lib
import numpy as np
import pytest
from typer.testing import CliRunner

from vfx.cli import app
from vfx.jobs.report import make_report
from vfx.jobs.report.content import FrameEntry, TrackLine
from vfx.jobs.report.svgmap import map_svg

runner = CliRunner()


def _parse(path: Path):
    """The page as html5lib's strict parser reads it: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_text(encoding="utf-8"))


def _fetches(text: str) -> list[str]:
    """Every URL the page would load (src/href), other than its own relative files."""
    urls = re.findall(r'(?:src|href)="([^"]*)"', text)
    return [u for u in urls if re.match(r"^[a-z][a-z0-9+.-]*:", u, re.I)]


def _frame(k: int, lat: float | None, lon: float | None, **kw: object) -> FrameEntry:
    return FrameEntry(f"frame {k}", k / 10, Path(f"t{k}.jpg"), lat=lat, lon=lon, **kw)


def test_map_has_one_marker_per_placed_frame_scale_and_north() -> None:
    frames = [_frame(k, 45 + k * 1e-5, 7.0, sequence="a" if k < 3 else "b") for k in range(5)]
    frames.append(_frame(9, None, None, flag="after_track"))
    frames[2].flag = "duplicate"
    t = np.arange(10.0)
    track = TrackLine(t, 45 + t * 5e-6, np.full(10, 7.0), np.array([""] * 9 + ["no_fix"]),
                      np.ones(10), np.ones(10))  # fmt: skip
    svg = map_svg(track, frames)
    assert svg is not None
    assert svg.count('class="frame') == 5
    assert svg.count('class="frame duplicate"') == 1
    assert svg.count('class="flagged"') == 1
    assert "scale-bar" in svg and "north-arrow" in svg
    assert re.search(r">\d+(\.\d+)? (m|km)</text>", svg)
    assert map_svg(None, [_frame(0, None, None)]) is None


def test_report_of_a_gps_video(gps_clip: Path, tmp_path: Path) -> None:
    result = make_report([gps_clip], tmp_path / "r")
    page = result.main
    assert page == tmp_path / "r" / "report.html"
    doc = _parse(page)
    text = page.read_text(encoding="utf-8")
    images = doc.findall(".//img")
    assert len(images) == 6  # the clip's keyframes
    for img in images:
        assert re.fullmatch(r"keyframe \d+ at \d+\.\d{3} s \(2024-05-01T10:00:\d\d\.\d{3}Z\)",
                            img.get("alt")), img.get("alt")  # fmt: skip
        assert (page.parent / img.get("src")).is_file()
    assert text.count('class="frame') == 6
    assert not _fetches(text)
    for section in ("facts", "clocks", "telemetry", "frames", "map", "plots"):
        assert f'id="{section}"' in text


def test_report_of_output_folders(plain_clip: Path, tmp_path: Path) -> None:
    from vfx.jobs.motion import analyse_motion
    from vfx.jobs.stills import extract_keyframes

    keys = extract_keyframes(plain_clip, tmp_path / "keys").out_dir
    motion = tmp_path / "motion"
    analyse_motion(plain_clip, motion)
    result = make_report([keys, motion], tmp_path / "r")
    assert result.index == tmp_path / "r" / "index.html"
    assert [p.name for p in result.pages] == ["keys.html", "motion.html"]
    index = _parse(result.index)
    assert {a.get("href") for a in index.findall(".//a")} == {"keys.html", "motion.html"}
    text = result.pages[1].read_text(encoding="utf-8")
    _parse(result.pages[1])
    assert "Motiongram" in text and "Quantity of motion" in text
    keys_page = result.pages[0].read_text(encoding="utf-8")
    assert keys_page.count("<figure>") == 6
    assert not _fetches(keys_page) and not _fetches(text)


def test_report_of_a_batch(plain_clip: Path, tmp_path: Path) -> None:
    from vfx.recipe.runner import run_recipe

    run_recipe("keyframe-display", [plain_clip], tmp_path / "batch")
    result = make_report([tmp_path / "batch"], tmp_path / "r")
    assert result.index is not None
    index = result.index.read_text(encoding="utf-8")
    _parse(result.index)
    assert 'class="status-done"' in index and "plain.mp4" in index


def test_cli_report_and_its_errors(gps_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    done = runner.invoke(app, ["report", str(gps_clip), "-o", str(out), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["main"] == str(out / "report.html")
    missing = runner.invoke(app, ["report", str(tmp_path / "nope.mp4")])
    assert missing.exit_code == 1 and "nope.mp4" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    refused = runner.invoke(app, ["report", str(gps_clip), str(bad), "-o", str(tmp_path / "b")])
    assert refused.exit_code == 1 and "notes.mp4" in refused.stderr
    assert not (tmp_path / "b").exists()  # nothing written, not even the folder
    tiles = runner.invoke(app, ["report", str(gps_clip), "--tiles", "https://t.example/a.png"])
    assert tiles.exit_code == 1 and "{z}" in tiles.stderr


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("https://t.example/{z}/{x:>300000000}/{y}.png", "format spec"),
        ("https://t.example/{z}/{x}/{y}/{key}.png", "fields ['key']"),
        ("https://t.example/{z}/{x!r}/{y}.png", "format spec or conversion"),
        ("https://t.example/{z}/{x}.png", "lacks one of"),
        ("https://t.example/{z}/{x}/{y}.png?" + "a" * 3000, "longer than 2048"),
        ("https://t.example/{z}/{x}/{y", "not a template"),
    ],
)
def test_a_tile_template_is_a_url_not_a_program(
    gps_clip: Path, tmp_path: Path, template: str, words: str
) -> None:
    """A format spec in the template made a 300 MB string per tile (5 GB, then MemoryError;
    a 400 MB page inside a recipe); an unknown field was a KeyError. One line, nothing made."""
    result = runner.invoke(app, ["report", str(gps_clip), "-o", str(tmp_path / "r"), "--tiles",
                                 template])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr and not (tmp_path / "r").exists()


def test_tiles_are_the_only_thing_fetched_and_only_when_asked(
    gps_clip: Path, tmp_path: Path
) -> None:
    result = make_report([gps_clip], tmp_path / "r", tiles="https://tiles.example/{z}/{x}/{y}.png")
    urls = _fetches(result.main.read_text(encoding="utf-8"))
    assert urls and all(u.startswith("https://tiles.example/") for u in urls)


def test_videos_of_one_name_get_a_page_each(
    gps_clip: Path, plain_clip: Path, tmp_path: Path
) -> None:
    """day1/GX010001.MP4 and day2/GX010001.MP4 were merged into one page; index.mp4's page was
    overwritten by the batch's index.html."""
    for day, clip in (("day1", gps_clip), ("day2", plain_clip)):
        (tmp_path / day).mkdir()
        shutil.copy(clip, tmp_path / day / "GX010001.MP4")
    result = make_report(
        [tmp_path / "day1" / "GX010001.MP4", tmp_path / "day2" / "GX010001.MP4"], tmp_path / "r"
    )
    assert len(result.pages) == 2 and len(set(result.pages)) == 2
    first, second = (p.read_text(encoding="utf-8") for p in result.pages)
    assert "map" in first and 'class="map"' not in second  # only day1's clip has GPS
    assert result.index is not None and result.index not in result.pages
    shutil.copy(plain_clip, tmp_path / "index.mp4")
    shutil.copy(plain_clip, tmp_path / "other.mp4")
    both = make_report([tmp_path / "index.mp4", tmp_path / "other.mp4"], tmp_path / "s")
    assert both.index == tmp_path / "s" / "index.html"
    assert both.index not in both.pages and len(both.pages) == 2
    listing = both.index.read_text(encoding="utf-8")
    assert all(p.name in listing for p in both.pages)


def _tampered_keyframes(clip: Path, folder: Path, cells: list[dict[str, str]]) -> Path:
    """``vfx keyframes`` of ``clip``, its frames.csv rows changed cell by cell."""
    import csv

    assert runner.invoke(app, ["keyframes", str(clip), "-o", str(folder)]).exit_code == 0
    table = folder / "frames.csv"
    with table.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row, change in zip(rows, cells, strict=False):
        row.update(change)
    with table.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_hand_edited_tables_make_a_page_not_an_internal_error(
    plain_clip: Path, tmp_path: Path
) -> None:
    """A latitude of 1e308 (ZeroDivisionError and numpy warnings on stderr), a time that is not
    ISO 8601 (an error naming no file), a NUL in the source (internal error) and a frame index
    of ``<!--<script>`` (which left the page's data block open, so its script never ran)."""
    folder = _tampered_keyframes(
        plain_clip,
        tmp_path / "kf",
        [
            {"lat": "1e308", "lon": "1e308"},
            {"datetime_utc": "yesterday", "lat": "45", "lon": "7"},
            {"frame_index": "<!--<script>", "lat": "45.001", "lon": "7"},
            {"source": "a\x00b.mp4"},
        ],
    )
    result = runner.invoke(app, ["report", str(folder), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no warning of numpy's, no internal error
    for page in (tmp_path / "r").glob("*.html"):
        tree = _parse(page)
        block = tree.find(".//script[@id='frame-data']")
        if block is not None:
            json.loads(block.text)  # the data block ends where it should, as JSON
            assert "<!--" not in block.text
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "r").glob("*.html"))
    assert "yesterday" in text and "not an ISO 8601 time" in text  # said on the page


@pytest.mark.parametrize(
    "doc",
    ["[1, 2]", '{"recipes": []}', '{"recipes": {"a": 5}}', '{"recipes": {"a": {"inputs": [1]}}}'],
)
def test_a_run_json_of_another_shape_is_one_line(
    plain_clip: Path, tmp_path: Path, doc: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "run.json").write_text(doc)
    result = runner.invoke(app, ["report", str(folder), "-o", str(tmp_path / "r")])
    assert result.exit_code == 1 and "not a run.json of vfx" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "internal error" not in result.stderr
    again = runner.invoke(app, ["run", "keyframe-display", str(plain_clip), "-o", str(folder),
                                "--quiet"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "not a manifest of vfx run; starting afresh" in again.stderr


@pytest.mark.parametrize("doc", ["[1, 2]", '{"frames": 5}', '"text"'])
def test_a_selection_json_of_another_shape_is_a_warning(
    plain_clip: Path, tmp_path: Path, doc: str
) -> None:
    folder = _tampered_keyframes(plain_clip, tmp_path / "kf", [])
    (folder / "selection.json").write_text(doc)
    result = runner.invoke(app, ["report", str(folder), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "not a selection.json of vfx" in page
