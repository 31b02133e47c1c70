"""The release page made in Python (``htmlparts.release_page``, with its approvals and
history from ``approval_items`` and ``history_table_rows``) equals what the templates make
when ``--templates`` overrides them, byte for byte, escaping included."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from pagekit import DATA, EVIL, release, write_registry

from registry_lib.loader import load_directory
from registry_lib.registry import Registry
from registry_lib.site.context import SiteOptions
from registry_lib.site.htmlparts import linkify, release_page
from registry_lib.site.pages import _page_makers, page_files, release_path
from registry_lib.site.pagetypes import ReleasePage, page_context
from registry_lib.site.templating import BUILTIN_TEMPLATES, get_env, render

TIME = "2023-06-01T00:00:00Z"
REJECTED_AT = "2024-02-01T00:00:00Z"


def both_ways(tmp_path: Path, reg: Registry, **options: Any) -> tuple[dict[str, bytes], ...]:
    """Every page with the built-in macros (Python parts) and with a copy of them (Jinja)."""
    copy = tmp_path / "macros-copy"
    copy.mkdir()
    (copy / "_macros.html").write_bytes((BUILTIN_TEMPLATES / "_macros.html").read_bytes())
    python = page_files(reg, SiteOptions(build_time=TIME, **options))
    jinja = page_files(reg, SiteOptions(build_time=TIME, templates=copy, **options))
    return python, jinja


def entry(tag: str, action: str, milestone: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "commit": "ab" * 20,
        "author": "Ann",
        "email": "ann@example.org",
        "time": "2024-01-02T10:00:00Z",
        "action": action,
        "milestone": milestone,
        "message": f"approve {tag}",
        "pull_request": None,
        **extra,
    }


def hostile_registry(
    root: Path, repository_url: str | None
) -> tuple[Registry, dict[str, list[dict[str, Any]]]]:
    """Hostile text in every field the two parts show, and each of their branches."""
    reg = write_registry(
        root,
        name=EVIL,
        repository_url=repository_url,
        milestones=[
            {"name": "QA <ok>", "expected_metadata_keys": ["Link", "Note"]},
            {"name": "Canary & co", "expected_metadata_keys": []},
        ],
        releases=[
            release("1.0.0", 1, metadata={"Note": EVIL, "Count": 3, "Flag": True}),
            release("1.0.1", 2, rejection={"reason": EVIL, "by": "x@y.org", "at": REJECTED_AT}),
            release("1.0.2", 3),
        ],
        approvals=[
            {
                "milestone": "QA <ok>",
                "tag": "1.0.0",
                "approver": "o'neil@example.org",
                "approved_at": "2024-01-03T10:00:00Z",
                "metadata": {"Link": "https://ci.example.org/?a=1&b=2", "Note": EVIL},
            },
            {
                "milestone": "Canary & co",
                "tag": "1.0.0",
                "approver": "b@example.org",
                "approved_at": "2024-01-04T10:00:00Z",
                "break_glass": True,
                "metadata": {},
            },
        ],
    )
    history = {
        "1.0.0": [
            entry("1.0.0", "created", None, message=EVIL, pull_request=7),
            entry("1.0.0", "approved", "qa-ok", email=""),
            entry("1.0.0", "approved", "gone <slug>", commit="not-a-sha", time=""),
            entry("1.0.0", "revoked", "canary-co", author=EVIL, pull_request=8),
        ],
        "1.0.1": [entry("1.0.1", "rejected", None, email=f"<{EVIL}>")],
    }
    return reg, history


@pytest.mark.parametrize("repository_url", [True, False])
def test_hostile_release_pages_equal_the_template(tmp_path: Path, repository_url: bool) -> None:
    # without a GitHub repository: no propose, commit or pull request links
    url = "https://github.com/example/releases" if repository_url else None
    reg, history = hostile_registry(tmp_path / "reg", url)
    python, jinja = both_ways(tmp_path, reg, history=history)
    assert python == jinja
    page = python["releases/1.0.0/index.html"].decode()
    assert EVIL not in page
    assert 'href="https://ci.example.org/?a=1&amp;b=2"' in page  # linkified and escaped
    assert 'class="approval card is-break-glass"' in page
    assert ("/pull/7" in page) is repository_url
    rejected = python["releases/1.0.1/index.html"].decode()
    assert "Rejected releases cannot be approved." in rejected
    assert "Propose approval for" not in rejected
    pending = python["releases/1.0.2/index.html"].decode()
    assert pending.count('class="approval card pending"') == 2
    assert pending.count("Propose approval for") == (2 if repository_url else 0)


def test_example_release_pages_equal_the_template(tmp_path: Path) -> None:
    python, jinja = both_ways(tmp_path, load_directory(DATA))
    assert python == jinja


@pytest.mark.parametrize(
    "value", ["https://e.org/?a=1&b=2", "https://e.org/p?q=%3C&r=1", "plain & <b>", 5, False]
)
def test_linkify_escapes_like_markup_format(value: object) -> None:
    text = "true" if value is True else "false" if value is False else str(value)
    link = Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(text)
    assert linkify(value) in (link, Markup.escape(text))
    assert str(linkify(value)).startswith("<a ") is str(value).startswith("https://")


def release_pages(reg: Registry, **options: Any) -> list[ReleasePage]:
    _, releases = _page_makers(reg, SiteOptions(build_time=TIME, **options), None, None)
    return [releases.page(r) for r in sorted(releases.views, key=lambda r: release_path(r.tag))]


def test_each_of_the_three_templates_overridden_renders_with_jinja(tmp_path: Path) -> None:
    reg, history = hostile_registry(tmp_path / "reg", "https://github.com/example/releases")
    python = page_files(reg, SiteOptions(build_time=TIME, history=history))
    for name in ("base.html", "release.html", "_macros.html"):
        folder = tmp_path / name
        folder.mkdir()
        text = (BUILTIN_TEMPLATES / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("</h1>", "</h1><!--mine-->"), encoding="utf-8")
        pages = page_files(reg, SiteOptions(build_time=TIME, templates=folder, history=history))
        mine = pages["releases/1.0.0/index.html"].decode()
        # only release.html has an <h1>; the others are equal copies: the same bytes
        assert ("<!--mine-->" in mine) is (name == "release.html")
        assert pages == python or name == "release.html"


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory: pytest.TempPathFactory) -> list[ReleasePage]:
    root = tmp_path_factory.mktemp("hostile")
    reg, history = hostile_registry(root, "https://github.com/example/releases")
    return release_pages(reg, history=history)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
MAYBE = st.none() | TEXT | st.just("")
URLISH = MAYBE | st.sampled_from(["https://e.org/a?b=1&c=<2>", "http://x", "javascript:x"])


@settings(max_examples=60, deadline=None)
@given(
    name=TEXT,
    title=TEXT,
    root=st.sampled_from(["", "../", "../../", "<&>/"]),
    nav=st.sampled_from(["home", "releases", "milestones", "channels", 'x"<']),
    canonical=URLISH,
    source_commit=MAYBE,
    commit_url=URLISH,
    build_time=MAYBE | st.just(TIME),
    repository_url=URLISH,
    which=st.integers(0, 2),
    history=st.booleans(),
    milestones=st.booleans(),
)
def test_release_page_equals_the_templates_for_any_frame(
    hostile_pages: list[ReleasePage], which: int, history: bool, milestones: bool, **site: Any
) -> None:
    """Every field of base.html's frame, and a page with no history or no definitions."""
    page = hostile_pages[which]
    frame = {k: site.pop(k) for k in ("title", "root", "nav", "canonical")}
    page = replace(
        page,
        site=replace(page.site, **site),
        history=page.history if history else [],
        milestones=page.milestones if milestones else [],
        **frame,
    )
    jinja = render(get_env(None), "release.html", page_context(page))
    assert release_page(page) == jinja
