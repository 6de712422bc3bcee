"""Perspective views of an equirectangular panorama, and the way back.

A face near a panorama's pole is stretched sideways, and one at its seam is cut in two; a
detector trained on photographs finds neither. Seen through a pinhole camera looking that
way, both are ordinary faces. :func:`sphere_views` chooses views that together see the whole
sphere with overlap; :func:`view_maps` renders one; :func:`back_maps` says, for the pixels of
the panorama a region of a view covers, where in the view each one lies, so what was done in
the view (a blur) is carried back exactly, across the seam and over the poles.

The panorama follows vfx's (and max2sphere's) convention: its centre column looks forward
(longitude 0), longitude grows to the right, the top row is the zenith. Directions are
``(x right, y up, z forward)``. Pure functions of arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["View", "back_maps", "sphere_views", "view_maps"]


@dataclass(frozen=True)
class View:
    """A square pinhole view ``side`` pixels wide, ``fov`` degrees across, looking at
    longitude ``yaw`` and latitude ``pitch`` (degrees)."""

    yaw: float
    pitch: float
    fov: float
    side: int

    @property
    def focal(self) -> float:
        return self.side / 2.0 / math.tan(math.radians(self.fov) / 2.0)

    @property
    def rotation(self) -> np.ndarray:
        """The 3x3 matrix taking the view's camera axes (x right, y up, z ahead) to the
        panorama's."""
        a, b = math.radians(self.yaw), math.radians(self.pitch)
        turn = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
        tilt = np.array([[1, 0, 0], [0, math.cos(b), math.sin(b)], [0, -math.sin(b), math.cos(b)]])
        return turn @ tilt


def sphere_views(width: int) -> list[View]:
    """Views of 90 degrees that cover the sphere of a panorama ``width`` pixels wide, at its
    resolution on the horizon (``width / 4`` pixels a view): eight around the horizon (every
    45 degrees, each sees up to 42.7 degrees of latitude everywhere), six looking up and six
    down at 50 degrees, and one at each pole: a face at any latitude lies whole in one view.

    >>> len(sphere_views(5760)), sphere_views(5760)[0].side
    (22, 1440)
    """
    side = max(64, round(width / 4))
    views = [View(float(y), 0.0, 90.0, side) for y in range(-180, 180, 45)]
    for pitch in (50.0, -50.0):
        views += [View(float(y), pitch, 90.0, side) for y in range(-180, 180, 60)]
    views += [View(0.0, 90.0, 90.0, side), View(0.0, -90.0, 90.0, side)]
    return views


def _lonlat_to_xy(lon: np.ndarray, lat: np.ndarray, width: int, height: int):  # type: ignore[no-untyped-def]
    x = (lon + math.pi) / (2 * math.pi) * width - 0.5
    y = (math.pi / 2 - lat) / math.pi * height - 0.5
    return x, y


def view_maps(view: View, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """``cv2.remap`` maps (``float32 (side, side)``) that render ``view`` from a ``width`` x
    ``height`` panorama (use ``cv2.BORDER_WRAP``: the seam is continuous)."""
    n, f = view.side, view.focal
    centre = (n - 1) / 2.0
    u, v = np.meshgrid(np.arange(n, dtype=np.float64), np.arange(n, dtype=np.float64))
    rays = np.stack([(u - centre) / f, -(v - centre) / f, np.ones_like(u)], axis=-1)
    world = rays @ view.rotation.T
    lon = np.arctan2(world[..., 0], world[..., 2])
    lat = np.arctan2(world[..., 1], np.hypot(world[..., 0], world[..., 2]))
    x, y = _lonlat_to_xy(lon, lat, width, height)
    return x.astype(np.float32), np.clip(y, 0, height - 1).astype(np.float32)


def _box_outline(box: np.ndarray, grow: float, n: int = 16) -> np.ndarray:
    """Points along the edge of ``box`` grown by ``grow`` of its size, ``(4n, 2)``."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    x0, x1, y0, y1 = x0 - w * grow, x1 + w * grow, y0 - h * grow, y1 + h * grow
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    return np.concatenate(
        [
            np.stack([x0 + (x1 - x0) * t, np.full(n, y0)], 1),
            np.stack([np.full(n, x1), y0 + (y1 - y0) * t], 1),
            np.stack([x1 - (x1 - x0) * t, np.full(n, y1)], 1),
            np.stack([np.full(n, x0), y1 - (y1 - y0) * t], 1),
        ]
    )


def _to_world(view: View, points: np.ndarray) -> np.ndarray:
    centre = (view.side - 1) / 2.0
    rays = np.stack(
        [(points[:, 0] - centre) / view.focal, -(points[:, 1] - centre) / view.focal,
         np.ones(len(points))], axis=1,
    )  # fmt: skip
    world = rays @ view.rotation.T
    return world / np.linalg.norm(world, axis=1, keepdims=True)


def back_maps(
    view: View, box: np.ndarray, width: int, height: int, *, grow: float = 0.5
) -> tuple[slice, np.ndarray, np.ndarray, np.ndarray] | None:
    """Where the panorama pixels under ``box`` (view pixels, grown by ``grow``) lie in ``view``.

    Returns ``(rows, cols, map_x, map_y)``: a slice of panorama rows, the panorama columns
    (taken modulo ``width``: a region across the seam has columns from both ends), and
    ``float32`` maps of shape ``(rows, cols)`` into the view for ``cv2.remap`` (-1 where the
    pixel looks away from the view). None when the region is empty.
    """
    outline = _to_world(view, _box_outline(np.asarray(box, dtype=np.float64), grow))
    lon = np.arctan2(outline[:, 0], outline[:, 2])
    lat = np.arctan2(outline[:, 1], np.hypot(outline[:, 0], outline[:, 2]))
    inverse = view.rotation.T
    f, centre = view.focal, (view.side - 1) / 2.0
    (bx0, by0, bx1, by1) = np.asarray(box, dtype=np.float64)
    bw, bh = bx1 - bx0, by1 - by0
    grown = (bx0 - bw * grow, by0 - bh * grow, bx1 + bw * grow, by1 + bh * grow)

    def holds_pole(sign: float) -> bool:
        cam = inverse @ np.array([0.0, sign, 0.0])
        if cam[2] <= 0:
            return False
        u, v = centre + f * cam[0] / cam[2], centre - f * cam[1] / cam[2]
        return grown[0] <= u <= grown[2] and grown[1] <= v <= grown[3]

    top_lat, bottom_lat = float(lat.max()), float(lat.min())
    if holds_pole(1.0):
        top_lat, whole = math.pi / 2, True
    elif holds_pole(-1.0):
        bottom_lat, whole = -math.pi / 2, True
    else:
        whole = False
    _, y_top = _lonlat_to_xy(np.array(0.0), np.array(top_lat), width, height)
    _, y_bottom = _lonlat_to_xy(np.array(0.0), np.array(bottom_lat), width, height)
    rows = slice(max(0, math.floor(y_top) - 1), min(height, math.ceil(y_bottom) + 2))
    if whole:
        cols = np.arange(width)
    else:
        lon0 = float(np.arctan2(np.sin(lon).mean(), np.cos(lon).mean()))
        offset = (lon - lon0 + math.pi) % (2 * math.pi) - math.pi
        x0, _ = _lonlat_to_xy(np.array(lon0 + offset.min()), np.array(0.0), width, height)
        x1, _ = _lonlat_to_xy(np.array(lon0 + offset.max()), np.array(0.0), width, height)
        first, last = math.floor(float(x0)) - 1, math.ceil(float(x1)) + 2
        cols = np.arange(first, min(last, first + width)) % width
    if rows.stop <= rows.start or cols.size == 0:
        return None
    ys = np.arange(rows.start, rows.stop, dtype=np.float64)
    lat_px = math.pi / 2 - (ys + 0.5) / height * math.pi
    lon_px = (cols.astype(np.float64) + 0.5) / width * 2 * math.pi - math.pi
    la, lo = np.meshgrid(lat_px, lon_px, indexing="ij")
    world = np.stack([np.cos(la) * np.sin(lo), np.sin(la), np.cos(la) * np.cos(lo)], axis=-1)
    cam = world @ inverse.T
    ahead = cam[..., 2] > 1e-6
    z = np.where(ahead, cam[..., 2], 1.0)
    map_x = np.where(ahead, centre + f * cam[..., 0] / z, -1.0).astype(np.float32)
    map_y = np.where(ahead, centre - f * cam[..., 1] / z, -1.0).astype(np.float32)
    return rows, cols, map_x, map_y
