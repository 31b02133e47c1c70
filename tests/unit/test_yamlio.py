"""Safe YAML in, canonical YAML out: yamlio.parse, ops.to_yaml and the models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_lib import ops, yamlio
from registry_lib.model import Approval, MilestoneDefinition, Record, RegistryConfig, Release


def codes(raw: bytes) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in yamlio.parse(raw).problems]


def test_plain_mapping_with_lines() -> None:
    doc = yamlio.parse(b"# comment\ntag: 1.0.0\nmetadata:\n  A: x\n  B: 2\n")
    assert doc.problems == []
    assert doc.data == {"tag": "1.0.0", "metadata": {"A": "x", "B": 2}}
    assert doc.lines["tag"] == 2
    assert doc.lines["metadata"] == 3
    assert doc.lines["metadata.B"] == 5
    assert doc.line_of("nope", "metadata") == 3


def test_timestamps_stay_strings() -> None:
    doc = yamlio.parse(b"created_at: 2023-03-23T04:12:00Z\nday: 2023-03-23\n")
    assert doc.data == {"created_at": "2023-03-23T04:12:00Z", "day": "2023-03-23"}


def test_duplicate_keys() -> None:
    assert codes(b"tag: 1.0.0\ncommit: a\ntag: 1.0.1\n") == [("RR102", 3)]
    assert codes(b"metadata:\n  A: 1\n  A: 2\n") == [("RR102", 3)]


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (b"a: &x 1\n", 1),
        (b"a: 1\nb: *x\n", 2),
        (b"base: &b {k: 1}\nother:\n  <<: *b\n", 1),
    ],
)
def test_anchors_and_aliases(raw: bytes, line: int) -> None:
    found = codes(raw)
    assert found and all(code == "RR103" for code, _ in found)
    assert found[0][1] == line


@pytest.mark.parametrize(
    "raw",
    [
        b"!!python/object:os.system {}\n",
        b"a: !!python/object/apply:os.system ['echo hi']\n",
        b"a: !!python/name:os.system\n",
        b"a: !custom value\n",
    ],
)
def test_explicit_tags(raw: bytes) -> None:
    doc = yamlio.parse(raw)
    assert [p.code for p in doc.problems] == ["RR103"]
    assert doc.data is None


def test_characters_that_only_look_like_anchors() -> None:
    doc = yamlio.parse(b"a: 'it''s *fine* & !ok'\nb: \"&c *d !e\"\n")
    assert doc.problems == []
    assert doc.data == {"a": "it's *fine* & !ok", "b": "&c *d !e"}


def test_too_large() -> None:
    raw = b"a: b\n" + b"#" * yamlio.MAX_BYTES
    assert codes(raw) == [("RR104", None)]
    assert codes(b"a: " + b"b" * (yamlio.MAX_BYTES - 4) + b"\n") == []


def test_not_utf8_names_the_line() -> None:
    assert codes(b"a: 1\nb: jos\xe9\n") == [("RR101", 2)]
    assert codes("a: 1\n".encode("utf-16")) == [("RR101", 1)]


def test_bom_is_accepted() -> None:
    assert yamlio.parse(b"\xef\xbb\xbfa: 1\n").data == {"a": 1}


@pytest.mark.parametrize("raw", [b"", b"\n\n", b"# only a comment\n", b"---\n"])
def test_empty(raw: bytes) -> None:
    assert [c for c, _ in codes(raw)] == ["RR108"]


@pytest.mark.parametrize(
    ("raw", "line"), [(b"- a\n- b\n", 1), (b"just text\n", 1), (b"\n\n42\n", 3)]
)
def test_top_level_not_a_mapping(raw: bytes, line: int) -> None:
    assert codes(raw) == [("RR108", line)]


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (b"a: 1\nb: [unclosed\n", 3),
        (b"a: b: c\n", 1),
        (b"a: 1\n---\nb: 2\n", 2),
        (b"a:\n\tb: 1\n", 2),
    ],
)
def test_not_yaml_names_the_line(raw: bytes, line: int) -> None:
    assert codes(raw) == [("RR100", line)]


def test_control_character_is_one_line_with_its_line() -> None:
    (problem,) = yamlio.parse(b"a: 1\nb: x\x00y\n").problems
    assert (problem.code, problem.line) == ("RR100", 2)
    assert "\n" not in problem.message


def test_deep_nesting_is_refused_not_a_crash() -> None:
    # Used to overflow the stack: a RecursionError, or a segfault in libyaml.
    deep = 200_000
    (problem,) = yamlio.parse(b"a: " + b"[" * deep + b"]" * deep + b"\n").problems
    assert problem.code == "RR105"
    block = b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 300))
    assert [p.code for p in yamlio.parse(block).problems] == ["RR105"]
    assert yamlio.parse(b"a: [[[1]]]\nb: {c: [d]}\n").data == {"a": [[[1]]], "b": {"c": ["d"]}}


def test_non_scalar_keys() -> None:
    assert [c for c, _ in codes(b"? [a, b]\n: 1\n")] == ["RR105"]


# --- canonical dump ---------------------------------------------------------------------


def test_dump_is_canonical() -> None:
    rel = Release.model_validate(
        {
            "metadata": {"Image": "quay.io/x:1.0.0", "Empty": ""},
            "created_at": "2023-03-23T04:12:00Z",
            "creator": "roxbot@redhat.com",
            "commit": "78057dba490233f41b4602f2b2e88775ab7fd4c9",
            "tag": "1.0.0",
        }
    )
    assert ops.to_yaml(rel) == (
        "tag: 1.0.0\n"
        "commit: 78057dba490233f41b4602f2b2e88775ab7fd4c9\n"
        "creator: roxbot@redhat.com\n"
        "created_at: 2023-03-23T04:12:00Z\n"
        "metadata:\n"
        "  Image: quay.io/x:1.0.0\n"
        "  Empty: ''\n"
    )


def test_dump_of_definition_lists_and_requirements() -> None:
    definition = MilestoneDefinition.model_validate(
        {
            "name": "Cloud validated",
            "expected_metadata_keys": ["TestRun"],
            "requires": ["Build green", {"milestone": "Nightly passed", "soak": "48h"}],
        }
    )
    text = ops.to_yaml(definition)
    assert text == (
        "name: Cloud validated\n"
        "expected_metadata_keys:\n"
        "  - TestRun\n"
        "requires:\n"
        "  - Build green\n"
        "  - milestone: Nightly passed\n"
        "    soak: 48h\n"
    )
    assert _reload(MilestoneDefinition, text) == definition


def test_line_breaks_inside_values_survive() -> None:
    # PyYAML writes NEL/LS/PS in single quotes, which a reader folds into spaces.
    for value in ["\x85", "a\u2028b", "\u2029", "two\nlines", " padded "]:
        rel = Release(
            tag="1.0.0",
            commit="a" * 40,
            creator="a@example.com",
            created_at="2023-03-23T04:12:00Z",
            metadata={value: value},
        )
        assert _reload(Release, ops.to_yaml(rel)) == rel


def test_nan_and_infinity_are_not_metadata() -> None:
    # They have no JSON form, so the feed would not be valid JSON.
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            Release(
                tag="1.0.0",
                commit="a" * 40,
                creator="a@example.com",
                created_at="2023-03-23T04:12:00Z",
                metadata={"x": value},
            )


def _reload(model: type[Record], text: str) -> Any:
    raw = text.encode("utf-8")
    assert raw.endswith(b"\n") and b"\r" not in raw.replace(b"\\r", b"")
    doc = yamlio.parse(raw)
    assert doc.problems == []
    return model.model_validate(doc.data)


_scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
_metadata = st.dictionaries(st.text(max_size=12), _scalars, max_size=5)
_emails = st.sampled_from(["alice@redhat.com", "bob.k+ci@example.org", "o'neil@a-b.example.co"])
_times = st.one_of(
    st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from(["2023-03-23T04:12:00.123+02:00", "2023-03-23t04:12:00z"]),
)
_tags = st.sampled_from(
    ["4.1.0", "4", "4.0.0-rc.6", "3.74.x-nightly-20230323", "3.74.x-123-gabcdef1234"]
)
_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,20}", fullmatch=True)


releases = st.builds(
    Release,
    tag=_tags,
    commit=st.text("0123456789abcdef", min_size=40, max_size=40),
    creator=_emails,
    created_at=_times,
    metadata=_metadata,
    rejection=st.none()
    | st.builds(
        lambda by, at, reason: {"by": by, "at": at, "reason": reason}, _emails, _times, st.text()
    ),
)
approvals = st.builds(
    Approval,
    milestone=_names,
    tag=_tags,
    approver=_emails,
    approved_at=_times,
    metadata=_metadata,
    break_glass=st.booleans(),
)


@settings(max_examples=200)
@given(releases)
def test_any_release_round_trips(record: Release) -> None:
    assert _reload(Release, ops.to_yaml(record)) == record


@settings(max_examples=200)
@given(approvals)
def test_any_approval_round_trips(record: Approval) -> None:
    text = ops.to_yaml(record)
    assert _reload(Approval, text) == record
    assert ops.to_yaml(_reload(Approval, text)) == text  # canonical form is a fixed point


@settings(max_examples=50)
@given(st.builds(RegistryConfig, name=_names, allowed_email_domains=st.lists(_names, max_size=2)))
def test_any_config_round_trips(record: RegistryConfig) -> None:
    assert _reload(RegistryConfig, ops.to_yaml(record)) == record


@pytest.mark.parametrize("fast", [True, False])
def test_a_number_too_long_for_python_is_a_finding(fast: bool) -> None:
    """Python reads at most 4,300 digits into an int; a longer number is a finding at its
    line, never an exception."""
    doc = yamlio.parse(b"name: R\nschema_version: " + b"1" * 5000 + b"\n", fast=fast)
    assert [(p.code, p.line) for p in doc.problems] == [("RR105", 2)]
    assert "quote it" in doc.problems[0].message
