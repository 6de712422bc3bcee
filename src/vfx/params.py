"""The one table of parameter ranges, used by the library, the CLI and the recipe loader."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vfx.errors import ParameterError

__all__ = ["PARAMS", "Param", "check"]


@dataclass(frozen=True)
class Param:
    """A numeric parameter: its default and inclusive range (``None`` = unbounded)."""

    name: str
    default: Any
    low: float | None
    high: float | None
    help: str
    low_open: bool = False  # True: the value must be strictly greater than ``low``
    #: the command line's spelling, where it is not ``--`` and the name with dashes
    option: str | None = None

    @property
    def flag(self) -> str:
        """The command-line option of this parameter (``--distance`` for ``distance_m``)."""
        return self.option or "--" + self.name.replace("_", "-")

    def describe_range(self) -> str:
        lo = "" if self.low is None else (f"> {self.low}" if self.low_open else f">= {self.low}")
        hi = "" if self.high is None else f"<= {self.high}"
        return " and ".join(x for x in (lo, hi) if x) or "any"


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("quality", 95, 1, 100, "JPEG quality (1-100)"),
        Param(
            "every_s",
            None,
            0,
            None,
            "seconds between sampled frames",
            low_open=True,
            option="--every",
        ),
        Param("fps", None, 0, None, "frames per second to sample", low_open=True),
        Param(
            "sharpest_s",
            None,
            0,
            10,
            "write the sharpest frame within SECONDS of each chosen one",
            low_open=True,
            option="--sharpest",
        ),
        Param("start_s", 0.0, 0, None, "start time in seconds", option="--start"),
        Param("end_s", None, 0, None, "end time in seconds", option="--end"),
        Param("max_pixels", 16384 * 16384, 1, None, "largest frame size accepted, in pixels"),
        Param("threshold", 0.05, 0, 1, "first threshold on the difference intensity (0-1)"),
        Param("threshold2", 0.20, 0, 1, "second threshold, after the first blur (0-1)"),
        Param("blur", 3.0, 0, 100, "sigma of the first Gaussian blur, in pixels"),
        Param("blur2", 3.0, 0, 100, "sigma of the second Gaussian blur, in pixels"),
        Param("history", 500, 1, None, "frames of history for mog2/knn"),
        Param("tolerance", 0.12, 0, 1, "chroma key: chroma distance that is still screen"),
        Param("softness", 0.08, 0, 1, "chroma key: width of the soft edge beyond the tolerance"),
        Param("every_n", 1, 1, None, "use every N-th frame", option="--stride"),
        Param("history_decay", 0.9, 0, 1, "fraction of the motion history kept per frame"),
        Param(
            "flow_scale",
            1.0,
            0.05,
            1,
            "fraction of the size the flow is computed at",
            option="--scale",
        ),
        Param("median", 0, 0, 255, "median filter size on the frame difference (0, or odd)"),
        Param("max_profile", 20000, 2, None, "longest motiongram in frames"),
        Param("count", None, 1, None, "how many frames to keep", option="-n"),
        Param("seed", 0, None, None, "seed of the random selection"),
        Param("input_size", 224, 8, 4096, "the model's square input size in pixels"),
        Param("sample", 31, 1, 1000, "frames sampled for the auto background"),
        Param("fade", 0.0, 0, 0.99, "how much older exposures fade per new one (0-0.99)"),
        Param("columns", 6, 1, 100, "contact sheet columns"),
        Param("tile_width", 320, 16, 4096, "contact sheet tile width in pixels"),
        Param("font_size", 14, 4, 200, "label font size in points"),
        Param("offset_s", 0.0, None, None, "seconds added to the video's clock", option="--offset"),
        Param(
            "max_gap_s",
            5.0,
            0,
            None,
            "frames further than this from the track get no position",
            option="--max-gap",
        ),
        Param(
            "min_distance_m",
            0.1,
            0,
            None,
            "a frame this close to the previous one (and --min-angle) is a duplicate",
        ),
        Param(
            "min_angle_deg",
            5.0,
            0,
            180,
            "duplicates also point within this many degrees",
            option="--min-angle",
        ),
        Param(
            "distance_m",
            None,
            0,
            None,
            "metres travelled between frames",
            low_open=True,
            option="--distance",
        ),
        Param(
            "camera_angle_deg",
            0.0,
            -360,
            360,
            "camera direction relative to travel",
            option="--camera-angle",
        ),
        Param(
            "split_time_s",
            60.0,
            0,
            None,
            "a longer time between frames starts a sequence",
            option="--split-time",
        ),
        Param(
            "split_distance_m",
            100.0,
            0,
            None,
            "a longer distance between frames starts a sequence",
            option="--split-distance",
        ),
        Param("max_sequence", 1000, 1, None, "most images in one sequence"),
        Param("max_dop", 5.0, 0, None, "GPS fixes with a larger dilution of precision are unused"),
        Param("max_speed", 100.0, 0, None, "GPS fixes implying a faster speed (m/s) are unused"),
        Param("face_score", 0.5, 0.05, 0.99, "faces: the least score for a face (0-1)"),
        Param("blur_strength", 1.0, 0, 10, "faces: how strongly a face is hidden", low_open=True),
        Param("face_margin", 0.25, 0, 2, "faces: margin around a face, as a part of its size"),
    )
}


def check(name: str, value: Any) -> Any:
    """Return ``value`` if it lies in the range of parameter ``name``, else raise.

    >>> check("quality", 90)
    90
    """
    p = PARAMS[name]
    if value is None:
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"{name} must be a finite number, got {value}", param=name)
    too_low = p.low is not None and (value <= p.low if p.low_open else value < p.low)
    too_high = p.high is not None and value > p.high
    if too_low or too_high:
        raise ParameterError(f"{name} must be {p.describe_range()}, got {value}", param=name)
    return value


def check_outputs(outputs: Iterable[str], known: Sequence[str]) -> set[str]:
    """The outputs asked for, as a set, if each is one of ``known`` and there is one at least.

    >>> sorted(check_outputs(["csv", "video"], ("csv", "video", "trails")))
    ['csv', 'video']
    """
    wanted = set(outputs)
    unknown = wanted - set(known)
    if unknown or not wanted:
        raise ParameterError(
            f"outputs must be among {', '.join(known)}, got {', '.join(sorted(unknown))}"
        )
    return wanted


#: Default output files of the commands that write one image, shared by the CLI and the recipe
#: steps so that both name them alike.
DEFAULT_OUTPUTS = {
    "background": "background.tiff",
    "composite": "composite.tiff",
    "montage": "contact-sheet.png",
}
