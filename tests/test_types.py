"""``vfx.types``: the frame choice, a value built once and checked when it is made."""

from __future__ import annotations

import math

import pytest

from vfx.errors import ParameterError
from vfx.types import KEYFRAMES, FrameChoice


def test_the_written_form_round_trips() -> None:
    for text in ("keyframes", "all", "every:2", "every:2.5", "every:0.1234567"):
        assert str(FrameChoice.parse(text)) == text
    # no rounding on the way (the CLI once sent f"every:{x:g}", which kept six digits)
    assert FrameChoice.parse("every:0.1234567").every_s == 0.1234567
    assert FrameChoice.parse(" EVERY:3 ") == FrameChoice.every(3)
    assert FrameChoice.parse("all") == FrameChoice.all() and FrameChoice.keyframes() == KEYFRAMES


@pytest.mark.parametrize("text", ["every:0", "every:x", "every:-1", "some", "", "every:"])
def test_bad_written_forms_are_refused(text: str) -> None:
    with pytest.raises(ParameterError, match="keyframes, all or every:SECONDS"):
        FrameChoice.parse(text)


@pytest.mark.parametrize("seconds", [0, -1.0, math.nan, math.inf])
def test_a_choice_is_checked_when_made(seconds: float) -> None:
    with pytest.raises(ParameterError, match="every_s"):
        FrameChoice.every(seconds)
    with pytest.raises(ParameterError, match="goes with kind 'every'"):
        FrameChoice("all", 1.0)
    with pytest.raises(ParameterError):
        FrameChoice("sometimes")
