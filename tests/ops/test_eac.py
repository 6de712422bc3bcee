"""GoPro MAX EAC strips to equirectangular: face placement and agreement with max2sphere."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import conftest
from vfx.ops.eac import FACES, LAYOUTS, build_maps, layout_for, to_equirect

MEDIA = conftest.MEDIA / "gopro-max-eac"


def _directions(width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit view directions of an equirectangular image's pixel centres, computed here
    independently: longitude 0 at the centre column, growing to the right; the top row up."""
    height = width // 2
    lon = ((np.arange(width) + 0.5) / width * 2 - 1) * np.pi
    lat = (0.5 - (np.arange(height) + 0.5) / height) * np.pi
    lon, lat = np.meshgrid(lon, lat)
    return np.cos(lat) * np.sin(lon), np.cos(lat) * np.cos(lon), np.sin(lat)


def _slot_colours(layout) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[int, int, int]]]:
    """Strips whose six face slots are flat colours; the colour each face must show."""
    colours = {
        "left": (200, 30, 30),
        "front": (30, 200, 30),
        "right": (30, 30, 200),
        "down": (200, 200, 30),
        "back": (30, 200, 200),
        "top": (200, 30, 200),
    }
    strips = []
    for names in (("left", "front", "right"), ("down", "back", "top")):
        strip = np.zeros((layout.height, layout.width, 3), np.uint8)
        bounds = (0, layout.side, layout.side + layout.face, layout.width)
        for name, a, b in zip(names, bounds[:-1], bounds[1:], strict=True):
            strip[:, a:b] = colours[name]
        strips.append(strip)
    return strips[0], strips[1], colours


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.name)
def test_each_direction_reads_its_cube_face(layout) -> None:
    """Front ahead (+y), right at +x, top up: the stream and slot each face is recorded in."""
    track0, track5, colours = _slot_colours(layout)
    width = 512
    pano = to_equirect(track0, track5, build_maps(layout, width))
    x, y, z = _directions(width)
    ax, ay, az = np.abs(x), np.abs(y), np.abs(z)
    margin = 0.05  # stay clear of the cube's edges, where bilinear sampling mixes two slots
    expected = {
        "right": (x > 0) & (ax > ay + margin) & (ax > az + margin),
        "left": (x < 0) & (ax > ay + margin) & (ax > az + margin),
        "front": (y > 0) & (ay > ax + margin) & (ay > az + margin),
        "back": (y < 0) & (ay > ax + margin) & (ay > az + margin),
        "top": (z > 0) & (az > ax + margin) & (az > ay + margin),
        "down": (z < 0) & (az > ax + margin) & (az > ay + margin),
    }
    for name, where in expected.items():
        assert where.sum() > 1000
        got = pano[where].astype(int)
        assert np.abs(got - colours[name]).max() <= 1, name


def test_layouts_and_sizes() -> None:
    assert layout_for(4096, 1344).natural_width == 5376
    assert layout_for(2272, 736).natural_width == 2944
    assert layout_for(1920, 1080) is None
    lay = layout_for(2272, 736)
    assert to_equirect(*_slot_colours(lay)[:2], build_maps(lay, 1000)).shape == (500, 1000, 3)
    with pytest.raises(ValueError, match="even"):
        build_maps(lay, 1001)
    with pytest.raises(ValueError, match="stream 5 frame is 100x100"):
        to_equirect(
            np.zeros((736, 2272, 3), np.uint8),
            np.zeros((100, 100, 3), np.uint8),
            build_maps(lay, 64),
        )


def test_grey_and_16_bit_strips_keep_their_type() -> None:
    lay = layout_for(2272, 736)
    maps = build_maps(lay, 256)
    grey = np.full((736, 2272), 1000, np.uint16)
    out = to_equirect(grey, grey, maps)
    assert out.dtype == np.uint16 and out.shape == (128, 256)
    assert (out == 1000).all()


def _read(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    d = (a.astype(np.float64) - b) ** 2
    return float(10 * np.log10(255**2 / np.mean(d if where is None else d[where])))


def away_from_seams(maps) -> np.ndarray:
    """The pixels more than r = max(4, width / 512) pixels from any cube-face edge and from the
    lenses' overlap zones (where vfx and max2sphere both blend, and JPEG smears the edges)."""
    r = max(4, maps.width // 512)
    kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    edges = cv2.dilate(maps.face, kernel) != cv2.erode(maps.face, kernel)
    blend = np.zeros(maps.face.size, np.uint8)
    blend[maps.blend_at] = 1
    blend = cv2.dilate(blend.reshape(maps.face.shape), kernel) > 0
    return ~edges & ~blend


@pytest.mark.parametrize("mode,gs", [("3k", "GS018423_1"), ("5k6", "GS018421_1")])
def test_matches_max2sphere_on_real_gopro_max_frames(mode: str, gs: str) -> None:
    if not MEDIA.is_dir():
        pytest.skip(f"{MEDIA} not present (shared test media)")
    track0 = _read(MEDIA / f"{mode}_track0_{gs}.jpg")
    track5 = _read(MEDIA / f"{mode}_track5_{gs}.jpg")
    reference = _read(MEDIA / f"{mode}_STITCHED_{gs}.jpg")
    layout = layout_for(track0.shape[1], track0.shape[0])
    assert layout is not None
    maps = build_maps(layout, reference.shape[1])
    pano = to_equirect(track0, track5, maps)
    assert pano.shape == reference.shape
    away = away_from_seams(maps)
    assert away.mean() > 0.8
    assert _psnr(pano, reference) >= 30
    assert _psnr(pano, reference, away) >= 35
    # Every face on its own: in place, and not mirrored (a mirrored face scores far lower).
    for n, name in enumerate(FACES):
        face = (maps.face == n) & away
        here = _psnr(pano, reference, face)
        assert here >= 33, name
        assert _psnr(pano[:, ::-1], reference, face) < here - 10, name
        assert _psnr(pano[::-1], reference, face) < here - 10, name
