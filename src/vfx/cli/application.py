"""The Typer application and its one error boundary."""

import atexit
import copy
import logging
import os
import signal
import sys
import threading
from contextlib import suppress
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_command_name

from vfx import __version__
from vfx.errors import Interrupted, VfxError

__all__ = ["app", "exit_now", "run"]


def _one_line(text: str) -> str:
    from vfx.cli.output import shown

    return shown(" ".join(str(text).split()))


def _as_option(exc: VfxError) -> str:
    """The error as the command line says it: a parameter by its option (``--distance``)."""
    from vfx.errors import ParameterError
    from vfx.params import PARAMS

    text = str(exc)
    param = exc.param if isinstance(exc, ParameterError) else None
    if param in PARAMS:
        text = text.replace(f"{param} must", f"{PARAMS[param].flag} must", 1)
    return text


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
            typer.echo(f"vfx: error: {_one_line(_as_option(exc))}{hint}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt as exc:
            if os.environ.get("VFX_DEBUG"):
                raise
            raise typer.Exit(_interrupted(exc)) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            raise  # the reader of the output went away: run() ends quietly
        except OSError as exc:  # the system refused (a full disk for the output): not a bug
            if os.environ.get("VFX_DEBUG"):
                raise
            where = f": {exc.filename}" if exc.filename else ""
            typer.echo(f"vfx: error: {exc.strerror or exc}{where}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if os.environ.get("VFX_DEBUG"):
                raise
            typer.echo(
                f"vfx: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                "(run with VFX_DEBUG=1 for the traceback)",
                err=True,
            )
            raise typer.Exit(1) from None


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say that the command was stopped; the exit code a shell expects for the signal."""
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    with suppress(OSError, ValueError):  # a closed terminal (SIGHUP) has no stderr
        name = signal.Signals(signum).name
        typer.echo(
            "vfx: interrupted" if signum == signal.SIGINT else f"vfx: stopped by {name}", err=True
        )
    return 128 + int(signum)


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
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            metavar="",
            show_default=False,
            help="Show debug messages (a flag; takes no value).",
        ),
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Turn videos into stills and visual effects, with exact times."""
    _setup_logging(verbose)


#: One example line per command, shown at the end of its --help.
EXAMPLES = {
    "info": "vfx info dance.mp4 --json",
    "keyframes": "vfx keyframes dance.mp4 GX010001.MP4 -o stills",
    "frames": "vfx frames ride.mp4 --every 2 -f jpg --start 1:30",
    "background": "vfx background dance_keyframes -o empty_stage.png --method auto",
    "mask": "vfx mask dance_keyframes --background auto -o masks",
    "composite": "vfx composite dance_keyframes --mode chrono -o chronophotograph.png",
    "montage": "vfx montage dance_keyframes -o sheet.jpg --columns 8",
    "telemetry": "vfx telemetry GX010001.MP4 -o track.gpx",
    "geotag": "vfx geotag photos/ --track ride.fit --offset -3600",
    "motion": "vfx motion dance.mp4 --only motiongrams,qom",
    "trails": "vfx trails dance.mp4 --mode mean --frames 12",
    "pose": "vfx pose dance.mp4 --hands --only csv,video",
    "flow": "vfx flow dance.mp4 --only directogram,impacts --scale 0.5",
    "select": "vfx select dance.mp4 -n 12 -f png",
    "blur": "vfx blur ride_frames -o ride_blurred",
    "run": "vfx run keyframe-display videos/ -o out -j 2",
    "report": "vfx report GX010001.MP4 out/dance_motion -o report",
    "list": "vfx recipes list",
    "show": "vfx recipes show motion",
    "install": "vfx models install",
    "status": "vfx models status --json",
}


def _reflow(doc: str) -> str:
    """A docstring as help text: paragraphs joined into single lines (rich re-wraps them to
    the terminal; a line break kept from the source would break a sentence mid-way), list
    items (``- ...``) kept on lines of their own."""
    import inspect

    paragraphs = []
    for block in inspect.cleandoc(doc).split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if lines and not line.startswith(("- ", "* ")):
                lines[-1] += " " + line
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _with_help(typer_app: typer.Typer) -> None:
    """Each command's help: its docstring reflowed, and its example line."""
    for info in typer_app.registered_commands:
        name = info.name or get_command_name(info.callback.__name__)  # type: ignore[union-attr]
        text = _reflow(info.help or info.callback.__doc__ or "")  # type: ignore[union-attr]
        info.help = f"{text}\n\nExample: {EXAMPLES[name]}" if name in EXAMPLES else text
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _with_help(group.typer_instance)


def command_names() -> list[list[str]]:
    """Every command line that has its own help: ``[]`` (vfx), ``["keyframes"]``, ...,
    ``["recipes", "show"]``."""
    names: list[list[str]] = [[]]
    for info in app.registered_commands:
        names.append([info.name or get_command_name(info.callback.__name__)])  # type: ignore[union-attr]
    for group in app.registered_groups:
        if group.name and group.typer_instance is not None:
            names.append([group.name])
            for info in group.typer_instance.registered_commands:
                sub = info.name or get_command_name(info.callback.__name__)  # type: ignore[union-attr]
                names.append([group.name, sub])
    return names


def reference_markdown(columns: int = 100) -> str:
    """docs/reference.md's command reference: every command's ``--help`` at ``columns`` columns."""
    from typer.testing import CliRunner

    runner = CliRunner()
    parts = []
    for name in command_names():
        text = runner.invoke(app, [*name, "--help"], env={"COLUMNS": str(columns)}).stdout
        body = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
        parts.append(f"#### `{' '.join(['vfx', *name])}`\n\n```text\n{body}\n```\n")
    return "\n".join(parts)


def _register() -> None:
    from vfx.cli import (
        blur,
        effects,
        extract,
        flow,
        info,
        models,
        motion,
        pose,
        recipes,
        report,
        select,
        telemetry,
        trails,
    )

    info.register(app)
    extract.register(app)
    effects.register(app)
    telemetry.register(app)
    motion.register(app)
    trails.register(app)
    flow.register(app)
    pose.register(app)
    select.register(app)
    blur.register(app)
    recipes.register(app)
    report.register(app)
    models.register(app)
    _with_help(app)


_register()


def _invoked(args: list[str]) -> str | None:
    """The subcommand named on the command line, if any (the root's own options take no
    value, and ``--help``/``--version`` are answered by the root)."""
    for arg in args:
        if arg in ("-h", "--help", "--version", "--"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


def _for_command(root: typer.Typer, name: str | None) -> typer.Typer:
    """``root`` with only the subcommand ``name``, when it has one by that name.

    Typer builds the click command of every subcommand on every run (their options, types
    and help: about 7 ms for vfx's dozen), although one runs. The copy keeps the root's
    callback and settings; for no or an unknown name (so that click lists the commands or
    suggests one) the whole application runs.
    """
    if name is None:
        return root
    commands = [
        c
        for c in root.registered_commands
        if (c.name or get_command_name(c.callback.__name__)) == name  # type: ignore[union-attr]
    ]
    groups = [g for g in root.registered_groups if g.name == name]
    if not commands and not groups:
        return root
    pruned = copy.copy(root)
    pruned.registered_commands = commands
    pruned.registered_groups = groups
    return pruned


def run(args: list[str] | None = None) -> int:
    """Run the command line with ``args`` (default: the process's) and return its exit code.

    Safe to call from a program that imports vfx: it changes nothing process-wide (no signal
    handlers, collector or allocator settings, no forked helpers); the ``vfx`` command's
    :func:`vfx.__main__.main` does that around it.
    """
    args = sys.argv[1:] if args is None else list(args)
    try:
        _for_command(app, _invoked(args))(args, prog_name="vfx")
    except SystemExit as exc:  # click ends every run with one
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
    except KeyboardInterrupt as exc:  # raised outside a command (e.g. while importing)
        return _interrupted(exc)
    except BrokenPipeError:  # `vfx ... | head`: stop quietly, as other Unix tools do
        _quiet_stdout()
        return 141
    except OSError as exc:  # writing the output failed outside a command (`--version > /dev/full`)
        with suppress(OSError, ValueError):
            sys.stderr.write(f"vfx: error: cannot write the output: {exc.strerror or exc}\n")
        _quiet_stdout()
        return 1
    return 0


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what could not
    be written raises nothing more."""
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def exit_now(code: int) -> NoReturn:
    """Exit as the interpreter would, less the freeing of every object one by one.

    That teardown (numpy's, typer's and vfx's modules) takes 10-15 ms at the end of every
    command; the kernel frees the process's memory at once. As mypy does, the exit handlers
    still run (logging, multiprocessing, Dask register theirs) and the output is flushed
    first: a flush that fails (a full disk) is one line and exit 1, a closed pipe (``| head``)
    a quiet exit as other Unix tools make. While another thread runs, the normal exit waits
    for it instead, and under a profiler, tracer or debugger (``python -m cProfile``,
    coverage, pdb) the exit is the normal one too: they write their results after the
    program's last line.
    """
    code = _flush(code)
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if watched or threading.active_count() > 1 or not hasattr(atexit, "_run_exitfuncs"):
        sys.exit(code)
    atexit._run_exitfuncs()
    code = _flush(code)
    os._exit(code)


def _flush(code: int) -> int:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (| head): stop quietly
        return code or 141
    except (OSError, ValueError) as exc:
        with suppress(OSError, ValueError):
            sys.stderr.write(f"vfx: error: cannot write the output: {exc}\n")
        _quiet_stdout()
        return 1
    with suppress(OSError, ValueError):
        sys.stderr.flush()
    return code
