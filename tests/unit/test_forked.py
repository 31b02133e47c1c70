"""Work shared with a forked process: chunks handed out once each, pieces streamed back."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from registry_lib import forked
from registry_lib.errors import RelregError
from registry_lib.forked import Chunks, Forked, InlineStream, Streamed


def _take_all(chunks: Chunks, pause: float = 0.0) -> list[int]:
    taken: list[int] = []
    while (found := chunks.take()) is not None:
        taken.extend(found)
        time.sleep(pause)  # work on the chunk
    return taken


def test_each_item_goes_to_exactly_one_of_two_processes() -> None:
    chunks = Chunks(503, size=3)
    try:
        child = Forked(lambda: _take_all(chunks, 0.002))
        mine = _take_all(chunks, 0.002)
        theirs = child.result()
    finally:
        chunks.close()
    assert sorted(mine + theirs) == list(range(503))  # none lost, none twice
    assert mine and theirs  # both took work


def test_a_child_may_count_and_fill_the_chunks() -> None:
    """The child counts the items (e.g. walks the registry) and fills; both then take."""
    chunks = Chunks()

    def child_side() -> list[int]:
        chunks.fill(301, size=2)
        return _take_all(chunks, 0.002)

    try:
        child = Forked(child_side)
        chunks.let_others_fill()
        chunks.plan(301, size=2)  # as the child would tell
        mine = _take_all(chunks, 0.002)
        theirs = child.result()
    finally:
        chunks.close()
    assert sorted(mine + theirs) == list(range(301))


def test_chunks_grow_rather_than_overfill_the_pipe() -> None:
    """Chunk numbers are written before the fork; more than a pipe holds would block."""
    chunks = Chunks(1_000_003, size=1)
    try:
        assert chunks.count <= Chunks.LIMIT
        assert _take_all(chunks) == list(range(1_000_003))
        assert chunks.take() is None
    finally:
        chunks.close()


def test_taken_counts_the_items_handed_out_in_any_process() -> None:
    chunks = Chunks(95, size=10)
    try:
        assert chunks.taken() == 0
        child = Forked(lambda: [list(chunks.take() or []) for _ in range(3)])
        assert child.result() == [list(range(i, i + 10)) for i in (0, 10, 20)]
        assert chunks.taken() == 30
        assert _take_all(chunks) == list(range(30, 95))
        assert chunks.taken() == 95  # the last chunk is short: never more than the items
    finally:
        chunks.close()


def test_no_items_no_chunks() -> None:
    chunks = Chunks(0)
    assert chunks.take() is None
    chunks.close()


def test_streamed_pieces_arrive_in_order() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        for i in range(300):
            send((i, "x" * (i * 97)))  # some pieces larger than one pipe read

    child = Streamed(make)
    got = child.ready()  # whatever is there already, without waiting
    got.append(child.next())  # one more, waiting for it
    got += child.rest()
    assert got == [(i, "x" * (i * 97)) for i in range(300)]
    assert child.ready() == []


def test_ready_takes_at_most_what_is_asked_and_arrived_reads_as_it_comes() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        for i in range(6):
            send(i)

    child = Streamed(make)
    first = child.next()  # waits until something came
    got = [first, *child.ready(1)]
    while not child.ended:
        got += child.arrived()  # waits for the next read
    got += child.ready()
    child.cancel()
    assert got == list(range(6))


def test_a_streaming_child_waits_once_its_queue_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child that runs ahead holds at most QUEUE_MAX bytes unsent: then it waits."""
    monkeypatch.setattr(forked._Outbox, "QUEUE_MAX", 64 * 1024)  # the child inherits it
    done = tmp_path / "done"

    def make(send):  # type: ignore[no-untyped-def]
        for i in range(50):  # 5 MB: more than the pipe and the queue hold
            send((i, b"x" * 100_000))
        done.touch()

    child = Streamed(make)
    time.sleep(0.5)  # time enough to send everything, if it did not wait
    assert not done.exists()
    first = []
    for _ in range(10):  # each reads no more than it needs for one piece
        first += child.ready(1)
        time.sleep(0.05)
    assert len(first) == 10
    assert not done.exists()
    pieces = first + child.rest()
    assert done.exists()
    assert [i for i, _ in pieces] == list(range(50))


def test_an_error_in_the_streaming_child_is_raised() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        send(1)
        raise RelregError("the worker says no")

    child = Streamed(make)
    with pytest.raises(RelregError, match="the worker says no"):
        child.rest()


def test_a_system_error_in_a_child_reads_as_in_the_parent() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device", "site/releases/1.0.0/index.html")

    with pytest.raises(RelregError) as caught:
        Streamed(make).rest()
    assert str(caught.value) == "No space left on device: site/releases/1.0.0/index.html"
    with pytest.raises(RelregError, match=r"^internal error in a worker process: KeyError"):
        Forked(lambda: {}["x"]).result()


def test_a_streaming_child_that_dies_is_an_error() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        send(1)
        os._exit(3)  # no end frame

    child = Streamed(make)
    with pytest.raises(RelregError, match="a worker process died"):
        child.rest()


def test_cancel_stops_the_streaming_child() -> None:
    def make(send):  # type: ignore[no-untyped-def]
        while True:
            send("more")

    child = Streamed(make)
    pid = child.pid
    assert pid is not None
    child.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped
    child.cancel()  # a second cancel is harmless


@pytest.mark.parametrize("can_fork", [True, False])
def test_stream_gives_the_pieces_in_order_forked_or_not(
    can_fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make(send):  # type: ignore[no-untyped-def]
        for i in range(5):
            send(i)

    monkeypatch.setattr(forked, "can_fork", lambda: can_fork)
    pieces = forked.stream(make)
    assert isinstance(pieces, Streamed if can_fork else InlineStream)
    assert [pieces.next() for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(RelregError, match="sent too little"):
        pieces.next()
    pieces.cancel()
