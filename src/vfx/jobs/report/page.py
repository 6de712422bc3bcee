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
:root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d1d1f;--muted:#5a5a60;--card:#ffffff;
--line:#d9d9de;--accent:#1f4e79;--head:#13324f;--flag:#a40000;--warn:#7a4a00}
@media (prefers-color-scheme:dark){:root{--bg:#141417;--fg:#ececf0;--muted:#a6a6ae;
--card:#202026;--line:#34343c;--accent:#7fb2e5;--head:#0d2236;--flag:#ff8a80;--warn:#ffcc80}}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);
background:var(--bg)}
header{background:var(--head);color:#fff;padding:18px clamp(12px,4vw,40px)}
header h1{margin:0;font-size:clamp(1.2em,3vw,1.7em);word-break:break-word}
header p{margin:4px 0 0;opacity:.85;font-size:.9em}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:10px;font-size:.9em}
nav.toc a{color:#fff;opacity:.9}
main{padding:8px clamp(12px,4vw,40px) 48px;max-width:1500px;margin:0 auto}
a{color:var(--accent)}
h2{font-size:1.15em;border-bottom:1px solid var(--line);padding-bottom:4px;margin:30px 0 12px}
table{border-collapse:collapse;max-width:100%;display:block;overflow-x:auto}
td,th{padding:3px 12px 3px 0;vertical-align:top;text-align:left}
th{font-weight:600;white-space:nowrap;color:var(--muted)}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px}
figure{margin:0}
.sheet figure,.pictures figure{background:var(--card);padding:6px;border-radius:8px;
border:1px solid var(--line)}
.sheet img{width:100%;height:auto;display:block;aspect-ratio:16/9;object-fit:contain;
border-radius:4px}
figcaption{font-size:.8em;color:var(--muted);margin-top:4px;word-break:break-word}
.flag{color:var(--flag)}
.pictures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));
gap:16px}
.pictures{align-items:start}
.pictures img{width:100%;height:auto;max-height:60vh;object-fit:contain;display:block;
border-radius:4px}
#pictures .pictures figure:first-child{grid-column:1/-1}
#pictures .pictures figure:first-child img{max-height:80vh;object-fit:contain}
.map-wrap{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
svg.map{width:800px;max-width:100%;height:auto;border:1px solid var(--line)}
svg.map .frame{cursor:pointer}
svg.map .frame:hover,svg.map .frame.selected{stroke:#000;stroke-width:3}
#map-info{width:260px;max-width:100%;font-size:.9em}
#map-info img{width:100%;height:auto}
.plots svg{width:900px;max-width:100%;height:auto;display:block;background:#fff;
border-radius:6px;margin-bottom:10px}
.status-failed{color:var(--flag);font-weight:600}
.warnings li{color:var(--warn)}
a.shows{cursor:zoom-in}
dialog.lightbox{border:0;padding:0;background:transparent;max-width:100vw;max-height:100vh;
width:100vw;height:100vh}
dialog.lightbox::backdrop{background:rgba(0,0,0,.88)}
.lightbox .stage{display:flex;flex-direction:column;align-items:center;justify-content:center;
height:100%;padding:48px 56px 16px}
.lightbox img{max-width:100%;max-height:calc(100vh - 110px);object-fit:contain;background:#000}
.lightbox p{color:#eee;margin:10px 0 0;text-align:center;font-size:.95em}
.lightbox button{position:absolute;background:rgba(255,255,255,.14);color:#fff;border:0;
border-radius:50%;width:44px;height:44px;font-size:22px;cursor:pointer}
.lightbox button:focus-visible{outline:2px solid #fff}
.lightbox .close{top:10px;right:12px}
.lightbox .prev{left:8px;top:50%}
.lightbox .next{right:8px;top:50%}
.index{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px;
list-style:none;padding:0}
.index li{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px}
.index img{width:100%;height:auto;display:block;border-radius:4px;aspect-ratio:16/9;
object-fit:cover}
@media (max-width:600px){body{font-size:14px}.sheet{grid-template-columns:repeat(2,1fr)}
.lightbox .stage{padding:52px 8px 12px}}
"""

_LIGHTBOX = """
(function () {
  var links = Array.prototype.slice.call(document.querySelectorAll("a.shows"));
  if (!links.length || !window.HTMLDialogElement) { return; }
  var box = document.createElement("dialog");
  box.className = "lightbox";
  box.setAttribute("aria-label", "picture viewer");
  box.innerHTML = '<div class="stage"><img alt=""><p></p></div>' +
    '<button class="close" type="button" aria-label="Close (Esc)">\u00d7</button>' +
    '<button class="prev" type="button" aria-label="Previous (left arrow)">\u2039</button>' +
    '<button class="next" type="button" aria-label="Next (right arrow)">\u203a</button>';
  document.body.appendChild(box);
  var img = box.querySelector("img"), text = box.querySelector("p"), group = [], at = 0;
  function open(k) {
    at = (k + group.length) % group.length;
    var a = group[at];
    img.src = a.getAttribute("data-large") || a.getAttribute("href");
    img.alt = a.querySelector("img").alt;
    text.textContent = a.getAttribute("data-caption") || img.alt;
    if (!box.open) { box.showModal(); }
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (e) {
      if (e.ctrlKey || e.metaKey || e.shiftKey) { return; }
      e.preventDefault();
      var section = a.closest("section");
      group = links.filter(function (b) { return b.closest("section") === section; });
      open(group.indexOf(a));
    });
  });
  box.querySelector(".close").addEventListener("click", function () { box.close(); });
  box.querySelector(".prev").addEventListener("click", function () { open(at - 1); });
  box.querySelector(".next").addEventListener("click", function () { open(at + 1); });
  box.addEventListener("click", function (e) { if (e.target === box) { box.close(); } });
  box.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { open(at - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { open(at + 1); e.preventDefault(); }
  });
})();
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


#: Pictures a browser shows itself; others (TIFF) are shown by their large thumbnail.
_SHOWN = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def _large(full: Path | None, thumb: Path | None, page_dir: Path) -> str:
    """What the lightbox shows: the file itself where a browser can, else its thumbnail."""
    if full is not None and full.suffix.lower() in _SHOWN:
        return _href(full, page_dir)
    return _href(thumb or full, page_dir)


def _pictures(
    title: str, anchor: str, entries: list[ImageEntry], page_dir: Path, layout: str = "pictures"
) -> str:
    if not entries:
        return ""
    figures = []
    for e in entries:
        src = _href(e.thumb or e.path, page_dir)
        caption = f"{e.caption} ({e.path.name})"
        figures.append(
            f'<figure><a class="shows" href="{_href(e.path, page_dir)}" '
            f'data-large="{_large(e.path, e.thumb, page_dir)}" data-caption="{_esc(caption)}">'
            f'<img src="{src}" loading="lazy" alt="{_esc(e.caption)}: {_esc(e.path.name)}"></a>'
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
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


def _toc(body: str) -> str:
    """Links to the page's sections, in their order."""
    import re

    found = re.findall(r'<section id="([\w-]+)"[^>]*><h2>([^<]+)</h2>', body)
    if len(found) < 2:
        return ""
    links = "".join(f'<a href="#{anchor}">{title}</a>' for anchor, title in found)
    return f'<nav class="toc" aria-label="sections">{links}</nav>'


def _document(title: str, body: str, script: str = "") -> str:
    from vfx import __version__

    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)} - vfx report</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{_esc(title)}</h1><p>Made by vfx {__version__} on {made}</p>"
        f"{_toc(body)}</header>\n"
        f"<main>\n{body}\n</main>\n{script}<script>{_LIGHTBOX}</script>\n</body>\n</html>\n"
    )


def _frame_sheet(title: str, anchor: str, frames: list, page_dir: Path, data: list) -> str:
    """A grid of frame thumbnails; each frame's data is added to ``data`` for the map."""
    figures = []
    for f in frames:
        flag = f' <span class="flag">{_esc(f.flag)}</span>' if f.flag else ""
        when = f"<br>{_esc(f.utc)}" if f.utc else ""
        target = _href(f.full or f.thumb, page_dir)
        figures.append(
            f'<figure><a class="shows" href="{target}" data-large="'
            f'{_large(f.full, f.large or f.thumb, page_dir)}" data-caption="{_esc(f.alt_text)}">'
            f'<img src="{_href(f.thumb, page_dir)}" loading="lazy" alt="{_esc(f.alt_text)}">'
            f"</a><figcaption>{_esc(f.label)}: {f.time_s:.3f} s{when}{flag}</figcaption></figure>"
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


def render_index(
    pages: list[tuple[str, str, int, str | None]], batch: list[BatchRow], page_dir: Path
) -> str:
    """The index of several pages: ``(title, file name, frames, thumbnail)`` each, with each
    input's status from the batch, and the batch table."""
    status = {Path(r.input).name: r.status for r in batch}
    items = []
    for title, name, frames, thumb in pages:
        picture = (
            f'<img src="{_href(Path(thumb), page_dir)}" alt="{_esc(title)}" loading="lazy">'
            if thumb
            else ""
        )
        state = status.get(title)
        badge = f' <span class="status-{_esc(state)}">{_esc(state)}</span>' if state else ""
        items.append(
            f'<li><a href="{quote(os.fsencode(name))}">{picture}{_esc(title)}</a>'
            f"<br>{frames} frames{badge}</li>"
        )
    body = (
        f'<section id="pages"><h2>Reports</h2><ul class="index">{"".join(items)}</ul></section>'
        + _batch(batch)
    )
    return _document("vfx report", body)
