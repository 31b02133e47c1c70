"""Big feed documents are made and written in pieces; the bytes are those of the whole.

``feed.PIECE`` is set to 2 here so that the example registry's lists (27 releases, ~70
events) span many pieces, and empty and one-item lists are checked on their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from feedkit import DATA, copy_registry, tree

from registry_lib.loader import load_directory
from registry_lib.site import build, feed
from registry_lib.site.build import build_site
from registry_lib.site.feed import dump_json, list_document, releases_document
from registry_lib.site.index import build_index
from registry_lib.site.pages import whole


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "PIECE", 2)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 27])
def test_releases_document_equals_the_whole_document(count: int) -> None:
    index = build_index(load_directory(DATA))
    found = index.everything[:count]
    assert len(found) == count
    pieces = list(releases_document(index, found))
    assert b"".join(pieces) == dump_json({"releases": [index.obj(e) for e in found]})
    if count > 2:
        assert len(pieces) > 2  # really in pieces


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_list_document_equals_the_whole_document(count: int) -> None:
    items = [
        {"type": "release.created", "time": f"2024-01-0{i + 1}T00:00:00Z", "tag": f"1.{i}.0"}
        | {"milestone": None, "actor": 'é"\\\n<'}
        for i in range(count)
    ]
    assert whole(list_document("events", items)) == dump_json({"events": items})


def test_value_keys_tell_lists_apart() -> None:
    """The fingerprint of a document hashed in pieces still names every item, and where
    each list ends."""
    key = feed._value_key
    documents = [
        {"events": []},
        {"events": [1]},
        {"events": [1, 2]},
        {"events": [1, 2, 3]},
        {"events": [[1, 2], 3]},
        {"events": [1, 2], "x": 3},
        {"events": [1], "x": [2, 3]},
        {"events": ["1", 2]},
    ]
    keys = {key("events.json", d) for d in documents}
    assert len(keys) == len(documents)
    assert key("events.json", {"events": [1, 2, 3]}) != key("other.json", {"events": [1, 2, 3]})


def test_builds_in_pieces_equal_whole_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh build writes pieces as they come; an in-place rebuild holds them; a build
    made aside writes them again: all three give the same files as made whole."""
    reg = copy_registry(tmp_path / "data")
    build_site(reg, tmp_path / "site")  # fresh
    expected = tree(tmp_path / "site")
    index = build_index(load_directory(reg))
    assert expected["api/v1/releases.json"] == dump_json(
        {"releases": [index.obj(e) for e in index.live]}
    )
    assert expected["api/v1/events.json"] == dump_json({"events": list(index.events)})

    approval = reg / "releases/3.74/3.74.1/approvals/cloud-validated.yaml"
    approval.write_text(
        "milestone: Cloud validated\ntag: 3.74.1\napprover: bob.kowalski@redhat.com\n"
        "approved_at: 2023-05-06T10:00:00Z\nmetadata:\n  TestRun: https://example.org/runs/7\n"
        "  Environment: GKE 1.27\n"
    )
    again = build_site(reg, tmp_path / "site")  # in place: few files changed
    build_site(reg, tmp_path / "full")
    assert again.written < again.files / 2
    assert tree(tmp_path / "site") == tree(tmp_path / "full")
    assert tree(tmp_path / "site") != expected

    (reg / "releases/3.74/3.74.0-rc.1/approvals/nightly-passed.yaml").unlink()
    monkeypatch.setattr(build, "IN_PLACE_MIN", 0)  # any change: a build made aside
    monkeypatch.setattr(build, "IN_PLACE_SHARE", 0.0)
    folder = (tmp_path / "site").stat().st_ino
    build_site(reg, tmp_path / "site")
    assert (tmp_path / "site").stat().st_ino != folder, "made aside and swapped in"
    build_site(reg, tmp_path / "full2")
    assert tree(tmp_path / "site") == tree(tmp_path / "full2")
    for relpath in ("api/v1/releases.json", "api/v1/events.json"):
        assert tree(tmp_path / "site")[relpath] != tree(tmp_path / "full")[relpath]
