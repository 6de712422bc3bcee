"""vfx: turn videos into stills and visual effects, with exact times and kept metadata.

The library API; the ``vfx`` command is a thin layer over it.
"""

__version__ = "0.1.0"

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
from vfx.extraction import Extraction, extract_frames, extract_keyframes
from vfx.io.images import read_image, write_image
from vfx.io.video import VideoReader, iter_frames, probe
from vfx.types import Frame, StreamInfo, VideoInfo

__all__ = [
    "DecodeError",
    "Extraction",
    "Frame",
    "ImageReadError",
    "MetadataError",
    "OutputError",
    "ParameterError",
    "RecipeError",
    "StreamInfo",
    "TelemetryError",
    "ToolNotFoundError",
    "VfxError",
    "VideoInfo",
    "VideoOpenError",
    "VideoReader",
    "__version__",
    "extract_frames",
    "extract_keyframes",
    "iter_frames",
    "probe",
    "read_image",
    "write_image",
]
