"""Image writers: RGB TIFF tags, bit depth, round trips, atomic writes."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import tifffile

from crafted import png_header
from vfx.errors import ImageReadError, OutputError
from vfx.io.files import atomic_path
from vfx.io.images import encode_image, format_for, read_image, write_image
from vfx.io.tiff import plain_layout


def _gradient(dtype: type = np.uint8) -> np.ndarray:
    top = 255 if dtype == np.uint8 else 65535
    x = np.linspace(0, top, 64)
    img = np.stack(
        [np.tile(x, (48, 1)), np.tile(x[::-1], (48, 1)), np.full((48, 64), top / 3)], axis=-1
    )
    return img.astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiff_is_rgb_deflate_with_the_array_bit_depth(tmp_path: Path, dtype: type) -> None:
    img = _gradient(dtype)
    path = tmp_path / "x.tiff"
    write_image(path, img)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert page.photometric == tifffile.PHOTOMETRIC.RGB
        assert page.compression == tifffile.COMPRESSION.ADOBE_DEFLATE
        assert page.bitspersample == np.dtype(dtype).itemsize * 8
        assert page.samplesperpixel == 3
    assert np.array_equal(read_image(path), img)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_round_trip_is_lossless_and_rgb_ordered(tmp_path: Path, dtype: type) -> None:
    img = _gradient(dtype)
    write_image(tmp_path / "x.png", img)
    back = read_image(tmp_path / "x.png")
    assert back.dtype == dtype
    assert np.array_equal(back, img)


def test_jpeg_quality_changes_size_and_keeps_colours(tmp_path: Path) -> None:
    img = _gradient()
    small = write_image(tmp_path / "lo.jpg", img, quality=10)
    big = write_image(tmp_path / "hi.jpg", img, quality=98)
    assert small < big
    back = read_image(tmp_path / "hi.jpg")
    assert np.abs(back.astype(int) - img).mean() < 3  # red stays red: not BGR-swapped


def test_rgba_tiff_has_alpha(tmp_path: Path) -> None:
    img = np.zeros((8, 8, 4), np.uint8)
    img[..., 3] = 128
    write_image(tmp_path / "a.tiff", img)
    assert np.array_equal(read_image(tmp_path / "a.tiff"), img)


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as fh:
        fh.write(b"partial")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_write_into_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_image(tmp_path / "no" / "x.png", _gradient())


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="unknown image suffix"):
        format_for(tmp_path / "x.gif")


def test_bad_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="uint8 or uint16"):
        encode_image(np.zeros((4, 4, 3), np.float32), "png")


def test_unreadable_image(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(ImageReadError, match="not a readable image"):
        read_image(bad)
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "missing.tiff")


@pytest.mark.skipif(
    not Path("/usr/bin/convert").exists() and shutil.which("magick") is None,
    reason="ImageMagick not installed",
)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_imagemagick_reads_our_tiff_exactly(tmp_path: Path, dtype: type) -> None:
    img = _gradient(dtype)
    write_image(tmp_path / "x.tiff", img)
    tool = shutil.which("magick") or "/usr/bin/convert"
    subprocess.run([tool, str(tmp_path / "x.tiff"), str(tmp_path / "im.png")], check=True)
    assert np.array_equal(read_image(tmp_path / "im.png"), img)


def test_tiff_strips_compressed_on_threads_give_the_same_file() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (300, 257, 3), dtype=np.uint8)
    one = encode_image(image, "tiff")
    assert encode_image(image, "tiff", threads=2) == one
    assert tifffile.imread(io.BytesIO(one)).tolist() == image.tolist()


_LAYOUTS = {
    "rgb8-deflate-predictor": dict(shape=(100, 57, 3), dtype=np.uint8),
    "rgb16-deflate-predictor": dict(shape=(100, 57, 3), dtype=np.uint16),
    "grey8-deflate": dict(shape=(70, 33), dtype=np.uint8, photometric="minisblack"),
    "rgba16-adobe-deflate": dict(
        shape=(40, 31, 4), dtype=np.uint16, compression="adobe_deflate", extrasamples=["unassalpha"]
    ),
    "rgb8-no-predictor": dict(shape=(65, 40, 3), dtype=np.uint8, predictor=False),
    "rgb16-uncompressed": dict(shape=(65, 40, 3), dtype=np.uint16, compression=None),
    "one-strip": dict(shape=(30, 20, 3), dtype=np.uint8, rowsperstrip=30),
    "big-endian": dict(shape=(50, 40, 3), dtype=np.uint16, byteorder=">"),
    "tiled": dict(shape=(64, 48, 3), dtype=np.uint8, tile=(16, 16)),
    "lzw": dict(shape=(50, 40, 3), dtype=np.uint8, compression="lzw"),
    "packbits": dict(
        shape=(50, 40), dtype=np.uint16, compression="packbits", photometric="minisblack"
    ),
    # left to tifffile: separate planes, other codecs, palette, a predictor libtiff ignores
    "planar": dict(shape=(3, 50, 40), dtype=np.uint8, planarconfig="separate"),
    "zstd": dict(shape=(50, 40, 3), dtype=np.uint8, compression="zstd"),
    "palette": dict(
        shape=(50, 40),
        dtype=np.uint8,
        photometric="palette",
        colormap=np.zeros((3, 256), np.uint16),
    ),
}


_LEFT_TO_TIFFFILE = ("planar", "zstd", "palette", "packbits")


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
def test_tiff_layouts_read_as_tifffile_reads_them(tmp_path: Path, layout: str) -> None:
    spec = dict(_LAYOUTS[layout])
    shape, dtype = spec.pop("shape"), spec.pop("dtype")
    rng = np.random.default_rng(len(layout))
    image = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    spec.setdefault("photometric", "rgb")
    spec.setdefault("compression", "zlib")
    if spec["compression"] is not None:
        spec.setdefault("predictor", True)
    if "tile" not in spec:
        spec.setdefault("rowsperstrip", 16)
    path = tmp_path / f"{layout}.tiff"
    tifffile.imwrite(path, image, metadata=None, **spec)
    expected = np.moveaxis(image, 0, -1) if layout == "planar" else image
    with path.open("rb") as fh:  # libtiff's decoder, or tifffile's
        assert (plain_layout(fh) is not None) == (layout not in _LEFT_TO_TIFFFILE)
    got = read_image(path)
    assert got.dtype == dtype and np.array_equal(got, expected)


def test_a_truncated_strip_is_an_unreadable_tiff(tmp_path: Path) -> None:
    path = tmp_path / "cut.tiff"
    write_image(path, _gradient(np.uint8))
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        offset, count = page.dataoffsets[-1], page.databytecounts[-1]
    data = bytearray(path.read_bytes())
    data[offset : offset + count] = bytes(count)  # the last strip's deflate stream zeroed
    path.write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="not a readable TIFF") as err:
        read_image(path)
    assert str(path) in str(err.value)


def test_a_tagged_tiff_reads_without_a_word_from_libtiff(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from vfx.io.exif import ImageTags

    image = _gradient(np.uint8)
    tags = ImageTags(
        datetime_original=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        lat=45.5,
        lon=7.25,
        xmp={"vfx": {"FrameIndex": 7}},
    )
    write_image(tmp_path / "tagged.tiff", image, tags=tags)
    assert np.array_equal(read_image(tmp_path / "tagged.tiff"), image)
    assert capfd.readouterr().err == ""


def test_a_tiff_of_several_pages_gives_its_first(tmp_path: Path) -> None:
    path = tmp_path / "pages.tiff"
    with tifffile.TiffWriter(path) as tif:
        for level in (10, 20):
            tif.write(np.full((6, 8, 3), level, np.uint8), photometric="rgb", metadata=None)
    image = read_image(path)
    assert image.shape == (6, 8, 3) and (image == 10).all()


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_a_cut_or_empty_image_is_not_complete(tmp_path: Path, fmt: str) -> None:
    from vfx.io.exif import ImageTags
    from vfx.io.images import looks_complete

    path = tmp_path / f"i.{fmt}"
    tags = ImageTags(make="X", lat=45.0, lon=7.0, datetime_original=None)
    write_image(
        path, np.random.default_rng(3).integers(0, 255, (64, 64, 3), dtype=np.uint8), tags=tags
    )
    assert looks_complete(path)
    data = path.read_bytes()
    for cut in (b"", data[:8], data[: len(data) // 2], data[:-2]):  # -1 may be a pad byte
        path.write_bytes(cut)
        assert not looks_complete(path), len(cut)


def test_an_image_under_the_pixel_limit_that_decodes_to_gigabytes_is_refused_first(
    tmp_path: Path,
) -> None:
    """16000x16000 16-bit RGBA is under --max-pixels (16384 x 16384) but decodes to 2 GB, and
    took 4-5 GB in report and composite before anything refused it."""
    from vfx.io.images import decoded_bytes

    big = png_header(tmp_path / "big.png", 16000, 16000, 16, 6)
    assert decoded_bytes(big) == 16000 * 16000 * 8
    with pytest.raises(ImageReadError, match=r"decodes to 2048000000 bytes, above the limit"):
        read_image(big)
    grey = png_header(tmp_path / "grey.png", 16000, 16000, 8, 0)  # 256 MB: allowed
    assert decoded_bytes(grey) == 16000 * 16000
    tiff = tmp_path / "small.tiff"
    write_image(tiff, np.zeros((4, 5, 3), np.uint16))
    assert decoded_bytes(tiff) == 4 * 5 * 3 * 2
