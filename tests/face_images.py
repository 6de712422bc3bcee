"""Images with real faces at known places, for the face tests and ``bench/people.py``.

The faces are scikit-image's sample photographs (``astronaut()``, Eileen Collins facing the
camera; ``camera()``, a man in three-quarter profile behind a camera), cut at the boxes below
(brow to chin, ear to ear, with a little hair) and pasted, scaled, into other images: flat
ones at a box, or equirectangular panoramas through a perspective camera looking at a
longitude and latitude, as a face seen there by a 360 camera would be (stretched near the
poles, cut in two at the seam).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: (x0, y0, x1, y1) of the cut around each face in its sample image.
FACE_BOXES = {"astronaut": (168, 58, 284, 192), "camera": (180, 100, 284, 214)}
#: The face itself (brow to chin) in the same image: what a detector should box.
FACE_TRUTH = {"astronaut": (171, 64, 280, 173), "camera": (196, 121, 277, 202)}


def truth_box(name: str, pasted: tuple[int, ...]) -> tuple[float, float, float, float]:
    """Where the face itself lies once its cut was pasted at the box ``pasted``."""
    x0, y0, x1, y1 = FACE_BOXES[name]
    fx0, fy0, fx1, fy1 = FACE_TRUTH[name]
    sx, sy = (pasted[2] - pasted[0]) / (x1 - x0), (pasted[3] - pasted[1]) / (y1 - y0)
    return (
        pasted[0] + (fx0 - x0) * sx,
        pasted[1] + (fy0 - y0) * sy,
        pasted[0] + (fx1 - x0) * sx,
        pasted[1] + (fy1 - y0) * sy,
    )


def face(name: str = "astronaut") -> np.ndarray:
    """The face ``name`` as RGB ``uint8``, cut at :data:`FACE_BOXES`."""
    import skimage.data

    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    x0, y0, x1, y1 = FACE_BOXES[name]
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def paste(image: np.ndarray, picture: np.ndarray, x: int, y: int, width: int) -> tuple[int, ...]:
    """``picture`` scaled to ``width`` pixels wide, pasted into ``image`` (in place) with its
    top left at ``(x, y)``; returns the box it covers."""
    h = max(1, round(picture.shape[0] * width / picture.shape[1]))
    small = cv2.resize(
        picture,
        (width, h),
        interpolation=cv2.INTER_AREA if width < picture.shape[1] else cv2.INTER_CUBIC,
    )
    image[y : y + h, x : x + width] = small if image.ndim == 3 else small[:, :, 0]
    return (x, y, x + width, y + h)


@dataclass
class SphereFace:
    """A face pasted into a panorama: where it looks from and the pixels it covers."""

    lon: float
    lat: float
    width_deg: float
    mask: np.ndarray  # bool (H, W)


def paste_on_sphere(
    pano: np.ndarray, picture: np.ndarray, lon: float, lat: float, width_deg: float
) -> SphereFace:
    """``picture`` pasted into the equirectangular ``pano`` (in place) as a flat face seen
    at longitude ``lon`` and latitude ``lat`` (degrees; vfx's convention: longitude 0 at the
    centre column, growing to the right; the top row the zenith), ``width_deg`` wide."""
    height, width = pano.shape[:2]
    ph, pw = picture.shape[:2]
    focal = (pw / 2) / math.tan(math.radians(width_deg) / 2)
    a, b = math.radians(lon), math.radians(lat)
    turn = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    tilt = np.array([[1, 0, 0], [0, math.cos(b), math.sin(b)], [0, -math.sin(b), math.cos(b)]])
    inverse = (turn @ tilt).T
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    la = math.pi / 2 - (ys + 0.5) / height * math.pi
    lo = (xs + 0.5) / width * 2 * math.pi - math.pi
    world = np.stack([np.cos(la) * np.sin(lo), np.sin(la), np.cos(la) * np.cos(lo)], axis=-1)
    cam = world @ inverse.T
    ahead = cam[..., 2] > 0.1
    z = np.where(ahead, cam[..., 2], 1.0)
    u = (pw - 1) / 2 + focal * cam[..., 0] / z
    v = (ph - 1) / 2 - focal * cam[..., 1] / z
    inside = ahead & (u >= 0) & (u <= pw - 1) & (v >= 0) & (v <= ph - 1)
    sampled = cv2.remap(picture, u.astype(np.float32), v.astype(np.float32), cv2.INTER_LINEAR)
    pano[inside] = sampled[inside]
    return SphereFace(lon, lat, width_deg, inside)


def street_frame(width: int = 1280, height: int = 720, seed: int = 0) -> np.ndarray:
    """A textured, face-free stand-in for a street frame: sky, buildings, road."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 3] = (150, 180, 215)
    x = 0
    while x < width:
        w = int(rng.integers(width // 12, width // 5))
        top = int(rng.integers(height // 8, height // 3))
        colour = rng.integers(60, 200, 3)
        image[top : 2 * height // 3, x : x + w] = colour
        for wy in range(top + 10, 2 * height // 3 - 20, 40):
            for wx in range(x + 8, x + w - 16, 30):
                image[wy : wy + 18, wx : wx + 12] = colour // 3
        x += w
    image[2 * height // 3 :] = (90, 90, 95)
    noise = rng.normal(0, 6, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)
