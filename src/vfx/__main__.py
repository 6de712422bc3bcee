"""The ``vfx`` command (``python -m vfx``): the one place that sets up the process.

Everything process-wide happens here, never when vfx is imported or :func:`vfx.cli.run` is
called: one OpenBLAS thread (before numpy loads), the collector frozen around the command's
imports and tuned for the run, glibc's allocator keeping frame-sized blocks, SIGTERM and SIGHUP
stopping the command as Ctrl-C does (outputs recorded, temporary files removed, exit
``128 + signal``), and the quick exit. See :mod:`vfx.cli.process` for the measurements.
"""

from __future__ import annotations

import gc
import signal
from types import FrameType
from typing import NoReturn

__all__ = ["main"]


def _stop(signum: int, frame: FrameType | None) -> None:
    from vfx.errors import Interrupted

    # Once is enough: a second signal while the first one's clean-up runs would cut it short.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def main() -> NoReturn:
    """Console-script entry point: set up the process, run the command line, exit."""
    from vfx.cli import process

    process.single_threaded_blas()  # before anything imports numpy
    # The command's imports (typer, numpy, vfx's command modules) create some 200,000
    # objects and no garbage: the collector stays off while they load (about sixty
    # collections, 8 ms) and they are frozen out of its reach before it is switched on again
    # (re-enabled with them still young, the next collection would walk them all, 15 ms).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from vfx.cli.application import exit_now, run
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    process.tune_allocator()
    process.tune_collector()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    process.OWNS_PROCESS = True
    exit_now(run())


if __name__ == "__main__":
    main()
