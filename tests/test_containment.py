"""Nothing read or written outside where the user pointed; outputs never damage inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vfx.cli import app
from vfx.errors import RecipeError
from vfx.io.images import write_image
from vfx.jobs.stills import extract_keyframes
from vfx.recipe.schema import parse_recipe

runner = CliRunner()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def keyframes(plain_clip: Path, tmp_path: Path) -> Path:
    out = tmp_path / "kf"
    extract_keyframes(plain_clip, out)
    return out


@pytest.mark.parametrize(
    "args",
    [
        ["mask", "{kf}", "--background", "first", "-o", "{kf}"],
        ["composite", "{kf}", "-o", "{kf}/plain_000024.tiff"],
        ["composite", "{kf}", "-o", "{kf}/frames.csv.png"],
        ["background", "{kf}", "-o", "{kf}/plain_000000.tiff", "--overwrite"],
        ["montage", "{kf}", "-o", "{kf}/plain_000012.tiff", "--overwrite"],
    ],
    ids=["mask-into-input", "composite-over-frame", "composite-beside", "background", "montage"],
)
def test_an_output_never_replaces_an_input(keyframes: Path, args: list[str]) -> None:
    before = _digest(keyframes)
    argv = [a.replace("{kf}", str(keyframes)) for a in args]
    result = runner.invoke(app, argv)
    if argv[-1].endswith("frames.csv.png"):
        # beside the frames, in a folder that lists them in frames.csv: allowed, and the
        # next run does not take it for a frame (frames.csv says which files are frames)
        assert result.exit_code == 0, result.output
        again = runner.invoke(app, ["composite", str(keyframes), "-o", argv[-1], "--overwrite"])
        assert again.exit_code == 0 and "6 frames" in again.output, again.output
        return
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _digest(keyframes) == before


def test_a_single_output_is_replaced_only_when_asked(keyframes: Path, tmp_path: Path) -> None:
    target = tmp_path / "composite.tiff"
    target.write_bytes(b"an unrelated file")
    result = runner.invoke(app, ["composite", str(keyframes), "-o", str(target)])
    assert (
        result.exit_code == 1
        and "already exists; pass overwrite=True (--overwrite)" in result.output
    )
    assert target.read_bytes() == b"an unrelated file"
    result = runner.invoke(app, ["composite", str(keyframes), "-o", str(target), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:4] in (b"II*\0", b"MM\0*")


def test_an_output_among_frames_without_a_table_is_refused(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        write_image(frames / f"f{i}.png", np.full((8, 8, 3), 60 * i, np.uint8))
    result = runner.invoke(app, ["composite", str(frames), "-o", str(frames / "all.png")])
    assert result.exit_code == 1 and "take it for a frame" in result.output
    assert sorted(p.name for p in frames.iterdir()) == ["f0.png", "f1.png", "f2.png"]


@pytest.mark.parametrize(
    "name", ["../outside/secret.tiff", "/etc/passwd", "sub/frame.tiff", "link.tiff"]
)
def test_frames_csv_names_only_files_of_its_folder(keyframes: Path, name: str) -> None:
    outside = keyframes.parent / "outside"
    outside.mkdir(exist_ok=True)
    write_image(outside / "secret.tiff", np.zeros((8, 8, 3), np.uint8))
    if name == "link.tiff":
        (keyframes / name).symlink_to(outside / "secret.tiff")
    table = keyframes / "frames.csv"
    lines = table.read_text().splitlines()
    lines[1] = name + lines[1][lines[1].index(",") :]
    table.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app, ["composite", str(keyframes), "-o", str(keyframes.parent / "c.png")]
    )
    assert result.exit_code == 1
    assert "is not a file of this folder" in result.output
    assert not (keyframes.parent / "c.png").exists()


@pytest.mark.parametrize(
    "name", ["../outside/secret.tiff", "/etc/passwd", "sub/frame.tiff", "link.tiff"]
)
def test_the_report_names_and_shows_only_files_of_the_folder(keyframes: Path, name: str) -> None:
    """The report put a thumbnail of ``../secret/secret.jpg`` (or an absolute path, or an
    outward symlink) named by frames.csv in its folder, and a link to it; it now refuses the
    table as the effect commands do."""
    outside = keyframes.parent / "outside"
    outside.mkdir(exist_ok=True)
    write_image(outside / "secret.tiff", np.full((8, 8, 3), 200, np.uint8))
    if name == "link.tiff":
        (keyframes / name).symlink_to(outside / "secret.tiff")
    table = keyframes / "frames.csv"
    lines = table.read_text().splitlines()
    lines[1] = name + lines[1][lines[1].index(",") :]
    table.write_text("\n".join(lines) + "\n")
    out = keyframes.parent / "rep"
    result = runner.invoke(app, ["report", str(keyframes), "-o", str(out)])
    assert result.exit_code == 1 and "is not a file of this folder" in result.stderr
    assert not out.exists()


def test_the_report_follows_no_link_out_of_its_input(keyframes: Path) -> None:
    """A folder symlink to elsewhere had its pictures shown."""
    elsewhere = keyframes.parent / "elsewhere"
    elsewhere.mkdir()
    write_image(elsewhere / "private_composite.png", np.full((8, 8, 3), 9, np.uint8))
    (keyframes / "more").symlink_to(elsewhere, target_is_directory=True)
    out = keyframes.parent / "rep"
    result = runner.invoke(app, ["report", str(keyframes), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.html"))
    assert "private_composite" not in page and "elsewhere" not in page


@pytest.mark.parametrize(
    ("folder", "why"),
    [
        ("{stem.__class__}", "only {stem} and {recipe}"),
        ("{stem:>1000000000}", "only {stem} and {recipe}"),
        ("{stem!r}", "only {stem} and {recipe}"),
        ("{stem[0]}", "only {stem} and {recipe}"),
        ("{other}", "only {stem} and {recipe}"),
        ("../../x", "must stay inside"),
        ("/abs/x", "must stay inside"),
    ],
)
def test_recipe_folder_templates_are_names_only(folder: str, why: str) -> None:
    text = f'[output]\nfolder = "{folder}"\n[[steps]]\nstep = "frames"\n'
    with pytest.raises(RecipeError, match=why.replace("{", r"\{").replace("}", r"\}")):
        parse_recipe(text, Path("r.toml"))


@pytest.mark.parametrize("output", ["/abs/path.png", "../../x.png", "a/../../b.png"])
def test_recipe_step_outputs_stay_in_the_folder(output: str) -> None:
    text = f'[[steps]]\nstep = "composite"\noutput = "{output}"\n'
    with pytest.raises(RecipeError, match="must stay inside"):
        parse_recipe(text, Path("r.toml"))
