"""The ordered worker thread behind the video writer and the motion pass's output stage."""

from __future__ import annotations

import threading
import time

import pytest

from vfx._worker import OrderedWorker


def test_calls_run_in_order_on_one_thread_with_a_bounded_queue() -> None:
    done: list[int] = []
    threads: set[str] = set()
    waiting: list[int] = []
    worker = OrderedWorker("test-worker", depth=2)

    def work(i: int) -> None:
        threads.add(threading.current_thread().name)
        time.sleep(0.002)
        done.append(i)

    for i in range(20):
        worker.submit(work, i)
        waiting.append(i + 1 - len(done))  # handed over but not finished
    worker.drain()
    assert done == list(range(20))
    assert len(threads) == 1 and threads.pop().startswith("test-worker")
    assert max(waiting) <= 3  # two queued, and at most one more begun since


def test_an_error_on_the_worker_comes_back_to_the_caller() -> None:
    worker = OrderedWorker("test-worker", depth=1)

    def fail(i: int) -> None:
        if i == 2:
            raise ValueError("frame 2 is bad")

    with pytest.raises(ValueError, match="frame 2"):
        for i in range(10):
            worker.submit(fail, i)
        worker.drain()
    worker.cancel()


def test_cancel_drops_what_has_not_begun() -> None:
    started = threading.Event()
    release = threading.Event()
    ran: list[int] = []
    worker = OrderedWorker("test-worker", depth=8)

    def slow(i: int) -> None:
        started.set()
        release.wait(5)
        ran.append(i)

    for i in range(5):
        worker.submit(slow, i)
    started.wait(5)
    threading.Timer(0.2, release.set).start()  # the running call ends only once cancel waits
    worker.cancel()
    assert ran == [0]  # the one running finished; the four waiting never ran
