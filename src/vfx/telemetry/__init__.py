"""Readers for camera telemetry stored in MP4/QuickTime files (box walker first)."""

from vfx.io.mp4 import Box, TrackSummary, iter_boxes, list_tracks

__all__ = ["Box", "TrackSummary", "iter_boxes", "list_tracks"]
