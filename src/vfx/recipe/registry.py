"""The steps a recipe can name, with their options, defaults and ranges.

Each step is a small function ``run(ctx, options) -> list[Path]`` over a :class:`StepContext`
(one video, its output folder and the recipe's frame source). Options are checked against the
same ranges the CLI uses (:data:`vfx.params.PARAMS`), and docs/recipes.md's recipe reference is
generated from this table (a test keeps them in step).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vfx.params import DEFAULT_OUTPUTS, PARAMS
from vfx.types import FrameChoice

log = logging.getLogger("vfx")

__all__ = ["STEPS", "Option", "StepContext", "StepSpec", "comma_items", "reference_markdown"]


@dataclass(frozen=True)
class Option:
    """One option of a step: its type, default, allowed values or PARAMS range, help."""

    name: str
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    param: str | None = None  # name in vfx.params.PARAMS whose range applies
    each_of: tuple[str, ...] | None = None  # a comma-separated list of these
    old_name: str | None = None  # an earlier spelling still read, with a warning

    def describe(self) -> str:
        if self.choices:
            return " \\| ".join(self.choices)
        if self.each_of:
            return "comma-separated: " + ", ".join(self.each_of)
        if self.param:
            return PARAMS[self.param].describe_range()
        return {bool: "true/false", int: "integer", float: "number", str: "text"}.get(
            self.kind, self.kind.__name__
        )


@dataclass
class StepContext:
    """What a step works on: one video, its output folder, the recipe's frame source."""

    video: Path
    out_dir: Path
    frames: FrameChoice
    select: dict[str, Any] | None  # {"method": "coreset", "n": 50} when the source selects
    image_format: str
    quality: int
    threads: int | None = None  # thread pools' size (None: the process's cores)
    frames_dir: Path | None = None  # set by the frames step; later steps read from it
    outputs: list[Path] = field(default_factory=list)

    @property
    def input(self) -> Path:
        """Where effect steps read frames: the written frames, else the video."""
        return self.frames_dir if self.frames_dir is not None else self.video


@dataclass(frozen=True)
class StepSpec:
    name: str
    help: str
    options: tuple[Option, ...]
    run: Callable[[StepContext, dict[str, Any]], list[Path]]

    def option(self, name: str) -> Option | None:
        """The option called ``name``, or whose earlier spelling ``name`` is."""
        return next((o for o in self.options if name in (o.name, o.old_name)), None)


# -- steps ---------------------------------------------------------------------------------------
def comma_items(text: object) -> list[str]:
    """The items of a comma-separated option (``"a, b,c"``), blanks dropped."""
    return [item.strip() for item in str(text).split(",") if item.strip()]


def _frames(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.blur import FaceOptions
    from vfx.jobs.stills import extract_frames, extract_keyframes
    from vfx.tagging.settings import MetadataOptions

    out = ctx.out_dir / o["folder"]
    meta = MetadataOptions(
        max_gap_s=o["max_gap_s"],
        min_distance_m=o["min_distance_m"],
        require_position=o["require_gps"],
    )
    faces = FaceOptions() if o["blur_faces"] else None
    if ctx.select is not None:
        from vfx.jobs.select import select_frames

        sel = select_frames(
            ctx.video,
            int(ctx.select["n"]),
            out,
            method=str(ctx.select.get("select", "coreset")),
            stride=int(ctx.select.get("every", 1)),
            fmt=ctx.image_format,
            quality=ctx.quality,
            metadata=meta,
            faces=faces,
        )
        files = sel.extraction.files if sel.extraction else []
    else:
        if ctx.frames.kind == "keyframes":
            extraction = extract_keyframes(
                ctx.video,
                out,
                fmt=ctx.image_format,
                quality=ctx.quality,
                metadata=meta,
                threads=ctx.threads,
                faces=faces,
            )
        else:
            extraction = extract_frames(
                ctx.video,
                out,
                every_s=ctx.frames.every_s,
                all_frames=ctx.frames.kind == "all",
                fmt=ctx.image_format,
                quality=ctx.quality,
                metadata=meta,
                threads=ctx.threads,
                faces=faces,
            )
        files = extraction.files
    ctx.frames_dir = out
    return [*files, out / "frames.csv"]


def _frames_spec(ctx: StepContext) -> FrameChoice:
    """The frames an effect step reads: all the written frames, else the source's."""
    return FrameChoice.all() if ctx.frames_dir is not None else ctx.frames


def _background(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.background import make_background

    out = ctx.out_dir / o["output"]
    make_background(
        ctx.input,
        out,
        method=o["method"],
        frames=_frames_spec(ctx),
        sample=o["sample"],
        overwrite=True,  # the run redoes an input it did not finish, in the input's own folder
        threads=ctx.threads,
        exclude=None if o["exclude"] == "none" else o["exclude"],
    )
    return [out]


def _mask(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.masks import make_masks

    out = ctx.out_dir / o["folder"]
    result = make_masks(
        ctx.input,
        out,
        background=o["background"],
        method=o["method"],
        frames=_frames_spec(ctx),
        threshold1=o["threshold"],
        blur1=o["blur"],
        threshold2=o["threshold2"],
        blur2=o["blur2"],
        key=o["key"],
        tolerance=o["tolerance"],
        softness=o["softness"],
        clean_background=o["clean_background"],
        sample=o["sample"],
    )
    return [*result.masks, *result.cleans]


def _composite(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.composite import make_composite

    out = ctx.out_dir / o["output"]
    make_composite(
        ctx.input,
        out,
        mode=o["mode"],
        frames=_frames_spec(ctx),
        background=o["background"],
        mask=o["mask"],
        colormap=o["colormap"],
        tint=o["tint"],
        key=o["key"],
        tolerance=o["tolerance"],
        softness=o["softness"],
        fade=o["fade"],
        threshold1=o["threshold"],
        blur1=o["blur"],
        threshold2=o["threshold2"],
        blur2=o["blur2"],
        sample=o["sample"],
        quality=ctx.quality,
        overwrite=True,
        threads=ctx.threads,
    )
    return [out]


def _montage(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.montage import make_montage

    out = ctx.out_dir / o["output"]
    make_montage(
        ctx.input,
        out,
        frames=_frames_spec(ctx),
        columns=o["columns"],
        tile_width=o["tile_width"],
        font_size=o["font_size"],
        overwrite=True,
        threads=ctx.threads,
    )
    return [out]


def _motion(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.motion import analyse_motion

    result = analyse_motion(
        ctx.video,
        ctx.out_dir / o["folder"],
        outputs=comma_items(o["outputs"]),
        stride=o["stride"],
        threshold=o["threshold"],
        color=o["color"],
        raw=o["raw"],
        videogram=o["videogram"],
        slit_x=o["slit_x"] if o["slit_x"] >= 0 else None,
        slit_y=o["slit_y"] if o["slit_y"] >= 0 else None,
        history_decay=o["history_decay"],
    )
    return list(result.files.values())


def _trails(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.trails import make_trails

    result = make_trails(
        ctx.video,
        ctx.out_dir / o["output"],
        mode=o["mode"],
        decay=o["decay"],
        frames=o["frames"],
        dark=o["dark"],
        stride=o["stride"],
        overwrite=True,
    )
    return [result.path]


def _pose(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.pose import write_pose

    result = write_pose(
        ctx.video,
        ctx.out_dir / o["folder"],
        outputs=comma_items(o["outputs"]),
        stride=o["stride"],
        hands=o["hands"],
        joints=comma_items(o["joints"]),
        threads=ctx.threads,
    )
    return list(result.files.values())


def _flow(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.flow import write_flow

    result = write_flow(
        ctx.video,
        ctx.out_dir / o["folder"],
        outputs=comma_items(o["outputs"]),
        method=o["method"],
        stride=o["stride"],
        scale=o["scale"],
        threads=ctx.threads,
    )
    return list(result.files.values())


def _telemetry(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.errors import TelemetryError
    from vfx.jobs.geotag import export_telemetry_file

    outs = []
    for fmt in comma_items(o["formats"]):
        target = ctx.out_dir / f"{ctx.video.stem}.{fmt}"
        try:
            path, _ = export_telemetry_file(ctx.video, target, fmt=fmt)
        except TelemetryError as exc:
            if o["if_missing"] == "fail":
                raise
            log.warning("%s; no %s written", exc, fmt)
            continue
        outs.append(path)
    return outs


def _report(ctx: StepContext, o: dict[str, Any]) -> list[Path]:
    from vfx.jobs.report import make_report

    out = ctx.out_dir / o["folder"] if o["folder"] else ctx.out_dir
    result = make_report([ctx.out_dir], out, tiles=o["tiles"] or None)
    return [*result.pages, *([result.index] if result.index else [])]


_MASK_OPTIONS = (
    Option("background", str, "auto", "first, auto, or an image file"),
    Option(
        "threshold", float, PARAMS["threshold"].default, PARAMS["threshold"].help, param="threshold"
    ),
    Option("blur", float, PARAMS["blur"].default, PARAMS["blur"].help, param="blur"),
    Option(
        "threshold2",
        float,
        PARAMS["threshold2"].default,
        PARAMS["threshold2"].help,
        param="threshold2",
    ),
    Option("blur2", float, PARAMS["blur2"].default, PARAMS["blur2"].help, param="blur2"),
    Option("sample", int, PARAMS["sample"].default, PARAMS["sample"].help, param="sample"),
)

#: The chroma key's options, for the steps that can key out a screen.
_KEY_OPTIONS = (
    Option("key", str, "auto", "chroma: the screen's colour, auto or #rrggbb"),
    Option(
        "tolerance",
        float,
        PARAMS["tolerance"].default,
        PARAMS["tolerance"].help,
        param="tolerance",
    ),
    Option(
        "softness",
        float,
        PARAMS["softness"].default,
        PARAMS["softness"].help,
        param="softness",
    ),
)

STEPS: dict[str, StepSpec] = {
    s.name: s
    for s in (
        StepSpec(
            "frames",
            "Write the source's frames (keyframes, every N s, all, or a selection) with "
            "frames.csv and time/GPS tags; later steps read these images.",
            (
                Option("folder", str, "frames", "subfolder for the images"),
                Option(
                    "max_gap_s",
                    float,
                    PARAMS["max_gap_s"].default,
                    PARAMS["max_gap_s"].help,
                    param="max_gap_s",
                ),
                Option(
                    "min_distance_m",
                    float,
                    PARAMS["min_distance_m"].default,
                    PARAMS["min_distance_m"].help,
                    param="min_distance_m",
                ),
                Option("blur_faces", bool, False, "blur faces before an image is written"),
                Option(
                    "require_gps",
                    bool,
                    False,
                    "write only frames with a GPS position (an upload needs one on each)",
                ),
            ),
            _frames,
        ),
        StepSpec(
            "background",
            "Estimate the empty scene.",
            (
                Option(
                    "method",
                    str,
                    "auto",
                    "estimator",
                    choices=("first", "mean", "median", "lighten", "darken", "auto"),
                ),
                Option(
                    "sample", int, PARAMS["sample"].default, PARAMS["sample"].help, param="sample"
                ),
                Option(
                    "exclude",
                    str,
                    "none",
                    "auto, median: leave each frame's figure out (person or chroma)",
                    choices=("none", "person", "chroma"),
                ),
                Option("output", str, DEFAULT_OUTPUTS["background"], "output image"),
            ),
            _background,
        ),
        StepSpec(
            "mask",
            "Foreground masks and clean figures per frame (ImageMagick-exact difference chain, "
            "OpenCV's mog2/knn, MediaPipe's person segmentation, or a chroma key).",
            (
                Option(
                    "method",
                    str,
                    "difference",
                    "mask method",
                    choices=("difference", "mog2", "knn", "person", "chroma"),
                ),
                *_MASK_OPTIONS,
                *_KEY_OPTIONS,
                Option("clean_background", str, "black", "black, white, transparent or a colour"),
                Option("folder", str, "masks", "subfolder for masks and clean images"),
            ),
            _mask,
        ),
        StepSpec(
            "composite",
            "The multi-exposure image (keyframe display).",
            (
                Option(
                    "mode",
                    str,
                    "foreground",
                    "how frames combine",
                    choices=("foreground", "chrono", "darken", "lighten", "mean"),
                ),
                Option("fade", float, PARAMS["fade"].default, PARAMS["fade"].help, param="fade"),
                Option(
                    "mask",
                    str,
                    "auto",
                    "foreground, chrono: how each frame's figure is found",
                    choices=("auto", "difference", "person", "chroma"),
                ),
                Option(
                    "colormap",
                    str,
                    "turbo",
                    "chrono: the colours of time",
                    choices=("turbo", "viridis", "plasma", "inferno", "magma", "cool", "rainbow"),
                ),
                Option("tint", float, 0.6, "chrono: how far each figure is tinted (0-1)"),
                *_MASK_OPTIONS,
                *_KEY_OPTIONS,
                Option("output", str, DEFAULT_OUTPUTS["composite"], "output image"),
            ),
            _composite,
        ),
        StepSpec(
            "montage",
            "A labelled contact sheet of the frames.",
            (
                Option(
                    "columns",
                    int,
                    PARAMS["columns"].default,
                    PARAMS["columns"].help,
                    param="columns",
                ),
                Option(
                    "tile_width",
                    int,
                    PARAMS["tile_width"].default,
                    PARAMS["tile_width"].help,
                    param="tile_width",
                ),
                Option(
                    "font_size",
                    float,
                    PARAMS["font_size"].default,
                    PARAMS["font_size"].help,
                    param="font_size",
                ),
                Option("output", str, DEFAULT_OUTPUTS["montage"], "output image"),
            ),
            _montage,
        ),
        StepSpec(
            "motion",
            "Motion video, motiongrams, videograms, average, history, quantity of motion, "
            "sound on the same time axis and self-similarity.",
            (
                Option(
                    "outputs",
                    str,
                    "video,motiongrams,videograms,average,history,qom,audio,ssm",
                    "comma-separated outputs",
                    each_of=(
                        "video",
                        "motiongrams",
                        "videograms",
                        "average",
                        "history",
                        "qom",
                        "audio",
                        "ssm",
                    ),
                ),
                Option("stride", int, 1, PARAMS["every_n"].help, param="every_n", old_name="every"),
                Option(
                    "threshold",
                    float,
                    PARAMS["threshold"].default,
                    PARAMS["threshold"].help,
                    param="threshold",
                ),
                Option("color", bool, False, "per-channel motion"),
                Option("raw", bool, False, "pictures of the measured values, unscaled"),
                Option(
                    "videogram",
                    str,
                    "mean",
                    "videogram lines: the frame's means, or its line through a slit",
                    choices=("mean", "slit"),
                ),
                Option("slit_x", int, -1, "slit-scan column (-1: the middle)"),
                Option("slit_y", int, -1, "slit-scan row (-1: the middle)"),
                Option(
                    "history_decay",
                    float,
                    PARAMS["history_decay"].default,
                    PARAMS["history_decay"].help,
                    param="history_decay",
                ),
                Option("folder", str, "motion", "subfolder"),
            ),
            _motion,
        ),
        StepSpec(
            "trails",
            "A video in which moving things leave trails.",
            (
                Option(
                    "mode",
                    str,
                    "decay",
                    "decay (fading maximum, lagfun) or mean (of the last frames, tmix)",
                    choices=("decay", "mean"),
                ),
                Option("decay", float, 0.95, "decay: the trail kept per frame (0-1)"),
                Option("frames", int, 8, "mean: frames averaged"),
                Option("dark", bool, False, "decay: trails of dark things"),
                Option("stride", int, 1, PARAMS["every_n"].help, param="every_n"),
                Option("output", str, "trails.mp4", "output video"),
            ),
            _trails,
        ),
        StepSpec(
            "pose",
            "Body (and hand) landmarks of the one person in the video: CSV, skeleton video, "
            "trails picture, speeds (see vfx pose).",
            (
                Option(
                    "outputs",
                    str,
                    "csv,video,trails,speed",
                    "comma-separated outputs",
                    each_of=("csv", "video", "trails", "speed"),
                ),
                Option("stride", int, 1, PARAMS["every_n"].help, param="every_n"),
                Option("hands", bool, False, "also track up to two hands"),
                Option(
                    "joints",
                    str,
                    "nose,left_wrist,right_wrist,left_ankle,right_ankle",
                    "joints the trails picture follows",
                ),
                Option("folder", str, "pose", "subfolder"),
            ),
            _pose,
        ),
        StepSpec(
            "flow",
            "Optical flow: flow video, directogram, impacts, flow picture (see vfx flow).",
            (
                Option(
                    "outputs",
                    str,
                    "video,directogram,impacts,picture",
                    "comma-separated outputs",
                    each_of=("video", "directogram", "impacts", "picture", "sparse"),
                ),
                Option(
                    "method",
                    str,
                    "farneback",
                    "dense flow, or the codec's motion vectors",
                    choices=("farneback", "codec"),
                ),
                Option("scale", float, 1.0, PARAMS["flow_scale"].help, param="flow_scale"),
                Option("stride", int, 1, PARAMS["every_n"].help, param="every_n"),
                Option("folder", str, "flow", "subfolder"),
            ),
            _flow,
        ),
        StepSpec(
            "telemetry",
            "Export the GPS track and orientation (<stem>.gpx, .geojson, .csv, .json).",
            (
                Option("formats", str, "gpx,geojson", "comma-separated: gpx, geojson, csv, json"),
                Option(
                    "if_missing",
                    str,
                    "fail",
                    "without GPS: fail the video, or warn and go on",
                    choices=("fail", "warn"),
                ),
            ),
            _telemetry,
        ),
        StepSpec(
            "report",
            "An HTML page of everything written for the video so far (report.html; see vfx "
            "report). Put it last.",
            (
                Option("folder", str, "", "subfolder for the page (default: the video's folder)"),
                Option("tiles", str, "", "map tile URL template (default: none, fully offline)"),
            ),
            _report,
        ),
    )
}


def reference_markdown() -> str:
    """docs/recipes.md's recipe reference: every step, its options, defaults and ranges."""
    lines = []
    for spec in STEPS.values():
        lines.append(f"#### `{spec.name}`\n\n{spec.help}\n")
        lines.append("| option | default | allowed | meaning |")
        lines.append("|---|---|---|---|")
        for o in spec.options:
            default = str(o.default).lower() if isinstance(o.default, bool) else o.default
            lines.append(f"| `{o.name}` | `{default}` | {o.describe()} | {o.help} |")
        lines.append("")
    return "\n".join(lines)
