"""Render a :class:`~vfx.jobs.report.content.Page` as one HTML file that needs nothing from the
network: styles and scripts inline, the map and plots inline SVG, thumbnails small JPEGs beside
it (lazy-loaded), full images linked where they are."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from vfx.jobs.report.charts import plot_svg
from vfx.jobs.report.content import BatchRow, ImageEntry, Page
from vfx.jobs.report.svgmap import html_text as _esc
from vfx.jobs.report.svgmap import map_svg

__all__ = ["render_index", "render_page"]

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fff}
header{background:#1f4e79;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:1.4em;word-break:break-all}
header p{margin:4px 0 0;opacity:.85;font-size:.9em}
main{padding:8px 24px 40px;max-width:1400px}
h2{border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}
table{border-collapse:collapse}
td,th{padding:3px 10px 3px 0;vertical-align:top;text-align:left}
th{font-weight:600;white-space:nowrap}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
figure{margin:0}
.sheet figure{background:#f3f3f3;padding:4px;border-radius:3px}
.sheet img{width:100%;height:auto;display:block;aspect-ratio:16/9;object-fit:contain}
figcaption{font-size:.8em;color:#444}
.flag{color:#b00}
.pictures{display:flex;flex-wrap:wrap;gap:14px}
.pictures figure{flex:1 1 360px;max-width:640px}
.pictures img{width:100%;height:auto;display:block}
.map-wrap{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
svg.map{width:800px;max-width:100%;height:auto;border:1px solid #ccc}
svg.map .frame{cursor:pointer}
svg.map .frame:hover,svg.map .frame.selected{stroke:#000;stroke-width:3}
#map-info{width:260px;font-size:.9em}
#map-info img{width:100%;height:auto}
.plots svg{width:800px;max-width:100%;height:auto;display:block}
.status-failed{color:#b00;font-weight:600}
.warnings li{color:#8a5a00}
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("frame-data").textContent);
  var info = document.getElementById("map-info");
  if (!info) { return; }
  function show(marker) {
    var k = Number(marker.getAttribute("data-frame"));
    var f = data[k];
    document.querySelectorAll("svg.map .frame.selected").forEach(function (m) {
      m.classList.remove("selected");
    });
    marker.classList.add("selected");
    info.textContent = "";
    var img = document.createElement("img");
    img.src = f.thumb;
    img.alt = f.alt;
    var caption = document.createElement("p");
    caption.textContent = f.alt + (f.flag ? " [" + f.flag + "]" : "");
    var link = document.createElement("a");
    link.href = f.full || f.thumb;
    link.appendChild(img);
    info.appendChild(link);
    info.appendChild(caption);
  }
  document.querySelectorAll("svg.map .frame").forEach(function (marker) {
    marker.addEventListener("click", function () { show(marker); });
    marker.addEventListener("mouseenter", function () { show(marker); });
    marker.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { show(marker); }
    });
  });
})();
"""


def _href(path: Path | None, page_dir: Path) -> str:
    """A relative link to ``path``, its bytes percent-encoded (a Latin-1 file name too)."""
    if path is None:
        return ""
    return quote(os.fsencode(Path(os.path.relpath(path, page_dir)).as_posix()))


def _rows(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _pictures(
    title: str, anchor: str, entries: list[ImageEntry], page_dir: Path, layout: str = "pictures"
) -> str:
    if not entries:
        return ""
    figures = []
    for e in entries:
        src = _href(e.thumb or e.path, page_dir)
        figures.append(
            f'<figure><a href="{_href(e.path, page_dir)}"><img src="{src}" loading="lazy" '
            f'alt="{_esc(e.caption)}: {_esc(e.path.name)}"></a>'
            f"<figcaption>{_esc(e.caption)} ({_esc(e.path.name)})</figcaption></figure>"
        )
    return (
        f'<section id="{anchor}"><h2>{_esc(title)}</h2>'
        f'<div class="{layout}">{"".join(figures)}</div></section>'
    )


def _batch(rows: list[BatchRow]) -> str:
    if not rows:
        return ""
    head = "<tr><th>recipe</th><th>input</th><th>status</th><th>outputs</th><th>seconds</th>"
    head += "<th>error</th></tr>"
    body = []
    for r in rows:
        name = _esc(Path(r.input).name)
        cell = f'<a href="{quote(os.fsencode(r.page))}">{name}</a>' if r.page else name
        seconds = f"{r.seconds:.1f}" if r.seconds is not None else ""
        body.append(
            f"<tr><td>{_esc(r.recipe)}</td><td>{cell}</td>"
            f'<td class="status-{_esc(r.status)}">{_esc(r.status)}</td>'
            f"<td>{r.outputs}</td><td>{seconds}</td><td>{_esc(r.error)}</td></tr>"
        )
    return f'<section id="batch"><h2>Batch</h2><table>{head}{"".join(body)}</table></section>'


def _document(title: str, body: str, script: str = "") -> str:
    from vfx import __version__

    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)} - vfx report</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{_esc(title)}</h1><p>Made by vfx {__version__} on {made}</p></header>\n"
        f"<main>\n{body}\n</main>\n{script}</body>\n</html>\n"
    )


def _frame_sheet(title: str, anchor: str, frames: list, page_dir: Path, data: list) -> str:
    """A grid of frame thumbnails; each frame's data is added to ``data`` for the map."""
    figures = []
    for f in frames:
        flag = f' <span class="flag">{_esc(f.flag)}</span>' if f.flag else ""
        when = f"<br>{_esc(f.utc)}" if f.utc else ""
        target = _href(f.full or f.thumb, page_dir)
        figures.append(
            f'<figure><a href="{target}"><img src="{_href(f.thumb, page_dir)}" '
            f'loading="lazy" alt="{_esc(f.alt_text)}"></a><figcaption>'
            f"{_esc(f.label)}: {f.time_s:.3f} s{when}{flag}</figcaption></figure>"
        )
        data.append({
            "thumb": _href(f.thumb, page_dir),
            "full": _href(f.full, page_dir),
            "alt": f.alt_text,
            "flag": f.flag,
        })  # fmt: skip
    return (
        f'<section id="{anchor}"><h2>{_esc(title)}</h2>'
        f'<div class="sheet">{"".join(figures)}</div></section>'
    )


def render_page(page: Page, page_dir: Path, *, tiles: str | None = None) -> str:
    """The HTML of one page; links are relative to ``page_dir``, where it is written.

    The pictures vfx made come first (composites, motion pictures, figures), then the data
    over time, the facts, the frames (a grid per folder), the selection, the masks, the map
    (only with positions), the files vfx did not make, and a batch's table."""
    parts = [
        _pictures("Pictures", "pictures", page.images, page_dir),
        _pictures("Motion", "motion", page.motion, page_dir),
        _pictures("Figures", "figures", page.figures, page_dir),
    ]
    if page.plots:
        panels = "".join(plot_svg(p, page.duration_s) for p in page.plots)
        parts.append(f'<section id="plots" class="plots"><h2>Over time</h2>{panels}</section>')
    if page.facts:
        parts.append(f'<section id="facts"><h2>Video</h2>{_rows(page.facts)}</section>')
    if page.clocks:
        parts.append(f'<section id="clocks"><h2>Clocks</h2>{_rows(page.clocks)}</section>')
    if page.telemetry:
        parts.append(f'<section id="telemetry"><h2>Telemetry</h2>{_rows(page.telemetry)}</section>')
    if page.warnings:
        items = "".join(f"<li>{_esc(w)}</li>" for w in page.warnings)
        parts.append(f'<section id="warnings"><h2>Warnings</h2><ul class="warnings">{items}</ul>'
                     "</section>")  # fmt: skip
    data: list[dict[str, str]] = []
    if page.grids:
        for k, grid in enumerate(page.grids):
            anchor = "frames" if k == 0 else f"frames-{k + 1}"
            parts.append(_frame_sheet(grid.title, anchor, grid.frames, page_dir, data))
    elif page.frames:
        parts.append(_frame_sheet(page.frames_title, "frames", page.frames, page_dir, data))
    if page.selection:
        parts.append(f'<section id="selection"><h2>Selection</h2>{_rows(page.selection)}'
                     "</section>")  # fmt: skip
    parts.append(
        _pictures(f"Masks ({len(page.masks)})", "masks", page.masks, page_dir, layout="sheet")
    )
    # the frames in the order their data was laid out (the map's markers index it)
    shown = [f for grid in page.grids for f in grid.frames] if page.grids else page.frames
    svg = map_svg(page.track, shown, tiles=tiles)
    if svg is not None:
        placed = sum(f.lat is not None for f in shown)
        source = f" from {_esc(page.track.source)}" if page.track is not None else ""
        parts.append(
            f'<section id="map"><h2>Track</h2><p>{placed} frames with a position{source}; '
            "crosses mark GPS points left out (no fix, poor precision, impossible speed), open "
            "circles duplicates, colours sequences. Click a frame.</p>"
            f'<div class="map-wrap">{svg}<aside id="map-info"><p>Click or hover a frame on the '
            "map to see it here.</p></aside></div></section>"
        )
    if page.other_files:
        items = "".join(
            f'<li><a href="{_href(p, page_dir)}">{_esc(p.name)}</a></li>' for p in page.other_files
        )
        parts.append(f'<section id="other"><h2>Other files</h2><p>Files in these folders that '
                     f"vfx did not make.</p><ul>{items}</ul></section>")  # fmt: skip
    parts.append(_batch(page.batch))
    # Every <, > and & as a JSON escape: no text in the data (a frame_index of
    # "<!--<script>") can end the script element or switch the parser into another state.
    payload = (
        json.dumps(data)  # ASCII: surrogates come out escaped
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    script = (
        f'<script type="application/json" id="frame-data">{payload}</script>\n'
        f"<script>{_SCRIPT}</script>\n"
    )
    return _document(page.title, "\n".join(p for p in parts if p), script)


def render_index(pages: list[tuple[str, str, int]], batch: list[BatchRow]) -> str:
    """The index of several pages: ``(title, file name, frames)`` each, and a batch table."""
    items = "".join(
        f'<li><a href="{quote(os.fsencode(name))}">{_esc(title)}</a> ({frames} frames)</li>'
        for title, name, frames in pages
    )
    body = f'<section id="pages"><h2>Reports</h2><ul>{items}</ul></section>' + _batch(batch)
    return _document("vfx report", body)
