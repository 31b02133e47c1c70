"""A function's small result, computed on the second core by a forked copy of relreg.

Checking, sorting and rendering are CPU-bound Python, so the only way to use a second
core is a second process. ``fork`` shares everything loaded so far for free; the child
sends back a small plain result (marshal) and exits without running any clean-up of the
parent's (``os._exit``). Used where a result is small and the parent has other work to
do meanwhile, e.g. a build checks the registry's rules while it sorts and prepares pages.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import signal
from array import array
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from .errors import RelregError


def can_fork() -> bool:
    """True on a machine with two cores or more where forking is safe (no threads yet)."""
    import multiprocessing
    import threading

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        (cpus or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1  # forking a threaded process can deadlock
    )


class Forked:
    """``fn()`` running in a forked child; ``result()`` waits for it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            try:
                outcome: tuple[str, Any] = ("ok", fn())
            except BaseException as exc:  # any failure: the parent reports it
                outcome = ("error", _failure(exc))
            try:
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(marshal.dumps(outcome))
            finally:
                os._exit(0)
        os.close(write_fd)
        self.pid: int | None = pid
        self.read_fd = read_fd

    def result(self) -> Any:
        """The child's return value; its RelregError (or any failure) is raised here."""
        if self.pid is None:
            raise RuntimeError("result() after cancel()")
        with os.fdopen(self.read_fd, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self.pid, 0)
        self.pid = None
        try:
            status, value = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            raise RelregError("a worker process died; run the command again") from None
        if status != "ok":
            raise RelregError(value)
        return value

    def cancel(self) -> None:
        """Stop the child when its result is no longer needed (a no-op after ``result``)."""
        if self.pid is not None:
            _reap(self.pid, self.read_fd, kill=True)
            self.pid = None


def _failure(exc: BaseException) -> str:
    """A child's failure as the parent reports it: a RelregError's or an operating
    system error's own message (a full disk, a folder made read-only meanwhile), as the
    same failure in the parent would read; anything else is an internal error."""
    if isinstance(exc, RelregError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    return f"internal error in a worker process: {exc!r}"


class Chunks:
    """Work shared between a process and its forked children, taken as each is free.

    A fixed split leaves one process idle while the other finishes (files differ in
    cost, and on a busy machine one core runs slower). Instead, every chunk number is
    written to a pipe before any process takes one (before the fork, or by a child that
    counts the items first) and each process reads the next one whenever it is ready:
    reads of 4 bytes from a pipe whose writes were all made beforehand in 4-byte items
    never split an item, and the kernel hands each item to one reader. The
    faster process takes more chunks; all end within one chunk of each other.
    """

    LIMIT = 2048  # chunk numbers written at once: 8 KiB, below any pipe's capacity

    def __init__(self, items: int | None = None, size: int = 1) -> None:
        """Chunks of ``items`` (each ``size`` items, or more where that would make over
        LIMIT chunks); without ``items``, a forked child counts them and calls ``fill``."""
        self.read_fd, write_fd = os.pipe()
        self._write_fd: int | None = write_fd
        self.items = self.size = self.count = 0
        if items is not None:
            self.fill(items, size)

    def plan(self, items: int, size: int = 1) -> None:
        """Set how ``items`` are cut (as ``fill`` does; for the process that did not fill)."""
        self.size = max(size, 1, -(-items // self.LIMIT))
        self.count = -(-items // self.size) if items else 0
        self.items = items

    def fill(self, items: int, size: int = 1) -> None:
        """Cut ``items`` into chunks and put every chunk number in the pipe (one process)."""
        self.plan(items, size)
        assert self._write_fd is not None, "chunks are filled once"
        try:
            numbers = array("I", range(self.count)).tobytes()
            while numbers:
                numbers = numbers[os.write(self._write_fd, numbers) :]
        finally:
            self.let_others_fill()  # once every number is taken, reads return b"": done

    def let_others_fill(self) -> None:
        """Close this process's writing end (in a process that does not ``fill``: a read
        must see the end once the filling process has closed its own)."""
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None

    def take(self) -> range | None:
        """The item indexes of the next free chunk; None when all are taken."""
        data = os.read(self.read_fd, 4)
        if not data:
            return None
        start = array("I", data)[0] * self.size
        return range(start, min(start + self.size, self.items))

    def taken(self) -> int:
        """How many items were taken so far, for progress (0 where the system cannot tell:
        the pipe's unread bytes are the chunk numbers not taken yet)."""
        try:
            import fcntl  # POSIX only
            import termios

            unread = array("i", [0])
            fcntl.ioctl(self.read_fd, termios.FIONREAD, unread)
        except (ImportError, OSError):
            return 0
        return min(self.items, (self.count - unread[0] // 4) * self.size)

    def close(self) -> None:
        """Release the pipe (each process holding it closes its own copy)."""
        self.let_others_fill()
        with contextlib.suppress(OSError):
            os.close(self.read_fd)


class Streamed:
    """``fn(send)`` running in a forked child that sends results as it makes them.

    The parent takes the pieces that have arrived (``ready``, without waiting), waits for
    the next one (``next``) or for the rest (``rest``), so it can use the child's first
    pieces while the child makes the next ones. Pieces are marshal data, each framed by
    its length and kind; the last frame says whether ``fn`` ended well. A child that dies
    mid-way is an error.
    """

    PIPE_SIZE = 1 << 20  # a roomy pipe (Linux): the child rarely waits for the parent

    def __init__(self, fn: Callable[[Callable[[Any], None]], None]) -> None:
        read_fd, write_fd = os.pipe()
        _widen(write_fd, self.PIPE_SIZE)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            try:
                out = _Outbox(write_fd)
                try:
                    fn(partial(out.put, _PIECE))
                    end: tuple[bytes, Any] = (_OK, None)
                except BaseException as exc:  # any failure: the parent reports it
                    end = (_ERROR, _failure(exc))
                out.put(*end)
                out.flush()
            finally:
                os._exit(0)
        os.close(write_fd)
        self.pid: int | None = pid
        self.read_fd = read_fd
        self._buffer = bytearray()
        self._queue: deque[bytearray] = deque()  # pieces, as marshal data
        self._ended = False

    def _decode(self) -> None:
        """Move the complete frames of the buffer to the queue; raise the child's error.

        Pieces stay marshal data until taken: a child that runs ahead (the registry's
        reader) would otherwise have tens of megabytes of them made into objects at once.
        """
        buf = self._buffer
        start = 0
        while len(buf) - start >= 9:
            size = int.from_bytes(buf[start : start + 8], "little")
            if len(buf) - start - 9 < size:
                break
            kind = buf[start + 8 : start + 9]
            data = buf[start + 9 : start + 9 + size]  # a copy: marshal reads it as is
            start += 9 + size
            if kind == _PIECE:
                self._queue.append(data)
            elif kind == _OK:
                self._ended = True
            else:
                del buf[:start]
                raise RelregError(marshal.loads(data))
        del buf[:start]

    def _receive(self) -> None:
        """Wait for more of the child's output (it must not have ended)."""
        data = os.read(self.read_fd, self.PIPE_SIZE)
        if not data:
            self._decode()
            if not self._ended:
                self.cancel()
                raise RelregError("a worker process died; run the command again")
            return
        self._buffer += data
        self._decode()

    def arrived(self) -> list[Any]:
        """Read once (waiting when nothing is there: call it when ``select`` finds the pipe
        readable) and return the pieces not taken yet; ``ended`` says when all came."""
        self._receive()
        return self._take_queued()

    @property
    def ended(self) -> bool:
        """True once the child's last frame (it ended well) has been read."""
        return self._ended

    def ready(self, most: int | None = None) -> list[Any]:
        """The pieces that have arrived and were not taken yet (``most`` of them at
        most), without waiting. With ``most``, the pipe is read only while fewer pieces
        are here: the rest wait in the child, which stops once its queue is full."""
        if self.pid is not None and not self._ended:
            while (most is None or len(self._queue) < most) and select.select(
                [self.read_fd], [], [], 0
            )[0]:
                data = os.read(self.read_fd, self.PIPE_SIZE)
                if not data:
                    break  # the child ended or died: ``rest`` tells which
                self._buffer += data
                self._decode()
        return self._take_queued(most)

    def next(self) -> Any:
        """The next piece, waiting for it; an error when the child ends without one."""
        if self.pid is None:
            raise RuntimeError("next() after cancel()")
        while not self._queue:
            if self._ended:
                raise RelregError("internal error: a worker process sent too little")
            self._receive()
        return marshal.loads(self._queue.popleft())

    def rest(self) -> list[Any]:
        """Every piece not taken yet, once the child has ended; the child is then reaped."""
        if self.pid is None:
            raise RuntimeError("rest() after cancel()")
        while not self._ended:
            self._receive()
        self.cancel()
        return self._take_queued()

    def _take_queued(self, most: int | None = None) -> list[Any]:
        queue = self._queue
        count = len(queue) if most is None else min(most, len(queue))
        return [marshal.loads(queue.popleft()) for _ in range(count)]

    def cancel(self) -> None:
        """Stop the child (if still running) and release the pipe."""
        if self.pid is not None:
            _reap(self.pid, self.read_fd, kill=not self._ended)
            self.pid = None


def _widen(fd: int, size: int) -> None:
    """Make a pipe hold ``size`` bytes where the system allows it (Linux)."""
    try:
        import fcntl  # POSIX only: relreg also runs where it is missing, in one process
    except ImportError:
        return
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)


def _reap(pid: int, read_fd: int, kill: bool) -> None:
    """Wait for a child (killed first when its work is not wanted) and close its pipe."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    # A child of the process that forked this one (a build's registry reader, used by
    # the process that loads the registry) is reaped by its own parent.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    os.close(read_fd)


# A frame: the length of its marshal data (8 bytes), its kind (1 byte), the data.
_PIECE, _OK, _ERROR = b"p", b"o", b"e"


class _Outbox:
    """The child's end of a ``Streamed`` pipe: frames are queued here when the pipe is
    full, so the child keeps working while the parent is busy (e.g. still importing),
    up to ``QUEUE_MAX`` bytes: past that the child waits, so its memory stays bounded."""

    QUEUE_MAX = 8 << 20

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.queued = bytearray()
        os.set_blocking(fd, False)

    def put(self, kind: bytes, value: Any) -> None:
        data = marshal.dumps(value)
        self.queued += len(data).to_bytes(8, "little") + kind + data
        try:
            written = os.write(self.fd, self.queued)
        except BlockingIOError:
            written = 0
        del self.queued[:written]
        if len(self.queued) > self.QUEUE_MAX:
            self._write_all()
            os.set_blocking(self.fd, False)

    def _write_all(self) -> None:
        os.set_blocking(self.fd, True)
        view = memoryview(self.queued)
        while view:
            view = view[os.write(self.fd, view) :]
        view.release()
        self.queued.clear()

    def flush(self) -> None:
        self._write_all()
        os.close(self.fd)


class Inline:
    """``fn()`` computed at once, where forking is not possible or not worth it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def result(self) -> Any:
        """The function's value (its exceptions propagate)."""
        return self.fn()

    def cancel(self) -> None:
        """Nothing to stop."""


class InlineStream:
    """``fn(send)`` run at once, its pieces kept in order: ``Streamed`` where forking is
    not possible."""

    def __init__(self, fn: Callable[[Callable[[Any], None]], None]) -> None:
        self._queue: deque[Any] = deque()
        fn(self._queue.append)

    def next(self) -> Any:
        """The next piece; an error when ``fn`` sent no more."""
        if not self._queue:
            raise RelregError("internal error: a worker sent too little")
        return self._queue.popleft()

    def cancel(self) -> None:
        """Drop the pieces not taken."""
        self._queue.clear()


def stream(fn: Callable[[Callable[[Any], None]], None]) -> Streamed | InlineStream:
    """Run ``fn(send)`` in a forked child whose pieces arrive as it makes them, or here,
    at once, where forking is not possible."""
    return Streamed(fn) if can_fork() else InlineStream(fn)


def start(fn: Callable[[], Any], worth_it: bool = True) -> Forked | Inline:
    """Run ``fn`` in a forked child when ``worth_it`` and the machine can; else later, inline."""
    return Forked(fn) if worth_it and can_fork() else Inline(fn)
