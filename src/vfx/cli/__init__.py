"""The ``vfx`` command line: a thin layer over the library; only this package imports typer.

Importing it changes nothing in the host process and loads nothing heavy: ``app`` and
``run`` (from :mod:`vfx.cli.application`) and ``main`` (:func:`vfx.__main__.main`) load on
first use, so that :mod:`vfx.__main__` can tune the process through :mod:`vfx.cli.process`
(one OpenBLAS thread) before anything imports numpy, and a ``vfx run`` worker that imports
its set-up from there does not build the command line.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["app", "main", "run"]

_WHERE = {"app": "vfx.cli.application", "run": "vfx.cli.application", "main": "vfx.__main__"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vfx.cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
