"""Release tags: their kind, channel and the total "latest" order of versions.md.

Pure functions; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TypeVar

Kind = Literal["release", "rc", "nightly", "development"]
KINDS: tuple[Kind, ...] = ("release", "rc", "nightly", "development")

_CORE = r"\d+(?:\.(?:\d+|x))*"
_RELEASE = re.compile(r"^(?P<core>\d+(?:\.\d+)*)\Z")
_RC = re.compile(r"^(?P<core>\d+(?:\.\d+)*)-rc\.(?P<n>\d+)\Z")
_NIGHTLY = re.compile(rf"^(?P<core>{_CORE})-nightly-(?P<rest>[0-9A-Za-z._+-]+)\Z")
_DEVELOPMENT = re.compile(r"^(?P<core>\d+(?:\.\d+)*(?:-rc\.\d+|\.x)?)-(?P<n>\d+)-g[0-9a-f]{10}\Z")
TAG_CHARS = re.compile(r"^[0-9A-Za-z._+-]+\Z")

ACCEPTED_FORMS = (
    "release N(.N)* like 4.1.0; rc N(.N)*-rc.N like 4.0.0-rc.6; "
    "nightly <version>-nightly-<date> like 3.74.x-nightly-20230323; "
    "development N(.N)*[.x|-rc.N]-N-g<10 hex> like 3.74.x-123-gabcdef1234"
)

# Sort position of a kind when the version cores are equal (rule 2 and 4 of versions.md).
_KIND_RANK: dict[str, int] = {"development": 0, "nightly": 0, "rc": 1, "release": 2}
_X = float("inf")  # "x" sorts above every number, however long
# A tag names a folder, and folder names are at most 255 bytes on common file systems; the
# limit also keeps every number part far below Python's int-from-str digit limit.
MAX_TAG_LENGTH = 255


@dataclass(frozen=True, slots=True)
class TagInfo:
    """What a valid tag says about itself."""

    tag: str
    kind: Kind
    channel: str
    core: tuple[int | float, ...]
    counter: int


@lru_cache(maxsize=1 << 18)
def parse_tag(tag: str) -> TagInfo | None:
    """Return what ``tag`` says, or None when it is not one of the four kinds."""
    if len(tag) > MAX_TAG_LENGTH or not TAG_CHARS.match(tag):
        return None
    kind: Kind
    if m := _NIGHTLY.match(tag):
        kind = "nightly"
    elif "-nightly-" in tag:
        return None
    elif m := _RELEASE.match(tag):
        kind = "release"
    elif m := _RC.match(tag):
        kind = "rc"
    elif m := _DEVELOPMENT.match(tag):
        kind = "development"
    else:
        return None
    groups = m.groupdict()
    core_text = groups["core"].split("-", 1)[0]
    parts = core_text.split(".")
    core = tuple(_X if p == "x" else int(p) for p in parts)
    if "rest" in groups:  # a nightly's counter is the digits of its date
        counter = int("".join(c for c in groups["rest"] if c.isdigit()) or 0)
    else:
        counter = int(groups.get("n") or 0)
    channel = ".".join(parts[:2])
    return TagInfo(tag=tag, kind=kind, channel=channel, core=core, counter=counter)


def is_valid_tag(tag: str) -> bool:
    """Tell whether ``tag`` is one of the four accepted kinds."""
    return parse_tag(tag) is not None


def kind_of(tag: str) -> Kind:
    """Return the kind of a valid tag; raise ValueError otherwise."""
    info = parse_tag(tag)
    if info is None:
        raise ValueError(f"{tag!r} is not a valid tag; accepted forms: {ACCEPTED_FORMS}")
    return info.kind


def channel_of(tag: str) -> str:
    """Return the channel of a valid tag (the first two parts of its version core)."""
    info = parse_tag(tag)
    if info is None:
        raise ValueError(f"{tag!r} is not a valid tag; accepted forms: {ACCEPTED_FORMS}")
    return info.channel


def sort_key(tag: str, created_at: str = "") -> tuple[object, ...]:
    """Key of rules 1-3 and 4 of the order, for tags whose kinds do not tie.

    ``created_at`` is a normalized UTC timestamp (``YYYY-MM-DDTHH:MM:SSZ``). Invalid tags
    sort before every valid one, by their text.
    """
    info = parse_tag(tag)
    if info is None:
        return (0, (), 0, "", 0, created_at, tag)
    return (1, info.core, _KIND_RANK[info.kind], info.kind, info.counter, created_at, tag)


T = TypeVar("T")


def sort_by_version(
    items: Iterable[T], tag: Callable[[T], str], created_at: Callable[[T], str]
) -> list[T]:
    """Sort oldest to newest in the order of versions.md; the last item is the latest.

    Rules 1-3 give a key, but rule 4 ("a nightly and a development build on the same core:
    the one created later is greater") can disagree with rule 3 inside one kind, so no
    key can honour both. Nightlies and development builds of one core are therefore each
    sorted by their counter, then merged by creation time. The result depends only on the
    set of items, never on their input order.
    """
    keyed = sorted(((sort_key(tag(i), created_at(i)), i) for i in items), key=lambda p: p[0])
    out: list[T] = []
    n = len(keyed)
    start = 0
    while start < n:
        head = keyed[start][0]
        end = start + 1
        if head[0] == 1 and head[2] == 0:  # a nightly or development build: find its group
            while end < n and keyed[end][0][:3] == head[:3]:
                end += 1
        group = keyed[start:end]
        if len(group) > 1 and len({k[3] for k, _ in group}) > 1:
            out.extend(_merge_by_time(group))
        else:
            out.extend(i for _, i in group)
        start = end
    return out


def _merge_by_time(group: list[tuple[tuple[Any, ...], T]]) -> list[T]:
    """Merge per-kind counter-ordered runs, taking the earlier-created head first."""
    runs = [[p for p in group if p[0][3] == kind] for kind in ("development", "nightly")]
    a, b = runs
    ia = ib = 0
    merged: list[T] = []
    while ia < len(a) and ib < len(b):
        ka, kb = a[ia][0], b[ib][0]
        if (ka[5], ka[3], ka[4], ka[6]) <= (kb[5], kb[3], kb[4], kb[6]):
            merged.append(a[ia][1])
            ia += 1
        else:
            merged.append(b[ib][1])
            ib += 1
    merged.extend(p[1] for p in a[ia:])
    merged.extend(p[1] for p in b[ib:])
    return merged


def sort_tags(tags: Iterable[str]) -> list[str]:
    """Sort bare tags (no creation times) oldest to newest."""
    return sort_by_version(tags, lambda t: t, lambda t: "")


def matches_prefix(tag: str, prefix: str | None) -> bool:
    """Prefix filters match the tag's leading characters."""
    return not prefix or tag.startswith(prefix)
