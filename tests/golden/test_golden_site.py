"""The golden-site test: ``data/`` built now equals the committed tree in ``site/``.

Refresh the tree after an intended change with ``python -m tests.golden.refresh``.
"""

from __future__ import annotations

from pathlib import Path

from refresh import GOLDEN, REFRESH, build, differences, tree


def test_build_of_data_matches_the_golden_tree(tmp_path: Path) -> None:
    assert GOLDEN.is_dir(), f"no golden tree at {GOLDEN}; run `{REFRESH}`"
    build(tmp_path / "site")
    problem = differences(tree(GOLDEN), tree(tmp_path / "site"))
    assert problem is None, problem


def test_differences_name_files_and_show_a_diff() -> None:
    expected = {"a.html": b"one\ntwo\n", "gone.json": b"{}\n"}
    actual = {"a.html": b"one\nthree\n", "new.svg": b"<svg/>\n"}
    report = differences(expected, actual)
    assert report is not None
    assert "missing from the build (1): gone.json" in report
    assert "not in the golden tree (1): new.svg" in report
    assert "-two\n+three" in report
    assert REFRESH in report
    assert differences(expected, dict(expected)) is None
