"""The GPS track as an SVG map in a local projection, with a scale bar and a north arrow.

Positions are projected about the track's centre (x = R cos(lat0) dlon, y = R dlat, in
metres; for the few kilometres a recording covers this is within a fraction of a percent of the
true distances), so the scale bar is exact enough to read. Each frame with a position is one
``<circle class="frame">`` carrying its index in the page's frame list; flagged GPS points
(no fix, poor precision, impossible speed) are crosses, and gaps in the track break the line.
With a tile URL template (``https://.../{z}/{x}/{y}.png``) the map is drawn in Web Mercator
over those tiles instead; without one, nothing is fetched from anywhere.
"""

from __future__ import annotations

import math
from html import escape as _escape

import numpy as np

from vfx.jobs.report.content import FrameEntry, TrackLine

#: Control characters a page may not hold (HTML forbids them; a NUL in a table's cell).
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}


def html_text(text: object) -> str:
    """``text`` for HTML: escaped; a file name's undecodable bytes (lone surrogates) and the
    control characters HTML forbids shown as U+FFFD, since a page is UTF-8."""
    text = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _escape(text.translate(_CONTROLS))


__all__ = ["SEQUENCE_COLOURS", "map_svg", "nice_length"]

EARTH_RADIUS_M = 6_371_008.8
WIDTH, HEIGHT, MARGIN = 800, 520, 40
#: Sequences take these colours in turn (colour-blind-safe, Okabe-Ito).
SEQUENCE_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
_GAP_S = 5.0


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``metres`` (a scale bar's length).

    >>> nice_length(730.0), nice_length(0.31)
    (500.0, 0.2)
    """
    if not metres > 0:
        return 1.0
    power = 10 ** math.floor(math.log10(metres))
    return float(max(m * power for m in (1, 2, 5) if m * power <= metres * (1 + 1e-9)))


def _label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


class _Projection:
    """Degrees to SVG pixels: local metres (or Web Mercator with tiles), fitted to the box."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, mercator: bool):
        self.mercator = mercator
        self.lat0 = float(np.mean([lat.min(), lat.max()]))
        self.lon0 = float(np.mean([lon.min(), lon.max()]))
        x, y = self._metres(lat, lon)
        span = max(float(x.max() - x.min()), float(y.max() - y.min()), 20.0)
        self.scale = min(WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN) / span  # px per metre
        self.cx, self.cy = float((x.max() + x.min()) / 2), float((y.max() + y.min()) / 2)

    def _metres(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.mercator:
            x = EARTH_RADIUS_M * np.radians(lon)
            y = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
            return x, y
        k = EARTH_RADIUS_M * math.cos(math.radians(self.lat0))
        return k * np.radians(lon - self.lon0), EARTH_RADIUS_M * np.radians(lat - self.lat0)

    def __call__(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._metres(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        return (
            WIDTH / 2 + (x - self.cx) * self.scale,
            HEIGHT / 2 - (y - self.cy) * self.scale,
        )

    @property
    def ground_px(self) -> float:
        """Pixels per metre on the ground (Mercator stretches by 1 / cos(lat))."""
        return self.scale / math.cos(math.radians(self.lat0)) if self.mercator else self.scale


#: The longest tile URL template taken (a URL, not a document).
MAX_TILE_TEMPLATE = 2048


def check_tile_template(template: str) -> str:
    """``template`` if it is a tile URL with ``{z}``, ``{x}`` and ``{y}`` and no other field,
    format spec or conversion (``{x:>300000000}`` would make a 300 MB string per tile)."""
    import string

    from vfx.errors import ParameterError

    why = None
    if len(template) > MAX_TILE_TEMPLATE:
        why = f"is longer than {MAX_TILE_TEMPLATE} characters"
    else:
        try:
            fields = [
                (name, spec, conv)
                for _, name, spec, conv in string.Formatter().parse(template)
                if name is not None
            ]
        except ValueError as exc:
            fields, why = [], f"is not a template ({exc})"
        names = {name for name, _, _ in fields}
        if why is None and any(spec or conv for _, spec, conv in fields):
            why = "has a format spec or conversion; write {z}, {x} and {y} alone"
        elif why is None and names != {"z", "x", "y"}:
            others = sorted(names - {"z", "x", "y"})
            why = f"has fields {others}" if others else "lacks one of {z}, {x} and {y}"
    if why is not None:
        raise ParameterError(f"tile URL {why}: must hold {{z}}, {{x}} and {{y}} and no other field")
    return template


def _tiles(proj: _Projection, template: str) -> list[str]:
    """``<image>`` elements of the Web Mercator tiles under the map, at a zoom that fits."""
    world = 2 * math.pi * EARTH_RADIUS_M
    zoom = int(max(0, min(19, math.floor(math.log2(proj.scale * world / 256)))))
    n = 2**zoom
    tile_m = world / n
    left = proj.cx - WIDTH / 2 / proj.scale
    top = proj.cy + HEIGHT / 2 / proj.scale
    out = []
    x0 = math.floor((left + world / 2) / tile_m)
    y0 = math.floor((world / 2 - top) / tile_m)
    size = tile_m * proj.scale
    for tx in range(x0, x0 + math.ceil(WIDTH / size) + 1):
        for ty in range(y0, y0 + math.ceil(HEIGHT / size) + 1):
            if not (0 <= ty < n):
                continue
            px = WIDTH / 2 + (tx * tile_m - world / 2 - proj.cx) * proj.scale
            py = HEIGHT / 2 - (world / 2 - ty * tile_m - proj.cy) * proj.scale
            url = template.format(z=zoom, x=tx % n, y=ty)
            out.append(
                f'<image href="{html_text(url)}" x="{px:.1f}" y="{py:.1f}" width="{size:.1f}" '
                f'height="{size:.1f}" preserveAspectRatio="none"/>'
            )
    return out


def map_svg(
    track: TrackLine | None, frames: list[FrameEntry], *, tiles: str | None = None
) -> str | None:
    """The map as an ``<svg>`` element, or ``None`` when nothing has a position."""
    placed = [(k, f) for k, f in enumerate(frames) if f.lat is not None and f.lon is not None]
    lats = [f.lat for _, f in placed]
    lons = [f.lon for _, f in placed]
    good = None
    if track is not None:
        ok = np.isfinite(track.lat) & np.isfinite(track.lon)
        ok &= (np.abs(track.lat) <= 90) & (np.abs(track.lon) <= 180) & (track.flag != "invalid")
        good = ok & (track.flag == "")
        lats += track.lat[good].tolist()
        lons += track.lon[good].tolist()
    if not lats:
        return None
    proj = _Projection(np.array(lats), np.array(lons), mercator=tiles is not None)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="map-title">',
        '<title id="map-title">GPS track and frame positions</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f2"/>',
    ]
    if tiles:
        parts += _tiles(proj, tiles)
    if track is not None and good is not None:
        parts += _track(proj, track, good)
    sequences: dict[str, int] = {}
    for k, f in placed:
        colour = SEQUENCE_COLOURS[sequences.setdefault(f.sequence, len(sequences)) % 7]
        x, y = proj(np.array([f.lat]), np.array([f.lon]))
        dup = f.flag == "duplicate"
        fill = "none" if dup else colour
        parts.append(
            f'<circle class="frame{" duplicate" if dup else ""}" data-frame="{k}" '
            f'cx="{x[0]:.2f}" cy="{y[0]:.2f}" r="5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="{2 if dup else 1}" tabindex="0"><title>{html_text(f.alt_text)}'
            f"{' (duplicate)' if dup else ''}</title></circle>"
        )
    parts += _scale_bar(proj) + _north_arrow()
    parts.append("</svg>")
    return "\n".join(parts)


def _track(proj: _Projection, track: TrackLine, good: np.ndarray) -> list[str]:
    out = []
    t = track.time_s
    x, y = proj(track.lat, track.lon)
    idx = np.flatnonzero(good)
    if idx.size:
        # break the line where the track has a gap (no good point for longer than 5 s)
        breaks = np.flatnonzero(np.diff(t[idx]) > _GAP_S) + 1 if np.isfinite(t).all() else []
        for piece in np.split(idx, breaks):
            points = " ".join(f"{x[i]:.1f},{y[i]:.1f}" for i in piece)
            out.append(
                f'<polyline class="track" points="{points}" fill="none" stroke="#555" '
                'stroke-width="2" stroke-linejoin="round"/>'
            )
    flagged = np.flatnonzero(~good & np.isfinite(x) & np.isfinite(y) & (track.flag != "invalid"))
    for i in flagged:
        why = str(track.flag[i]).replace("_", " ")
        out.append(
            f'<path class="flagged" d="M{x[i] - 4:.1f},{y[i] - 4:.1f}l8,8m0,-8l-8,8" '
            f'stroke="#c00" stroke-width="1.5"><title>GPS point at {t[i]:.2f} s: {why}'
            "</title></path>"
        )
    return out


def _scale_bar(proj: _Projection) -> list[str]:
    metres = nice_length(0.25 * WIDTH / proj.ground_px)
    px = metres * proj.ground_px
    x0, y0 = MARGIN / 2, HEIGHT - MARGIN / 2
    return [
        f'<g class="scale-bar"><path d="M{x0},{y0 - 6}v6h{px:.1f}v-6" fill="none" '
        'stroke="#000" stroke-width="1.5"/>'
        f'<text x="{x0 + px / 2:.1f}" y="{y0 - 9}" text-anchor="middle" font-size="12">'
        f"{_label(metres)}</text></g>"
    ]


def _north_arrow() -> list[str]:
    x, y = WIDTH - MARGIN / 2 - 10, MARGIN / 2 + 8
    return [
        f'<g class="north-arrow"><path d="M{x},{y - 14}l7,20l-7,-5l-7,5z" fill="#000"/>'
        f'<text x="{x}" y="{y + 22}" text-anchor="middle" font-size="12">N</text></g>'
    ]
