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
import signal
from collections.abc import Callable
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
            except RelregError as exc:
                outcome = ("error", str(exc))
            except BaseException as exc:  # any failure: the parent reports it
                outcome = ("error", f"internal error in a worker process: {exc!r}")
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
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.read_fd)
        self.pid = None


class Inline:
    """``fn()`` computed at once, where forking is not possible or not worth it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def result(self) -> Any:
        """The function's value (its exceptions propagate)."""
        return self.fn()

    def cancel(self) -> None:
        """Nothing to stop."""


def start(fn: Callable[[], Any], worth_it: bool = True) -> Forked | Inline:
    """Run ``fn`` in a forked child when ``worth_it`` and the machine can; else later, inline."""
    return Forked(fn) if worth_it and can_fork() else Inline(fn)
