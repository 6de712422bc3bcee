"""Gather what a report shows: from a video (its facts, clocks, telemetry and keyframes) or
from an output folder vfx wrote (frames.csv, motion and effect pictures, ``_qom.csv``,
``selection.json``, telemetry exports, ``run.json``).

Thumbnails are written here (small JPEGs in the page's ``_files`` folder); full images are
linked where they are.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

from vfx.errors import ImageReadError, TelemetryError, VfxError
from vfx.io.contents import CONTENTS_NAME, Output, read_contents
from vfx.io.files import read_json
from vfx.io.images import read_image, write_image
from vfx.io.sources import IMAGE_SUFFIXES, inside, listed_file, natural_key
from vfx.io.table import TABLE_NAME, read_csv_rows, read_frame_table
from vfx.jobs.report.content import (
    BatchRow,
    FrameEntry,
    FrameGrid,
    ImageEntry,
    Page,
    Plot,
    TrackLine,
)
from vfx.tagging.rows import finite_number as _number
from vfx.telemetry.geoid import find_geoid, track_heights

__all__ = ["THUMB_WIDTH", "gather_folder", "gather_video", "thumbnail"]

log = logging.getLogger("vfx")

#: Thumbnails are this wide (pixels), JPEG.
THUMB_WIDTH = 192
#: Folders below an input folder searched for vfx outputs.
_DEPTH = 3
#: Pictures by what their names end with, and their captions.
_PICTURES: tuple[tuple[str, str, str], ...] = (
    ("images", "keyframe_display", "Keyframe display"),
    ("images", "keyframe-display", "Keyframe display"),
    ("images", "composite", "Composite"),
    ("images", "background", "Background"),
    ("images", "contact_sheet", "Contact sheet"),
    ("images", "contact-sheet", "Contact sheet"),
    ("motion", "_motiongram_time-x", "Motiongram (time left to right)"),
    ("motion", "_motiongram_time-y", "Motiongram (time top to bottom)"),
    ("motion", "_videogram_time-x", "Videogram (time left to right)"),
    ("motion", "_videogram_time-y", "Videogram (time top to bottom)"),
    ("motion", "_average", "Average image"),
    ("motion", "_history", "Motion history"),
)


def thumbnail(image: np.ndarray, path: Path, width: int = THUMB_WIDTH) -> Path:
    """Write ``image`` (RGB or grey, 8 or 16 bit) scaled to ``width`` as a JPEG at ``path``."""
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8) if image.dtype == np.uint16 else image
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(
            image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA
        )
    write_image(path, image, fmt="jpg", quality=80)
    return path


# -- a video --------------------------------------------------------------------------------
def gather_video(
    video: Path,
    files: Path,
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> Page:
    """A page for ``video``: facts, clocks, telemetry, keyframe thumbnails with time and place,
    the GPS track and the sensor plots."""
    from vfx.io.video.panorama import open_video
    from vfx.tagging.clock import check_creation_time
    from vfx.tagging.settings import MetadataOptions
    from vfx.tagging.tagger import FrameTagger

    page = Page(title=video.name)
    with open_video(video) as reader:
        info = reader.info()
        page.facts = info.fact_rows()
        page.duration_s = info.duration_s
        tagger = FrameTagger.for_reader(reader, MetadataOptions())
        assert tagger is not None
        idx = reader.index
        keys = tagger.plan([int(r) for r in idx.key_ranks], idx.times_s()[idx.key_ranks])
        page.frames_title = f"Keyframes ({len(keys)})"
        for n, frame in enumerate(reader.frames(keyframes=True)):
            height, width = frame.image.shape[:2]
            _, columns = tagger.tags(frame.time, frame.index, width, height)
            thumb = thumbnail(frame.image, files / f"key_{frame.index:06d}.jpg")
            large = thumbnail(frame.image, files / f"key_{frame.index:06d}_large.jpg", 1280)
            page.frames.append(_entry(f"keyframe {frame.index}", float(frame.time), thumb,
                                      large, columns))  # fmt: skip
            if progress:
                progress(n + 1, len(keys))
        summary = tagger.finish([])
        page.warnings += summary.warnings
    telemetry = tagger.telemetry
    clock = tagger.clock
    if clock is not None:
        from vfx.telemetry.track import utc_datetime

        start = utc_datetime(clock.offset_s).isoformat(timespec="milliseconds")
        page.clocks.append(("time source", f"{clock.source} ({clock.detail})"))
        page.clocks.append(("UTC at the video's start", start.replace("+00:00", "Z")))
    else:
        page.clocks.append(("time source", "none: no GPS time, no creation time"))
    if info.creation_time is not None:
        page.clocks.append(("container creation time", info.creation_time.isoformat()))
        check = check_creation_time(video, info.creation_time)
        if check is not None:
            page.clocks.append(("creation time against GPS", check.describe()))
    page.telemetry = _telemetry_rows(telemetry, summary)
    if telemetry.gps is not None and len(telemetry.gps):
        gps = telemetry.gps
        flags = gps.quality()
        heights, datum, _ = track_heights(gps, find_geoid())
        page.track = TrackLine(gps.time_s - tagger.video_start_s, gps.lat, gps.lon, flags,
                               gps.speed, heights, gps.source, datum)  # fmt: skip
    page.plots = _telemetry_plots(page.track, telemetry, tagger.video_start_s)
    return page


def _entry(
    label: str, time_s: float, thumb: Path, full: Path | None, row: dict[str, object]
) -> FrameEntry:
    lat, lon = _number(row.get("lat", "")), _number(row.get("lon", ""))
    # a position on the Earth only (a table edited by hand may say lat=1e308)
    placed = lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180
    return FrameEntry(
        label=label,
        time_s=time_s,
        thumb=thumb,
        full=full,
        utc=str(row.get("datetime_utc", "") or ""),
        lat=lat if placed else None,
        lon=lon if placed else None,
        heading=_number(row.get("heading", "")),
        flag=str(row.get("gps_flag", "") or ""),
        sequence=str(row.get("sequence", "") or ""),
    )


def _rate(times: np.ndarray) -> str:
    t = times[np.isfinite(times)]
    if t.size < 2 or t[-1] <= t[0]:
        return ""
    return f", {(t.size - 1) / (t[-1] - t[0]):.1f} Hz"


def _telemetry_rows(telemetry: object, summary: object) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    sources = ", ".join(telemetry.sources) or "none found"  # type: ignore[attr-defined]
    rows.append(("sources", sources))
    gps = telemetry.gps  # type: ignore[attr-defined]
    if gps is not None and len(gps):
        used = summary.points_used  # type: ignore[attr-defined]
        flags = summary.point_flags  # type: ignore[attr-defined]
        detail = "; ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(flags.items()))
        rows.append(("GPS", f"{gps.source}: {len(gps)} points{_rate(gps.time_s)}, {used} used"
                            + (f" ({detail} left out)" if detail else "")))  # fmt: skip
    else:
        rows.append(("GPS", "none"))
    ori = telemetry.orientation  # type: ignore[attr-defined]
    if ori is not None and len(ori):
        rows.append(("orientation", f"{ori.source}: {len(ori)} samples{_rate(ori.time_s)} "
                                    f"({ori.frame})"))  # fmt: skip
    for name, series in telemetry.series.items():  # type: ignore[attr-defined]
        rows.append((name, f"{len(series)} samples{_rate(series.time_s)} ({series.unit})"))
    for note in telemetry.notes:  # type: ignore[attr-defined]
        rows.append(("note", note))
    return rows


def _telemetry_plots(track: TrackLine | None, telemetry: object | None, start: float) -> list[Plot]:
    plots = []
    if track is not None:
        good = track.flag == ""
        t = track.time_s[good]
        if np.isfinite(track.speed[good]).any():
            plots.append(Plot("Speed", "m/s", {"speed": (t, track.speed[good])}))
        if np.isfinite(track.alt[good]).any():
            above = {"EGM96": "above sea level (EGM96)", "ellipsoid": "above the WGS 84 ellipsoid"}
            label = f"Altitude {above.get(track.datum, '')}".strip()
            plots.append(Plot(label, "m", {"altitude": (t, track.alt[good])}))
    if telemetry is None:
        return plots
    for name in ("accel", "gyro"):
        series = telemetry.series.get(name)  # type: ignore[attr-defined]
        if series is not None and len(series):
            magnitude = np.linalg.norm(np.asarray(series.values, dtype=np.float64), axis=1)
            title = "Acceleration" if name == "accel" else "Rotation rate"
            plots.append(
                Plot(title, series.unit, {f"|{name}|": (series.time_s - start, magnitude)})
            )
    ori = telemetry.orientation  # type: ignore[attr-defined]
    if ori is not None and len(ori):
        euler = ori.euler_deg(ori.time_s)
        t = ori.time_s - start
        angles = {name: (t, euler[:, k]) for k, name in enumerate(("yaw", "pitch", "roll"))}
        plots.append(Plot("Orientation", "degrees", angles))
    return plots


# -- a folder vfx wrote ----------------------------------------------------------------------
def _walk(folder: Path, depth: int = _DEPTH, root: Path | None = None) -> Iterable[Path]:
    """The files under ``folder`` a report may show: none reached by a symbolic link that
    leads out of the input folder ``root``."""
    root = root or folder
    try:
        entries = sorted(folder.iterdir(), key=lambda p: natural_key(p.name))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name.endswith("_files"):
            continue
        if entry.is_symlink() and not inside(root, entry):
            continue
        if entry.is_dir():
            if depth > 0:
                yield from _walk(entry, depth - 1, root)
        elif entry.is_file():
            yield entry


def gather_folder(
    folder: Path,
    files: Path,
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Page]:
    """Pages for an output folder: one per source video found in its frames.csv files (one
    for the folder when it holds no table), and the batch table of a ``run.json``.

    What each file is comes from its folder's contents list (``vfx.json``, written by the
    command that made it); a file no list names is shown as another file, not as vfx's. A
    folder without a list (written by an older vfx, or the list deleted) is read by its files'
    names, with a warning.
    """
    found = list(_walk(folder))
    contents = _Contents()
    tables = [p for p in found if p.name == TABLE_NAME]
    rows_by_source: dict[str, list[tuple[Path, dict[str, str]]]] = {}
    seen: set[tuple[str, str, str]] = set()
    listed: set[Path] = set()
    for table in tables:
        for row in read_frame_table(table.parent):
            if not row.get("file"):
                continue
            image = listed_file(table.parent, row["file"])  # the effect commands' rule
            listed.add(image)
            if row.get("mask"):  # a mask folder's table: its pictures are shown as masks
                listed.add(table.parent / row["mask"])
                continue
            source = row.get("source") or table.parent.name
            # each folder's frames once (a table listing a file twice shows it once); the same
            # frame written into two folders is two files, each in its folder's grid
            key = (str(table.parent), source, row.get("frame_index", row.get("file", "")))
            if key in seen:
                continue
            seen.add(key)
            rows_by_source.setdefault(source, []).append((table.parent, row))
    pages = []
    sources = sorted(rows_by_source) or [folder.name]
    total = sum(len(v) for v in rows_by_source.values())
    done = 0
    for source in sources:
        page = Page(title=source if rows_by_source else folder.name)
        rows = rows_by_source.get(source, [])
        # a name for the thumbnails' files: the source's stem without what a file name
        # cannot hold (a NUL, a slash) or should not (control characters)
        stem = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in Path(source).stem)
        grids: dict[Path, FrameGrid] = {}
        for parent, row in sorted(rows, key=lambda pr: _number(pr[1].get("time_s")) or 0.0):
            image = listed_file(parent, row.get("file", ""))
            t = _number(row.get("time_s")) or 0.0
            label = f"frame {row.get('frame_index', '?')}"
            try:
                thumb = thumbnail(read_image(image), files / f"{stem}_{len(page.frames):06d}.jpg")
            except (ImageReadError, VfxError) as exc:
                page.warnings.append(f"{image.name}: {exc.message}")
                continue
            entry = _entry(label, t, thumb, image, row)
            page.frames.append(entry)
            if parent not in grids:
                grids[parent] = FrameGrid("")
            grids[parent].frames.append(entry)
            done += 1
            if progress:
                progress(done, total)
        for parent, grid in grids.items():
            grid.title = contents.frames_title(parent, folder, len(grid.frames))
        page.grids = list(grids.values())
        if page.frames:
            page.frames_title = f"Frames ({len(page.frames)})"
        mine = _belonging(found, folder, rows, stem, alone=not rows_by_source or len(sources) == 1)
        _pictures(page, mine, files, contents, listed)
        _qom(page, mine)
        page.facts = _folder_facts(folder, rows)
        _selection(page, mine)
        _exported_track(page, mine, rows)
        page.warnings += contents.warnings(folder)
        pages.append(page)
    run = folder / "run.json"
    if run.is_file():
        pages[0].batch = read_batch(run)
    return pages


def _belonging(
    found: list[Path], root: Path, rows: list[tuple[Path, dict[str, str]]], stem: str, alone: bool
) -> list[Path]:
    """The files of one source's page: all of them when the folder holds one source; else
    those in the folders of its frames (and the folders above them, below the input folder,
    where a recipe puts its pictures beside the frames it made them from), or named after it."""
    if alone:
        return list(found)
    homes: set[Path] = set()
    for parent, _ in rows:
        while parent != root and root in parent.parents:
            homes.add(parent)
            parent = parent.parent
    return [p for p in found if p.parent in homes or stem in p.name]


class _Contents:
    """The contents lists of the folders a report reads, each read once."""

    def __init__(self) -> None:
        self._lists: dict[Path, dict[str, Output] | None] = {}
        self._unlisted: set[Path] = set()

    def of(self, folder: Path) -> dict[str, Output] | None:
        """``folder``'s list by file name, or None (noted for a warning) when it has none."""
        if folder not in self._lists:
            outputs = read_contents(folder)
            self._lists[folder] = None if outputs is None else {o.file: o for o in outputs}
            if outputs is None:
                self._unlisted.add(folder)
        return self._lists[folder]

    def frames_title(self, parent: Path, root: Path, count: int) -> str:
        """A frame grid's title: what made its frames, and the folder they are in (two grids
        of keyframes, say a folder's and a recipe's, are told apart)."""
        entry = (self.of(parent) or {}).get(TABLE_NAME)
        where = _shown(parent, root)
        if entry is not None:
            return f"{_first_sentence(entry.what)} ({count}) · vfx {entry.command} · {where}/"
        return f"Frames in {where}/ ({count})"

    def warnings(self, root: Path) -> list[str]:
        return [
            f"{_shown(folder, root)}: no {CONTENTS_NAME} (written by an older vfx, or deleted): "
            "what its files are is guessed from their names"
            for folder in sorted(self._unlisted)
        ]


def _first_sentence(text: str) -> str:
    """A caption without its details: before its first parenthesis and ", with"."""
    return text.split(" (")[0].split(", with")[0]


def _shown(folder: Path, root: Path) -> str:
    try:
        relative = folder.relative_to(root)
    except ValueError:
        return str(folder)
    return str(relative) if str(relative) != "." else folder.name


#: Where each kind of recorded picture goes on the page.
_SECTION_OF_KIND = {"picture": "images", "figure": "figures", "mask": "masks"}


def _pictures(
    page: Page, found: list[Path], files: Path, contents: _Contents, listed: set[Path]
) -> None:
    for path in found:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        recorded = contents.of(path.parent)
        if recorded is None:
            _guessed_picture(page, path, files, listed)
            continue
        entry = recorded.get(path.name)
        if entry is None:
            if path not in listed:  # a frame listed by a frames.csv is shown in its grid
                page.other_files.append(path)
            continue
        section = _SECTION_OF_KIND.get(entry.kind)
        if section is None:
            continue  # not a picture (a table, a video, data)
        caption = f"{entry.what} · vfx {entry.command}"
        # the headline pictures large enough to fill a wide page
        width = {"masks": THUMB_WIDTH, "images": 1280}.get(section, 640)
        target = page.motion if entry.command == "motion" and section == "images" else None
        (target if target is not None else getattr(page, section)).append(
            _picture(caption, path, files, width)
        )
    # The headline first: composites and chronophotographs, then backgrounds and sheets.
    order = ("composite", "background", "montage")
    page.images.sort(key=lambda e: next((i for i, c in enumerate(order) if f"vfx {c}" in
                                         e.caption), len(order)))  # fmt: skip


def _guessed_picture(page: Page, path: Path, files: Path, listed: set[Path]) -> None:
    """A picture of a folder without a contents list, by its name (vfx's names)."""
    name = path.stem
    if name.endswith("_mask"):
        page.masks.append(_picture(f"Mask of {name[: -len('_mask')]}", path, files, THUMB_WIDTH))
        return
    for kind, ending, caption in _PICTURES:
        if name.endswith(ending) or name == ending.strip("_"):
            getattr(page, kind).append(_picture(caption, path, files))
            return
    if path not in listed:
        page.other_files.append(path)


def _picture(caption: str, path: Path, files: Path, width: int = 640) -> ImageEntry:
    entry = ImageEntry(caption, path)
    try:
        image = read_image(path)
    except VfxError:
        return entry
    # A stable name (str's hash changes from run to run): a re-run replaces its thumbnail.
    digest = hashlib.blake2b(os.fsencode(path), digest_size=6).hexdigest()
    name = f"pic_{digest}.jpg"
    entry.thumb = thumbnail(image, files / name, width)
    return entry


def _qom(page: Page, found: list[Path]) -> None:
    for path in found:
        if not path.name.endswith("_qom.csv"):
            continue
        rows = read_csv_rows(path)
        t = np.array([_number(r.get("time_s")) or 0.0 for r in rows])
        q = np.array([_number(r.get("qom")) or 0.0 for r in rows])
        if t.size:
            page.plots.append(Plot("Quantity of motion", "fraction", {"QoM": (t, q)}))
            page.duration_s = max(page.duration_s or 0.0, float(t.max()))


def _selection(page: Page, found: list[Path]) -> None:
    for path in found:
        if path.name != "selection.json":
            continue
        try:
            doc = read_json(path)
        except (OSError, ValueError):
            continue
        chosen = doc.get("chosen") if isinstance(doc, dict) else None
        if not isinstance(chosen, dict) or not isinstance(chosen.get("frame_indices"), list):
            page.warnings.append(f"{path}: not a selection.json of vfx; left out")
            continue
        count = len(chosen["frame_indices"])
        page.selection.append(("method", str(doc.get("method", "?"))))
        page.selection.append(("chosen", f"{count} frames of {doc.get('candidates', '?')} "
                                         f"candidates ({path.parent.name})"))  # fmt: skip
        distances = chosen.get("distances")
        if isinstance(distances, dict):
            for key, value in distances.items():
                if isinstance(value, (int, float)):
                    page.selection.append((key.replace("_", " "), f"{value:.3f}"))
        for other in doc.get("compared") or []:
            if isinstance(other, dict) and isinstance(other.get("distances"), dict):
                spread = other["distances"].get("min_distance")
                if isinstance(spread, (int, float)):
                    page.selection.append(
                        (f"{other.get('method', '?')} (compared)", f"min distance {spread:.3f}")
                    )


def _exported_track(page: Page, found: list[Path], rows: list[tuple[Path, dict[str, str]]]) -> None:
    """The whole track from a GPX export beside the frames, on the frames' clock."""
    from vfx.errors import ParameterError
    from vfx.tagging.rows import parse_start_time

    offset = None
    for parent, row in rows:
        t, utc = _number(row.get("time_s")), row.get("datetime_utc")
        if t is not None and utc:
            try:
                offset = parse_start_time(utc).timestamp() - t
            except ParameterError:  # one bad cell: the next row may tell the clock
                page.warnings.append(
                    f"{parent / TABLE_NAME}: datetime_utc {utc!r} of {row.get('file')} is not "
                    "an ISO 8601 time; left out"
                )
                continue
            break
    for path in found:
        if path.suffix.lower() != ".gpx" or offset is None:
            continue
        from vfx.telemetry.trackfiles.gpx import read_gpx

        try:
            gps = read_gpx(path)
        except TelemetryError as exc:
            page.warnings.append(exc.message)
            continue
        page.track = TrackLine(gps.utc_s - offset, gps.lat, gps.lon, gps.quality(), gps.speed,
                               gps.alt, gps.source)  # fmt: skip
        page.plots[:0] = _telemetry_plots(page.track, None, 0.0)
        return


def _folder_facts(folder: Path, rows: list[tuple[Path, dict[str, str]]]) -> list[tuple[str, str]]:
    facts = [("folder", str(folder))]
    if rows:
        times = [t for _, r in rows if (t := _number(r.get("time_s"))) is not None]
        placed = sum(1 for _, r in rows if r.get("lat"))
        # positions and sequences are mapping words: said only where there are positions
        facts.append(("frames", f"{len(rows)} ({placed} with a position)" if placed
                                else str(len(rows))))  # fmt: skip
        if times:
            facts.append(("time span", f"{min(times):.3f} s to {max(times):.3f} s"))
        first = rows[0][1]
        if first.get("width"):
            facts.append(("size", f"{first['width']}x{first.get('height', '?')}"))
        sequences = {r.get("sequence") for _, r in rows if r.get("sequence")}
        if sequences and placed:
            facts.append(("sequences", str(len(sequences))))
    return facts


def read_batch(run: Path) -> list[BatchRow]:
    """The rows of a ``vfx run`` manifest: one per recipe and input."""
    try:
        doc = read_json(run)
    except (OSError, ValueError) as exc:
        raise VfxError(f"not a readable run.json ({exc})", path=run) from exc
    recipes = doc.get("recipes") if isinstance(doc, dict) else None
    if not isinstance(recipes, dict):
        raise VfxError("not a run.json of vfx (no table of recipes)", path=run)
    rows = []
    for recipe, entry in recipes.items():
        inputs = entry.get("inputs") if isinstance(entry, dict) else None
        if not isinstance(inputs, dict):
            raise VfxError(f"not a run.json of vfx (recipe {recipe!r} has no inputs)", path=run)
        for key, item in inputs.items():
            item = item if isinstance(item, dict) else {}
            outputs = item.get("outputs")
            rows.append(
                BatchRow(
                    recipe=str(recipe),
                    input=str(item.get("video") or key),
                    status=str(item.get("status", "?")),
                    outputs=len(outputs) if isinstance(outputs, list) else 0,
                    seconds=_number(item.get("seconds")),
                    error=str(item.get("error") or ""),
                )
            )
    return rows
