"""The YAML fast path gives exactly what the full parser gives, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_lib.fastyaml import parse_simple
from registry_lib.yamlio import parse

ROOT = Path(__file__).resolve().parents[2]

KEYS = st.sampled_from(
    ["tag", "name", "metadata", "a", "Build URL", "1", "true", "null", "k.v", "x-y", "on"]
)
PLAIN = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
TRICKY = st.sampled_from(
    [
        "yes",
        "No",
        "~",
        "null",
        "0x1F",
        "1_000",
        "-5",
        "+3",
        ".inf",
        "1e3",
        "0o17",
        "012",
        "2023-03-23T04:12:00Z",
        "2023-03-23",
        "a: b",
        "a #b",
        "a#b",
        "x:",
        "'q'",
        '"d"',
        "'it''s'",
        '"a\\"b"',
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "[1]",
        "{a: 1}",
        "{}",
        "[]",
        "{ }",
        "[ ]",
        "{}x",
        "[] # c",
        "- x",
        "@x",
        "`x`",
        "%x",
        " lead",
        "trail ",
        "a\u2028b",
        "a\x85b",
        "\ttab",
        "é ü 漢",
        "",
    ]
)
VALUES = st.one_of(PLAIN, TRICKY)


def _line_value(value: str) -> str:
    return f" {value}" if value else ""


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(KEYS)
        shape = draw(st.sampled_from(["scalar", "map", "list", "flatlist", "empty"]))
        if shape == "scalar":
            lines.append(f"{key}:{_line_value(draw(VALUES))}")
        elif shape == "empty":
            lines.append(f"{key}:")
        elif shape == "map":
            lines.append(f"{key}:")
            for _ in range(draw(st.integers(1, 3))):
                lines.append(f"  {draw(KEYS)}:{_line_value(draw(VALUES))}")
        else:
            lines.append(f"{key}:")
            indent = "  " if shape == "list" else ""
            for _ in range(draw(st.integers(1, 3))):
                lines.append(f"{indent}-{_line_value(draw(VALUES))}")
    if draw(st.booleans()):
        extra = draw(st.sampled_from(["", "# c", "  ", "  # c", "#", "---", "--- ", "...", "---x"]))
        lines.insert(draw(st.integers(0, len(lines))), extra)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None)
@given(documents())
def test_fast_path_agrees_with_the_full_parser(text: str) -> None:
    fast = parse_simple(text)
    if fast is None:
        return  # stepping aside is always allowed
    full = parse(text.encode("utf-8"), fast=False)
    assert not full.problems, f"fast path accepted a document the full parser rejects: {text!r}"
    assert fast == (full.data, full.lines)


@pytest.mark.parametrize(
    "text",
    [
        "---\n---\na: b\n",  # two documents, the first empty
        "a:\n  - x\n- y\n",  # a less indented item: not YAML
        "a:\n- x\n  - y\n",  # a more indented one continues the text: one item, "x - y"
        "a:\n  - x\n  - y\n",
        "a:\n- x\n- y\n",
        "---\na:\n- x\n",
    ],
)
def test_fast_path_agrees_on_item_indents_and_document_markers(text: str) -> None:
    fast = parse_simple(text)
    full = parse(text.encode("utf-8"), fast=False)
    if full.problems:
        assert fast is None, text
    else:
        assert fast is None or fast == (full.data, full.lines), text


def test_fast_path_takes_tool_written_files() -> None:
    files = sorted((ROOT / "data").rglob("*.yaml"))
    taken = [p for p in files if parse_simple(p.read_text(encoding="utf-8")) is not None]
    assert len(taken) >= len(files) - 2  # definitions with soak mappings need the full parser
    for path in taken:
        raw = path.read_bytes()
        full = parse(raw, fast=False)
        assert (full.data, full.lines) == parse_simple(raw.decode("utf-8"))


def test_fast_path_steps_aside_for_what_it_does_not_know() -> None:
    for text in [
        "a: b\na: c\n",  # duplicate key
        "a: &x 1\n",  # anchor
        "a: |\n  text\n",  # block scalar
        "1: x\n",  # non-string key
        "a:\n  - k: v\n",  # list of mappings
        "a: b # comment\n",
        "a:\r\n  b: c\r\n",
        "a: x\u2028y\n",
    ]:
        assert parse_simple(text) is None, text


def test_fast_path_takes_what_yaml_safe_dump_writes_for_records() -> None:
    """Generators and scripts often write registry files with ``yaml.safe_dump``."""
    import yaml

    records = [
        {
            "tag": "3.74.0",
            "commit": "a" * 40,
            "creator": "ci@example.com",
            "created_at": "2023-03-23T04:12:00Z",
            "metadata": {},
        },
        {
            "tag": "3.74.x-nightly-20230323",
            "commit": "b" * 40,
            "creator": "ci@example.com",
            "created_at": "2023-03-23T04:12:00Z",
            "metadata": {"images": "main,scanner", "count": 3, "signed": True},
            "rejection": {"by": "qa@example.com", "at": "2023-03-24T00:00:00Z", "reason": "bad"},
        },
        {
            "milestone": "Nightly passed",
            "tag": "3.74.0",
            "approver": "qa@example.com",
            "approved_at": "2023-03-23T04:12:00Z",
            "metadata": {},
            "break_glass": False,
        },
        {"name": "Nightly passed", "expected_metadata_keys": [], "requires": ["Build green"]},
    ]
    for record in records:
        for sort_keys in (True, False):
            text = yaml.safe_dump(record, sort_keys=sort_keys)
            full = parse(text.encode("utf-8"), fast=False)
            assert parse_simple(text) == (full.data, full.lines), text
