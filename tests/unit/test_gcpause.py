"""The collector is paused inside ``paused_gc`` and left as it was found afterwards; what
was made meanwhile joins the oldest generation; commands run paused, ``serve`` does not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from registry_lib import display
from registry_lib.cli import main
from registry_lib.cli.base import RelregCommand, ServingCommand
from registry_lib.gcpause import paused_gc

DATA = Path(__file__).resolve().parents[2] / "data"
RunLine = Callable[..., tuple[int, str, str]]


class Node:
    """A weakly referable object, to see whether a cycle of them was collected."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_inside_and_restored_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), paused_gc():
            raise RuntimeError("a failed load")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_what_the_pause_made_joins_the_oldest_generation(collector_enabled: None) -> None:
    with paused_gc():
        kept = [[i] for i in range(50_000)]  # a loaded registry, in small
        marker = kept[-1]
    assert gc.get_count()[0] < 1000  # the young generation does not hold them
    assert not any(o is marker for o in gc.get_objects(generation=0))
    assert any(o is marker for o in gc.get_objects(generation=2))


def test_cycles_made_during_the_pause_are_still_collected(collector_enabled: None) -> None:
    with paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
    assert gone() is not None  # a cycle: reference counting alone never frees it
    gc.collect()
    assert gone() is None


def test_objects_frozen_by_others_stay_frozen(collector_enabled: None) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with paused_gc():
            [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def _commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _commands(command)
        else:
            yield command


def test_every_command_but_serve_runs_paused() -> None:
    commands = {c.name: c for c in _commands(main)}
    assert isinstance(commands.pop("serve"), ServingCommand)
    assert {"build", "validate", "list", "approve", "stackrox"} <= set(commands)
    assert all(isinstance(c, RelregCommand) for c in commands.values())


def test_a_command_runs_with_the_collector_paused(
    collector_enabled: None, run_line: RunLine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    table = display.release_table

    def watched(items: list[dict[str, object]]) -> str:
        seen.append(gc.isenabled())
        return table(items)

    monkeypatch.setattr(display, "release_table", watched)
    code, out, err = run_line(["--registry", str(DATA), "release", "list"])
    assert (code, err) == (0, ""), out
    assert seen == [False]
    assert gc.isenabled()
