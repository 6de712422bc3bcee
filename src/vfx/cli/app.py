"""The Typer application and its one error boundary."""

import logging
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vfx import __version__
from vfx.errors import VfxError

__all__ = ["app", "main"]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Boundary(TyperGroup):
    """Maps library errors to one line on stderr and exit code 1; Ctrl-C to exit code 130.

    ``VFX_DEBUG=1`` lets the traceback through instead.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except VfxError as exc:
            if os.environ.get("VFX_DEBUG"):
                raise
            hint = f" ({exc.hint})" if exc.hint else ""
            typer.echo(f"vfx: error: {_one_line(str(exc))}{hint}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            if os.environ.get("VFX_DEBUG"):
                raise
            typer.echo("vfx: interrupted", err=True)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if os.environ.get("VFX_DEBUG"):
                raise
            typer.echo(
                f"vfx: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                "(run with VFX_DEBUG=1 for the traceback)",
                err=True,
            )
            raise typer.Exit(1) from None


class _OneLineHandler(logging.Handler):
    """Library log records as one line each on stderr (``vfx: warning: ...``)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = record.levelname.lower()
            typer.echo(f"vfx: {level}: {_one_line(record.getMessage())}", err=True)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def _setup_logging(verbose: int) -> None:
    logger = logging.getLogger("vfx")
    for handler in list(logger.handlers):
        if isinstance(handler, _OneLineHandler):
            logger.removeHandler(handler)
    logger.addHandler(_OneLineHandler())
    logger.setLevel(logging.DEBUG if verbose > 0 else logging.WARNING)
    logger.propagate = False


app = typer.Typer(
    cls=_Boundary,
    name="vfx",
    help="Turn videos into stills and visual effects, with exact times.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vfx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Show debug messages.")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Turn videos into stills and visual effects, with exact times."""
    _setup_logging(verbose)


def _register() -> None:
    from vfx.cli import effects, extract, info, motion, recipes, select, telemetry

    info.register(app)
    extract.register(app)
    effects.register(app)
    telemetry.register(app)
    motion.register(app)
    select.register(app)
    recipes.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    from vfx._process import tune_allocator, tune_collector

    tune_allocator()
    tune_collector()
    try:
        app()
    except KeyboardInterrupt:  # raised outside a command (e.g. while importing)
        sys.stderr.write("vfx: interrupted\n")
        sys.exit(130)
