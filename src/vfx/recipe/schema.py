"""Load and check recipe files.

A recipe is TOML::

    [recipe]
    name = "keyframe-display"
    description = "..."

    [source]                      # which frames: keyframes (default), all, every:SECONDS,
    frames = "keyframes"          # or a selection: select = "coreset", n = 50

    [output]
    folder = "{stem}_{recipe}"    # under the run's output folder; {stem} and {recipe} only
    format = "tiff"               # tiff, png or jpg
    quality = 95

    [[steps]]
    step = "frames"
    [[steps]]
    step = "composite"
    mode = "foreground"

Every key is checked: unknown tables, keys and step names fail with the file, the line, the
key and a "did you mean"; values are checked against the step registry's types and the
shared parameter ranges.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vfx.errors import ParameterError, RecipeError
from vfx.io.files import read_text
from vfx.io.images import IMAGE_FORMATS
from vfx.params import check
from vfx.recipe.registry import STEPS, comma_items
from vfx.types import FrameChoice

log = logging.getLogger("vfx")

__all__ = ["BUILTIN_DIR", "Recipe", "Step", "builtin_recipes", "find_recipe", "load_recipe"]

#: Built-in recipes: the repository's recipes/ folder (the package is installed editable).
BUILTIN_DIR = Path(__file__).resolve().parents[3] / "recipes"
_TOP = {"recipe": {"name", "description"}, "source": {"frames", "select", "n", "every"}}
_OUTPUT = {"folder", "format", "quality"}
_SELECT = ("coreset", "uniform", "random", "keyframes")


@dataclass(frozen=True)
class Step:
    name: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    path: Path
    frames: FrameChoice
    select: dict[str, Any] | None
    folder: str
    image_format: str
    quality: int
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def hash(self) -> str:
        """A digest of everything that changes the outputs (not the description or path)."""
        data = {
            "frames": str(self.frames),
            "select": self.select,
            "folder": self.folder,
            "format": self.image_format,
            "quality": self.quality,
            "steps": [[s.name, s.options] for s in self.steps],
        }
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def output_folder(self, stem: str) -> str:
        """The per-video folder, relative to the run's output folder; refuses escapes."""
        rel = fill_template(self.folder, {"stem": stem, "recipe": self.name}, path=self.path)
        return inside_name(rel, "output folder", path=self.path)


_TEMPLATE_FIELDS = ("stem", "recipe")


def fill_template(template: str, values: dict[str, str], *, path: Path | None = None) -> str:
    """``template`` with ``{stem}`` and ``{recipe}`` filled in, and nothing else.

    Only the bare field names are allowed: no attribute or index access
    (``{stem.__class__}``), no conversion and no format spec (``{stem:>1000000000}`` would
    build a gigabyte string), so a recipe can name folders and nothing more.
    """
    out: list[str] = []
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RecipeError(f"output folder template {template!r}: {exc}", path=path) from None
    for literal, field_name, spec, conversion in parts:
        out.append(literal)
        if field_name is None:
            continue
        if field_name not in _TEMPLATE_FIELDS or spec or conversion:
            raise RecipeError(
                f"output folder template {template!r} may use only {{stem}} and {{recipe}} "
                "(no attributes, indexes or format specs)",
                path=path,
            )
        out.append(values[field_name])
    return "".join(out)


def inside_name(rel: str, what: str, *, path: Path | None = None) -> str:
    """``rel`` when it is a relative path that stays inside its folder, else RecipeError."""
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or not rel.strip() or "\x00" in rel:
        raise RecipeError(
            f"{what} {rel!r} must stay inside the output folder (no absolute paths, no '..')",
            path=path,
        )
    return rel


def _line_of(text: str, key: str, after: int = 0) -> int | None:
    pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
    for number, line in enumerate(text.splitlines()[after:], start=after + 1):
        if pattern.match(line):
            return number
    return None


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(options))})"


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def fail(self, message: str, key: str | None = None, after: int = 0) -> RecipeError:
        line = _line_of(self.text, key, after) if key else None
        where = f"line {line}: " if line else ""
        return RecipeError(f"{where}{message}", path=self.path)

    def unknown(self, key: str, known: set[str], where: str, after: int = 0) -> RecipeError:
        return self.fail(f"unknown key '{key}' in {where}{_suggest(key, list(known))}", key, after)


def _step_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if line.strip() == "[[steps]]"]


def _coerce(value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError
        return value
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError
    return value


def parse_recipe(text: str, path: Path) -> Recipe:
    """Check a recipe's text; raises :class:`~vfx.errors.RecipeError` on the first problem."""
    c = _Checker(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"not valid TOML ({exc})", path=path) from exc
    for table in data:
        if table not in (*_TOP, "output", "steps"):
            raise c.unknown(table, {*_TOP, "output", "steps"}, "the recipe")
    for table, keys in _TOP.items():
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise c.fail(f"[{table}] must be a table", table)
        for key in section:
            if key not in keys:
                raise c.unknown(key, keys, f"[{table}]")
    output = data.get("output", {})
    for key in output:
        if key not in _OUTPUT:
            raise c.unknown(key, _OUTPUT, "[output]")
    meta = data.get("recipe", {})
    name = meta.get("name") or path.stem
    source = data.get("source", {})
    written = source.get("frames", "keyframes")
    try:
        frames = FrameChoice.parse(written if isinstance(written, str) else "")
    except ParameterError:
        raise c.fail(
            f"source frames must be keyframes, all or every:SECONDS, got {written!r}", "frames"
        ) from None
    select = None
    if "select" in source:
        method = source["select"]
        if method not in _SELECT:
            hint = _suggest(str(method), list(_SELECT))
            raise c.fail(f"source select must be one of {', '.join(_SELECT)}{hint}", "select")
        n = source.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise c.fail("source select needs n = a whole number >= 1", "n")
        every = source.get("every", 1)
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise c.fail(f"source every must be a whole number >= 1, got {every!r}", "every")
        select = {"select": method, "n": n, "every": every}  # "every" frame: the stride
    fmt = output.get("format", "tiff")
    if fmt not in IMAGE_FORMATS:
        raise c.fail(
            f"output format must be one of {', '.join(IMAGE_FORMATS)}, got {fmt!r}", "format"
        )
    quality = output.get("quality", 95)
    try:
        check("quality", _coerce(quality, int))
    except (TypeError, ParameterError) as exc:
        why = exc.message if isinstance(exc, ParameterError) else "must be a whole number"
        raise c.fail(f"output quality: {why}", "quality") from None
    folder = output.get("folder", "{stem}_{recipe}")
    if not isinstance(folder, str):
        raise c.fail("output folder must be text", "folder")
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise c.fail("a recipe needs at least one [[steps]] entry")
    starts = _step_lines(text)
    steps = []
    for i, raw in enumerate(raw_steps):
        after = starts[i] if i < len(starts) else 0
        if not isinstance(raw, dict) or "step" not in raw:
            raise c.fail(f'steps[{i}] needs step = "NAME"', "step", after)
        step_name = raw["step"]
        spec = STEPS.get(step_name)
        if spec is None:
            raise c.fail(
                f"unknown step {step_name!r}{_suggest(str(step_name), list(STEPS))}", "step", after
            )
        options: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "step":
                continue
            opt = spec.option(key)
            if opt is None:
                raise c.unknown(key, {o.name for o in spec.options}, f"step '{step_name}'", after)
            if key != opt.name:
                log.warning(
                    "%s: step '%s': %s is now spelled %s (as the command's --%s)",
                    path,
                    step_name,
                    key,
                    opt.name,
                    opt.name,
                )
            try:
                value = _coerce(value, opt.kind)
            except TypeError:
                raise c.fail(
                    f"step '{step_name}': {key} must be {opt.kind.__name__}, got {value!r}",
                    key,
                    after,
                ) from None
            if opt.choices and value not in opt.choices:
                raise c.fail(
                    f"step '{step_name}': {key} must be one of {', '.join(opt.choices)}"
                    f"{_suggest(str(value), list(opt.choices))}",
                    key,
                    after,
                )
            if opt.each_of is not None:
                items = comma_items(value)
                wrong = [x for x in items if x not in opt.each_of]
                if wrong or not items:
                    raise c.fail(
                        f"step '{step_name}': {key} takes a comma-separated list of "
                        f"{', '.join(opt.each_of)}; got {value!r}",
                        key,
                        after,
                    )
            if opt.param:
                try:
                    check(opt.param, value)
                except ParameterError as exc:
                    raise c.fail(f"step '{step_name}': {exc.message}", key, after) from None
            if key == "output" and isinstance(value, str):
                try:
                    inside_name(value, f"step '{step_name}': output", path=path)
                except RecipeError as exc:
                    raise c.fail(exc.message, key, after) from None
            options[opt.name] = value
        full = {o.name: o.default for o in spec.options} | options
        steps.append(Step(step_name, full))
    recipe = Recipe(
        name=str(name),
        description=str(meta.get("description", "")),
        path=path,
        frames=frames,
        select=select,
        folder=folder,
        image_format=fmt,
        quality=int(quality),
        steps=tuple(steps),
    )
    recipe.output_folder("example")  # refuse escaping templates at load time
    return recipe


def load_recipe(path: str | Path) -> Recipe:
    """Load and check a recipe file."""
    path = Path(path)
    try:
        text = read_text(path)
    except OSError as exc:
        raise RecipeError(f"cannot read recipe ({exc.strerror or exc})", path=path) from exc
    except UnicodeDecodeError as exc:
        raise RecipeError(
            f"not UTF-8 text (byte {exc.start}); save the recipe as UTF-8", path=path
        ) from exc
    return parse_recipe(text, path)


def builtin_recipes() -> dict[str, Path]:
    """Built-in recipes by name."""
    if not BUILTIN_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.toml"))}


def find_recipe(name_or_path: str | Path) -> Recipe:
    """A recipe by file path, or a built-in one by name (``keyframe-display``)."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise RecipeError("no such recipe file", path=path)
        return load_recipe(path)
    builtins = builtin_recipes()
    if str(name_or_path) not in builtins:
        hint = _suggest(str(name_or_path), list(builtins))
        raise RecipeError(f"no built-in recipe named {str(name_or_path)!r}{hint}")
    return load_recipe(builtins[str(name_or_path)])
