"""``vfx.io.display``: what a notebook shows of vfx's files and results."""

from __future__ import annotations

import base64
import re
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

import vfx
from vfx.io.display import Shown, picture_uri, show
from vfx.io.images import write_image
from vfx.types import Frame


def _decoded(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    data = np.frombuffer(base64.b64decode(uri.split(",", 1)[1]), np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def test_a_16_bit_tiff_is_shown_as_a_scaled_png(tmp_path: Path) -> None:
    image = np.zeros((100, 1000, 3), np.uint16)
    image[:, :500] = 65535
    write_image(tmp_path / "p.tiff", image)
    shown = _decoded(picture_uri(tmp_path / "p.tiff", width=200))
    assert shown.shape == (20, 200, 3) and shown.dtype == np.uint8
    assert shown[:, :90].min() == 255 and shown[:, 110:].max() == 0


def test_a_table_shows_its_first_rows(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b\n" + "".join(f"{k},<{k}>\n" for k in range(20)))
    page = Shown(table)._repr_html_()
    assert page.count("<tr>") == 9 and "&lt;3&gt;" in page and "<th>a</th>" in page


def test_a_frame_shows_its_picture_and_prints_no_pixels() -> None:
    frame = Frame(np.full((40, 60, 3), 7, np.uint8), 12, 1200, Fraction(1, 100),
                  Fraction(12, 25), True, "I")  # fmt: skip
    assert repr(frame) == "Frame(index=12, time=0.48 s, I key, image=uint8 (40, 60, 3))"
    page = show(frame)._repr_html_()  # type: ignore[attr-defined]
    uri = re.search(r'src="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert _decoded(uri).shape == (40, 60, 3) and "frame 12 at 0.48 s" in page


def test_show_refuses_what_it_cannot_show() -> None:
    with pytest.raises(TypeError, match="show takes a path"):
        show(3)


def test_help_starts_with_what_vfx_does() -> None:
    assert (vfx.__doc__ or "").startswith("vfx: videos into stills and visual effects")
    assert "vfx.make_composite(" in (vfx.__doc__ or "") and vfx.show is show
