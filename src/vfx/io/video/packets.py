"""The packet index: every video packet's timestamps in display order, read without decoding."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["PacketIndex"]


@dataclass(frozen=True)
class PacketIndex:
    """Timestamps of every video packet, in display order; built without decoding.

    Attributes
    ----------
    pts
        Sorted presentation timestamps as the decoder reports them (``int64``), one per frame.
    out_pts
        The exact presentation timestamp written for the frame at each display rank.
    key_ranks
        Display ranks of the keyframe packets, ascending.
    key_seek
        For each entry of ``key_ranks``, a timestamp to seek to that lands at or before it.
    start
        Timestamp of time zero (the stream's start).
    packet_ranks
        The display rank of each packet, in file order (empty and edit-list-discarded packets
        not counted): frames sharing a timestamp each keep their own rank.
    """

    pts: np.ndarray
    out_pts: np.ndarray
    key_ranks: np.ndarray
    key_seek: np.ndarray
    start: int
    time_base: Fraction
    packet_ranks: np.ndarray | None = None

    @property
    def frame_count(self) -> int:
        return int(self.pts.size)

    def rank_of(self, pts: int) -> int:
        """Display rank of a decoded frame's pts (nearest rank at or after it)."""
        return int(np.searchsorted(self.pts, pts))

    def time_of(self, rank: int) -> Fraction:
        """Exact presentation time in seconds of the frame at ``rank``."""
        return (int(self.out_pts[rank]) - self.start) * self.time_base

    def times_s(self) -> np.ndarray:
        """Presentation times of all frames in seconds (float64, for planning only)."""
        return (self.out_pts - self.start).astype(np.float64) * float(self.time_base)
