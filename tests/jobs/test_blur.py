"""Faces blurred with every tag kept: a pasted face is hidden and nothing else changes."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from face_images import face, paste, paste_on_sphere, street_frame
from vfx.cli import app
from vfx.errors import ImageReadError, ParameterError
from vfx.io.exif import ImageTags
from vfx.io.images import read_image, write_image
from vfx.io.table import read_frame_table, write_frame_table
from vfx.jobs.blur import FaceBlur, FaceOptions, blur_images

_runner = CliRunner()

TAGS = ImageTags(
    datetime_original=datetime(2024, 5, 6, 18, 15, 7, 362000, tzinfo=UTC),
    make="GoPro",
    model="HERO7 Black",
    lat=33.1268403,
    lon=-117.3274043,
    alt=12.5,
    heading=153.3,
    xmp={"vfx": {"SourceVideo": "ride.mp4", "FrameIndex": 89}},
)


#: What describes the pixel data itself, and changes with it (a TIFF's strips).
PIXEL_DERIVED = {"IFD0:StripOffsets", "IFD0:StripByteCounts"}


def _tags(path: Path) -> dict[str, object]:
    """Every tag exiftool reads, values in full (binary ones too), file-system ones left out."""
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        [exe, "-j", "-a", "-G1", "-b", "-u", str(path)], check=True, capture_output=True, text=True
    ).stdout
    tags = json.loads(out)[0]
    return {k: v for k, v in tags.items() if not k.startswith(("System:", "SourceFile", "File:"))}


def detail(image: np.ndarray) -> float:
    """The variance of the Laplacian: the fine detail a face is recognised by."""
    import cv2

    grey = (
        image
        if image.ndim == 2
        else cv2.cvtColor(image[:, :, :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    )
    return float(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F).var())


def _folder(tmp_path: Path, fmt: str, box_width: int = 120) -> tuple[Path, tuple[int, ...]]:
    image = street_frame(640, 360, seed=3)
    box = paste(image, face("astronaut"), 260, 60, box_width)
    folder = tmp_path / "in"
    folder.mkdir()
    write_image(folder / f"ride_000089.{fmt}", image, tags=TAGS)
    write_frame_table(folder, [{"file": f"ride_000089.{fmt}", "frame_index": 89}])
    return folder, box


@pytest.mark.parametrize("fmt", ["tiff", "png", "jpg"])
def test_a_pasted_face_is_blurred_and_every_tag_stays(tmp_path: Path, fmt: str) -> None:
    folder, (x0, y0, x1, y1) = _folder(tmp_path, fmt)
    name = f"ride_000089.{fmt}"
    result = blur_images(folder, tmp_path / "out")
    assert result.faces == {tmp_path / "out" / name: 1}
    before = read_image(folder / name).astype(np.int16)
    after = read_image(tmp_path / "out" / name).astype(np.int16)
    inside = (slice(y0 + 20, y1 - 20), slice(x0 + 20, x1 - 20))
    assert detail(after[inside]) < 0.1 * detail(before[inside])
    # Outside the face and its margin: bit for bit (lossless), one JPEG generation (jpg).
    outside = np.ones(before.shape[:2], bool)
    w, h = x1 - x0, y1 - y0
    outside[max(0, y0 - h // 2) : y1 + h // 2, max(0, x0 - w // 2) : x1 + w // 2] = False
    diff = np.abs(after - before)[outside]
    if fmt == "jpg":
        assert diff.mean() < 1.5
    else:
        assert diff.max() == 0
    old, new = _tags(folder / name), _tags(tmp_path / "out" / name)
    differ = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert differ <= PIXEL_DERIVED, differ
    assert read_frame_table(tmp_path / "out")[0]["faces"] == "1"


def test_the_images_themselves_only_with_in_place(tmp_path: Path) -> None:
    folder, _ = _folder(tmp_path, "png")
    original = (folder / "ride_000089.png").read_bytes()
    with pytest.raises(ParameterError):
        blur_images(folder)
    assert (folder / "ride_000089.png").read_bytes() == original
    result = blur_images(folder, in_place=True)
    assert result.total == 1
    assert (folder / "ride_000089.png").read_bytes() != original
    assert sorted(p.name for p in folder.iterdir()) == ["frames.csv", "ride_000089.png"]


def test_an_image_without_faces_is_copied_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_image(folder / "empty.png", street_frame(960, 540, seed=5), tags=TAGS)
    result = blur_images(folder, tmp_path / "out")
    assert result.total == 0
    assert (tmp_path / "out" / "empty.png").read_bytes() == (folder / "empty.png").read_bytes()


def test_an_interrupted_blur_leaves_only_blurred_images(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = []
    for i in range(6):
        image = street_frame(480, 270, seed=i)
        paste(image, face("astronaut"), 60 + 20 * i, 40, 100)
        write_image(folder / f"f{i}.png", image)
        rows.append({"file": f"f{i}.png", "frame_index": i})
    write_frame_table(folder, rows)

    def stop_after_two(done: int, total: int | None) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        blur_images(folder, tmp_path / "out", progress=stop_after_two, threads=1)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    images = [name for name in written if name != "frames.csv"]
    assert "frames.csv" in written and 2 <= len(images) < 6  # the rest never started
    for name in images:
        i = int(name[1])
        inside = (slice(70, 130), slice(80 + 20 * i, 140 + 20 * i))
        before = detail(read_image(folder / name)[inside])
        assert detail(read_image(tmp_path / "out" / name)[inside]) < 0.1 * before
    assert [r["file"] for r in read_frame_table(tmp_path / "out")] == images


def test_a_face_across_the_seam_is_blurred_on_both_sides() -> None:
    rng = np.random.default_rng(4)
    pano = np.repeat(rng.integers(40, 200, (256, 512, 1), dtype=np.uint8), 4, axis=0)
    pano = np.repeat(pano, 4, axis=1)[:, :, [0, 0, 0]].copy()  # 1024x2048, blocky texture
    pano[:] = np.clip(pano.astype(int) + rng.integers(-5, 6, pano.shape), 0, 255)
    across = paste_on_sphere(pano, face("astronaut"), lon=180.0, lat=5.0, width_deg=18.0)
    near_pole = paste_on_sphere(pano, face("astronaut"), lon=40.0, lat=72.0, width_deg=18.0)
    assert across.mask[:, :20].any() and across.mask[:, -20:].any()  # cut by the seam
    blurred, count = FaceBlur()(pano, panorama=True)
    assert count == 2
    for where in (across.mask, near_pole.mask):
        for side in (slice(0, 1024), slice(1024, 2048)):
            part = where[:, side]
            if part.sum() < 200:
                continue
            changed = np.abs(blurred[:, side].astype(int) - pano[:, side]).max(axis=2)[part] > 3
            assert changed.mean() > 0.6
    left, right = across.mask[:, :30], across.mask[:, -30:]
    assert np.abs(blurred[:, :30].astype(int) - pano[:, :30])[left].mean() > 5
    assert np.abs(blurred[:, -30:].astype(int) - pano[:, -30:])[right].mean() > 5
    far = np.ones(pano.shape[:2], bool)
    far[:, 700:1350] = True
    far &= ~(np.roll(across.mask | near_pole.mask, 0))
    far[:, :300] = far[:, -300:] = False
    far[:420] = False
    assert np.array_equal(blurred[far], pano[far])  # nowhere near a face: untouched


def test_a_candidate_off_the_image_is_no_face() -> None:
    """The pyramid's edge squares are padded past the image; a candidate the detector finds
    in that padding alone is checked as nothing, not cut out as an empty crop."""
    from vfx.jobs.blur import FaceDetector

    image = street_frame(320, 240)
    detector = FaceDetector()
    assert detector._check(image, np.array([330.0, 250.0, 360.0, 280.0])) < 0.05  # a corner
    assert detector._check(image, np.array([-90.0, 10.0, -60.0, 40.0])) == 0.0


def test_small_faces_are_found_without_false_ones() -> None:
    """Distant faces of 18-28 pixels, the hardest of the bench's, on four street frames: both
    proposers and both judges find 22 or more of 24 and box nothing else (MediaPipe's two
    detectors alone found 21, with one false box)."""
    from face_images import truth_box
    from vfx.jobs.blur import FaceDetector

    def overlap(a: np.ndarray, b: np.ndarray) -> float:
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
        return w * h / union

    detector = FaceDetector()
    found = false = 0
    for seed in range(4):
        image = street_frame(960, 540, seed=seed)
        truths = []
        for k, width in enumerate((18, 20, 22, 24, 26, 28)):
            name = "camera" if k % 2 == 0 else "astronaut"
            box = paste(image, face(name), 60 + k * 150, 100 + (k * 97 + seed * 61) % 330, width)
            truths.append(np.array(truth_box(name, box)))
        boxes, _ = detector(image)
        found += sum(any(overlap(b, t) >= 0.3 for b in boxes) for t in truths)
        false += sum(not any(overlap(b, t) >= 0.3 for t in truths) for b in boxes)
    assert found >= 22 and false == 0


def test_frames_blur_faces_writes_no_face(tmp_path: Path, face_clip: Path) -> None:
    out = tmp_path / "frames"
    done = _runner.invoke(
        app,
        ["frames", str(face_clip), "--every", "0.5", "-f", "png", "--blur-faces", "-o", str(out)],
    )
    assert done.exit_code == 0, done.output
    rows = read_frame_table(out)
    assert len(rows) == 4 and all(r["faces"] == "1" for r in rows)
    plain = tmp_path / "plain"
    _runner.invoke(app, ["frames", str(face_clip), "--every", "0.5", "-f", "png", "-o", str(plain)])
    for row in rows:
        inside = (slice(80, 160), slice(220, 300))
        blurred = detail(read_image(out / row["file"])[inside])
        assert blurred < 0.1 * detail(read_image(plain / row["file"])[inside])


@pytest.fixture(scope="module")
def face_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 10 frames/s, 640x360: a street with the astronaut's face at (200, 50), 120 px."""
    from fractions import Fraction

    import av

    path = tmp_path_factory.mktemp("faces") / "street.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"crf": "12", "preset": "ultrafast"}
        for i in range(20):
            image = street_frame(640, 360, seed=1)
            paste(image, face("astronaut"), 200 + i, 50, 120)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_blur_refuses_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _runner.invoke(app, ["blur", str(empty), "-o", str(tmp_path / "o")])
    assert done.exit_code == 1 and "holds no JPEG, PNG or TIFF images" in done.output
    assert len(done.output.strip().splitlines()) == 1
    done = _runner.invoke(app, ["blur", str(empty)])
    assert done.exit_code == 1 and "--in-place" in done.output
    with pytest.raises(ParameterError):
        FaceOptions(mode="smudge")


def test_a_tiff_whose_tags_cannot_be_kept_is_refused(tmp_path: Path) -> None:
    import tifffile

    folder = tmp_path / "in"
    folder.mkdir()
    image = street_frame(256, 256, seed=2)
    paste(image, face("astronaut"), 60, 40, 120)
    tifffile.imwrite(folder / "tiled.tiff", image, tile=(64, 64))
    with pytest.raises(ImageReadError, match="tiled"):
        blur_images(folder, tmp_path / "out")
    assert not (tmp_path / "out" / "tiled.tiff").exists()
