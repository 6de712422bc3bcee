"""Read and write still images, atomically (through :mod:`vfx.io.files`).

Images follow vfx's colour contract: RGB (or RGBA, or single-channel grey) ``uint8`` or
``uint16``. OpenCV's BGR order never leaves this module. OpenCV itself is imported by the
functions that use it (PNG, JPEG): a command that only reads and writes TIFF, such as a
composite of keyframes, starts 20-30 ms sooner without it.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vfx.errors import ImageReadError, OutputError, ParameterError
from vfx.io.exif import ImageTags, embed_tags
from vfx.io.files import write_bytes
from vfx.io.tiff import encode_tiff, plain_layout
from vfx.ops.dtypes import to_uint8
from vfx.params import PARAMS

__all__ = [
    "IMAGE_FORMATS",
    "decoded_bytes",
    "encode_image",
    "format_for",
    "image_size",
    "looks_complete",
    "read_image",
    "write_image",
]

#: Formats vfx writes, by file suffix.
IMAGE_FORMATS = ("tiff", "png", "jpg")
_SUFFIX_FORMAT = {".tif": "tiff", ".tiff": "tiff", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}


def _png_params(dtype: np.dtype) -> list[int]:
    """OpenCV's PNG parameters for an image of ``dtype``.

    Fast lossless PNG: zlib level 1 and the "up" filter only. libpng's adaptive filter search
    costs 2-3x the time for files a few percent smaller (a 1080p mask: 4.7 ms against 12 ms).
    16-bit PNGs (motiongrams, average and history images) also use run-length matching only:
    zlib's string matching rarely pays on their noisy low bytes, and RLE is 1.3-3x faster at
    about the same size (a 500x1800 motiongram: 30 ms and 2.24 MB against 56 ms and 2.38 MB).
    On 8-bit frames it would double the size, so they keep the default strategy.
    """
    import cv2

    params = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    if hasattr(cv2, "IMWRITE_PNG_FILTER"):
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    if dtype == np.uint16:
        params += [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    return params


def format_for(path: str | Path) -> str:
    """The image format implied by a file name's suffix."""
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIX_FORMAT[suffix]
    except KeyError:
        raise OutputError(
            f"unknown image suffix '{suffix}' (use one of .tiff, .png, .jpg)", path=path
        ) from None


def _to_bgr(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return image
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA)
    raise ValueError(f"image must have 1, 3 or 4 channels, got {image.shape[2]}")


def encode_image(
    image: np.ndarray, fmt: str, *, quality: int = 95, compress_level: int = 1, threads: int = 1
) -> bytes:
    """Encode an RGB(A) or grey image to bytes.

    TIFF is written by :func:`vfx.io.tiff.encode_tiff`: RGB photometric interpretation (never
    YCbCr), deflate with the horizontal-differencing predictor (TIFF Predictor 2, read by
    libtiff, ImageMagick, OpenCV and exiftool), one strip per 64 rows, 8 or 16 bits per sample
    as the array's dtype says. Deflate level 1 with the predictor is both faster and smaller on
    video frames than level 6 without it (about 60 ms and 2.5 MB against 145 ms and 3.8 MB for
    a 1080p frame).
    PNG is lossless too; JPEG is 8-bit only and takes ``quality`` (1-100). ``threads``
    compress a TIFF's strips in parallel: for a lone image such as a composite (a noisy 1080p
    one: 42 against 23 ms on two), not where frames are already written side by side.
    """
    if image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"image dtype must be uint8 or uint16, got {image.dtype}")
    if fmt == "tiff":
        return encode_tiff(image, level=compress_level, threads=threads)
    import cv2  # imported where used: commands that only read and write TIFF start sooner

    if fmt == "png":
        ok, data = cv2.imencode(".png", _to_bgr(image), _png_params(image.dtype))
    elif fmt == "jpg":
        if image.dtype != np.uint8:
            image = to_uint8(image)
        if image.ndim == 3 and image.shape[2] == 4:
            image = image[:, :, :3]
        ok, data = cv2.imencode(".jpg", _to_bgr(image), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    else:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {IMAGE_FORMATS}")
    if not ok:
        raise OutputError(f"could not encode the image as {fmt}")
    return bytes(data.tobytes())


def looks_complete(path: str | Path) -> bool:
    """Whether an image file vfx wrote earlier is whole, judged by its ends (no decoding).

    A re-run skips only complete images: a 0-byte or truncated file (a crash of another tool,
    a full disk, a copy cut short) is written again. TIFF: a valid header whose first
    directory lies inside the file, with all its entries; PNG: the signature and a final
    ``IEND`` chunk; JPEG: the SOI marker and the EOI marker at the end.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
            fh.seek(max(0, size - 16))
            tail = fh.read(16)
            if head[:4] in (b"II*\x00", b"MM\x00*"):
                from vfx.io.tiff import data_end

                end = data_end(fh)  # type: ignore[arg-type]
                return end is not None and end <= size
    except (OSError, struct.error):
        return False
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return tail[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"
    if head[:2] == b"\xff\xd8":
        return tail[-2:] == b"\xff\xd9"
    return False


def write_image(
    path: str | Path,
    image: np.ndarray,
    *,
    fmt: str | None = None,
    quality: int = 95,
    tags: ImageTags | None = None,
    threads: int = 1,
) -> int:
    """Encode and write an image atomically, with ``tags`` (EXIF, GPS, XMP) written in.

    ``threads`` as in :func:`encode_image`. Returns the number of bytes written.
    """
    if not isinstance(image, np.ndarray):
        raise ParameterError(f"image must be a numpy array, got {type(image).__name__}")
    if image.size == 0 or image.ndim not in (2, 3):
        raise ParameterError(
            f"image must be a non-empty (H, W) or (H, W, C) array, got {image.shape}"
        )
    path = Path(path)
    fmt = fmt or format_for(path)
    data = encode_image(image, fmt, quality=quality, threads=threads)
    if tags is not None:
        data = embed_tags(data, fmt, tags)
    write_bytes(path, data)
    return len(data)


#: ``alloc(shape, dtype)``: an array for :func:`read_image` to decode into.
Allocator = Callable[[tuple[int, ...], np.dtype], np.ndarray]


def _read_tiff(path: Path, alloc: Allocator | None = None) -> np.ndarray:
    """A TIFF's first image, one decoding thread per image (callers read several at once).

    RGB(A) and grey images of 8 or 16 bits (the files vfx writes itself, and most others) are
    decoded by libtiff through imagecodecs, which undoes the horizontal predictor of a
    1080p RGB frame about three times faster than tifffile's codec (0.7 against 2.2 ms; with
    the inflating, 3.2 against 4.7 ms a frame): that is most of a composite of keyframes.
    :func:`vfx.io.tiff.plain_layout` reads the first directory; tifffile decodes every
    other layout (and is imported only then).
    """
    with open(path, "rb") as fh:
        layout = plain_layout(fh)
        if layout is not None:
            import imagecodecs

            out = alloc(layout.shape, layout.dtype) if alloc is not None else None
            # Mapped, not read: the file's bytes would take heap memory where a frame was.
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                image = imagecodecs.tiff_decode(data, index=0, out=out)
            return image if out is None else out
    import tifffile

    return tifffile.imread(path, maxworkers=1)


def image_header(path: str | Path) -> tuple[int, int, int] | None:
    """``(width, height, decoded bytes)`` from an image file's header, without decoding it
    (PNG's IHDR, TIFF's first directory, JPEG's frame header: at most four 8-bit components);
    None for other formats or an unreadable header. One read of the file's first bytes."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(32)
            if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
                w, h = struct.unpack(">II", head[16:24])
                depth, colour = head[24], head[25]
                channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(colour, 4)
                return w, h, w * h * channels * (2 if depth > 8 else 1)
            if head[:4] in (b"II*\x00", b"MM\x00*"):
                from vfx.io.tiff import first_layout

                layout = first_layout(fh)  # type: ignore[arg-type]
                if layout is None:
                    return None
                w, h, spp, bps = layout
                return w, h, w * h * max(spp, 1) * (2 if bps > 8 else 1)
            if head[:2] == b"\xff\xd8":
                fh.seek(2)
                for _ in range(10_000):  # markers before the frame header
                    marker = fh.read(4)
                    if len(marker) < 4 or marker[0] != 0xFF:
                        return None
                    kind, length = marker[1], struct.unpack(">H", marker[2:])[0]
                    if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
                        body = fh.read(5)
                        h, w = struct.unpack(">HH", body[1:5])
                        return w, h, w * h * 4
                    fh.seek(length - 2, 1)
    except (OSError, struct.error):
        return None
    return None


def image_size(path: str | Path) -> tuple[int, int] | None:
    """``(width, height)`` from an image file's header, without decoding it (see
    :func:`image_header`)."""
    header = image_header(path)
    return None if header is None else header[:2]


def decoded_bytes(path: str | Path) -> int | None:
    """How many bytes ``path`` decodes to, from its header alone (see :func:`image_header`)."""
    header = image_header(path)
    return None if header is None else header[2]


#: Bytes a decoded image may take per pixel of ``--max-pixels``: an 8-bit RGBA image at the
#: pixel limit. A 2 MB PNG of 16000x16000 16-bit RGBA, under the pixel limit, decodes to 2 GB
#: and took 4-5 GB with its conversions.
BYTES_PER_ALLOWED_PIXEL = 4


def read_image(
    path: str | Path, *, alloc: Allocator | None = None, max_pixels: int | None = None
) -> np.ndarray:
    """Read an image as RGB(A) or grey, ``uint8`` or ``uint16``.

    ``alloc``, when given, provides the array that a TIFF is decoded into, so that a caller
    can reuse frame-sized memory (other images, and TIFF layouts left to tifffile, are read
    into new arrays). An image whose header claims more than ``max_pixels`` pixels (default
    the ``max_pixels`` parameter's) is refused before it is decoded.

    Raises
    ------
    ImageReadError
        When the file is missing or cannot be decoded as an image.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError("no such file", path=path)
    limit = PARAMS["max_pixels"].default if max_pixels is None else max_pixels
    header = image_header(path)
    width, height, decoded = header if header is not None else (0, 0, 0)
    if width * height > limit:
        # Checked before anything is allocated: a 12 KB file can claim gigapixels.
        raise ImageReadError(
            f"is {width}x{height} ({width * height} pixels), above the limit of {limit} "
            "(--max-pixels)",
            path=path,
        )
    if decoded > limit * BYTES_PER_ALLOWED_PIXEL:
        raise ImageReadError(
            f"decodes to {decoded} bytes, above the limit of {limit * BYTES_PER_ALLOWED_PIXEL} "
            f"(--max-pixels x {BYTES_PER_ALLOWED_PIXEL} bytes)",
            path=path,
        )
    if path.suffix.lower() in (".tif", ".tiff"):
        if not looks_complete(path):
            raise ImageReadError("not a readable TIFF (cut short or damaged)", path=path)
        try:
            image = _read_tiff(path, alloc)
        except Exception as exc:  # libtiff (imagecodecs) and tifffile raise many kinds
            raise ImageReadError(f"not a readable TIFF ({exc})", path=path) from exc
        if image.ndim == 3 and image.shape[0] in (3, 4) and image.shape[2] not in (3, 4):
            image = np.moveaxis(image, 0, -1)
    else:
        import cv2

        raw = np.fromfile(path, dtype=np.uint8)
        image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
        if image is None:
            raise ImageReadError("not a readable image", path=path)
        if image.ndim == 3:
            code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
            image = cv2.cvtColor(image, code)
    if image.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"unsupported sample type {image.dtype}", path=path)
    return np.ascontiguousarray(image)
