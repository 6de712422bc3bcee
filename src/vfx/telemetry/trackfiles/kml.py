"""Read KML and KMZ tracks into a :class:`~vfx.telemetry.track.GpsTrack`.

Timed positions in KML are ``gx:Track`` elements (parallel ``when`` and ``gx:coord`` lists,
as Google Earth and most loggers write them) and placemarks with a ``TimeStamp`` and a
``Point``. Parsed with the standard library after the same refusal as GPX (no DOCTYPE, no
entities); a KMZ is a zip whose first ``.kml`` is read, refused when it unpacks to more than
the size limit.
"""

from __future__ import annotations

import math
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from vfx.errors import TelemetryError
from vfx.telemetry.track import GpsTrack
from vfx.telemetry.trackfiles.common import (
    MAX_TRACK_BYTES,
    read_limited,
    refuse_entities,
    track_from_rows,
)

__all__ = ["read_kml"]

_NAN = math.nan


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _when(text: str | None) -> float:
    if not text:
        return _NAN
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return _NAN
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _coords(text: str | None, sep: str | None) -> tuple[float, float, float]:
    """``lon lat [alt]`` (gx:coord) or ``lon,lat[,alt]`` (coordinates) as (lat, lon, alt)."""
    parts = (text or "").strip().split(sep)
    try:
        values = [float(p) for p in parts if p.strip()]
    except ValueError:
        return _NAN, _NAN, _NAN
    if len(values) < 2:
        return _NAN, _NAN, _NAN
    return values[1], values[0], values[2] if len(values) > 2 else _NAN


#: A KMZ document unpacking to more than this many times its packed size is refused: XML
#: tracks pack 5-20 times; 1000 is a zip bomb (200 MiB of ``<a/>`` in a 204 kB file took
#: 4.9 GB to parse).
MAX_PACKING_RATIO = 100


def _kml_bytes(path: Path, data: bytes) -> bytes:
    if not zipfile.is_zipfile(BytesIO(data)):
        return data
    try:
        with zipfile.ZipFile(BytesIO(data)) as kmz:
            inner = next((i for i in kmz.infolist() if i.filename.lower().endswith(".kml")), None)
            if inner is None:
                raise TelemetryError("KMZ holds no .kml document", path=path)
            limit = min(MAX_TRACK_BYTES, MAX_PACKING_RATIO * max(inner.compress_size, 1024))
            if inner.file_size > limit:
                raise TelemetryError(
                    f"KMZ document unpacks to {inner.file_size} bytes from "
                    f"{inner.compress_size}, more than allowed ({limit})",
                    path=path,
                )
            with kmz.open(inner) as fh:
                out = fh.read(limit + 1)  # the header's size may lie
            if len(out) > limit:
                raise TelemetryError(
                    f"KMZ document unpacks to more than allowed ({limit} bytes)", path=path
                )
            return out
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # a compression method zipfile lacks (method 6, ...)
        RuntimeError,  # an encrypted member
        OSError,
        EOFError,
    ) as exc:
        why = str(exc) or type(exc).__name__
        raise TelemetryError(f"not a readable KMZ file ({why})", path=path) from exc


def read_kml(path: str | Path) -> GpsTrack:
    """The timed points of a KML or KMZ file (``gx:Track`` and timestamped placemarks).

    Raises
    ------
    TelemetryError
        When the file is unreadable, too large, declares entities, is not XML, or has no
        timed points.
    """
    path = Path(path)
    data = _kml_bytes(path, read_limited(path, "KML"))
    refuse_entities(data, path, "KML")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise TelemetryError(f"not a readable KML file ({exc})", path=path) from exc
    rows: list[tuple[float, ...]] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "Track":
            whens = [_when(c.text) for c in element if _local(c.tag) == "when"]
            coords = [_coords(c.text, None) for c in element if _local(c.tag) == "coord"]
            if len(whens) != len(coords):
                raise TelemetryError(
                    f"a gx:Track has {len(whens)} times but {len(coords)} positions", path=path
                )
            rows += [(t, *c, _NAN) for t, c in zip(whens, coords, strict=True)]
        elif name == "Placemark":
            stamp = next((e for e in element.iter() if _local(e.tag) == "TimeStamp"), None)
            point = next((e for e in element.iter() if _local(e.tag) == "Point"), None)
            if stamp is None or point is None:
                continue
            when = next((e.text for e in stamp if _local(e.tag) == "when"), None)
            text = next((e.text for e in point if _local(e.tag) == "coordinates"), None)
            rows.append((_when(when), *_coords(text, ","), _NAN))
    return track_from_rows(rows, source="kml", path=path, what="KML")
