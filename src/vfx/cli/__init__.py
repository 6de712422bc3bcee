"""The ``vfx`` command line: a thin layer over the library; only this package imports typer.

Importing it changes nothing in the host process; the ``vfx`` command's set-up lives in
:func:`vfx.__main__.main` (re-exported here as :func:`main`).
"""

from vfx.__main__ import main
from vfx.cli.app import app, run

__all__ = ["app", "main", "run"]
