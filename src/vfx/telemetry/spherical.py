"""Spherical video metadata: is this a 360 (or 180) video, and in which projection?

Reads Google's Spherical Video metadata, version 1 (an XMP document in a ``uuid`` box of the
video track, UUID ``ffcc8263-f855-4a93-8814-587a02521fdd``) and version 2 (``st3d`` and
``sv3d/proj`` boxes in the video sample entry; ``equi`` gives the crop of an equirectangular
frame as 0.32 fixed-point fractions of the full sphere).
"""

from __future__ import annotations

import re
import struct

from vfx.io.mp4 import Mp4File, TrackSummary
from vfx.telemetry.track import Projection

__all__ = ["read_projection"]

_V1_UUID = bytes.fromhex("ffcc8263f8554a938814587a02521fdd")
_STEREO = {0: "mono", 1: "top-bottom", 2: "left-right"}
# Fixed fields of a VisualSampleEntry before its child boxes (ISO/IEC 14496-12 12.1.3).
_VISUAL_ENTRY_FIELDS = 78


def _v1(mp4: Mp4File, video: TrackSummary, width: int, height: int) -> Projection | None:
    for box in mp4.children(video.box):
        if box.type != "uuid" or box.payload_size < 16:
            continue
        data = mp4.payload(box, limit=1 << 20)
        if data[:16] != _V1_UUID:
            continue
        xml = data[16:].decode("utf-8", "replace")

        def tag(name: str, xml: str = xml) -> str | None:
            m = re.search(rf"<GSpherical:{name}>\s*([^<]*?)\s*</GSpherical:{name}>", xml)
            return m.group(1) if m else None

        def number(name: str, default: int) -> int:
            value = tag(name)
            try:
                return int(float(value)) if value is not None else default
            except ValueError:
                return default

        if (tag("Spherical") or "").lower() != "true":
            return None
        stereo = (tag("StereoMode") or "mono").lower()
        eye_w, eye_h = width, height
        if stereo == "top-bottom":
            eye_h //= 2
        elif stereo == "left-right":
            eye_w //= 2
        crop_w = number("CroppedAreaImageWidthPixels", eye_w)
        crop_h = number("CroppedAreaImageHeightPixels", eye_h)
        return Projection(
            type=(tag("ProjectionType") or "equirectangular").lower(),
            full_width=number("FullPanoWidthPixels", crop_w),
            full_height=number("FullPanoHeightPixels", crop_h),
            crop_left=number("CroppedAreaLeftPixels", 0),
            crop_top=number("CroppedAreaTopPixels", 0),
            crop_width=crop_w,
            crop_height=crop_h,
            stereo=stereo,
            source="spherical v1",
        )
    return None


def _v2(mp4: Mp4File, video: TrackSummary, width: int, height: int) -> Projection | None:
    stsd = mp4.find(video.box, "mdia/minf/stbl/stsd")
    if stsd is None or stsd.payload_size < 16:
        return None
    entry_size = struct.unpack(">I", mp4.read(stsd.payload_offset + 8, 4))[0]
    entry_start = stsd.payload_offset + 8
    entry_end = min(entry_start + entry_size, stsd.end)
    first_child = entry_start + 8 + _VISUAL_ENTRY_FIELDS
    if first_child >= entry_end:
        return None
    boxes = {b.type: b for b in mp4.boxes(first_child, entry_end, depth=6)}
    stereo = "mono"
    if "st3d" in boxes:
        data = mp4.payload(boxes["st3d"], limit=64)
        stereo = _STEREO.get(data[4] if len(data) > 4 else 0, "mono")
    if "sv3d" not in boxes:
        return None
    proj = mp4.find(boxes["sv3d"], "proj")
    if proj is None:
        return None
    kinds = {b.type: b for b in mp4.children(proj, depth=8)}
    eye_w, eye_h = width, height
    if stereo == "top-bottom":
        eye_h //= 2
    elif stereo == "left-right":
        eye_w //= 2
    if "equi" in kinds:
        data = mp4.payload(kinds["equi"], limit=64)
        top, bottom, left, right = (
            struct.unpack_from(">4I", data, 4) if len(data) >= 20 else (0, 0, 0, 0)
        )
        frac_w = 1 - (left + right) / 2**32
        frac_h = 1 - (top + bottom) / 2**32
        full_w = round(eye_w / frac_w) if frac_w > 0 else eye_w
        full_h = round(eye_h / frac_h) if frac_h > 0 else eye_h
        return Projection(
            "equirectangular",
            full_w,
            full_h,
            round(left / 2**32 * full_w),
            round(top / 2**32 * full_h),
            eye_w,
            eye_h,
            stereo,
            "spherical v2",
        )
    kind = "cubemap" if "cbmp" in kinds else "mesh" if "mshp" in kinds else "unknown"
    return Projection(kind, eye_w, eye_h, 0, 0, eye_w, eye_h, stereo, "spherical v2")


def read_projection(mp4: Mp4File, width: int, height: int) -> Projection | None:
    """The spherical projection of the first video track, or ``None`` for ordinary video.

    ``width``/``height`` are the coded frame size; crops are given per eye for stereo video.
    """
    video = next((t for t in mp4.tracks if t.handler_type == "vide"), None)
    if video is None:
        return None
    v2 = _v2(mp4, video, width, height)
    if v2 is not None and v2.type == "equirectangular":
        return v2
    # VR180 files carry a v2 mesh and a v1 equirectangular description of the same frames.
    return _v1(mp4, video, width, height) or v2


#: Camera models (as their telemetry names them) that record 360 video and flat video too.
SPHERICAL_MODELS = ("GoPro Max", "Mi Sphere", "Insta360", "THETA")


def flat_mode(model: str | None, projection: Projection | None, layout: str | None) -> str | None:
    """What ``vfx info`` says of a 360 camera's flat recording (the GoPro MAX's HERO mode, a
    single 16:9 stream without spherical metadata); None for anything else.

    >>> flat_mode("GoPro Max", None, None)
    "flat: the GoPro Max's HERO mode, not 360"
    >>> flat_mode("HERO7 Black", None, None) is None, flat_mode("GoPro Max", None, "EAC") is None
    (True, True)
    """
    if model is None or projection is not None or layout:
        return None
    if not any(name.lower() in model.lower() for name in SPHERICAL_MODELS):
        return None
    mode = "HERO mode" if "gopro max" in model.lower() else "flat mode"
    return f"flat: the {model}'s {mode}, not 360"
