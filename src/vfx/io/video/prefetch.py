"""Run a frame generator (or any decoding generator) ahead of its consumer on a background
thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, TypeVar

__all__ = ["prefetch"]

T = TypeVar("T")


def prefetch(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """Run a frame generator on a background thread, ``depth`` frames ahead.

    Decoding and colour conversion release the GIL, so the caller's work on one frame overlaps
    the decoding of the next ones (frames, or a decoder's motion vectors). Exceptions from
    the generator are raised in the caller; if the caller stops early (or is interrupted),
    the thread is stopped and the generator closed.
    """
    import queue

    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for frame in items:
                if not put(("frame", frame)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="vfx-decode", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "frame":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()
