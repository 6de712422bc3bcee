"""Options shared by several commands, written once as ``Annotated`` aliases, and
:func:`options_group`, which gives a command a group of them (the metadata stage's are in
:mod:`vfx.cli.metadata_options`)."""

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from vfx.params import PARAMS
from vfx.types import FrameChoice


class ImageFormat(StrEnum):
    tiff = "tiff"
    png = "png"
    jpg = "jpg"


Videos = Annotated[
    list[Path],
    typer.Argument(help="Video files.", show_default=False, metavar="VIDEO..."),
]
Video = Annotated[Path, typer.Argument(help="Video file.", show_default=False, metavar="VIDEO")]
OutDir = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output folder.", show_default=False),
]
Format = Annotated[
    ImageFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Image format: lossless tiff or png, or jpg. Default: tiff; jpg for --distance "
        "(mapillary_tools zips and uploads JPEG only).",
        show_default=False,
    ),
]


def ranged(name: str, *flags: str, kind: type = int, help: str | None = None, **extra: Any) -> Any:
    """An option whose range (and help, unless given) is parameter ``name`` of ``PARAMS``.

    Typer shows and checks the range, as the library and the recipe loader do from the same
    table; an open lower bound (``> 0``) is left to the library's check.
    """
    p = PARAMS[name]
    low = None if p.low_open else p.low
    return Annotated[
        kind,
        typer.Option(
            *flags,
            min=None if low is None else kind(low),
            max=None if p.high is None else kind(p.high),
            help=help or p.help[:1].upper() + p.help[1:] + ".",
            **extra,
        ),
    ]


Quality = ranged("quality", "--quality", "-q", help=PARAMS["quality"].help)
Overwrite = Annotated[
    bool, typer.Option("--overwrite", help="Rewrite images that exist instead of skipping them.")
]


def only_option(outputs: str, default: str = "all") -> Any:
    """The ``--only LIST`` option of a command that writes several ``outputs`` (``default``
    says which it writes without the option)."""
    return Annotated[
        str | None,
        typer.Option(
            "--only",
            help=f"Comma-separated outputs to write (default {default}): {outputs}.",
            metavar="LIST",
            show_default=False,
        ),
    ]


def comma_list(text: str | None, default: tuple[str, ...] | list[str]) -> list[str]:
    """``a, b,c`` as ``["a", "b", "c"]``; ``default`` when not given."""
    return list(default) if text is None else [p.strip() for p in text.split(",") if p.strip()]


Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar and no summary.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
MaxPixels = ranged("max_pixels", "--max-pixels", help=PARAMS["max_pixels"].help)


Start = Annotated[str | None, typer.Option("--start", help="Start time (seconds or [HH:]MM:SS).")]
End = Annotated[
    str | None, typer.Option("--end", help="End time, exclusive (seconds or [HH:]MM:SS).")
]
Stride = Annotated[
    int,
    typer.Option(
        "--stride",
        min=1,
        metavar="N",
        help="Use every N-th frame (a count of frames; --every is seconds, as in vfx frames).",
    ),
]
OldEvery = Annotated[
    int | None,
    typer.Option(
        "--every",
        min=1,
        hidden=True,
        help="Deprecated spelling of --stride N (a frame count) for this command.",
    ),
]


def stride_from(stride: int, every: int | None) -> int:
    """The frame stride, from ``--stride`` or the deprecated ``--every N`` (a release more)."""
    if every is None:
        return stride
    import logging

    logging.getLogger("vfx").warning(
        "--every N (a frame count) is deprecated for this command: use --stride N; --every "
        "means seconds in vfx frames"
    )
    return every


def options_group(
    name: str, params: tuple[tuple[str, Any, Any], ...], build: Callable[..., Any]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator that gives a command the options ``params`` (written once) in place of its
    parameter ``name``, which receives ``build(**those options)``."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command)
        kept = [p for p in signature.parameters.values() if p.name != name]
        added = [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
            for n, kind, default in params
        ]
        names = [n for n, _, _ in params]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            kwargs[name] = build(**{n: kwargs.pop(n) for n in names})
            command(*args, **kwargs)

        new = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept] + added
        wrapper.__signature__ = signature.replace(parameters=new)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in new} | {"return": None}
        del wrapper.__wrapped__  # typer must see the signature above, not the command's own
        return wrapper

    return decorate


class Projection(StrEnum):
    equirectangular = "equirectangular"
    eac = "eac"


ProjectionOpt = Annotated[
    Projection,
    typer.Option(
        "--projection",
        help="For GoPro MAX .360 files: equirectangular panoramas, or eac (the two "
        "recorded strips side by side).",
        rich_help_panel="360",
    ),
]
PanoWidth = Annotated[
    int | None,
    typer.Option(
        "--width",
        min=8,
        metavar="PIXELS",
        help="Panorama width (even; default the natural width: 5376 for 5.6K, 2944 for 3K).",
        rich_help_panel="360",
        show_default=False,
    ),
]


def _panorama(projection: Projection, width: int | None) -> Any:
    from vfx.io.video.panorama import PanoramaOptions

    return PanoramaOptions(projection=projection.value, width=width)


#: Gives a command that reads frames the 360 options; its ``panorama`` receives
#: :class:`vfx.io.video.panorama.PanoramaOptions`.
with_panorama_options = options_group(
    "panorama",
    (("projection", ProjectionOpt, Projection.equirectangular), ("width", PanoWidth, None)),
    _panorama,
)


EveryS = Annotated[
    float | None,
    typer.Option(
        "--every",
        min=0.0,
        metavar="SECONDS",
        help="Take a video's frames every SECONDS (default: its keyframes).",
        show_default=False,
    ),
]
AllFrames = Annotated[bool, typer.Option("--all", help="Take every frame of a video.")]
OldFrames = Annotated[
    str | None,
    typer.Option(
        "--frames",
        hidden=True,
        help="Older spelling: keyframes, all or every:SECONDS (use --every or --all).",
    ),
]
_FRAME_PARAMS: tuple[tuple[str, Any, Any], ...] = (
    ("every", EveryS, None),
    ("all_frames", AllFrames, False),
    ("frames_spec", OldFrames, None),
    ("start", Start, None),
    ("end", End, None),
)


def frame_choice(
    every: float | None,
    all_frames: bool,
    frames_spec: str | None,
    start: str | None = None,
    end: str | None = None,
) -> FrameChoice:
    """The frames of a video an effect reads, from the options ``vfx frames`` uses too
    (``--start``/``--end`` with the same parser and meaning)."""
    choice = _frame_kind(every, all_frames, frames_spec)
    if start is None and end is None:
        return choice
    return choice.window(*time_window(start, end))


def time_window(start: str | None, end: str | None) -> tuple[float, float | None]:
    """``--start``/``--end`` as seconds (``SS``, ``MM:SS`` or ``HH:MM:SS.mmm``): from the
    start of the video and to its end when not given."""
    from vfx.ops.sampling import parse_time

    return (
        parse_time(start) if start is not None else 0.0,
        parse_time(end) if end is not None else None,
    )


def _frame_kind(every: float | None, all_frames: bool, frames_spec: str | None) -> FrameChoice:
    from vfx.errors import ParameterError

    given = [every is not None, all_frames, frames_spec is not None]
    if sum(given) > 1:
        raise ParameterError("choose frames with one of --every, --all (or the older --frames)")
    if every is not None:
        if not every > 0:
            raise ParameterError(f"--every must be > 0 seconds, got {every}")
        return FrameChoice.every(every)
    if all_frames:
        return FrameChoice.all()
    return FrameChoice.parse(frames_spec) if frames_spec else FrameChoice.keyframes()


def with_frame_choice(command: Callable[..., None]) -> Callable[..., None]:
    """Give an effect command the frame choice of ``vfx frames`` (``--every SECONDS``,
    ``--all``; keyframes by default; ``--start``, ``--end``), written once here: the
    command's ``frames`` parameter receives the spec. The older ``--frames SPEC`` still
    works, hidden."""
    return options_group("frames", _FRAME_PARAMS, frame_choice)(command)


BlurFaces = Annotated[
    bool,
    typer.Option(
        "--blur-faces",
        help="Blur every face before an image is written (panoramas too; frames.csv counts "
        "them in a faces column). Licence plates are not blurred.",
    ),
]

#: How extracted frames are written, written once for keyframes, frames and select.
_STILLS_PARAMS: tuple[tuple[str, Any, Any], ...] = (
    ("fmt", Format, None),
    ("quality", Quality, PARAMS["quality"].default),
    ("overwrite", Overwrite, False),
    ("max_pixels", MaxPixels, PARAMS["max_pixels"].default),
    ("blur_faces", BlurFaces, False),
)


def _stills(
    fmt: ImageFormat | None, quality: int, overwrite: bool, max_pixels: int, blur_faces: bool
) -> dict[str, Any]:
    """The stills options as the extraction functions' keyword arguments (no ``fmt`` when
    ``-f`` was not given: the command's own default)."""
    faces = None
    if blur_faces:
        from vfx.jobs.blur import FaceOptions

        faces = FaceOptions()
    return {
        **({"fmt": fmt.value} if fmt is not None else {}),
        "quality": quality,
        "overwrite": overwrite,
        "max_pixels": max_pixels,
        "faces": faces,
    }


#: Gives a command that writes frames ``-f``, ``-q``, ``--overwrite`` and ``--max-pixels``;
#: its ``stills`` parameter receives them as the library's keyword arguments.
with_stills_options = options_group("stills", _STILLS_PARAMS, _stills)
