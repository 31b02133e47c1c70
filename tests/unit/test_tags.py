"""Release tags: kinds, channels and the "latest" order of versions.md."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_lib.tags import (
    KINDS,
    channel_of,
    is_valid_tag,
    kind_of,
    matches_prefix,
    parse_tag,
    sort_by_version,
    sort_tags,
)

# The vectors of versions.md: (list, latest).
VECTORS = [
    (["1.2.x-24-gabcdef1234", "1.2.x-123-gabcdef1234"], "1.2.x-123-gabcdef1234"),
    (["1.2.3", "2.3.4", "1.2.4"], "2.3.4"),
    (["1.2.2", "1.2.3-rc.1", "1.2.3-rc.10", "1.2.3-rc.2", "1.2.2-rc.2"], "1.2.3-rc.10"),
    (
        [
            "1.2.x-nightly-20230320",
            "1.2.x-nightly-20230212",
            "1.2.x-nightly-20230321",
            "1.2.x-nightly-20230319",
        ],
        "1.2.x-nightly-20230321",
    ),
    (
        [
            "1.2.2",
            "1.2.3-rc.1",
            "1.2.3-rc.10",
            "1.2.3-rc.2",
            "1.2.2-rc.2",
            "1.2.x-nightly-20230320",
            "1.2.x-nightly-20230212",
            "1.2.x-nightly-20230321",
            "1.2.x-nightly-20230319",
            "1.2.3",
        ],
        "1.2.x-nightly-20230321",
    ),
    (["1.2.3-rc.4", "1.2.3"], "1.2.3"),
]


@pytest.mark.parametrize(("tags", "expected"), VECTORS)
def test_vectors_latest(tags: list[str], expected: str) -> None:
    assert sort_tags(tags)[-1] == expected
    assert sort_tags(list(reversed(tags)))[-1] == expected


def test_vectors_full_order() -> None:
    assert sort_tags(VECTORS[2][0]) == [
        "1.2.2-rc.2",
        "1.2.2",
        "1.2.3-rc.1",
        "1.2.3-rc.2",
        "1.2.3-rc.10",
    ]
    assert sort_tags(["1.2", "1.2.0", "1.2.x-nightly-1", "1.2.9"]) == [
        "1.2",
        "1.2.0",
        "1.2.9",
        "1.2.x-nightly-1",
    ]


@pytest.mark.parametrize(
    ("tag", "kind", "channel"),
    [
        ("4.1.0", "release", "4.1"),
        ("3.74.2", "release", "3.74"),
        ("4", "release", "4"),
        ("4.1", "release", "4.1"),
        ("4.0.0-rc.6", "rc", "4.0"),
        ("4-rc.1", "rc", "4"),
        ("3.74.x-nightly-20230323", "nightly", "3.74"),
        ("4.x-nightly-20230323", "nightly", "4.x"),
        ("3.74.0-nightly-20230323", "nightly", "3.74"),
        ("3.74.x-123-gabcdef1234", "development", "3.74"),
        ("3.74.1-5-g0123456789", "development", "3.74"),
        ("4.0.0-rc.2-17-gabcdef1234", "development", "4.0"),
        ("4-3-gabcdef1234", "development", "4"),
    ],
)
def test_kind_and_channel(tag: str, kind: str, channel: str) -> None:
    assert kind in KINDS
    assert kind_of(tag) == kind
    assert channel_of(tag) == channel
    assert is_valid_tag(tag)


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "v1.2.3",
        "1.2.3-beta",
        "1.2.3-rc1",
        "1.2.3-rc.",
        "1.2.3.",
        ".1.2",
        "1..2",
        "1.2.x",  # .x only with a nightly or development suffix
        "1.2.3 ",
        "1.2.3/4",
        "1.2.x-123-gABCDEF1234",  # hex must be lowercase
        "1.2.x-123-gabcdef123",  # 9 hex
        "1.2.x-123-gabcdef12345",  # 11 hex
        "1.2.x-nightly-",
        "nightly-20230323",
        "1.2.3-rc.1-nightly-20230323",
        "1.2.x-nightly-2023/03/23",
        "1.é",
        "1" * 256,  # longer than a folder name can be
        # a line break at the end: Python's "$" would let it through
        "1.2.3\n",
        "1.2.3-rc.1\n",
        "1.2.x-nightly-20230323\n",
        "1.2.x-123-gabcdef1234\n",
    ],
)
def test_invalid_tags(tag: str) -> None:
    assert parse_tag(tag) is None
    assert not is_valid_tag(tag)
    with pytest.raises(ValueError, match="accepted forms"):
        kind_of(tag)
    with pytest.raises(ValueError, match="accepted forms"):
        channel_of(tag)


def test_x_is_greater_than_any_number() -> None:
    huge = "1." + "9" * 40
    assert sort_tags(["1.x-nightly-1", huge, "1.99"]) == ["1.99", huge, "1.x-nightly-1"]


def test_counters_compare_as_integers() -> None:
    assert sort_tags(["1.0.x-9-gabcdef1234", "1.0.x-10-gabcdef1234"])[-1] == "1.0.x-10-gabcdef1234"
    assert sort_tags(["1.0.0-rc.9", "1.0.0-rc.10"])[-1] == "1.0.0-rc.10"


def test_nightly_and_development_on_one_core_order_by_creation() -> None:
    nightly = ("1.2.x-nightly-20230321", "2023-03-21T04:00:00Z")
    dev_before = ("1.2.x-500-gabcdef1234", "2023-03-20T10:00:00Z")
    dev_after = ("1.2.x-501-gabcdef1234", "2023-03-22T10:00:00Z")
    items = [dev_after, nightly, dev_before]
    ordered = sort_by_version(items, lambda p: p[0], lambda p: p[1])
    assert ordered == [dev_before, nightly, dev_after]


def test_equal_keys_fall_back_to_tag_text() -> None:
    same = "2023-03-21T04:00:00Z"
    a = ("1.2.x-nightly-20230321", same)
    b = ("1.2.x-20230321-gabcdef1234", same)
    assert sort_by_version([a, b], lambda p: p[0], lambda p: p[1]) == sort_by_version(
        [b, a], lambda p: p[0], lambda p: p[1]
    )


def test_invalid_tags_sort_first() -> None:
    assert sort_tags(["1.0.0", "bogus", "0.1"]) == ["bogus", "0.1", "1.0.0"]


@pytest.mark.parametrize(
    ("tag", "prefix", "matches"),
    [
        ("1.0.1", "1.0", True),
        ("1.0", "1.0", True),
        ("3.74.0", "3.74", True),
        ("3.74.x-nightly-20230323", "3.74", True),
        ("3.7.1", "3.74", False),
        ("13.74.0", "3.74", False),
        ("1.0.1", None, True),
        ("1.0.1", "", True),
    ],
)
def test_prefix_matching(tag: str, prefix: str | None, matches: bool) -> None:
    assert matches_prefix(tag, prefix) is matches


# --- properties -------------------------------------------------------------------------

_num = st.integers(min_value=0, max_value=10**25).map(str)
_core = st.lists(_num, min_size=1, max_size=4).map(".".join)
_x_core = st.lists(_num, min_size=1, max_size=2).map(lambda ps: ".".join([*ps, "x"]))
_hex = st.text("0123456789abcdef", min_size=10, max_size=10)
_date = st.integers(min_value=20200101, max_value=20301231).map(str)

tags = st.one_of(
    _core,
    st.builds(lambda c, n: f"{c}-rc.{n}", _core, _num),
    st.builds(lambda c, d: f"{c}-nightly-{d}", st.one_of(_core, _x_core), _date),
    st.builds(
        lambda c, n, h: f"{c}-{n}-g{h}",
        st.one_of(_core, _x_core, st.builds(lambda c, n: f"{c}-rc.{n}", _core, _num)),
        _num,
        _hex,
    ),
    st.text("0123456789.x-rcnightlyg", max_size=12),  # mostly invalid tags
)
timestamps = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
items = st.lists(st.tuples(tags, timestamps), max_size=25, unique=True)


def _sort(xs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sort_by_version(xs, lambda p: p[0], lambda p: p[1])


@settings(max_examples=200)
@given(items, st.randoms(use_true_random=False))
def test_sort_is_independent_of_input_order(xs: list[tuple[str, str]], rnd: random.Random) -> None:
    expected = _sort(xs)
    shuffled = list(xs)
    rnd.shuffle(shuffled)
    assert _sort(shuffled) == expected
    assert _sort(list(reversed(xs))) == expected


@settings(max_examples=200)
@given(items)
def test_sort_is_a_total_deterministic_order(xs: list[tuple[str, str]]) -> None:
    ordered = _sort(xs)
    # A permutation: every item once, nothing invented.
    assert sorted(ordered) == sorted(xs)
    # Sorting is idempotent: the sorted list is already in order.
    assert _sort(ordered) == ordered
    # Rules 1-3 hold between every pair in the answer: invalid tags first, then cores,
    # then release above rc, then counters within a kind.
    position = {item: i for i, item in enumerate(ordered)}
    for a in xs:
        for b in xs:
            ia, ib = parse_tag(a[0]), parse_tag(b[0])
            if ia is None and ib is not None:
                assert position[a] < position[b]
            if ia is None or ib is None:
                continue
            same_core = ia.core == ib.core
            rule_1 = ia.core < ib.core
            rule_2 = same_core and (ia.kind, ib.kind) == ("rc", "release")
            rule_3 = same_core and ia.kind == ib.kind and ia.counter < ib.counter
            if rule_1 or rule_2 or rule_3:
                assert position[a] < position[b], (a, b)


@settings(max_examples=200)
@given(tags)
def test_valid_tags_have_a_channel_that_prefixes_them(tag: str) -> None:
    info = parse_tag(tag)
    if info is None:
        return
    assert tag.startswith(info.channel)
    assert matches_prefix(tag, info.channel)
    assert info.channel.count(".") <= 1
