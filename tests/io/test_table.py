"""frames.csv: exact decimal times, merging rows of several sources."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

from vfx.io.table import FRAME_COLUMNS, format_seconds, read_frame_table, write_frame_table


def test_format_seconds_rounds_exactly() -> None:
    assert format_seconds(Fraction(1001, 24000)) == "0.041708333"
    assert format_seconds(Fraction(2, 3)) == "0.666666667"
    assert format_seconds(Fraction(0)) == "0.000000000"
    assert format_seconds(Fraction(-1, 4)) == "-0.250000000"
    # No float drift far into a long video: frame 1,000,000 at 24000/1001.
    assert format_seconds(Fraction(1001, 24000) * 1_000_000) == "41708.333333333"


def _row(source: str, index: int) -> dict[str, object]:
    return {
        "file": f"{source}_{index:06d}.tiff",
        "frame_index": index,
        "pts": index,
        "time_s": "0",
        "key_frame": "true",
        "pict_type": "I",
        "time_base": "1/25",
        "source": source,
        "width": 4,
        "height": 4,
    }


def test_rows_of_other_sources_are_kept(tmp_path: Path) -> None:
    write_frame_table(tmp_path, [_row("a.mp4", 0), _row("a.mp4", 12)], source="a.mp4")
    write_frame_table(tmp_path, [_row("b.mp4", 5)], source="b.mp4")
    write_frame_table(tmp_path, [_row("a.mp4", 24)], source="a.mp4")
    rows = read_frame_table(tmp_path)
    assert [(r["source"], r["frame_index"]) for r in rows] == [("a.mp4", "24"), ("b.mp4", "5")]


def test_header_starts_with_the_documented_columns(tmp_path: Path) -> None:
    write_frame_table(tmp_path, [_row("a.mp4", 0)], source="a.mp4")
    with (tmp_path / "frames.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header[: len(FRAME_COLUMNS)]) == FRAME_COLUMNS
    assert header[:6] == ["file", "frame_index", "pts", "time_s", "key_frame", "pict_type"]
