"""All file, container and subprocess IO of vfx lives in this package."""

from vfx.io.images import read_image, write_image
from vfx.io.table import read_frame_table, write_frame_table
from vfx.io.video import PacketIndex, VideoReader, iter_frames, probe

__all__ = [
    "PacketIndex",
    "VideoReader",
    "iter_frames",
    "probe",
    "read_frame_table",
    "read_image",
    "write_frame_table",
    "write_image",
]
