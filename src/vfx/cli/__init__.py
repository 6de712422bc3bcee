"""The ``vfx`` command line: a thin layer over the library; only this package imports typer."""

from vfx._process import single_threaded_blas

single_threaded_blas()  # before anything imports numpy

from vfx.cli.app import app, main, run  # noqa: E402

__all__ = ["app", "main", "run"]
