"""Recipe files: every built-in loads; mistakes name the file, the line and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from vfx.errors import RecipeError
from vfx.recipe.schema import builtin_recipes, find_recipe, load_recipe, parse_recipe

GOOD = """
[recipe]
name = "t"

[source]
frames = "every:2"

[output]
folder = "{stem}_{recipe}"
format = "png"

[[steps]]
step = "frames"

[[steps]]
step = "composite"
mode = "darken"
fade = 0.5
"""


def _parse(text: str, tmp_path: Path) -> object:
    path = tmp_path / "r.toml"
    path.write_text(text)
    return load_recipe(path)


def test_builtin_recipes_load() -> None:
    names = set(builtin_recipes())
    assert {
        "keyframe-display",
        "foreground-masks",
        "motion",
        "geotag-frames",
        "contact-sheet",
    } <= names
    for name in names:
        recipe = find_recipe(name)
        assert recipe.name == name and recipe.steps and recipe.description


def test_defaults_filled_and_hash_tracks_outputs(tmp_path: Path) -> None:
    r = _parse(GOOD, tmp_path)
    assert str(r.frames) == "every:2" and r.image_format == "png"
    assert r.steps[1].options["mode"] == "darken" and r.steps[1].options["threshold"] == 0.05
    changed = _parse(GOOD.replace("fade = 0.5", "fade = 0.6"), tmp_path)
    described = _parse(GOOD.replace('name = "t"', 'name = "t"\ndescription = "x"'), tmp_path)
    assert changed.hash != r.hash and described.hash == r.hash


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("mode = ", "mdoe = "), ["line 17", "unknown key 'mdoe'", "did you mean 'mode'"]),
        (('step = "composite"', 'step = "composit"'), ["line 16", "did you mean 'composite'"]),
        (("fade = 0.5", "fade = 2.0"), ["line 18", "fade must be"]),
        (("fade = 0.5", 'fade = "lots"'), ["fade must be float"]),
        (('format = "png"', 'format = "gif"'), ["format must be one of"]),
        (("[source]", "[sauce]"), ["unknown key 'sauce'", "did you mean 'source'"]),
        (('frames = "every:2"', 'frames = "sometimes"'), ["keyframes, all or every:SECONDS"]),
        (('folder = "{stem}_{recipe}"', 'folder = "../../x"'), ["must stay inside"]),
        (('folder = "{stem}_{recipe}"', 'folder = "/tmp/x"'), ["must stay inside"]),
        (('folder = "{stem}_{recipe}"', 'folder = "{home}"'), ["only {stem} and {recipe}"]),
        (("[[steps]]", "[[steps"), ["not valid TOML"]),
    ],
)
def test_mistakes_are_explained(tmp_path: Path, edit: tuple[str, str], words: list[str]) -> None:
    text = GOOD.replace(*edit, 1)
    with pytest.raises(RecipeError) as info:
        _parse(text, tmp_path)
    message = str(info.value)
    assert str(tmp_path / "r.toml") in message and "\n" not in message
    for w in words:
        assert w in message, message


def test_unknown_builtin_name() -> None:
    with pytest.raises(RecipeError, match="did you mean 'motion'"):
        find_recipe("motoin")


def test_no_steps(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="at least one"):
        parse_recipe("[recipe]\nname='x'\n", tmp_path / "x.toml")


def test_the_motion_step_spells_its_frame_count_as_the_command_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``stride`` as ``vfx motion --stride``; the earlier ``every`` is read, with a warning."""
    from vfx.recipe.schema import parse_recipe

    new = parse_recipe('[[steps]]\nstep = "motion"\nstride = 3\n', Path("n.toml"))
    assert new.steps[0].options["stride"] == 3 and not caplog.records
    old = parse_recipe('[[steps]]\nstep = "motion"\nevery = 3\n', Path("o.toml"))
    assert old.steps[0].options["stride"] == 3 and "every" not in old.steps[0].options
    assert old.hash == new.hash  # the same recipe, whichever spelling
    assert any("every is now spelled stride" in r.getMessage() for r in caplog.records)
