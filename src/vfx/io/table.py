"""``frames.csv``: one row per written image, in every output folder.

Plain CSV with a header, readable by pandas, spreadsheets and the ``csv`` module. Rows of several
source videos written to one folder are kept together; re-running one source replaces only its
rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path

from vfx.io.files import discard, output_error, publish, temp_beside, write_text

__all__ = [
    "FRAME_COLUMNS",
    "TABLE_NAME",
    "CsvStream",
    "format_seconds",
    "read_csv_rows",
    "read_frame_table",
    "write_frame_table",
]

TABLE_NAME = "frames.csv"
#: Columns every frames.csv has, in order; later stages may append more.
FRAME_COLUMNS = (
    "file",
    "frame_index",
    "pts",
    "time_s",
    "key_frame",
    "pict_type",
    "time_base",
    "source",
    "source_id",
    "width",
    "height",
)


def format_seconds(t: Fraction, digits: int = 9) -> str:
    """A time in seconds as a decimal string rounded (exactly, no float) to ``digits`` places.

    >>> format_seconds(Fraction(1001, 24000))
    '0.041708333'
    """
    scale = 10**digits
    n = round(t * scale)
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), scale)
    return f"{sign}{whole}.{frac:0{digits}d}"


def read_frame_table(folder: str | Path) -> list[dict[str, str]]:
    """Rows of ``folder/frames.csv`` as dicts (empty when there is none)."""
    path = Path(folder) / TABLE_NAME
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as fh:
        return list(csv.DictReader(fh))


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of any CSV file with a header (a ``_qom.csv``) as dicts; undecodable bytes are
    replaced, never fatal."""
    with Path(path).open(newline="", encoding="utf-8", errors="replace") as fh:
        return list(csv.DictReader(fh))


def write_frame_table(
    folder: str | Path, rows: Iterable[Mapping[str, object]], *, source: str | None = None
) -> Path:
    """Write ``folder/frames.csv`` atomically.

    With ``source``, rows already in the table for other sources are kept and rows for
    ``source`` are replaced by ``rows``.
    """
    folder = Path(folder)
    new_rows = [dict(r) for r in rows]
    kept: list[dict[str, object]] = []
    if source is not None:
        kept = [dict(r) for r in read_frame_table(folder) if r.get("source") != source]
    all_rows = kept + new_rows
    columns = list(FRAME_COLUMNS)
    for row in all_rows:
        columns.extend(k for k in row if k not in columns)
    all_rows.sort(key=lambda r: (str(r.get("source", "")), int(str(r.get("frame_index", 0)))))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(all_rows)
    path = folder / TABLE_NAME
    write_text(path, buf.getvalue())
    return path


class CsvStream:
    """A CSV file written row by row as a long pass goes (memory flat in its length), into a
    temporary file beside ``path`` that :meth:`close` publishes and :meth:`abort` drops.

    >>> table = CsvStream("pose.csv", ["frame_index", "time_s"])  # doctest: +SKIP
    >>> table.row(["0", "0.000000000"]); table.close()  # doctest: +SKIP
    """

    def __init__(self, path: str | Path, header: Iterable[str]):
        self.path = Path(path)
        self._tmp = temp_beside(self.path)
        try:
            self._fh = open(self._tmp, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            discard(self._tmp)
            raise output_error(exc, self.path) from exc
        self._writer = csv.writer(self._fh)
        self.row(header)

    def row(self, values: Iterable[str]) -> None:
        try:
            self._writer.writerow(values)
        except OSError as exc:
            self.abort()
            raise output_error(exc, self.path) from exc

    def close(self) -> Path:
        """Flush and publish the file under its name; returns it."""
        try:
            self._fh.close()
        except OSError as exc:
            self.abort()
            raise output_error(exc, self.path) from exc
        publish(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._fh.close()
        discard(self._tmp)
