"""Help that reads well at 80 and 100 columns, with an example that parses, for every command."""

from __future__ import annotations

import itertools
import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from vfx.cli import app
from vfx.cli.application import EXAMPLES, command_names

runner = CliRunner()


COMMANDS = command_names()


def _help(cmd: list[str], columns: int) -> str:
    result = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\s│╭╮╰╯─]+", text))


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "vfx")
def test_help_never_breaks_a_word(cmd: list[str], columns: int) -> None:
    """Every word of the narrow help is a word of the same help rendered wide: no choice list
    split mid-word (``r andom``), nothing cut with an ellipsis."""
    narrow, wide = _help(cmd, columns), _help(cmd, 400)
    assert _words(narrow) <= _words(wide), sorted(_words(narrow) - _words(wide))
    assert "…" not in narrow


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "vfx")
def test_help_paragraphs_are_filled_not_broken_mid_sentence(cmd: list[str]) -> None:
    """The description (above the option boxes) is re-wrapped to the terminal: a line that
    continues its paragraph is never cut short by a line break kept from the docstring."""
    text = _help(cmd, 80)
    top = text.split("╭", 1)[0].splitlines()[2:]  # below the usage line
    lines = [line.rstrip() for line in top]
    for here, after in itertools.pairwise(lines):
        if here.strip() and after.strip() and not after.strip().startswith(("-", "*")):
            assert len(here) >= 55, f"short line inside a paragraph: {here!r}"


@pytest.mark.parametrize(
    "cmd", [c for c in COMMANDS if c and c not in (["recipes"], ["models"])], ids=" ".join
)
def test_every_command_has_an_example_that_parses(cmd: list[str]) -> None:
    text = _help(cmd, 100)
    example = EXAMPLES[cmd[-1]]
    assert f"Example: {example}" in " ".join(text.split())
    args = shlex.split(example)[1:]
    group = typer.main.get_command(app)  # typer's own click: groups have get_command
    ctx = group.make_context("vfx", list(args), resilient_parsing=False)
    command = group.get_command(ctx, args[0])  # type: ignore[attr-defined]
    assert command is not None
    rest = args[1:]
    if hasattr(command, "get_command"):
        sub = command.get_command(ctx, rest[0])
        assert sub is not None
        command, rest = sub, rest[1:]
    command.make_context(args[0], list(rest))  # raises click.UsageError if it does not parse


def test_the_command_reference_is_the_help() -> None:
    from conftest import ROOT
    from vfx.cli.application import reference_markdown

    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- command-reference:[^>]*-->\n(.*?)<!-- /command-reference -->", text, re.S
    )
    assert match is not None, "docs/reference.md lost its command reference markers"
    assert match.group(1) == reference_markdown(), (
        "docs/reference.md is stale: paste vfx.cli.application.reference_markdown()"
    )
