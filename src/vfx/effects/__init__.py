"""Background images, foreground masks, multi-exposure composites and contact sheets.

Each job takes a video (keyframes by default) or a folder of images, streams its frames
through the pure operations of :mod:`vfx.ops` (the ``numpy`` engine) or through ImageMagick
(the ``magick`` engine), and writes its outputs atomically.

:mod:`~vfx.effects.background`, :mod:`~vfx.effects.masks`, :mod:`~vfx.effects.composite` and
:mod:`~vfx.effects.montage` hold one job each; :mod:`~vfx.effects._common` what they share.
"""

from vfx.effects._common import ENGINES, MASK_METHODS, Composite, parse_colour
from vfx.effects.background import estimate_background, make_background
from vfx.effects.composite import make_composite
from vfx.effects.masks import MaskSet, make_masks
from vfx.effects.montage import make_montage

__all__ = [
    "ENGINES",
    "MASK_METHODS",
    "Composite",
    "MaskSet",
    "estimate_background",
    "make_background",
    "make_composite",
    "make_masks",
    "make_montage",
    "parse_colour",
]
