"""What commands print: the ``--json`` records."""

from typing import Any

import typer


def echo_json(data: Any, *, default: Any = None) -> None:
    """Print ``data`` as indented JSON on stdout (``json`` loads only for ``--json``)."""
    import json

    typer.echo(json.dumps(data, indent=2, default=default))
