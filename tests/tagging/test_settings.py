"""``MetadataOptions`` refuses what the CLI and the recipe loader refuse (one table, vfx.params)."""

from __future__ import annotations

import math

import pytest

from vfx.errors import ParameterError
from vfx.params import PARAMS
from vfx.tagging.settings import MetadataOptions

RANGED = [
    "max_gap_s",
    "min_distance_m",
    "min_angle_deg",
    "max_dop",
    "max_speed",
    "split_time_s",
    "split_distance_m",
    "offset_s",
    "camera_angle_deg",
    "max_sequence",
]


@pytest.mark.parametrize("name", RANGED)
def test_each_option_has_the_range_of_the_table(name: str) -> None:
    param = PARAMS[name]
    assert getattr(MetadataOptions(), name) == param.default
    for bound, step in ((param.low, -1), (param.high, 1)):
        if bound is None:
            continue
        MetadataOptions(**{name: type(param.default)(bound)})  # the bound itself is allowed
        with pytest.raises(ParameterError, match=name):
            MetadataOptions(**{name: type(param.default)(bound + step)})
    if isinstance(param.default, float):
        with pytest.raises(ParameterError, match="finite"):
            MetadataOptions(**{name: math.nan})


def test_the_angle_the_cli_refuses_is_refused_here_too() -> None:
    with pytest.raises(ParameterError, match="min_angle_deg must be >= 0 and <= 180"):
        MetadataOptions(min_angle_deg=500)


def test_time_sources_and_start_times() -> None:
    with pytest.raises(ParameterError, match="time source must be one of"):
        MetadataOptions(time_source="sundial")
    with pytest.raises(ParameterError, match="needs --start-time"):
        MetadataOptions(time_source="manual")
