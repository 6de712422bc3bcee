"""The ``vfx`` command line: a thin layer over the library; only this package imports typer."""

import gc

# The imports below (typer, numpy, vfx's command modules) create some 200,000 objects and no
# garbage; the cycle collector would walk them about sixty times on the way (8 ms). They are
# frozen out of its reach once loaded (switching it back on with them still young would
# have the next collection walk them all, 15 ms), and the collector is as it was.
_collecting = gc.isenabled()
gc.disable()
try:
    from vfx._process import single_threaded_blas

    single_threaded_blas()  # before anything imports numpy

    from vfx.cli.app import app, main, run
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

__all__ = ["app", "main", "run"]
