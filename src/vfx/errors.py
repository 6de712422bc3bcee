"""The one exception family of vfx.

Library code raises these (wrapping third-party failures with ``raise ... from exc``);
the CLI turns each into one line on stderr and exit code 1.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DecodeError",
    "ImageReadError",
    "Interrupted",
    "MetadataError",
    "ModelError",
    "OutputError",
    "ParameterError",
    "RecipeError",
    "TelemetryError",
    "ToolNotFoundError",
    "VfxError",
    "VideoOpenError",
]


class VfxError(Exception):
    """Base of every error vfx raises on purpose.

    Parameters
    ----------
    message
        What is wrong, in one line, without the file name.
    path
        The file or folder the problem is about, if any; it is put first in ``str(err)``.
    hint
        An optional next step for the user.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None):
        self.message = " ".join(str(message).split())
        self.path = Path(path) if path is not None else None
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path is not None else self.message


class VideoOpenError(VfxError):
    """The file is missing, unreadable, not a video, or has no video stream."""


class DecodeError(VfxError):
    """The video stream could not be decoded."""


class ImageReadError(VfxError):
    """An input image is missing, unreadable or does not fit with the others."""


class OutputError(VfxError):
    """An output could not be written (folder not writable, disk full, ...)."""


class ParameterError(VfxError, ValueError):
    """A parameter is outside its documented range or the options contradict each other.

    ``param`` names the parameter of :data:`vfx.params.PARAMS` the message is about, so that
    the command line can name its option instead (``--distance``, not ``distance_m``).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        hint: str | None = None,
        param: str | None = None,
    ):
        self.param = param
        super().__init__(message, path=path, hint=hint)


class TelemetryError(VfxError):
    """A telemetry track or box tree is malformed."""


class MetadataError(VfxError):
    """Tags could not be read or written."""


class ModelError(VfxError):
    """A model file is missing or damaged, or a model cannot run."""


class RecipeError(VfxError):
    """A recipe file is malformed or names unknown steps or keys."""


class ToolNotFoundError(VfxError):
    """An optional external tool or Python package is missing."""


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal (SIGTERM, SIGHUP), handled like Ctrl-C.

    The ``vfx`` command raises it from its signal handlers, so every ``except
    KeyboardInterrupt`` that records what was written and removes temporary files serves it
    too; the command then exits with ``128 + signum`` as shells expect.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
