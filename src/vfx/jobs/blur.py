"""Faces found and hidden: MediaPipe's full-range face detector over a pyramid of squares
(:func:`vfx.ops.faces.tiles`, so distant faces of a dozen pixels are found) and CenterFace
over the enlarged image propose, MediaPipe's short-range detector and CenterFace judge; on
perspective views for equirectangular panoramas (:mod:`vfx.ops.perspective`: a face at a
pole or across the seam is an ordinary face in some view), and ``vfx blur``: a folder of
images blurred with every tag kept (:func:`vfx.io.pixels.replace_pixels`).

:class:`FaceBlur` is what commands that write stills call with ``--blur-faces``: the image is
blurred before it is encoded, so no unblurred image is ever written.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from vfx.errors import ImageReadError, OutputError, ParameterError
from vfx.io.files import prepare_output_dir, read_bytes, write_bytes
from vfx.io.images import read_image
from vfx.io.models import Model, NetModel
from vfx.io.pixels import replace_pixels
from vfx.io.table import read_frame_table, write_frame_table
from vfx.ops.detection import (
    FACE_CHECKER,
    FACE_DETECTOR,
    DetectorSpec,
    anchors,
    decode,
    weighted_nms,
)
from vfx.ops.dtypes import to_uint8
from vfx.ops.faces import (
    BLUR_MODES,
    CENTERFACE_STRIDE,
    Tile,
    blur_regions,
    centerface_boxes,
    face_mask,
    merge_boxes,
    strips,
    tiles,
)
from vfx.ops.perspective import View, back_maps, sphere_views, view_maps
from vfx.params import PARAMS, check
from vfx.workers import available_cores, ordered_map

__all__ = ["BlurResult", "FaceBlur", "FaceDetector", "FaceOptions", "blur_images"]

log = logging.getLogger("vfx")

#: Image files ``vfx blur`` takes from a folder.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


@dataclass(frozen=True)
class FaceOptions:
    """How faces are found and hidden: the detector's least ``score``, the ``mode``
    (:data:`vfx.ops.faces.BLUR_MODES`), its ``strength`` and the ``margin`` around a face."""

    score: float = PARAMS["face_score"].default
    mode: str = "blur"
    strength: float = PARAMS["blur_strength"].default
    margin: float = PARAMS["face_margin"].default

    def __post_init__(self) -> None:
        check("face_score", self.score)
        check("blur_strength", self.strength)
        check("face_margin", self.margin)
        if self.mode not in BLUR_MODES:
            raise ParameterError(
                f"blur mode must be one of {', '.join(BLUR_MODES)}, got {self.mode!r}"
            )


def _rgb8(image: np.ndarray) -> np.ndarray:
    """What the detector sees: RGB ``uint8``."""
    image = to_uint8(image) if image.dtype != np.uint8 else image
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(image[:, :, :3])


#: The full-range detector's least score for a candidate.
CANDIDATE_SCORE = 0.3
#: CenterFace's least score for a candidate.
CENTERFACE_CANDIDATE_SCORE = 0.2
#: CenterFace looks at the image enlarged this many times (it finds faces from about 32 of
#: its input pixels: 16 of the image's).
CENTERFACE_ZOOM = 2.0
#: The most input pixels one CenterFace call takes (its memory is about 240 bytes a pixel:
#: about a gigabyte); larger inputs are cut in overlapping strips.
CENTERFACE_PIXELS = 4_500_000
#: Neighbouring strips share this many input pixels (a face up to half of it, in the image,
#: lies whole in one; larger ones are the full-range detector's upper squares').
CENTERFACE_OVERLAP = 128
#: The smallest face box kept, in pixels.
MIN_FACE = 12.0
#: A candidate is checked on a square this many times its size.
CHECK_CONTEXT = 2.5
#: CenterFace's outputs (ONNX names): the heat map, the box's scale and its centre's offset.
CENTERFACE_OUTPUTS = ("537", "538", "539")
#: The side CenterFace sees a candidate's square at (its face about 51 pixels).
CENTERFACE_CHECK_SIDE = 128


#: How far a judge's face size may be from the candidate's, as a factor either way.
SIZE_AGREEMENT = 1.8


def _near(ratio: np.ndarray | float) -> np.ndarray:
    """Whether a size ratio lies within :data:`SIZE_AGREEMENT` of 1."""
    ratio = np.asarray(ratio, dtype=np.float64)
    return (ratio >= 1.0 / SIZE_AGREEMENT) & (ratio <= SIZE_AGREEMENT)


def _resize_square(square: np.ndarray, size: int) -> np.ndarray:
    """A square image at ``size`` pixels (averaged down, or interpolated up)."""
    side = square.shape[0]
    return cv2.resize(
        square, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    )


class FaceDetector:
    """Faces in an image: boxes ``(N, 4)`` in its pixels and scores ``(N,)``, best first.

    Two models propose candidates and two judge each one:

    * proposals: MediaPipe's full-range detector on every square of the pyramid
      (:func:`vfx.ops.faces.tiles`; faces down to ``smallest`` pixels), from
      :data:`CANDIDATE_SCORE`; and CenterFace on the whole image enlarged
      :data:`CENTERFACE_ZOOM` times (in strips when large), from
      :data:`CENTERFACE_CANDIDATE_SCORE`. The two miss different faces: the full-range
      detector's score of a small face changes with where it falls in a square, CenterFace
      is convolutional and does not care;
    * judges: MediaPipe's short-range detector and CenterFace, each looking at the candidate
      alone, cut out at :data:`CHECK_CONTEXT` times its size. The face's score is the mean of
      their two scores at its centre, kept from ``score``.

    Measured by ``bench/people.py`` on four sets of street frames with pasted faces of 16-400
    pixels: the judges remove nearly all false candidates (leaves, windows, waves), and the two
    proposers together find faces neither finds alone.

    Not shared between threads (it holds models).
    """

    def __init__(
        self,
        *,
        score: float = PARAMS["face_score"].default,
        smallest: float = 12.0,
        folder: Path | None = None,
    ):
        self._model = Model("face_detection_full_range", folder=folder)
        self._checker = Model("face_detection_short_range", folder=folder)
        self._centerface = NetModel("centerface", folder=folder)
        self._spec = DetectorSpec(**{**FACE_DETECTOR.__dict__, "min_score": CANDIDATE_SCORE})
        self._anchors = anchors(self._spec)
        self._check_anchors = anchors(FACE_CHECKER)
        self._score = float(score)
        self._smallest = float(smallest)

    def _centerface_heat(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """CenterFace's outputs for an RGB image whose sides are multiples of 32."""
        x = np.ascontiguousarray(image.transpose(2, 0, 1)[None], dtype=np.float32)
        out = self._centerface.run(x)
        heat, scale, offset = (out[k][0] for k in CENTERFACE_OUTPUTS)
        return {"heat": heat[0], "scale": scale, "offset": offset}

    def _centerface_look(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CenterFace's candidates in the whole image, enlarged, in strips when large."""
        h, w = image.shape[:2]
        zoom = CENTERFACE_ZOOM
        big = cv2.resize(image, (round(w * zoom), round(h * zoom)), interpolation=cv2.INTER_LINEAR)
        bh, bw = big.shape[:2]
        boxes, scores = [], []
        for x, y, sw, sh in strips(bw, bh, most=CENTERFACE_PIXELS, overlap=CENTERFACE_OVERLAP):
            part = np.zeros((sh, sw, 3), np.uint8)
            piece = big[y : y + sh, x : x + sw]
            part[: piece.shape[0], : piece.shape[1]] = piece
            out = self._centerface_heat(part)
            b, s = centerface_boxes(
                out["heat"], out["scale"], out["offset"], threshold=CENTERFACE_CANDIDATE_SCORE
            )
            shift = np.array([x, y, x, y], np.float64)
            boxes.append((b + shift) * np.array([w / bw, h / bh, w / bw, h / bh]))
            scores.append(s)
        return merge_boxes(np.concatenate(boxes), np.concatenate(scores), inside=None)

    def _square(self, image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        """The square of :data:`CHECK_CONTEXT` times the box around its centre (black past the
        image), or None when it lies wholly off the image."""
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        side = max(16, round(max(box[2] - box[0], box[3] - box[1]) * CHECK_CONTEXT))
        x0, y0 = round(cx - side / 2), round(cy - side / 2)
        h, w = image.shape[:2]
        crop = np.zeros((side, side, 3), np.uint8)
        sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
        if sx1 <= sx0 or sy1 <= sy0:
            return None  # found in a square's padding, wholly off the image
        crop[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
        return crop

    def _check(self, image: np.ndarray, box: np.ndarray) -> float:
        """The judges' mean score for a face at the centre of ``box``."""
        crop = self._square(image, box)
        if crop is None:
            return 0.0
        small = _resize_square(crop, FACE_CHECKER.input_size)
        out = self._checker.run((small * np.float32(2.0 / 255.0) - 1.0)[None])
        found = weighted_nms(
            *decode(out["regressors"], out["classificators"], self._check_anchors, FACE_CHECKER),
            FACE_CHECKER.min_suppression,
        )
        # a judge confirms a face at the centre of about the candidate's size: a box inside a
        # larger face (an eye and a brow) or around a smaller one is not that face's box
        expected = 1.0 / CHECK_CONTEXT
        centre = 0.5
        short_range = max(
            (
                s
                for b, _, s in found
                if b[0] <= centre <= b[2]
                and b[1] <= centre <= b[3]
                and _near(max(b[2] - b[0], b[3] - b[1]) / expected)
            ),
            default=0.0,
        )
        # CenterFace's heat at the centre (the cells within an eighth of the square of it),
        # where the face it sizes there is about the candidate's size
        out = self._centerface_heat(_resize_square(crop, CENTERFACE_CHECK_SIDE))
        heat = out["heat"]
        n = heat.shape[0]
        r = max(1, round(n / 8))
        near = slice(n // 2 - r, n // 2 + r + 1)
        sizes = np.exp(out["scale"][:, near, near]).max(axis=0) * CENTERFACE_STRIDE
        fits = _near(sizes / (CENTERFACE_CHECK_SIDE * expected))
        centred = float(np.where(fits, heat[near, near], 0.0).max())
        return (short_range + centred) / 2

    def _look(self, image: np.ndarray, tile: Tile) -> tuple[np.ndarray, np.ndarray]:
        size = tile.size
        crop = image[tile.y : tile.y + tile.side, tile.x : tile.x + tile.side]
        h, w = crop.shape[:2]
        scale = size / tile.side
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        small = cv2.resize(
            crop, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        x = np.full((size, size, 3), -1.0, dtype=np.float32)
        x[:nh, :nw] = small * np.float32(2.0 / 255.0) - 1.0
        out = self._model.run(x[None])
        found = weighted_nms(
            *decode(out["Identity"], out["Identity_1"], self._anchors, self._spec),
            self._spec.min_suppression,
        )
        if not found:
            return np.zeros((0, 4)), np.zeros(0)
        boxes = np.array([b for b, _, _ in found]) * size
        boxes[:, 0::2] = boxes[:, 0::2] * (w / nw) + tile.x
        boxes[:, 1::2] = boxes[:, 1::2] * (h / nh) + tile.y
        return boxes, np.array([s for _, _, s in found])

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rgb = _rgb8(image)
        h, w = rgb.shape[:2]
        squares = tiles(w, h, self._spec.input_size, smallest=self._smallest)
        found = [self._look(rgb, t) for t in squares]
        # Each proposer's boxes of one face merged (and none dropped for lying inside a
        # larger one: that may be a false candidate around a small true face).
        proposed, _ = merge_boxes(
            np.concatenate([b for b, _ in found]), np.concatenate([s for _, s in found]),
            inside=None,
        )  # fmt: skip
        boxes = np.concatenate([proposed, self._centerface_look(rgb)[0]])
        # Boxes under twelve pixels are dropped unchecked: at that size window panes and
        # leaves pass for faces as often as faces do (bench/people.py).
        sizes = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        boxes = boxes[sizes >= MIN_FACE]
        scores = np.array([self._check(rgb, box) for box in boxes])
        keep = scores >= self._score
        boxes, scores = merge_boxes(boxes[keep], scores[keep])
        # a face cut by the image's edge still counts, with its box clipped to the image
        if len(boxes):
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
            keep = (boxes[:, 2] - boxes[:, 0] >= 2) & (boxes[:, 3] - boxes[:, 1] >= 2)
            boxes, scores = boxes[keep], scores[keep]
        return boxes, scores


#: The smallest face looked for in a panorama's views, in pixels: 22 views of a quarter of the
#: panorama's width each are many squares; faces under a dozen pixels there are left.
PANORAMA_SMALLEST = 12.0


@lru_cache(maxsize=64)
def _view_maps(view: View, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    return view_maps(view, width, height)


@dataclass
class FaceBlur:
    """Find the faces of an image and hide them: ``blur(image)`` returns the new image and
    how many faces it held. Safe to call from several threads (each has its own detector).

    ``panorama=True`` for an equirectangular image: faces are sought in 22 perspective views
    covering the sphere (:func:`vfx.ops.perspective.sphere_views`), which overlap, so most
    faces are seen in two views or more. A face seen in one view only must score
    :data:`PANORAMA_SURE`: the many squares of 22 views give textures (flowers, window
    frames, vents) more chances to pass for a face once. ``bench/people.py``: with one judge,
    three such spots of the GoPro MAX reference panorama passed in one view at 0.70-0.77;
    with two, nothing in either reference scene's views reaches 0.5, and the pasted faces
    seen in one view only score 0.77-0.83.
    """

    options: FaceOptions = field(default_factory=FaceOptions)
    folder: Path | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def __post_init__(self) -> None:
        FaceDetector(score=self.options.score, folder=self.folder)  # a missing model fails now

    def _detector(self, smallest: float) -> FaceDetector:
        made = self._local.__dict__.setdefault("detectors", {})
        if smallest not in made:
            made[smallest] = FaceDetector(
                score=self.options.score, smallest=smallest, folder=self.folder
            )
        return made[smallest]

    def faces(self, image: np.ndarray, *, smallest: float = 12.0) -> np.ndarray:
        """The face boxes ``(N, 4)`` of a flat image, from faces ``smallest`` pixels wide."""
        return self._detector(smallest)(image)[0]

    def _hide(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        o = self.options
        return blur_regions(image, boxes, mode=o.mode, strength=o.strength, margin=o.margin)

    def __call__(self, image: np.ndarray, *, panorama: bool = False) -> tuple[np.ndarray, int]:
        if not panorama:
            boxes = self.faces(image)
            return (self._hide(image, boxes) if len(boxes) else image), len(boxes)
        return self._panorama(image)

    def _panorama(self, image: np.ndarray) -> tuple[np.ndarray, int]:
        height, width = image.shape[:2]
        detector = self._detector(PANORAMA_SMALLEST)
        looks: list[tuple[View, np.ndarray, np.ndarray, list[int]]] = []
        faces: list[_SphereFace] = []  # distinct faces, each seen in one view or more
        for view in sphere_views(width):
            map_x, map_y = _view_maps(view, width, height)
            rendered = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
            boxes, scores = detector(rendered)
            if len(boxes):
                ids = [_sphere_face(faces, view, b, s) for b, s in zip(boxes, scores, strict=True)]
                looks.append((view, rendered, boxes, ids))
        sure = max(self.options.score, PANORAMA_SURE)
        kept = {k for k, f in enumerate(faces) if f.best >= sure or f.views >= 2}
        out = image.copy()
        for view, rendered, boxes, ids in looks:
            chosen = boxes[[k in kept for k in ids]]
            if len(chosen):
                self._paste_back(out, view, rendered, chosen)
        return out, len(kept)

    def _paste_back(
        self, out: np.ndarray, view: View, rendered: np.ndarray, boxes: np.ndarray
    ) -> None:
        """Hide ``boxes`` in the view ``rendered`` and lay the hidden faces back into the
        panorama ``out`` (in place), each blended by its own soft mask."""
        height, width = out.shape[:2]
        margin = self.options.margin
        hidden = self._hide(rendered, boxes)
        weight = face_mask(rendered.shape[:2], boxes, margin=margin)
        for box in boxes:
            region = back_maps(view, box, width, height, grow=margin + 0.1)
            if region is None:
                continue
            rows, cols, bx, by = region
            new = cv2.remap(hidden, bx, by, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            w = cv2.remap(weight, bx, by, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            w[bx < 0] = 0.0
            old = out[rows][:, cols]
            if old.ndim == 3:
                w = w[:, :, None]
            mixed = np.where(w > 0, np.round(old * (1.0 - w) + new * w), old)
            out[rows.start : rows.stop, cols] = mixed.astype(out.dtype)


#: A face in a panorama seen in one view only must score this much (see :class:`FaceBlur`).
PANORAMA_SURE = 0.7


@dataclass
class _SphereFace:
    direction: np.ndarray  # unit vector
    radius: float  # angular radius, radians
    views: int  # how many views saw it
    best: float  # its best score


def _sphere_face(seen: list[_SphereFace], view: View, box: np.ndarray, score: float) -> int:
    """The index in ``seen`` of the face of ``box`` in ``view``, added unless a view saw it
    already (their directions closer than the larger angular radius)."""
    centre = (view.side - 1) / 2.0
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    ray = np.array([(cx - centre) / view.focal, -(cy - centre) / view.focal, 1.0])
    direction = view.rotation @ (ray / np.linalg.norm(ray))
    radius = math.atan(max(box[2] - box[0], box[3] - box[1]) / 2 / view.focal)
    for k, other in enumerate(seen):
        angle = math.acos(float(np.clip(direction @ other.direction, -1, 1)))
        if angle < max(radius, other.radius):
            other.views += 1
            other.best = max(other.best, float(score))
            return k
    seen.append(_SphereFace(direction, radius, 1, float(score)))
    return len(seen) - 1


@dataclass
class BlurResult:
    """What :func:`blur_images` did: the images it wrote, with how many faces each held."""

    folder: Path
    out_dir: Path
    faces: dict[Path, int] = field(default_factory=dict)

    @property
    def images(self) -> int:
        return len(self.faces)

    @property
    def total(self) -> int:
        return sum(self.faces.values())


def _is_panorama(path: Path, image: np.ndarray, data: bytes, row: dict[str, object]) -> bool:
    """Equirectangular: 2:1 and tagged as such (GPano ProjectionType, or frames.csv's
    projection column)."""
    h, w = image.shape[:2]
    if w != 2 * h:
        return False
    if str(row.get("projection", "")).lower() == "equirectangular":
        return True
    return b"equirectangular" in data[:262144]


def blur_images(
    folder: str | Path,
    out_dir: str | Path | None = None,
    *,
    options: FaceOptions | None = None,
    in_place: bool = False,
    overwrite: bool = False,
    panorama: bool | None = None,
    threads: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BlurResult:
    """Blur the faces in every image of ``folder`` (JPEG, PNG, TIFF), keeping every tag.

    With ``out_dir``, the blurred images are written there under their own names (and the
    folder's ``frames.csv`` with a ``faces`` column); ``in_place=True`` replaces the images
    themselves instead. Either way each image is written whole beside its final name and then
    renamed over it: an interrupted run leaves every image either as it was or blurred.
    ``panorama`` forces (or forbids) the equirectangular treatment; by default an image is a
    panorama when it is 2:1 and tagged equirectangular.

    Raises
    ------
    ImageReadError
        When the folder holds no images, or an image cannot be read or its tags kept.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageReadError("not a folder of images", path=folder)
    if (out_dir is None) == (not in_place):
        raise ParameterError(
            "give an output folder, or in_place=True to blur the images themselves"
        )
    images = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    )
    if not images:
        raise ImageReadError("holds no JPEG, PNG or TIFF images", path=folder)
    target = folder if in_place else Path(out_dir)  # type: ignore[arg-type]
    if not in_place:
        if target.resolve() == folder.resolve():
            raise ParameterError("the output folder is the input folder; use in_place=True")
        prepare_output_dir(target)
        clash = next((target / p.name for p in images if (target / p.name).exists()), None)
        if clash is not None and not overwrite:
            raise OutputError("exists; pass overwrite=True (--overwrite) to replace", path=clash)
    blur = FaceBlur(options or FaceOptions())
    table = read_frame_table(folder)
    rows = {str(r.get("file")): r for r in table}
    result = BlurResult(folder, target)

    # Each image is recorded by the thread that wrote it, once it is whole: a Ctrl-C between
    # any two statements of this thread cannot leave a written image out of frames.csv.
    completed: dict[str, int] = {}

    def one(path: Path) -> int:
        data = read_bytes(path)
        image = read_image(path)
        row = rows.get(path.name, {})
        flat = _is_panorama(path, image, data, row) if panorama is None else panorama
        blurred, count = blur(image, panorama=flat)
        if count or not in_place:
            new = replace_pixels(data, blurred, path=path) if count else data
            write_bytes(target / path.name, new)
        completed[path.name] = count
        return count

    workers = threads or available_cores()
    made = ordered_map(one, images, threads=workers, ahead=2 * workers, name="vfx-blur")
    try:
        for done, _ in enumerate(made, start=1):
            if progress:
                progress(done, len(images))
    finally:
        made.close()  # waits for the images being written
        result.faces = {target / name: completed[name] for name in sorted(completed)}
        if table:
            _write_faces(target, table, completed, only_done=not in_place)
    return result


def _write_faces(
    target: Path, table: list[dict[str, str]], faces: dict[str, int], *, only_done: bool
) -> None:
    """``frames.csv`` in ``target`` with the ``faces`` column filled for the images blurred
    so far; with ``only_done`` (a new folder) only their rows, else every row (an image not
    yet blurred keeps its old value, or none)."""
    rows: list[dict[str, object]] = []
    for row in table:
        name = str(row.get("file"))
        if name in faces:
            rows.append({**row, "faces": faces[name]})
        elif not only_done:
            rows.append(dict(row))
    try:
        write_frame_table(target, rows)
    except OutputError:
        log.debug("%s: could not update frames.csv", target)
