"""Loaded records share their short strings and their set of set fields, safely."""

from __future__ import annotations

from pathlib import Path

from registry_lib.fastyaml import parse_simple
from registry_lib.loader import load_directory
from registry_lib.model import Release
from registry_lib.registry import shared_lines

DATA = Path(__file__).resolve().parents[2] / "data"
TEXT = "tag: 3.74.0\ncreator: roxbot@redhat.com\nmetadata:\n  images: main\n"


def test_short_strings_are_one_object_across_files() -> None:
    first = parse_simple(TEXT)
    second = parse_simple("".join(TEXT))  # a separate copy of the text
    assert first is not None and second is not None
    assert first == second
    (data1, lines1), (data2, lines2) = first, second
    assert data1["creator"] is data2["creator"]
    assert [k for k in data1] == [k for k in data2]
    assert all(a is b for a, b in zip(data1, data2, strict=True))
    assert all(a is b for a, b in zip(lines1, lines2, strict=True))


def test_records_share_one_set_of_set_fields_and_stay_correct() -> None:
    reg = load_directory(DATA)
    records = [e.record for e in reg.releases.values() if e.record is not None]
    for record in records:
        fresh = Release.model_validate(record.model_dump(exclude_unset=True))
        assert record.model_fields_set == fresh.model_fields_set
    same = [r for r in records if r.model_fields_set == records[0].model_fields_set]
    assert len(same) > 1
    assert all(r.__pydantic_fields_set__ is same[0].__pydantic_fields_set__ for r in same)
    # a copy with an update gets its own set; the shared one is untouched
    before = set(same[0].model_fields_set)
    copy = same[0].model_copy(update={"rejection": None})
    assert "rejection" in copy.model_fields_set
    assert same[0].model_fields_set == same[1].model_fields_set == before


def test_files_of_one_layout_share_one_line_map(tmp_path: Path) -> None:
    """Identical line maps are one object; maps that
    differ in a line or in order are not shared, and findings still name the right lines."""
    reg = load_directory(DATA)
    loaded = [e.release for e in reg.releases.values() if e.release is not None]
    maps = {id(x.lines): x.lines for x in loaded}
    distinct = {tuple(m.items()) for m in maps.values()}
    assert len(maps) == len(distinct) < len(loaded)
    for x in loaded:  # each file still has its own lines
        text = (DATA / x.path).read_text().splitlines()
        assert text[x.lines["created_at"] - 1].startswith("created_at:")
    assert shared_lines({"a": 1, "b": 2}) is shared_lines({"a": 1, "b": 2})
    assert shared_lines({"a": 1, "b": 2}) is not shared_lines({"b": 2, "a": 1})
    assert shared_lines({"a": 1, "b": 2}) is not shared_lines({"a": 1, "b": 3})
