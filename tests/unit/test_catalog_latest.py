"""``latest`` on a registry folder reads one version core at a time from the top, and must
answer exactly as the whole registry's version order does (``query.latest``); ``release
list``, ``release show`` and what a write checks, reading parts, must too."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry_lib.catalog import IndexedCatalog, _core_groups
from registry_lib.errors import NotFoundError
from registry_lib.loader import load_directory, load_tag
from registry_lib.objects import release_object
from registry_lib.query import Filters, get_release, latest, list_releases
from registry_lib.registry import Registry
from registry_lib.rules import check_release

CHANNELS = ["3.9", "3.10", "4.0"]
FILTERS = [
    Filters(),
    Filters(milestone="Nightly passed"),
    Filters(kinds=("nightly", "development")),
    Filters(ignore_kinds=("nightly",), include_rejected=True),
    Filters(prefix="3.1"),
    Filters(channel="4.0", milestone="Nightly passed"),
]


def tag_of(channel: str, kind: int, n: int) -> str:
    """A tag of the channel: release, rc, nightly, development build, or development on an rc."""
    return [
        f"{channel}.{n % 3}",
        f"{channel}.{n % 3}-rc.{n % 4 + 1}",
        f"{channel}.x-nightly-202401{n % 28 + 1:02d}",
        f"{channel}.x-{n}-g{n:010x}",
        f"{channel}.{n % 2}-rc.1-{n}-g{n:010x}",
    ][kind]


release_spec = st.tuples(
    st.sampled_from(CHANNELS),
    st.integers(0, 4),  # kind
    st.integers(0, 40),  # counter
    st.integers(1, 5),  # creation day: ties are common
    st.booleans(),  # approved
    st.booleans(),  # rejected
)


def write(root: Path, specs: list[tuple[str, int, int, int, bool, bool]]) -> None:
    (root / "milestones").mkdir(parents=True)
    (root / "registry.yaml").write_text("name: Latest test\n")
    (root / "milestones/nightly-passed.yaml").write_text(
        "name: Nightly passed\nexpected_metadata_keys: []\n"
    )
    for channel, kind, n, day, approved, rejected in specs:
        tag = tag_of(channel, kind, n)
        folder = root / "releases" / channel / tag
        if folder.exists():
            continue
        (folder / "approvals").mkdir(parents=True)
        text = (
            f"tag: {tag}\ncommit: {'a' * 40}\ncreator: ci@example.org\n"
            f"created_at: 2024-02-0{day}T10:00:00Z\n"
        )
        if rejected:
            text += "rejection:\n  by: qa@example.org\n  at: 2024-03-01T00:00:00Z\n  reason: bad\n"
        (folder / "release.yaml").write_text(text)
        if approved:
            (folder / "approvals/nightly-passed.yaml").write_text(
                f"milestone: Nightly passed\ntag: {tag}\napprover: qa@example.org\n"
                f"approved_at: 2024-02-2{day}T10:00:00Z\n"
            )
    # never listed: a folder whose name is no tag, releases in the wrong channel (copies of
    # 4.0.1 and 3.9.1 sort before and after their own folders, which the specs often
    # make), and releases behind symbolic links: a channel folder (the greatest channel)
    # and a release folder
    (root / "releases/4.0/not-a-tag").mkdir(parents=True)
    for folder, tag in [("4.0/3.9.7", "3.9.7"), ("3.10/4.0.1", "4.0.1"), ("4.0/3.9.1", "3.9.1")]:
        write_release(root / "releases" / folder, tag)
    if not (root / "releases/3.9/3.9.1").exists():
        write_release(root / "releases/3.9/3.9.1", "3.9.1")  # the copy's own folder
    outside = root.parent / "outside"
    write_release(outside / "5.0/5.0.0", "5.0.0")
    write_release(outside / "4.0.9", "4.0.9")
    (root / "releases/5.0").symlink_to(outside / "5.0")
    (root / "releases/4.0/4.0.9").symlink_to(outside / "4.0.9")


def write_release(folder: Path, tag: str) -> None:
    folder.mkdir(parents=True)
    (folder / "release.yaml").write_text(
        f"tag: {tag}\ncommit: {'b' * 40}\ncreator: ci@example.org\n"
        "created_at: 2024-02-09T10:00:00Z\n"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(release_spec, max_size=25))
def test_latest_by_core_equals_the_whole_order(
    specs: list[tuple[str, int, int, int, bool, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reg"
        write(root, specs)
        whole = load_directory(root)
        catalog = IndexedCatalog(root)
        for filters in FILTERS:
            same_answer(partial(whole_latest, whole, filters), partial(catalog.latest, filters))
            listed = [release_object(whole, e) for e in list_releases(whole, filters)]
            assert catalog.releases(filters) == listed
        for tag in ["4.0.1", "3.9.1", "3.9.7", "5.0.0", "4.0.9"]:
            same_answer(partial(whole_release, whole, tag), partial(catalog.release, tag))
        # what a write checks, read from the tag's folders alone (ops), as in the whole
        tags = {p.name for p in root.glob("releases/*/*")} | {"", ".", "..", "nope", "4.0/4.0.1"}
        for tag in sorted(tags):
            assert write_view(load_tag(root, tag), tag) == write_view(whole, tag), tag


def write_view(reg: Registry, tag: str) -> object:
    """What a write about ``tag`` sees: the folder it finds and that folder's findings."""
    entry = reg.find_release(tag)
    if entry is None:
        return None
    return entry.folder, entry.record, check_release(reg, entry, frozenset())


def whole_latest(whole: Registry, filters: Filters) -> dict[str, Any]:
    return release_object(whole, latest(whole, filters))


def whole_release(whole: Registry, tag: str) -> dict[str, Any]:
    return release_object(whole, get_release(whole, tag))


def same_answer(want: Callable[[], object], got: Callable[[], object]) -> None:
    """Both give equal objects, or both find nothing."""
    try:
        expected = want()
    except NotFoundError:
        with pytest.raises(NotFoundError):
            got()
    else:
        assert got() == expected


def test_core_groups_greatest_first(tmp_path: Path) -> None:
    channel = tmp_path / "3.74"
    for name in [
        "3.74.0",
        "3.74.1-rc.1",
        "3.74.1",
        "3.74.x-nightly-20240101",
        "3.74.x-5-g0123456789",
        "junk",
    ]:
        (channel / name).mkdir(parents=True)
    (channel / "3.74.2").write_text("a file, not a release folder")
    assert _core_groups(channel) == [
        ["3.74.x-5-g0123456789", "3.74.x-nightly-20240101"],
        ["3.74.1", "3.74.1-rc.1"],
        ["3.74.0"],
    ]
    assert _core_groups(tmp_path / "missing") == []
