"""The ordered worker thread behind the video writer and the motion pass's output stage."""

from __future__ import annotations

import threading
import time

import pytest

from vfx.workers import OrderedWorker, ordered_map


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


def test_ordered_map_gives_results_in_order_a_bounded_number_ahead() -> None:
    read: list[int] = []
    lead: list[int] = []

    def items():
        for i in range(30):
            read.append(i)
            yield i

    def square(i: int) -> int:
        time.sleep(0.001 * (i % 3))  # later items often finish first
        return i * i

    out = []
    for item, result in ordered_map(square, items(), threads=3, ahead=4, name="test-map"):
        lead.append(len(read) - item - 1)  # items read past the one handed out
        out.append((item, result))
    assert out == [(i, i * i) for i in range(30)]
    assert max(lead) == 4


def test_ordered_map_raises_at_the_failing_item() -> None:
    def check(i: int) -> int:
        if i == 5:
            raise ValueError("item 5 is bad")
        return i

    given = []
    with pytest.raises(ValueError, match="item 5"):
        for item, _ in ordered_map(check, range(20), threads=2, ahead=3, name="test-map"):
            given.append(item)
    assert given == [0, 1, 2, 3, 4]


def test_ordered_map_discards_results_made_but_not_handed_out() -> None:
    made: list[int] = []
    discarded: list[int] = []

    def make(i: int) -> int:
        made.append(i)
        return i

    results = ordered_map(
        make, range(100), threads=2, ahead=5, name="test-map", discard=discarded.append
    )
    assert next(results) == (0, 0)
    results.close()  # the consumer stops early
    # Every result made is either handed out (0) or discarded; nothing beyond the look-ahead.
    assert sorted([0, *discarded]) == sorted(made) and len(made) <= 7
