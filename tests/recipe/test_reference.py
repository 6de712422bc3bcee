"""docs/recipes.md's recipe reference is generated from the step registry and must not drift."""

from __future__ import annotations

import re

from conftest import ROOT
from vfx.recipe.registry import STEPS, reference_markdown


def test_the_recipe_reference_matches_the_registry() -> None:
    text = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- recipe-reference:[^>]*-->\n(.*?)<!-- /recipe-reference -->", text, re.S
    )
    assert match is not None, "docs/recipes.md lost its recipe reference markers"
    assert match.group(1) == reference_markdown(), (
        "docs/recipes.md is stale: paste vfx.recipe.registry.reference_markdown()"
    )
    for name, spec in STEPS.items():
        assert f"#### `{name}`" in match.group(1)
        for option in spec.options:
            assert f"| `{option.name}` |" in match.group(1)
