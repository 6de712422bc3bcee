"""``vfx report``: one page to look at what a video holds and what vfx made of it.

:func:`make_report` takes videos and output folders vfx wrote and writes one HTML page for
each (an ``index.html`` too when there are several, or a ``vfx run`` batch): the video's facts
and clocks, the telemetry found, the frames as a contact sheet, the pictures vfx made, the GPS
track as a map with every frame on it, and the plots over time. Pages fetch nothing from the
network; their thumbnails lie beside them in ``<page>_files/``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vfx.errors import ParameterError
from vfx.io.files import prepare_output_dir, write_text
from vfx.io.naming import input_names
from vfx.jobs.report.content import Page
from vfx.jobs.report.gather import gather_folder, gather_video, read_batch
from vfx.jobs.report.page import render_index, render_page
from vfx.jobs.report.svgmap import check_tile_template

__all__ = ["ReportResult", "make_report"]

log = logging.getLogger("vfx")


@dataclass
class ReportResult:
    """The pages written, and the index when there is one."""

    pages: list[Path] = field(default_factory=list)
    index: Path | None = None

    @property
    def main(self) -> Path:
        """The page to open first."""
        return self.index or self.pages[0]


def _headline(page: Page) -> str | None:
    """The thumbnail that stands for a page in the index: its first picture, else its first
    frame."""
    for entry in (*page.images, *page.motion, *page.figures):
        if entry.thumb is not None:
            return str(entry.thumb)
    return str(page.frames[0].thumb) if page.frames else None


def _safe(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return keep.strip("._") or "report"


def _merged(gathered: list[tuple[str, Page, bool]]) -> list[tuple[str, Page]]:
    """One page per video: a video given beside a folder of its outputs is one page (the
    video's facts, clocks, telemetry and track; the folder's frames and pictures).

    Entries are ``(name, page, from_a_video)``. Pages merge by title only when that title
    belongs to exactly one video among the inputs: two videos of one name (``day1/GX010001.MP4``
    and ``day2/GX010001.MP4``) keep a page each, and a folder is not guessed to be either's.
    """
    videos_by_title: Counter[str] = Counter(pg.title for _, pg, v in gathered if v)
    out: list[tuple[str, Page]] = []
    by_title: dict[str, tuple[Page, bool]] = {}
    for base, page, is_video in gathered:
        seen = by_title.get(page.title)
        if seen is None or videos_by_title[page.title] != 1 or seen[1] == is_video:
            by_title.setdefault(page.title, (page, is_video))
            out.append((base, page))
            continue
        other = seen[0]
        video, folder = (page, other) if is_video else (other, page)
        merged = Page(
            title=page.title,
            facts=video.facts + [f for f in folder.facts if f not in video.facts],
            clocks=video.clocks or folder.clocks,
            telemetry=video.telemetry or folder.telemetry,
            frames=folder.frames or video.frames,
            frames_title=folder.frames_title if folder.frames else video.frames_title,
            grids=folder.grids if folder.frames else video.grids,
            images=other.images + page.images,
            motion=other.motion + page.motion,
            figures=other.figures + page.figures,
            masks=other.masks + page.masks,
            selection=folder.selection + video.selection,
            other_files=other.other_files + page.other_files,
            track=video.track or folder.track,
            plots=video.plots + [p for p in folder.plots if p not in video.plots],
            duration_s=video.duration_s or folder.duration_s,
            batch=other.batch + page.batch,
            warnings=other.warnings + page.warnings,
        )
        by_title[page.title] = (merged, True)
        out = [(b, merged if pg is other else pg) for b, pg in out]
    return out


def make_report(
    inputs: list[str | Path],
    out_dir: str | Path | None = None,
    *,
    tiles: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ReportResult:
    """Write report pages for ``inputs`` (videos or folders vfx wrote) into ``out_dir``.

    One input gives ``report.html`` (default folder: the input folder itself, or
    ``./<stem>_report`` for a video); several inputs, a folder holding several source videos
    or a ``vfx run`` folder give one page per video and an ``index.html`` (default folder
    ``./report``). A video given beside folders of its outputs makes one page with both.
    ``tiles`` is an optional map tile URL template (``.../{z}/{x}/{y}.png``),
    the only thing a page would then load from the network.
    """
    paths = [Path(p) for p in inputs]
    if not paths:
        raise ParameterError("give at least one video or output folder")
    for p in paths:
        if not p.exists():
            raise ParameterError(f"{p}: no such video or folder")
    if tiles is not None:
        check_tile_template(tiles)
    if out_dir is None:
        first = paths[0]
        if len(paths) > 1:
            out_dir = Path.cwd() / "report"
        else:
            out_dir = first if first.is_dir() else Path.cwd() / f"{first.stem}_report"
    out_existed = Path(out_dir).is_dir()
    out = prepare_output_dir(out_dir)
    made: list[Path] = []
    try:
        return _write(paths, out, made, tiles=tiles, progress=progress)
    except BaseException:
        # No half-made report: the thumbnail folders this call made go, and the output
        # folder too when this call made it and nothing else is in it.
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)
        if not out_existed:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def _write(
    paths: list[Path],
    out: Path,
    made: list[Path],
    *,
    tiles: str | None,
    progress: Callable[[int, int | None], None] | None,
) -> ReportResult:
    gathered: list[tuple[str, Page, bool]] = []
    batch = []
    stems = {n.path: n.stem for n in input_names([p for p in paths if p.is_file()])}
    for p in paths:
        base = _safe(stems[p] if p.is_file() else p.name)
        files = out / f"{base}_files"
        if not files.is_dir():
            made.append(files)
        files = prepare_output_dir(files)
        if p.is_dir():
            pages = gather_folder(p, files, progress=progress)
            if (p / "run.json").is_file():
                batch += read_batch(p / "run.json")
                for page in pages:
                    page.batch = []
            many = len(pages) > 1
            gathered += [(f"{base}-{_safe(Path(pg.title).stem)}" if many else base, pg, False)
                         for pg in pages]  # fmt: skip
        else:
            gathered.append((base, gather_video(p, files, progress=progress), True))
    pages = _merged(gathered)
    result = ReportResult()
    single = len(pages) == 1 and not batch
    names: set[str] = set() if single else {"index"}  # the batch's index is never a page
    for base, page in pages:
        name = "report" if single else base
        while name in names:
            name += "_"
        names.add(name)
        path = out / f"{name}.html"
        write_text(path, render_page(page, out, tiles=tiles))
        result.pages.append(path)
    if not single:
        for row in batch:
            stem = Path(row.input).name
            row.page = next(
                (p.name for (_, pg), p in zip(pages, result.pages, strict=True)
                 if pg.title == stem),
                None,
            )  # fmt: skip
        listing = [
            (pg.title, p.name, len(pg.frames), _headline(pg))
            for (_, pg), p in zip(pages, result.pages, strict=True)
        ]
        result.index = out / "index.html"
        write_text(result.index, render_index(listing, batch, out))
    return result
