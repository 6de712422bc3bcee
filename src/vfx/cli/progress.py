"""The rich progress bar: shown only on a terminal, never with --quiet or --json."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def wants_progress(quiet: bool, json: bool) -> bool:
    return not quiet and not json and sys.stderr.isatty()


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A ``progress(done, total)`` callback that draws a bar on stderr when enabled."""
    if not enabled:
        yield lambda done, total: None
        return
    # rich is imported only when a bar is drawn: it costs 40 ms of start-up otherwise.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class _Rate(ProgressColumn):
        def render(self, task):  # type: ignore[no-untyped-def]
            speed = task.finished_speed or task.speed
            text = "" if speed is None else f"{speed:.1f} frames/s"
            return Text(text, style="progress.data.speed")

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _Rate(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
