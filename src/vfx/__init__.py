"""vfx: videos into stills and visual effects for the people who study and show motion, with
exact times and every tag kept.

Each ``vfx`` command is one call here, writing the same files; in a notebook each result
shows itself (its pictures, a strip of its frames), and :func:`show` shows any file vfx wrote:

    import vfx
    keys = vfx.extract_keyframes("dance.mp4", "keys")           # every keyframe, lossless
    vfx.make_composite("keys", "display.png")                   # the keyframe display
    vfx.analyse_motion("dance.mp4", "motion")                   # motiongrams, QoM, sound, SSM
    vfx.select_frames("dance.mp4", 12, "chosen")                # the 12 most different frames
    vfx.write_pose("dance.mp4", "pose")                         # body landmarks, skeleton video
    vfx.write_flow("dance.mp4", "flow")                         # optical flow, directogram
    vfx.extract_frames("ride.mp4", "ride", distance_m=3)        # a geotagged frame every 3 m
    vfx.make_report(["keys", "motion"], "report")               # one page of it all
    vfx.show("motion/dance_motiongram_time-x.png")

Also: ``make_background``, ``make_masks``, ``make_montage``, ``make_trails``,
``blur_images``, ``read_telemetry``, ``geotag_folder``, ``run_recipe``; frames one by one
with :class:`VideoReader`. Errors are :class:`VfxError` subclasses that name the file.
Names load on first use, so ``import vfx`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "DecodeError": "vfx.errors",
    "ImageReadError": "vfx.errors",
    "MetadataError": "vfx.errors",
    "OutputError": "vfx.errors",
    "ParameterError": "vfx.errors",
    "RecipeError": "vfx.errors",
    "TelemetryError": "vfx.errors",
    "ToolNotFoundError": "vfx.errors",
    "VfxError": "vfx.errors",
    "VideoOpenError": "vfx.errors",
    "Extraction": "vfx.jobs.stills",
    "extract_frames": "vfx.jobs.stills",
    "extract_keyframes": "vfx.jobs.stills",
    "estimate_background": "vfx.jobs.background",
    "make_background": "vfx.jobs.background",
    "make_composite": "vfx.jobs.composite",
    "make_masks": "vfx.jobs.masks",
    "make_montage": "vfx.jobs.montage",
    "open_source": "vfx.io.sources",
    "read_image": "vfx.io.images",
    "write_image": "vfx.io.images",
    "VideoReader": "vfx.io.video.reader",
    "iter_frames": "vfx.io.video.reader",
    "probe": "vfx.io.video.reader",
    "Frame": "vfx.types",
    "StreamInfo": "vfx.types",
    "VideoInfo": "vfx.types",
    "MetadataOptions": "vfx.tagging.tagger",
    "read_telemetry": "vfx.telemetry.read",
    "read_gpx": "vfx.telemetry.trackfiles.gpx",
    "read_track": "vfx.telemetry.trackfiles",
    "Telemetry": "vfx.telemetry.track",
    "GpsTrack": "vfx.telemetry.track",
    "export_telemetry_file": "vfx.jobs.geotag",
    "geotag_folder": "vfx.jobs.geotag",
    "run_recipe": "vfx.recipe.runner",
    "load_recipe": "vfx.recipe.schema",
    "analyse_motion": "vfx.jobs.motion",
    "track_poses": "vfx.jobs.pose",
    "write_pose": "vfx.jobs.pose",
    "select_frames": "vfx.jobs.select",
    "write_flow": "vfx.jobs.flow",
    "make_trails": "vfx.jobs.trails",
    "blur_images": "vfx.jobs.blur",
    "make_report": "vfx.jobs.report",
    "show": "vfx.io.display",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vfx' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from vfx.errors import (
        DecodeError,
        ImageReadError,
        MetadataError,
        OutputError,
        ParameterError,
        RecipeError,
        TelemetryError,
        ToolNotFoundError,
        VfxError,
        VideoOpenError,
    )
    from vfx.io.display import show
    from vfx.io.images import read_image, write_image
    from vfx.io.sources import open_source
    from vfx.io.video.reader import VideoReader, iter_frames, probe
    from vfx.jobs.background import estimate_background, make_background
    from vfx.jobs.blur import blur_images
    from vfx.jobs.composite import make_composite
    from vfx.jobs.flow import write_flow
    from vfx.jobs.geotag import export_telemetry_file, geotag_folder
    from vfx.jobs.masks import make_masks
    from vfx.jobs.montage import make_montage
    from vfx.jobs.motion import analyse_motion
    from vfx.jobs.pose import track_poses, write_pose
    from vfx.jobs.report import make_report
    from vfx.jobs.select import select_frames
    from vfx.jobs.stills import Extraction, extract_frames, extract_keyframes
    from vfx.jobs.trails import make_trails
    from vfx.recipe.runner import run_recipe
    from vfx.recipe.schema import load_recipe
    from vfx.tagging.settings import MetadataOptions
    from vfx.telemetry.read import read_telemetry
    from vfx.telemetry.track import GpsTrack, Telemetry
    from vfx.telemetry.trackfiles import read_track
    from vfx.telemetry.trackfiles.gpx import read_gpx
    from vfx.types import Frame, StreamInfo, VideoInfo
