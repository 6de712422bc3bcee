"""Background, mask, composite and montage jobs, and agreement of the two engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLE, media
from vfx.errors import ImageReadError, ParameterError
from vfx.io.images import read_image, write_image
from vfx.io.sources import open_source
from vfx.io.table import read_frame_table
from vfx.jobs.background import estimate_background, make_background
from vfx.jobs.composite import make_composite
from vfx.jobs.masks import make_masks
from vfx.jobs.montage import make_montage
from vfx.jobs.stills import extract_keyframes
from vfx.types import FrameChoice

try:
    import wand.image  # noqa: F401

    HAVE_WAND = True
except ImportError:
    HAVE_WAND = False

needs_magick = pytest.mark.skipif(not HAVE_WAND, reason="Wand/ImageMagick not installed")


@pytest.fixture(scope="module")
def sample_keyframes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_kf")
    extract_keyframes(SAMPLE, out)
    return out


@pytest.fixture(scope="module")
def gopro_keyframes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every third keyframe of the real GoPro clip (12 frames), with its frames.csv."""
    path = media("gopro-hero7.mp4")
    out = tmp_path_factory.mktemp("gopro_kf")
    extract_keyframes(path, out)
    for i, image in enumerate(sorted(out.glob("*.tiff"))):
        if i % 3:
            image.unlink()
    return out


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 127, b > 127
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def _agreement(folder: Path, tmp_path: Path) -> None:
    for method in ("first", "lighten", "darken", "mean", "auto"):
        ours = estimate_background(folder, method=method)
        theirs = estimate_background(folder, method=method, engine="magick")
        assert ours.dtype == theirs.dtype, method
        assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= (
            257 if ours.dtype == np.uint16 else 1
        ), method
    a = make_masks(folder, tmp_path / "np", background="first")
    b = make_masks(folder, tmp_path / "im", background="first", engine="magick")
    for ma, mb in zip(a.masks, b.masks, strict=True):
        assert iou(read_image(ma), read_image(mb)) >= 0.99, ma.name
    for mode in ("darken", "lighten", "mean"):
        ca = read_image(make_composite(folder, tmp_path / f"{mode}.png", mode=mode).path)
        cb = read_image(
            make_composite(folder, tmp_path / f"{mode}_im.png", mode=mode, engine="magick").path
        )
        tol = 257 if ca.dtype == np.uint16 else 1
        assert np.abs(ca.astype(int) - cb.astype(int)).max() <= tol, mode


@needs_magick
def test_engines_agree_on_the_sample(sample_keyframes: Path, tmp_path: Path) -> None:
    _agreement(sample_keyframes, tmp_path)


@needs_magick
@pytest.mark.media
def test_engines_agree_on_a_real_clip(gopro_keyframes: Path, tmp_path: Path) -> None:
    _agreement(gopro_keyframes, tmp_path)


def test_auto_background_is_the_empty_scene(sample_keyframes: Path) -> None:
    bg = estimate_background(sample_keyframes, method="auto")
    empty = read_image(sample_keyframes / "dance_000000.tiff")  # the figure enters later
    assert np.abs(bg.astype(int) - empty.astype(int)).mean() < 1.0
    lighten = estimate_background(sample_keyframes, method="lighten")
    assert np.abs(lighten.astype(int) - empty.astype(int)).mean() > 2.0


def test_masks_from_a_video_with_table(tmp_path: Path) -> None:
    result = make_masks(SAMPLE, tmp_path, background="auto", fmt="jpg", clean_background="white")
    assert len(result.masks) == 24 and len(result.cleans) == 24
    assert all(p.suffix == ".png" for p in result.masks)  # masks stay lossless
    assert all(p.suffix == ".jpg" for p in result.cleans)
    rows = read_frame_table(tmp_path)
    assert [int(r["frame_index"]) for r in rows] == [25 * k for k in range(24)]
    assert float(rows[0]["foreground_fraction"]) == 0.0  # no dancer yet in the first frame
    assert max(float(r["foreground_fraction"]) for r in rows) > 0.01
    again = make_masks(SAMPLE, tmp_path, background="auto", fmt="jpg")
    assert again.skipped == 24 and not again.masks


def test_transparent_clean_images_are_rgba(sample_keyframes: Path, tmp_path: Path) -> None:
    result = make_masks(sample_keyframes, tmp_path, clean_background="transparent")
    clean = read_image(result.cleans[10])
    mask = read_image(result.masks[10])
    assert clean.shape[2] == 4 and np.array_equal(clean[..., 3], mask)


def test_mog2_writes_masks_for_the_selected_frames(tmp_path: Path) -> None:
    result = make_masks(SAMPLE, tmp_path, method="mog2", frames=FrameChoice.every(4), history=50)
    assert len(result.masks) == 6
    late = read_image(result.masks[3])  # 12 s: the dancer is on screen and moving
    assert (late > 127).mean() > 0.002


def test_background_file_of_the_wrong_size(sample_keyframes: Path, tmp_path: Path) -> None:
    small = tmp_path / "bg.png"
    write_image(small, np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(
        ImageReadError, match=r"bg\.png: background is 10x10 but the frames are 640x360"
    ):
        make_masks(sample_keyframes, tmp_path / "out", background=small)
    with pytest.raises(ImageReadError, match="background is 10x10"):
        make_composite(sample_keyframes, tmp_path / "c.png", mode="foreground", background=small)


def test_composite_memory_is_flat_and_write_16_bit_mean(
    sample_keyframes: Path, tmp_path: Path
) -> None:
    mean = make_composite(sample_keyframes, tmp_path / "mean.tiff", mode="mean")
    assert mean.dtype == "uint16" and read_image(mean.path).dtype == np.uint16
    fg = make_composite(sample_keyframes, tmp_path / "fg.png", mode="foreground", fade=0.2)
    assert fg.frames == 24


def test_make_background_writes_the_file(tmp_path: Path) -> None:
    result = make_background(
        SAMPLE, tmp_path / "sub" / "bg.png", method="median", frames=FrameChoice.every(6)
    )
    assert result.frames == 4 and read_image(result.path).shape == (360, 640, 3)


@needs_magick
def test_montage_is_a_labelled_grid(sample_keyframes: Path, tmp_path: Path) -> None:
    result = make_montage(sample_keyframes, tmp_path / "sheet.png", columns=4, tile_width=100)
    sheet = read_image(result.path)
    # 24 tiles of 100x56 in 4 columns, 6 rows, each with a two-line label below.
    assert result.frames == 24
    assert 400 < sheet.shape[1] < 460 and sheet.shape[0] > 6 * 56 + 6 * 20


def test_parameter_errors(sample_keyframes: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="threshold"):
        make_masks(sample_keyframes, tmp_path, threshold1=2.0)
    with pytest.raises(ParameterError, match="colour"):
        make_masks(sample_keyframes, tmp_path, clean_background="mauve-ish")
    with pytest.raises(ParameterError, match="engine"):
        estimate_background(sample_keyframes, engine="gpu")
    with pytest.raises(ParameterError, match="mode"):
        make_composite(sample_keyframes, tmp_path / "x.png", mode="screen")


def test_empty_and_mixed_folders(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError, match="no images"):
        make_composite(tmp_path, tmp_path / "x.png")
    write_image(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "b.png", np.zeros((9, 8, 3), np.uint8))
    with pytest.raises(ImageReadError, match=r"b\.png"):
        make_composite(tmp_path, tmp_path / "out" / "x.png")
    assert open_source(tmp_path).count == 2


def test_chronophotograph_tints_each_exposure_by_its_time(tmp_path: Path) -> None:
    """Five exposures of a white square moving right on grey: five squares where it was, the
    first tinted with the colour map's start and the last with its end."""
    from vfx.jobs.composite import make_composite
    from vfx.ops.exposure import time_colours

    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(5):
        image = np.full((56, 120, 3), 100, np.uint8)
        image[12:28, 4 + 24 * k : 20 + 24 * k] = 255
        write_image(folder / f"f{k}.png", image)
    result = make_composite(
        folder, tmp_path / "chrono.png", mode="chrono", colormap="viridis", tint=0.5
    )
    image = read_image(result.path).astype(int)
    colours = time_colours(5, "viridis").astype(int)
    for k in range(5):
        centre = image[18:22, 10 + 24 * k : 14 + 24 * k].reshape(-1, 3)
        expected = 255 + (colours[k] - 255) * 0.5
        assert np.abs(centre - expected).max() <= 2, k
    assert np.abs(image[44:, :] - 100).max() <= 1  # the background stays bare
