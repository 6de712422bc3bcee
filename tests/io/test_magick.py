"""The ImageMagick engine's IO: finding the library, and the contact sheet it makes."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from vfx.io.images import read_image

magick = pytest.importorskip("vfx.io.magick")
try:
    magick.wand_image()
except Exception:
    pytest.skip("Wand/ImageMagick not installed", allow_module_level=True)


def test_the_library_name_found_is_one_the_linker_knows() -> None:
    suffix = magick._magickwand_suffix()
    assert suffix is not None
    assert ctypes.util.find_library("MagickWand" + suffix) is not None


def test_the_library_chosen_is_the_one_wand_prefers() -> None:
    listing = (
        "1234 libs found in cache\n"
        "\tlibMagickWand-6.Q16.so.6 (libc6,x86-64) => /usr/lib/libMagickWand-6.Q16.so.6\n"
        "\tlibMagickWand-7.Q16HDRI.so.10 (libc6,x86-64) => /usr/lib/libMagickWand-7.Q16HDRI.so.10\n"
        "\tlibMagickCore-7.Q16HDRI.so.10 (libc6,x86-64) => /usr/lib/libMagickCore-7.Q16HDRI.so.10\n"
    )
    assert magick._suffix_in_listing(listing) == "-7.Q16HDRI"
    assert magick._suffix_in_listing(listing.split("\n\tlibMagickWand-7")[0]) == "-6.Q16"
    assert magick._suffix_in_listing("\tlibc.so.6 (libc6,x86-64) => /lib/libc.so.6\n") is None


def test_a_contact_sheet_is_8_bit_rgb_with_the_tiles_in_it(tmp_path: Path) -> None:
    """ImageMagick draws sheets in 16-bit RGBA; of 8-bit tiles vfx writes an 8-bit RGB
    sheet, which ImageMagick reads back as such, each tile the picture reduced."""
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    tiles = [(np.full((90, 160, 3), c, np.uint8), f"tile {i}") for i, c in enumerate(colours)]
    out = tmp_path / "sheet.png"
    width, height = magick.montage(iter(tiles), out, columns=3, tile_width=80)
    if shutil.which("identify"):
        info = subprocess.run(
            ["identify", "-format", "%w %h %z %[channels]", str(out)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert info[:3] == [str(width), str(height), "8"] and info[3].startswith("srgb")
        assert "a" not in info[3].removeprefix("srgb")  # no alpha channel
    sheet = read_image(out)
    assert sheet.dtype == np.uint8 and sheet.shape == (height, width, 3)
    # Tile i's centre, 4 pixels of border and 80 + 8 per tile across.
    for i, colour in enumerate(colours):
        assert np.abs(sheet[4 + 22, 4 + i * 88 + 40].astype(int) - colour).max() <= 1


def _noise_tiles(count: int) -> list[tuple[np.ndarray, str]]:
    rng = np.random.default_rng(7)
    return [(rng.integers(0, 256, (90, 160, 3), dtype=np.uint8), f"t{i}") for i in range(count)]


@pytest.mark.parametrize("threads", [3, 4])
def test_tiles_reduced_on_threads_make_the_same_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """The tiles are reduced on the process's cores; the sheet is the one a single thread
    makes, tile for tile in order (more tiles than are ever in flight)."""
    tiles = _noise_tiles(13)
    one = magick.montage(iter(tiles), tmp_path / "one.png", columns=5, tile_width=48, threads=1)
    many = magick.montage(
        iter(tiles), tmp_path / "many.png", columns=5, tile_width=48, threads=threads
    )
    assert one == many
    assert np.array_equal(read_image(tmp_path / "one.png"), read_image(tmp_path / "many.png"))


def test_a_failing_frame_stops_the_sheet_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def frames():
        yield from _noise_tiles(5)
        raise OSError("frame 6 is unreadable")

    out = tmp_path / "sheet.png"
    with pytest.raises(OSError, match="frame 6"):
        magick.montage(frames(), out, columns=3, tile_width=40, threads=2)
    assert list(tmp_path.iterdir()) == []
