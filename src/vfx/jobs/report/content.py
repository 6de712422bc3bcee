"""What a report page shows, as plain data: gathered from videos and output folders by
:mod:`vfx.jobs.report.gather`, drawn by :mod:`vfx.jobs.report.svgmap` and
:mod:`vfx.jobs.report.page`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["BatchRow", "FrameEntry", "FrameGrid", "ImageEntry", "Page", "Plot", "TrackLine"]


@dataclass
class FrameEntry:
    """One extracted frame: where its thumbnail and full image are, when and where it was
    taken. ``lat``/``lon`` are ``None`` without a position."""

    label: str
    time_s: float
    thumb: Path
    full: Path | None = None
    utc: str = ""
    large: Path | None = None  # a large JPEG where the full image is no browser's (TIFF)
    lat: float | None = None
    lon: float | None = None
    heading: float | None = None
    flag: str = ""
    sequence: str = ""

    @property
    def alt_text(self) -> str:
        when = f" ({self.utc})" if self.utc else ""
        return f"{self.label} at {self.time_s:.3f} s{when}"


@dataclass
class ImageEntry:
    """A picture vfx made (keyframe display, mask, motiongram, ...): its caption and file."""

    caption: str
    path: Path
    thumb: Path | None = None


@dataclass
class FrameGrid:
    """The frames of one folder, captioned with what made them."""

    title: str
    frames: list[FrameEntry] = field(default_factory=list)


@dataclass
class TrackLine:
    """The GPS track as drawn: times on the video's clock, positions, flags ("" = good)."""

    time_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    flag: np.ndarray
    speed: np.ndarray
    alt: np.ndarray
    source: str = ""
    datum: str = ""  # what alt is measured from (vfx.telemetry.geoid.ALT_DATUM, or EGM96)


@dataclass
class Plot:
    """Series against the video's time: ``{label: (times, values)}`` in one panel."""

    title: str
    unit: str
    series: dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class BatchRow:
    """One input of a ``vfx run`` batch, from run.json."""

    recipe: str
    input: str
    status: str
    outputs: int
    seconds: float | None
    error: str
    page: str | None = None


@dataclass
class Page:
    """Everything one report page shows; sections without data are left out."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    clocks: list[tuple[str, str]] = field(default_factory=list)
    telemetry: list[tuple[str, str]] = field(default_factory=list)
    frames: list[FrameEntry] = field(default_factory=list)
    frames_title: str = "Frames"
    images: list[ImageEntry] = field(default_factory=list)
    motion: list[ImageEntry] = field(default_factory=list)
    figures: list[ImageEntry] = field(default_factory=list)
    masks: list[ImageEntry] = field(default_factory=list)
    #: The frames of each folder, when the page holds several folders' frames.
    grids: list[FrameGrid] = field(default_factory=list)
    selection: list[tuple[str, str]] = field(default_factory=list)
    #: Files vfx did not make (its contents lists do not name them), by path.
    other_files: list[Path] = field(default_factory=list)
    track: TrackLine | None = None
    plots: list[Plot] = field(default_factory=list)
    duration_s: float | None = None
    batch: list[BatchRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
