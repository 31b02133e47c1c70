"""``htmlparts.release_rows`` and ``milestone_rows`` (table rows made in Python) equal the
Jinja loops they replaced (kept in ``reference/``), byte for byte, escaping included."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape
from pagekit import DATA, EVIL

from registry_lib.loader import load_directory
from registry_lib.site.context import SiteOptions
from registry_lib.site.htmlparts import _e, milestone_rows, release_rows
from registry_lib.site.pages import page_files
from registry_lib.site.templating import BUILTIN_TEMPLATES, get_env
from registry_lib.site.views import ReleaseView, gather

REFERENCE = Path(__file__).resolve().parent / "reference"


def reference(root: str, releases: list[Any], milestones: list[Any]) -> str:
    env = get_env(REFERENCE)
    return env.get_template("rows.html").render(root=root, releases=releases, milestones=milestones)


def rows(root: str, releases: list[Any], milestones: list[Any]) -> str:
    made = str(release_rows(root, releases, milestones))
    return made + "\n" if made else made


@pytest.mark.parametrize("root", ["", "../", "../../"])
def test_rows_of_data_equal_the_template(root: str) -> None:
    data = gather(load_directory(DATA))
    assert any(r.rejected for r in data.releases)
    assert any(a["break_glass"] for r in data.releases for a in r.reached.values())
    for releases in [data.releases, *(c.releases for c in data.channels), []]:
        assert rows(root, releases, data.milestones) == reference(root, releases, data.milestones)
    assert rows(root, data.releases, []) == reference(root, data.releases, [])


def milestone_reference(root: str, releases: list[Any], slug: str) -> str:
    env = get_env(REFERENCE)
    m = SimpleNamespace(releases=releases, slug=slug)
    return env.get_template("milestone_rows.html").render(root=root, m=m)


@pytest.mark.parametrize("root", ["", "../../"])
def test_milestone_rows_of_data_equal_the_template(root: str) -> None:
    data = gather(load_directory(DATA))
    for m in data.milestones:
        assert m.releases
        made = str(milestone_rows(root, m.releases, m.slug)) + "\n"
        assert made == milestone_reference(root, m.releases, m.slug)


def test_a_copy_of_the_builtin_macros_renders_the_same_pages(tmp_path: Path) -> None:
    """With ``_macros.html`` overridden, milestone.html renders its rows in Jinja."""
    (tmp_path / "_macros.html").write_bytes((BUILTIN_TEMPLATES / "_macros.html").read_bytes())
    reg = load_directory(DATA)
    options = SiteOptions(build_time="2023-06-01T00:00:00Z")
    plain = page_files(reg, options)
    assert get_env(tmp_path).globals["builtin_macros"] is False
    assert get_env(None).globals["builtin_macros"] is True
    assert page_files(reg, SiteOptions(build_time="2023-06-01T00:00:00Z", templates=tmp_path)) == (
        plain
    )


def test_rows_escape_like_the_template() -> None:
    def release(tag: str, rejected: bool, glass: bool) -> ReleaseView:
        approval = {
            "slug": "m&1",
            "name": EVIL,
            "approver": f'"{EVIL}"',
            "approved_at": "2023-05-01T12:00:00Z",
            "break_glass": glass,
        }
        obj = {
            "tag": tag,
            "kind": "release",
            "channel": "4.0",
            "creator": "a'b@example.org",
            "commit": "abc",
            "metadata": {"Note": EVIL, "Count": 3, "Flag": True},
            "quality_milestones": [approval],
            "rejected": rejected,
            "created_at": "not a <time>",
        }
        return ReleaseView(obj=obj, reached={"m&1": approval})

    releases = [release("4.0.0", False, False), release("4.0.1", True, True)]
    milestones = [
        SimpleNamespace(slug="m&1", name=EVIL),
        SimpleNamespace(slug="other", name="Other"),
    ]
    made = rows("<root>/", releases, milestones)
    assert made == reference("<root>/", releases, milestones)
    assert EVIL not in made
    made = str(milestone_rows("<root>/", releases, "m&1")) + "\n"
    assert made == milestone_reference("<root>/", releases, "m&1")
    assert EVIL not in made


@given(st.one_of(st.text(), st.text(alphabet="&<>\"'ab"), st.integers(), st.none()))
def test_escaping_equals_markupsafe(value: object) -> None:
    assert _e(value) == str(escape(value))


def test_markup_is_not_escaped_twice() -> None:
    assert _e(Markup("<b>&amp;")) == "<b>&amp;"
