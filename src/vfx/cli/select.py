"""``vfx select``: the N most different frames of a video."""

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vfx.cli.metadata_options import with_metadata_options
from vfx.cli.options import (
    Json,
    OldEvery,
    OutDir,
    Quiet,
    Stride,
    Video,
    ranged,
    stride_from,
    with_panorama_options,
    with_stills_options,
)
from vfx.cli.output import echo_json, say
from vfx.cli.progress import progress_bar, wants_progress
from vfx.errors import ParameterError
from vfx.params import PARAMS

if TYPE_CHECKING:
    from vfx.io.video.panorama import PanoramaOptions
    from vfx.tagging.settings import MetadataOptions


class Method(StrEnum):
    coreset = "coreset"
    uniform = "uniform"
    random = "random"
    keyframes = "keyframes"


def _triple(text: str, what: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ParameterError(f"--{what} needs three numbers like 0.5,0.5,0.5") from None
    if len(values) != 3:
        raise ParameterError(f"--{what} needs three numbers like 0.5,0.5,0.5")
    return values  # type: ignore[return-value]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


CountOpt = ranged("count", "-n", "--count", help="How many frames to keep.")
SeedOpt = ranged("seed", "--seed", help="Seed of the random method.")
InputSizeOpt = ranged("input_size", "--input-size", help="The model's square input size.")


@with_panorama_options
@with_stills_options
@with_metadata_options
def select(
    video: Video,
    n: CountOpt,
    output: OutDir = None,
    method: Annotated[
        Method,
        typer.Option(
            "--method",
            "-m",
            metavar="METHOD",
            help="coreset: the most different frames (greedy k-center); uniform: evenly "
            "spread; random (--seed); keyframes: codec keyframes, thinned to N.",
        ),
    ] = Method.coreset,
    stride: Stride = PARAMS["every_n"].default,
    every: OldEvery = None,
    seed: SeedOpt = PARAMS["seed"].default,
    dedupe: Annotated[
        bool,
        typer.Option("--dedupe/--no-dedupe", help="Drop identical frames before choosing."),
    ] = True,
    compare: Annotated[
        bool,
        typer.Option("--compare", help="Also report uniform and random selections of N."),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Embed frames with this ONNX model instead of the built-in descriptor.",
            metavar="FILE.onnx",
            show_default=False,
        ),
    ] = None,
    input_size: InputSizeOpt = PARAMS["input_size"].default,
    mean: Annotated[
        str, typer.Option("--mean", help="The model's per-channel input mean (RGB, 0-1).")
    ] = "0.485,0.456,0.406",
    std: Annotated[
        str, typer.Option("--std", help="The model's per-channel input std (RGB, 0-1).")
    ] = "0.229,0.224,0.225",
    quiet: Quiet = False,
    json: Json = False,
    stills: dict[str, Any] | None = None,  # built by with_stills_options
    metadata: "MetadataOptions | None" = None,  # built by with_metadata_options
    panorama: "PanoramaOptions | None" = None,  # built by with_panorama_options
) -> None:
    """Pick the N most different frames (or uniform, random, keyframes) and write them.

    One pass computes a small embedding per candidate frame (only embeddings are kept);
    then only the chosen frames are decoded again and written, with frames.csv and the
    same tags as vfx frames. selection.json and the printed table report the pairwise
    embedding distances (L2, 0-2) of the selection, with --compare also of uniform and
    random selections of the same size.
    """
    from vfx.jobs.select import select_frames

    with progress_bar(video.name, enabled=wants_progress(quiet, json)) as progress:
        result = select_frames(
            video,
            n,
            output,
            method=method.value,
            stride=stride_from(stride, every),
            seed=seed,
            dedupe=dedupe,
            compare=compare,
            model=model,
            input_size=input_size,
            mean=_triple(mean, "mean"),
            std=_triple(std, "std"),
            progress=progress,
            metadata=metadata,
            panorama=panorama,
            **(stills or {}),
        )
    if json:
        echo_json(result.to_dict())
        return
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{video.name}: {result.candidates} candidates, "
        f"{result.duplicates_removed} duplicates removed"
    )
    for column in ("method", "frames", "MB", "mean", "min", "p10", "p90", "max", "nn min"):
        table.add_column(column, justify="right" if column != "method" else "left")
    for report in [result.chosen, *result.compared]:
        d = report.distances
        mb = "-" if report.bytes_written is None else f"{report.bytes_written / 1e6:.1f}"
        table.add_row(
            report.method,
            str(report.frames),
            mb,
            *(_fmt(d[k]) for k in ("mean", "min", "p10", "p90", "max", "nn_min")),
        )
    console = Console()
    console.print(table)
    all_mb = (result.bytes_all_candidates_estimate or 0) / 1e6
    say(
        f"written to {result.out_dir} ({result.chosen.frames} frames; writing all "
        f"{result.candidates} candidates would take about {all_mb:.0f} MB)"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(select)


__all__ = ["register", "select"]
