"""The ``vfx`` command line: a thin layer over the library; only this package imports typer."""

from vfx.cli.app import app, main

__all__ = ["app", "main"]
