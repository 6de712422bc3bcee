"""vfx's own TIFF writer and first-directory reader, checked against tifffile and libtiff."""

from __future__ import annotations

import io
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
import tifffile

from vfx.io.tiff import ROWS_PER_STRIP, encode_tiff, plain_layout


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(1, 5), (63, 40, 3), (64, 33, 3), (130, 17, 4), (65, 9)])
def test_what_vfx_writes_tifffile_and_libtiff_read_back(
    shape: tuple[int, ...], dtype: type
) -> None:
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    data = encode_tiff(image, threads=2)
    assert np.array_equal(tifffile.imread(io.BytesIO(data)), image)
    assert np.array_equal(imagecodecs.tiff_decode(data), image)
    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        page = tif.pages.first
        assert page.compression == tifffile.COMPRESSION.ADOBE_DEFLATE
        assert page.predictor == tifffile.PREDICTOR.HORIZONTAL
        assert page.rowsperstrip == min(ROWS_PER_STRIP, shape[0])
        assert page.photometric == (
            tifffile.PHOTOMETRIC.MINISBLACK if image.ndim == 2 else tifffile.PHOTOMETRIC.RGB
        )
        if image.ndim == 3 and image.shape[2] == 4:
            assert page.extrasamples == (tifffile.EXTRASAMPLE.UNASSALPHA,)
    assert encode_tiff(image, threads=1) == data


def test_strips_are_deflated_as_tifffile_deflates_them() -> None:
    image = np.random.default_rng(1).integers(0, 256, (200, 77, 3), dtype=np.uint8)
    buf = io.BytesIO()
    tifffile.imwrite(
        buf, image, photometric="rgb", compression="zlib", compressionargs={"level": 1},
        predictor=True, rowsperstrip=ROWS_PER_STRIP, metadata=None,
    )  # fmt: skip
    ours, theirs = (tifffile.TiffFile(io.BytesIO(d)) for d in (encode_tiff(image), buf.getvalue()))
    assert ours.pages.first.databytecounts == theirs.pages.first.databytecounts


def test_other_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="float32"):
        encode_tiff(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="channels"):
        encode_tiff(np.zeros((4, 4, 2), np.uint8))


def test_plain_layout_reads_the_first_directory(tmp_path: Path) -> None:
    image = np.zeros((70, 30, 3), np.uint16)
    with io.BytesIO(encode_tiff(image)) as fh:
        layout = plain_layout(fh)
    assert layout is not None and layout.shape == (70, 30, 3) and layout.dtype == np.uint16
    for data in (b"", b"not a tiff at all", b"II*\x00\xff\xff\xff\x00", b"II+\x00" + bytes(12)):
        assert plain_layout(io.BytesIO(data)) is None  # empty, other, cut short, BigTIFF
    floats = tmp_path / "float.tiff"
    tifffile.imwrite(floats, np.zeros((8, 8), np.float32))
    with floats.open("rb") as fh:
        assert plain_layout(fh) is None
