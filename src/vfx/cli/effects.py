"""``vfx background``, ``mask``, ``composite`` and ``montage``: effects over a video or folder."""

from collections.abc import Callable
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from vfx.cli.options import (
    ImageFormat,
    Json,
    MaxPixels,
    Quality,
    Quiet,
    options_group,
    ranged,
    with_frame_choice,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.params import DEFAULT_OUTPUTS, PARAMS
from vfx.types import KEYFRAMES, FrameChoice


class Engine(StrEnum):
    numpy = "numpy"
    magick = "magick"


class BackgroundMethod(StrEnum):
    first = "first"
    mean = "mean"
    median = "median"
    lighten = "lighten"
    darken = "darken"
    auto = "auto"


ToleranceOpt = ranged("tolerance", "--tolerance", kind=float)
SoftnessOpt = ranged("softness", "--softness", kind=float)


class MaskMethod(StrEnum):
    difference = "difference"
    mog2 = "mog2"
    knn = "knn"
    person = "person"
    chroma = "chroma"


class FigureMethod(StrEnum):
    person = "person"
    chroma = "chroma"


class CompositeMask(StrEnum):
    auto = "auto"
    difference = "difference"
    person = "person"
    chroma = "chroma"


KeyOpt = Annotated[
    str,
    typer.Option(
        "--key",
        help="chroma: the screen's colour, auto (the frame border's median) or #rrggbb.",
    ),
]


class CompositeMode(StrEnum):
    foreground = "foreground"
    chrono = "chrono"
    darken = "darken"
    lighten = "lighten"
    mean = "mean"


class Colormap(StrEnum):
    turbo = "turbo"
    viridis = "viridis"
    plasma = "plasma"
    inferno = "inferno"
    magma = "magma"
    cool = "cool"
    rainbow = "rainbow"


def _p(name: str) -> str:
    p = PARAMS[name]
    return f"{p.help} [{p.describe_range()}]"


Input = Annotated[
    Path,
    typer.Argument(
        help="A video, or a folder of images (e.g. from vfx keyframes; ordered by "
        "its frames.csv, else by name). Default: the current folder.",
        metavar="INPUT",
    ),
]
EngineOpt = Annotated[
    Engine, typer.Option("--engine", help="numpy (fast) or magick (ImageMagick via Wand).")
]
Sample = Annotated[int, typer.Option("--sample", help=_p("sample"))]
OutFile = Annotated[Path, typer.Option("--output", "-o", help="Output image (.tiff, .png, .jpg).")]
ReplaceFile = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output image if it already exists.")
]
Threshold = Annotated[float, typer.Option("--threshold", help=_p("threshold"))]
Threshold2 = Annotated[float, typer.Option("--threshold2", help=_p("threshold2"))]
Blur = Annotated[float, typer.Option("--blur", help=_p("blur"))]
Blur2 = Annotated[float, typer.Option("--blur2", help=_p("blur2"))]


#: ImageMagick's mask chain, written once: (parameter, annotated type, default).
_CHAIN_PARAMS = (
    ("threshold", Threshold, PARAMS["threshold"].default),
    ("blur", Blur, PARAMS["blur"].default),
    ("threshold2", Threshold2, PARAMS["threshold2"].default),
    ("blur2", Blur2, PARAMS["blur2"].default),
)


def _chain(threshold: float, blur: float, threshold2: float, blur2: float) -> dict[str, float]:
    """The mask chain's options as the library's keyword arguments."""
    return {"threshold1": threshold, "blur1": blur, "threshold2": threshold2, "blur2": blur2}


#: Gives a command the mask chain's four options; its ``chain`` receives them as a dict.
with_mask_chain = options_group("chain", _CHAIN_PARAMS, _chain)
BackgroundSpec = Annotated[
    str,
    typer.Option(
        "--background", "-b", help="first, auto (median of a spread sample) or an image FILE."
    ),
]


#: The options every effect command ends with: the largest frame it reads and how it reports.
with_effect_run = options_group(
    "run",
    (
        ("quiet", Quiet, False),
        ("json", Json, False),
        ("max_pixels", MaxPixels, PARAMS["max_pixels"].default),
    ),
    lambda **options: options,
)


def _run_effect(
    label: str,
    make: str,
    message: Callable[[Any], str],
    src: Path,
    out: Path | None,
    run: dict[str, Any] | None,
    **kwargs: Any,
) -> None:
    """Parse done: one library call (``vfx.jobs.<job>.make_<job>``) under a progress bar,
    then render."""
    import importlib

    job = importlib.import_module(f"vfx.jobs.{make.removeprefix('make_')}")

    options = {"quiet": False, "json": False, "max_pixels": PARAMS["max_pixels"].default}
    options.update(run or {})
    quiet, json = bool(options["quiet"]), bool(options["json"])
    with progress_bar(label, enabled=wants_progress(quiet, json)) as progress:
        result = getattr(job, make)(
            src, out, progress=progress, max_pixels=options["max_pixels"], **kwargs
        )
    if json:
        echo_json(asdict(result), default=str)
    elif not quiet:
        say(message(result))


@with_effect_run
@with_frame_choice
def background(
    input: Input = Path("."),
    output: OutFile = Path(DEFAULT_OUTPUTS["background"]),
    overwrite: ReplaceFile = False,
    method: Annotated[
        BackgroundMethod,
        typer.Option(
            "--method",
            "-m",
            metavar="METHOD",
            help="first, mean (16-bit), median (all frames), "
            "lighten/darken (max/min), auto (robust median, bounded memory).",
        ),
    ] = BackgroundMethod.auto,
    exclude: Annotated[
        FigureMethod | None,
        typer.Option(
            "--exclude",
            metavar="MASK",
            help="auto, median: leave each frame's figure out, found by person "
            "(MediaPipe's person segmentation) or chroma (a blue or green screen), so a "
            "figure that never leaves is not in the scene.",
            show_default=False,
        ),
    ] = None,
    frames: FrameChoice = KEYFRAMES,  # built by with_frame_choice
    sample: Sample = PARAMS["sample"].default,
    engine: EngineOpt = Engine.numpy,
    run: dict[str, Any] | None = None,  # built by with_effect_run
) -> None:
    """Estimate the empty scene behind the moving figure and write it as one image."""
    _run_effect(
        "background",
        "make_background",
        lambda r: f"background ({method.value}, {r.frames} frames, {r.dtype}) -> {r.path}",
        input,
        output,
        run,
        method=method.value,
        frames=frames,
        sample=sample,
        engine=engine.value,
        overwrite=overwrite,
        exclude=exclude.value if exclude else None,
    )


@with_effect_run
@with_frame_choice
@with_mask_chain
def mask(
    input: Input = Path("."),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Output folder (default ./<name>_masks).", show_default=False
        ),
    ] = None,
    background: BackgroundSpec = "auto",
    method: Annotated[
        MaskMethod,
        typer.Option(
            "--method",
            "-m",
            metavar="METHOD",
            help="difference (ImageMagick's chain, against --background); OpenCV's "
            "mog2/knn subtractors run over every frame in order; person (MediaPipe's person "
            "segmentation, for a figure that never leaves; one person); chroma (a blue or "
            "green screen keyed out, see --key).",
        ),
    ] = MaskMethod.difference,
    key: KeyOpt = "auto",
    tolerance: ToleranceOpt = PARAMS["tolerance"].default,
    softness: SoftnessOpt = PARAMS["softness"].default,
    chain: dict[str, float] | None = None,  # built by with_mask_chain
    history: Annotated[int, typer.Option("--history", help=_p("history"))] = PARAMS[
        "history"
    ].default,
    clean_background: Annotated[
        str,
        typer.Option(
            "--clean-background",
            help="black, white, transparent (RGBA) or a COLOR (#rrggbb, r,g,b).",
        ),
    ] = "black",
    fmt: Annotated[
        ImageFormat, typer.Option("--format", "-f", help="Format of the clean images.")
    ] = ImageFormat.png,
    quality: Quality = PARAMS["quality"].default,
    frames: FrameChoice = KEYFRAMES,  # built by with_frame_choice
    sample: Sample = PARAMS["sample"].default,
    engine: EngineOpt = Engine.numpy,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Rewrite existing masks.")] = False,
    run: dict[str, Any] | None = None,  # built by with_effect_run
) -> None:
    """A foreground mask and a clean foreground image per frame.

    The difference method is ImageMagick's chain: difference with the background,
    -threshold (on intensity), -blur 0xBLUR, -threshold, -blur 0xBLUR2.
    """
    _run_effect(
        "masks",
        "make_masks",
        lambda r: f"{len(r.masks)} masks written, {r.skipped} already there, in {r.out_dir}",
        input,
        output,
        run,
        background=background,
        method=method.value,
        frames=frames,
        **(chain or {}),
        history=history,
        key=key,
        tolerance=tolerance,
        softness=softness,
        clean_background=clean_background,
        fmt=fmt.value,
        quality=quality,
        sample=sample,
        engine=engine.value,
        overwrite=overwrite,
    )


@with_effect_run
@with_frame_choice
@with_mask_chain
def composite(
    input: Input = Path("."),
    output: OutFile = Path(DEFAULT_OUTPUTS["composite"]),
    overwrite: ReplaceFile = False,
    mode: Annotated[
        CompositeMode,
        typer.Option(
            "--mode",
            metavar="MODE",
            help="foreground (each frame's figure pasted over the background), chrono "
            "(the same, each figure tinted by its time: a chronophotograph), darken (min, "
            "on white), lighten (max, on black), mean (16-bit).",
        ),
    ] = CompositeMode.foreground,
    background: BackgroundSpec = "auto",
    mask: Annotated[
        CompositeMask,
        typer.Option(
            "--mask",
            metavar="MASK",
            help="foreground, chrono: how each frame's figure is found: auto (difference, or "
            "person when the background still holds one), difference (against "
            "--background), person (MediaPipe's person segmentation, for a figure that never "
            "leaves) or chroma (a blue or green screen, see --key).",
        ),
    ] = CompositeMask.auto,
    colormap: Annotated[
        Colormap,
        typer.Option(
            "--colormap",
            metavar="MAP",
            help="chrono: the colours of time, first frame to last (turbo, viridis, plasma, "
            "inferno, magma, cool, rainbow).",
        ),
    ] = Colormap.turbo,
    tint: Annotated[
        float,
        typer.Option(
            "--tint", min=0.0, max=1.0, help="chrono: how far each figure is tinted (0-1)."
        ),
    ] = 0.6,
    key: KeyOpt = "auto",
    tolerance: ToleranceOpt = PARAMS["tolerance"].default,
    softness: SoftnessOpt = PARAMS["softness"].default,
    fade: Annotated[float, typer.Option("--fade", help=_p("fade"))] = PARAMS["fade"].default,
    chain: dict[str, float] | None = None,  # built by with_mask_chain
    frames: FrameChoice = KEYFRAMES,  # built by with_frame_choice
    sample: Sample = PARAMS["sample"].default,
    engine: EngineOpt = Engine.numpy,
    quality: Quality = PARAMS["quality"].default,
    run: dict[str, Any] | None = None,  # built by with_effect_run
) -> None:
    """A multi-exposure image of all frames (the "keyframe display")."""
    _run_effect(
        "composite",
        "make_composite",
        lambda r: f"composite ({mode.value}, {r.frames} frames) -> {r.path}",
        input,
        output,
        run,
        mode=mode.value,
        frames=frames,
        background=background,
        mask=mask.value,
        colormap=colormap.value,
        tint=tint,
        key=key,
        tolerance=tolerance,
        softness=softness,
        fade=fade,
        **(chain or {}),
        sample=sample,
        engine=engine.value,
        quality=quality,
        overwrite=overwrite,
    )


@with_effect_run
@with_frame_choice
def montage(
    input: Input = Path("."),
    output: OutFile = Path(DEFAULT_OUTPUTS["montage"]),
    overwrite: ReplaceFile = False,
    columns: Annotated[int, typer.Option("--columns", "-c", help=_p("columns"))] = PARAMS[
        "columns"
    ].default,
    tile_width: Annotated[int, typer.Option("--tile-width", help=_p("tile_width"))] = (
        PARAMS["tile_width"].default
    ),
    font_size: Annotated[float, typer.Option("--font-size", help=_p("font_size"))] = (
        PARAMS["font_size"].default
    ),
    frames: FrameChoice = KEYFRAMES,  # built by with_frame_choice
    run: dict[str, Any] | None = None,  # built by with_effect_run
) -> None:
    """A contact sheet of the frames labelled with their names and times (ImageMagick)."""
    _run_effect(
        "montage",
        "make_montage",
        lambda r: f"contact sheet of {r.frames} frames -> {r.path}",
        input,
        output,
        run,
        frames=frames,
        columns=columns,
        tile_width=tile_width,
        font_size=font_size,
        overwrite=overwrite,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(background)
    app.command()(mask)
    app.command()(composite)
    app.command()(montage)


__all__ = ["background", "composite", "mask", "montage", "register"]
