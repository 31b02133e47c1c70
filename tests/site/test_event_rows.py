"""A build makes the events from the release objects (``object_rows``), not the records;
they must be the events the records give (``event_rows``, ``events``)."""

from __future__ import annotations

from pathlib import Path

from feedkit import DATA, copy_registry

from registry_lib.loader import load_directory
from registry_lib.registry import Registry
from registry_lib.rules import validate
from registry_lib.site.events import EventList, event, event_rows, events, object_rows
from registry_lib.site.index import build_index


def _from_objects(reg: Registry) -> list[tuple[object, ...]]:
    index = build_index(reg)
    return object_rows(reg, [index.obj(e) for e in index.everything])


def test_rows_from_objects_are_the_records_rows() -> None:
    reg = load_directory(DATA)
    rows = event_rows(reg)
    assert {row[4] for row in rows} == {
        "release.created",
        "milestone.reached",
        "release.rejected",
    }
    assert _from_objects(reg) == rows
    assert [event(row) for row in rows] == events(reg)


def test_rows_from_objects_with_aliases_and_ties(tmp_path: Path) -> None:
    """An approval naming its milestone by an alias or slug, and events in one second."""
    root = copy_registry(tmp_path / "data")
    folder = root / "releases/3.74/3.74.1"
    (folder / "approvals/cloud-validation-passed.yaml").write_text(
        "milestone: Cloud validation passed\ntag: 3.74.1\napprover: bob.kowalski@redhat.com\n"
        "approved_at: 2023-05-06T10:00:00Z\nmetadata:\n  TestRun: https://example.org/r/7\n"
        "  Environment: GKE 1.27\n"
    )
    # the same second as the approval above, on a release that sorts before it
    release = (root / "releases/3.74/3.74.0/release.yaml").read_text()
    (root / "releases/3.74/3.74.0/release.yaml").write_text(
        release + "rejection:\n  by: alice.nguyen@redhat.com\n  at: 2023-05-06T10:00:00Z\n"
        "  reason: a late find\n"
    )
    reg = load_directory(root)
    assert not [f for f in validate(reg) if f.severity == "error"]
    rows = event_rows(reg)
    same_second = [row for row in rows if row[0] == "2023-05-06T10:00:00Z"]
    assert [(row[4], row[5]) for row in same_second] == [
        ("milestone.reached", "3.74.1"),
        ("release.rejected", "3.74.0"),
    ]
    assert same_second[0][6] == "cloud-validated"
    assert _from_objects(reg) == rows


def test_event_list_reads_as_the_events() -> None:
    reg = load_directory(DATA)
    found = events(reg)
    held = EventList(event_rows(reg))
    assert len(held) == len(found)
    assert held[0] == found[0] and held[-1] == found[-1]
    assert held[-5:] == found[-5:]
    assert held[2:9] == found[2:9]
    assert list(held) == found
    assert list(reversed(held)) == found[::-1]
    assert held == EventList(event_rows(reg)) and held != EventList([])
    assert held.newest_time() == max(e["time"] for e in found)
    assert EventList([]).newest_time() is None
