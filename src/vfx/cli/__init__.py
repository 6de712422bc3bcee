"""The ``vfx`` command line: a thin layer over the library; only this package imports typer."""

import gc

# The imports below (typer, numpy, vfx's command modules) create some 200,000 objects and no
# garbage; the cycle collector would walk them about sixty times on the way (8 ms). It is on
# again once they are loaded, and ``run`` then freezes them out of its reach for good.
_collecting = gc.isenabled()
gc.disable()
try:
    from vfx._process import single_threaded_blas

    single_threaded_blas()  # before anything imports numpy

    from vfx.cli.app import app, main, run
finally:
    if _collecting:
        gc.enable()

__all__ = ["app", "main", "run"]
