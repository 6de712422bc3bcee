"""The console entry point: ``main`` builds only the subcommand it runs."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import typer.main

from vfx.cli import app, main
from vfx.cli.app import _for_command, _invoked
from vfx.io.images import read_image, write_image


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["composite", "frames", "-o", "x.tiff"], "composite"),
        (["-v", "-v", "composite"], "composite"),
        (["--verbose", "recipes", "list"], "recipes"),
        (["--help"], None),
        (["--version"], None),
        (["-h", "composite"], None),
        ([], None),
    ],
)
def test_invoked_names_the_first_word_after_the_root_options(
    args: list[str], name: str | None
) -> None:
    assert _invoked(args) == name


def test_only_the_invoked_command_is_built_and_the_app_is_untouched() -> None:
    everything = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert {"composite", "mask", "keyframes", "recipes"} <= everything
    one = typer.main.get_command(_for_command(app, "composite"))
    assert set(one.commands) == {"composite"}  # type: ignore[attr-defined]
    group = typer.main.get_command(_for_command(app, "recipes"))
    assert set(group.commands["recipes"].commands) == {"list", "show"}  # type: ignore[attr-defined]
    assert set(typer.main.get_command(app).commands) == everything  # type: ignore[attr-defined]
    assert _for_command(app, "compsite") is app  # click then suggests the right name


def _run_main(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> int:
    monkeypatch.setattr(sys, "argv", ["vfx", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_main_runs_the_command_with_root_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for k, level in enumerate((200, 90, 140)):
        write_image(frames / f"f{k}.tiff", np.full((8, 12, 3), level, np.uint8))
    out = tmp_path / "darken.tiff"
    code = _run_main(
        monkeypatch, ["-v", "composite", str(frames), "-o", str(out), "--mode", "darken", "--quiet"]
    )
    assert code == 0, capsys.readouterr().err
    assert (read_image(out) == 90).all()


def test_main_suggests_a_misspelt_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_main(monkeypatch, ["compsite"]) == 2
    assert "Did you mean 'composite'" in capsys.readouterr().err
