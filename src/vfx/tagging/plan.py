"""The street-level plan of a video's frames, decided before any frame is decoded: which
sequence each frame belongs to, which way its camera looks, and whether it is a duplicate.

Pure functions over arrays (the frames' times, positions and courses); the
:class:`~vfx.tagging.tagger.FrameTagger` turns the plan into tags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vfx.tagging.sequences import (
    SequenceCarry,
    bearings_to_next,
    flag_duplicates,
    split_sequences,
)
from vfx.tagging.settings import MetadataOptions

__all__ = ["FramePlan", "plan_frames"]


@dataclass(frozen=True)
class FramePlan:
    """Per frame (in the order given to :func:`plan_frames`)."""

    #: lat and lon as planned: NaN for frames not considered (no position when one is needed)
    lat: np.ndarray
    lon: np.ndarray
    #: sequence number, counted from 0 (0 continues ``carry`` when ``continues``)
    sequence: np.ndarray
    continues: bool
    #: the camera's direction in degrees (NaN: none)
    direction: np.ndarray
    duplicate: np.ndarray
    #: counted in the sequences (considered and not a duplicate)
    kept: np.ndarray
    #: to be written (kept, and duplicates unless they are dropped)
    written: np.ndarray


def plan_frames(
    clock_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    course_deg: np.ndarray,
    considered: np.ndarray,
    options: MetadataOptions,
    carry: SequenceCarry | None = None,
) -> FramePlan:
    """Sequences, directions and duplicates of frames at ``clock_s`` (seconds, ascending).

    Frames not ``considered`` (no position when ``options.require_position``) take no part.
    Sequences are split as :func:`~vfx.tagging.sequences.split_sequences` does, first over
    every considered frame (to judge duplicates against the previous frame of the same
    sequence, as mapillary_tools does), then over the frames kept. The direction is the
    course plus ``options.camera_angle_deg`` (``heading="track"``), the bearing to the next
    kept frame (``"next"``), or none.
    """
    la = np.where(considered, lat, np.nan)
    lo = np.where(considered, lon, np.nan)
    limits = {
        "split_time_s": options.split_time_s,
        "split_distance_m": options.split_distance_m,
        "max_sequence": options.max_sequence,
    }
    first, _ = split_sequences(clock_s, la, lo, counted=considered, carry=carry, **limits)
    angle = options.camera_angle_deg
    if options.heading == "next":
        candidate = (bearings_to_next(la, lo, first) + angle) % 360.0
    elif options.heading == "track":
        candidate = (course_deg + angle) % 360.0
    else:
        candidate = np.full(np.shape(clock_s), np.nan)
    dup = flag_duplicates(
        la,
        lo,
        candidate,
        first,
        min_distance_m=options.min_distance_m,
        min_angle_deg=options.min_angle_deg,
    )
    kept = considered & ~dup
    seq, continues = split_sequences(clock_s, la, lo, counted=kept, carry=carry, **limits)
    direction = candidate
    if options.heading == "next":
        towards = bearings_to_next(np.where(kept, la, np.nan), lo, seq)
        direction = np.where(kept, (towards + angle) % 360.0, candidate)
    written = kept | (dup & ~options.drop_duplicates)
    return FramePlan(la, lo, seq, continues, direction, dup, kept, written)
