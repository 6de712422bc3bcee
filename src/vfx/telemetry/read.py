"""Read whatever telemetry a video carries: GPMF, CAMM, madv, else through exiftool."""

from __future__ import annotations

import logging
import math
import struct
from pathlib import Path

import numpy as np

from vfx.errors import TelemetryError, ToolNotFoundError, VfxError
from vfx.io.mp4 import Mp4File
from vfx.io.video.containers import DUAL_FISHEYE, is_dual_fisheye
from vfx.telemetry.camm import CammReading, decode_camm
from vfx.telemetry.gpmf import GpmfReading, parse_klv, read_gpmf
from vfx.telemetry.madv import read_madv
from vfx.telemetry.orientation import Orientation, matrix_to_quaternion
from vfx.telemetry.spherical import read_projection
from vfx.telemetry.track import Projection, Telemetry

__all__ = ["read_telemetry"]

log = logging.getLogger("vfx")


def _udta_text(data: bytes) -> str | None:
    """A QuickTime ``©xxx`` user-data string: 2-byte length, 2-byte language, text."""
    if len(data) < 4:
        return None
    size = struct.unpack_from(">H", data)[0]
    text = data[4 : 4 + size].decode("utf-8", "replace").strip("\x00 ").strip()
    return text or None


#: GoPro firmware identifiers (udta ``FIRM``, e.g. ``HD5.02.02.00.00``) and their cameras,
#: for files whose GPMF names no model (the Karma drone's HERO5 Black, say).
GOPRO_FIRMWARE = {
    "HD5.02": "HERO5 Black",
    "HD6.01": "HERO6 Black",
    "HD7.01": "HERO7 Black",
    "HD8.01": "HERO8 Black",
    "HD9.01": "HERO9 Black",
    "H19.03": "MAX",
    "H21.01": "HERO10 Black",
    "H22.01": "HERO11 Black",
    "H22.03": "HERO11 Black Mini",
    "H23.01": "HERO12 Black",
    "H24.01": "HERO13 Black",
}
#: QuickTime Keys (``moov/meta``) that name the device: Android phones write these.
_KEYS_MAKE = ("com.android.manufacturer", "com.apple.quicktime.make")
_KEYS_MODEL = ("com.android.model", "com.apple.quicktime.model")


def _keys_metadata(mp4: Mp4File) -> dict[str, str]:
    """The text items of QuickTime's ``moov/meta`` (``keys`` names, ``ilst`` values)."""
    meta = mp4.find(mp4.moov, "meta")
    if meta is None:
        return {}
    boxes = {b.type: b for b in mp4.children(meta)}
    if "keys" not in boxes or "ilst" not in boxes:
        return {}
    data = mp4.payload(boxes["keys"], limit=1 << 20)
    names: list[str] = []
    pos = 8
    count = struct.unpack_from(">I", data, 4)[0] if len(data) >= 8 else 0
    while len(names) < count and pos + 8 <= len(data):
        size = struct.unpack_from(">I", data, pos)[0]
        if size < 8 or pos + size > len(data):
            break
        names.append(data[pos + 8 : pos + size].decode("utf-8", "replace"))
        pos += size
    out: dict[str, str] = {}
    for item in mp4.children(boxes["ilst"], depth=3):
        number = struct.unpack(">I", item.type.encode("latin-1"))[0]
        if not 1 <= number <= len(names) or item.payload_size > 4096:
            continue
        for value in mp4.children(item, depth=4):
            raw = mp4.payload(value, limit=4096) if value.type == "data" else b""
            # data: type indicator (1 = UTF-8), locale, then the value
            if len(raw) > 8 and struct.unpack_from(">I", raw)[0] == 1:
                text = raw[8:].decode("utf-8", "replace").strip("\x00 ").strip()
                if text:
                    out[names[number - 1]] = text
    return out


def _make_model(mp4: Mp4File, telemetry: Telemetry, has_gpmf: bool) -> None:
    """Make and Model from every place a file states them: udta ``©mak``/``©mod``, GPMF
    ``MINF`` (and ``DVNM``, read with the track), GoPro's ``FIRM`` and QuickTime Keys."""
    udta = mp4.find(mp4.moov, "udta")
    firmware = None
    for box in mp4.children(udta) if udta is not None else ():
        if box.type == "\xa9mak" and box.payload_size < 4096:
            telemetry.make = _udta_text(mp4.payload(box)) or telemetry.make
        elif box.type == "\xa9mod" and box.payload_size < 4096:
            telemetry.model = _udta_text(mp4.payload(box)) or telemetry.model
        elif box.type == "FIRM" and box.payload_size < 4096:
            firmware = mp4.payload(box).split(b"\x00", 1)[0].decode("latin-1").strip()
        elif box.type == "GPMF" and box.payload_size < 1 << 20:
            has_gpmf = True
            try:
                stack = parse_klv(mp4.payload(box), path=mp4.path)
                while stack:
                    item = stack.pop()
                    stack.extend(item.children)
                    if item.key == "MINF" and item.type == "c":
                        telemetry.model = item.text() or telemetry.model
            except TelemetryError as exc:
                telemetry.notes.append(f"global GPMF unreadable: {exc.message}")
    try:
        keys = _keys_metadata(mp4)
    except TelemetryError as exc:
        telemetry.notes.append(f"QuickTime keys unreadable: {exc.message}")
        keys = {}
    make = next((keys[k] for k in _KEYS_MAKE if k in keys), None)
    model = next((keys[k] for k in _KEYS_MODEL if k in keys), None)
    telemetry.make = telemetry.make or make
    telemetry.model = telemetry.model or model
    if firmware and firmware[:6] in GOPRO_FIRMWARE:
        has_gpmf = True
        telemetry.model = telemetry.model or GOPRO_FIRMWARE[firmware[:6]]
    if has_gpmf and telemetry.make is None:
        telemetry.make = "GoPro"


def _frame_times(mp4: Mp4File) -> np.ndarray:
    video = next((t for t in mp4.tracks if t.handler_type == "vide"), None)
    if video is None:
        return np.zeros(0)
    return np.sort(mp4.sample_table(video).presentation_s)


def _video_size(mp4: Mp4File) -> tuple[int, int]:
    video = next((t for t in mp4.tracks if t.handler_type == "vide"), None)
    entry = mp4.sample_entry(video) if video is not None else b""
    if len(entry) < 28:
        return 0, 0
    width, height = struct.unpack_from(">HH", entry, 24)
    return width, height


def _merge(telemetry: Telemetry, source: str, reading: GpmfReading | CammReading) -> None:
    """Add one track's reading; the first track with GPS, clock or orientation wins."""
    telemetry.sources.append(source)
    telemetry.gps = telemetry.gps or reading.gps
    telemetry.clock = telemetry.clock or reading.clock
    telemetry.orientation = telemetry.orientation or reading.orientation
    telemetry.series.update(reading.series)


def _read_mp4(path: Path, telemetry: Telemetry) -> bool:
    """Read the MP4's telemetry into ``telemetry``; returns whether the file is plain."""
    with Mp4File(path) as mp4:
        telemetry.creation_utc = mp4.header.creation_time
        has_gpmf = False
        for track in mp4.tracks:
            if track.sample_entry == "gpmd":
                has_gpmf = True
                gpmf = read_gpmf(mp4.iter_sample_data(track), path=path)
                _merge(telemetry, "gpmf", gpmf)
                telemetry.notes.extend(gpmf.notes)
                if gpmf.model and telemetry.model is None:
                    telemetry.model = gpmf.model
            elif track.sample_entry == "camm":
                table, data, starts = mp4.sample_bytes(track)
                camm = decode_camm(data, starts, table.size, table.time_s, path=path)
                _merge(telemetry, "camm", camm)
        madv = read_madv(mp4)
        if madv is not None:
            telemetry.sources.append("madv")
            telemetry.raw.update({f"madv/{k}": v for k, v in madv.raw.items()})
            times = _frame_times(mp4)
            count = min(len(madv.matrices), times.size)
            keep = np.arange(madv.first_frame, count)
            if keep.size and telemetry.orientation is None:
                telemetry.orientation = Orientation(
                    times[keep],
                    matrix_to_quaternion(madv.matrices[keep]),
                    "madv tlyd",
                    "camera rotation per frame",
                )
            telemetry.make = telemetry.make or "Xiaomi"
        _make_model(mp4, telemetry, has_gpmf)
        width, height = _video_size(mp4)
        telemetry.projection = read_projection(mp4, width, height)
        if is_dual_fisheye(path):
            # two fisheye circles, whatever else the file says: never tagged equirectangular
            telemetry.projection = Projection(
                "dual-fisheye", width, height, 0, 0, width, height, "mono", "Insta360"
            )
            telemetry.notes.append(DUAL_FISHEYE + "; images are not tagged as panoramas")
        elif telemetry.projection is None and madv is not None and width == 2 * height:
            telemetry.projection = Projection(
                "equirectangular", width, height, 0, 0, width, height, "mono", "madv"
            )
        return mp4.looks_plain()


_TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pdin", b"uuid", b"styp"}


def _looks_mp4(path: Path) -> bool:
    """Whether the file starts like an MP4/QuickTime file (a known top-level box)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise TelemetryError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    return len(head) == 8 and head[4:8] in _TOP_LEVEL


def read_telemetry(path: str | Path, *, fallback: bool = True) -> Telemetry:
    """Everything ``path`` says about when, where and how the camera moved.

    Reads GoPro GPMF (with the Karma drone's GLPI positions), Google CAMM and the Mi Sphere
    ``madv`` box directly. When the file has none of them and ``fallback`` is true, asks
    exiftool (``-ee``), which knows many other brands; a missing exiftool only costs that
    fallback (logged), never the run.

    Raises
    ------
    TelemetryError
        When the file's boxes or telemetry are malformed (the message names the file).
    """
    path = Path(path)
    if not path.exists():
        raise TelemetryError("no such file", path=path)
    if not path.is_file():
        raise TelemetryError("is not a regular file (a folder, a pipe or a device)", path=path)
    if path.stat().st_size == 0:
        raise TelemetryError("file is empty (0 bytes)", path=path)
    telemetry = Telemetry(path=path)
    is_mp4 = _looks_mp4(path)
    # A plain MP4 (video, audio, timecode only) has nowhere for exiftool to find telemetry.
    plain = _read_mp4(path, telemetry) if is_mp4 else False
    # exiftool is asked only when vfx read no telemetry itself: a GPMF, CAMM or madv track
    # without GPS (any indoor recording) has none for exiftool to find either, and reading a
    # long track through exiftool takes tens of seconds.
    if telemetry.gps is None and fallback and not plain and not telemetry.sources:
        _fallback(path, telemetry, is_mp4)
    if telemetry.clock is not None and not math.isfinite(telemetry.clock.offset_s):
        telemetry.notes.append("the GPS clock is not a finite number; not used")
        telemetry.clock = None
    return telemetry


def _fallback(path: Path, telemetry: Telemetry, is_mp4: bool) -> None:
    from vfx.telemetry.embedded import parse_exif_datetime, read_exiftool_track

    try:
        found = read_exiftool_track(path, creation_utc=telemetry.creation_utc)
    except ToolNotFoundError as exc:
        log.info("%s: exiftool fallback unavailable (%s)", path, exc.message)
        return
    except VfxError as exc:
        telemetry.notes.append(f"exiftool: {exc.message}")
        return
    telemetry.notes.extend(found.notes)
    if found.track is not None:
        telemetry.sources.append("exiftool")
        telemetry.gps = found.track
        if found.clock is not None and found.clock.source == "gps":
            telemetry.clock = telemetry.clock or found.clock
    main = found.main
    telemetry.make = telemetry.make or main.get("Make") or None
    telemetry.model = telemetry.model or main.get("Model") or None
    if not is_mp4 and telemetry.creation_utc is None:
        created = main.get("CreateDate") or main.get("DateTimeOriginal")
        telemetry.creation_utc = parse_exif_datetime(created) if created else None
