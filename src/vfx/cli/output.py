"""What commands print: summary lines and the ``--json`` records."""

from typing import Any

import typer


def echo_json(data: Any, *, default: Any = None) -> None:
    """Print ``data`` as indented JSON on stdout (``json`` loads only for ``--json``)."""
    import json

    typer.echo(json.dumps(data, indent=2, default=default))  # ASCII: surrogates are escaped


def shown(text: str) -> str:
    """``text`` as it can be printed: a file name that is not valid UTF-8 reaches Python with
    lone surrogates (``caf\\udce9.mp4``), which no UTF-8 stream accepts; they show as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print one line of a command's report (stderr with ``err``)."""
    typer.echo(shown(text), err=err, nl=nl)
