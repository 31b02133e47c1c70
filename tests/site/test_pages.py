"""The HTML site: pages, escaping, links, propose-approval links, template overrides."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from markupsafe import Markup
from pagekit import (
    API_PATHS,
    DATA_REJECTED,
    EVIL,
    JS_URL,
    OPTIONS,
    approval,
    build_pages,
    data_registry,
    evil_registry,
    links,
    release,
    resolve,
    write_registry,
)

from registry_lib.errors import RelregError
from registry_lib.query import Filters, latest, list_releases
from registry_lib.registry import Registry
from registry_lib.site import pages
from registry_lib.site.context import SiteOptions
from registry_lib.site.htmlparts import linkify
from registry_lib.site.templating import BUILTIN_TEMPLATES, get_env, render

try:
    from registry_lib.site.feed import feed_files
except ImportError:  # pragma: no cover - the feed is written in parallel
    feed_files = None


@pytest.fixture(scope="module")
def data_files() -> dict[str, bytes]:
    return build_pages(data_registry())


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Registry, dict[str, bytes]]:
    reg = evil_registry(tmp_path / "reg")
    return reg, build_pages(reg)


def text(files: dict[str, bytes], path: str) -> str:
    return files[path].decode("utf-8")


def html_pages(files: dict[str, bytes]) -> dict[str, str]:
    return {p: b.decode("utf-8") for p, b in files.items() if p.endswith(".html")}


def feed_paths(reg: Registry) -> set[str]:
    """The files the feed writes: from feed_files when it exists, else from feed.md."""
    if feed_files is not None:
        return set(feed_files(reg, OPTIONS))
    paths = {f"api/v1/{p}" for p in API_PATHS} | {"feed.atom"}
    everything = list_releases(reg, Filters(include_rejected=True))
    for entry in everything:
        paths.add(f"api/v1/releases/{entry.tag}.json")
        paths.add(f"api/v1/channels/{entry.channel}/releases.json")
        paths.add(f"api/v1/channels/{entry.channel}/latest.json")
    for slug in reg.milestones:
        paths |= {f"api/v1/milestones/{slug}{s}" for s in (".json", "/releases.json")}
        paths.add(f"api/v1/milestones/{slug}/latest.json")
        for entry in everything:
            paths.add(f"api/v1/channels/{entry.channel}/milestones/{slug}/latest.json")
    return paths


# --- the pages of data/ -------------------------------------------------------------------


def test_page_layout(data_files: dict[str, bytes]) -> None:
    reg = data_registry()
    every = list_releases(reg, Filters(include_rejected=True))
    expected = {
        "index.html",
        "releases/index.html",
        "milestones/index.html",
        "channels/index.html",
        "static/site.css",
        "static/site.js",
    }
    expected |= {f"releases/{e.tag}/index.html" for e in every}
    expected |= {f"milestones/{s}/index.html" for s in reg.milestones}
    expected |= {f"channels/{e.channel}/index.html" for e in every}
    assert set(data_files) == expected


def test_output_is_byte_stable(data_files: dict[str, bytes]) -> None:
    assert build_pages(data_registry()) == data_files


def test_every_internal_link_resolves(data_files: dict[str, bytes]) -> None:
    reg = data_registry()
    known = set(data_files) | feed_paths(reg)
    checked = 0
    for page, html in data_files.items():
        if not page.endswith(".html"):
            continue
        for tag, _attr, href in links(html):
            scheme = urlsplit(href).scheme
            if scheme in ("http", "https"):
                assert tag == "a", f"{page}: external {tag} {href} (no external assets)"
                continue
            assert scheme in ("", "data"), f"{page}: {href}"
            if scheme == "data":
                continue
            if href.startswith("#"):
                assert f'id="{href[1:]}"'.encode() in html, f"{page}: no anchor {href}"
                continue
            assert not href.startswith("/"), f"{page}: {href} is not relative"
            assert resolve(page, href) in known, f"{page}: broken link {href}"
            checked += 1
    assert checked > 500


def test_links_to_json(data_files: dict[str, bytes]) -> None:
    page = text(data_files, "releases/4.0.0/index.html")
    assert 'href="../../api/v1/releases/4.0.0.json"' in page
    page = text(data_files, "milestones/nightly-passed/index.html")
    assert 'href="../../api/v1/milestones/nightly-passed.json"' in page


def test_home_shows_latest_per_milestone_and_channel(data_files: dict[str, bytes]) -> None:
    reg = data_registry()
    home = text(data_files, "index.html")
    assert "<h1>StackRox releases</h1>" in home
    for slug in reg.milestones:
        tag = latest(reg, Filters(milestone=slug)).tag
        assert f'href="releases/{tag}/index.html">{tag}</a>' in home
    for channel in ("3.73", "3.74", "4.0"):
        tag = latest(reg, Filters(channel=channel)).tag
        assert f'latest <a class="tag" href="releases/{tag}/index.html">' in home
    assert home.count('class="event event-') == 20


def test_releases_table_rows_newest_first(data_files: dict[str, bytes]) -> None:
    reg = data_registry()
    page = text(data_files, "releases/index.html")
    rows = re.findall(r'<tr class="release-row[^"]*"[^>]*>\s*<th[^>]*><a[^>]*>([^<]+)</a>', page)
    expected = [e.tag for e in reversed(list_releases(reg, Filters(include_rejected=True)))]
    assert rows == expected
    row = re.search(
        rf'<tr class="release-row is-rejected"[^>]*>\s*<th[^>]*><a[^>]*>{DATA_REJECTED}<', page
    )
    assert row is not None and 'data-rejected="true"' in row.group(0)
    assert 'id="show-rejected"' in page
    # break glass is marked with ⚠ in the table
    assert "reached with break glass" in page


def test_rejected_release_page(data_files: dict[str, bytes]) -> None:
    page = text(data_files, f"releases/{DATA_REJECTED}/index.html")
    assert 'class="banner banner-danger" role="alert"' in page
    assert "Data loss bug ROX-16734" in page
    assert "Propose approval" not in page
    assert "rejected-badge" in page


def test_milestone_page_lists_releases_newest_first(data_files: dict[str, bytes]) -> None:
    reg = data_registry()
    page = text(data_files, "milestones/cloud-validated/index.html")
    tags = re.findall(r'<th scope="row"><a class="tag" href="[^"]+">([^<]+)</a>', page)
    assert tags == [
        e.tag for e in reversed(list_releases(reg, Filters(milestone="cloud-validated")))
    ]
    assert "alice.nguyen@redhat.com" in page  # approvers
    assert (
        'href="../../milestones/nightly-passed/index.html">Nightly passed</a>' in page
    )  # requires
    assert "soak 48h" in page


def test_long_lists_show_the_newest_and_say_where_the_rest_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pages, "LIST_LIMIT", 3)
    reg = data_registry()
    files = build_pages(reg)
    page = text(files, "releases/index.html")
    rows = re.findall(r'<tr class="release-row[^"]*"[^>]*>\s*<th[^>]*><a[^>]*>([^<]+)</a>', page)
    every = list_releases(reg, Filters(include_rejected=True))
    assert rows == [e.tag for e in reversed(every)][:3]
    assert f"The newest 3 of {len(every)} releases are listed here." in page
    assert 'href="../channels/index.html">channel' in page
    page = text(files, "milestones/nightly-passed/index.html")
    reached = list_releases(reg, Filters(milestone="nightly-passed"))
    tags = re.findall(r'<th scope="row"><a class="tag" href="[^"]+">([^<]+)</a>', page)
    assert tags == [e.tag for e in reversed(reached)][:3]
    assert f"The newest 3 of {len(reached)} are listed" in page
    # channel pages still list their whole channel
    channel = text(files, "channels/3.74/index.html")
    in_channel = list_releases(reg, Filters(channel="3.74", include_rejected=True))
    assert len(in_channel) > 3
    assert all(f">{e.tag}</a>" in channel for e in in_channel)


def test_lists_under_the_limit_have_no_note(data_files: dict[str, bytes]) -> None:
    assert "are listed here" not in text(data_files, "releases/index.html")
    assert "Every release, newest first" in text(data_files, "releases/index.html")
    assert "The newest" not in text(data_files, "milestones/nightly-passed/index.html")


def test_no_wall_clock(data_files: dict[str, bytes]) -> None:
    again = build_pages(data_registry(), SiteOptions())
    years = {y for page in html_pages(again).values() for y in re.findall(r"\b20\d\d-\d\d", page)}
    assert all(y.startswith("2023-") for y in years)


# --- escaping -----------------------------------------------------------------------------


def test_every_value_is_escaped(evil: tuple[Registry, dict[str, bytes]]) -> None:
    _, files = evil
    for page, html in html_pages(files).items():
        assert EVIL not in html, page
        assert "onmouseover=" not in html.replace("onmouseover=&#34;", ""), page
        for _tag, _attr, href in links(files[page]):
            assert not href.strip().lower().startswith("javascript:"), (page, href)
    page = html_pages(files)["releases/1.2.0/index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"<dd>{JS_URL}</dd>" in page  # shown as text, not as a link


def test_http_urls_become_links(evil: tuple[Registry, dict[str, bytes]]) -> None:
    _, files = evil
    page = html_pages(files)["releases/1.2.0/index.html"]
    assert '<a href="https://example.org/build/1?x=1&amp;y=2" rel="nofollow' in page
    assert '<a href="https://ci.example.org/1"' in page
    assert (
        html_pages(files)["releases/1.2.1/index.html"].count('href="http://ci.example.org/2"') == 1
    )


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://example.org/x", True),
        ("http://example.org", True),
        ("HTTPS://example.org", False),
        (JS_URL, False),
        (" https://example.org", False),
        ("https://", False),
        ("https://example.org/a b", False),
        ('https://e.org/"><script>', False),
        ("ftp://example.org", False),
        ("data:text/html,x", False),
        (42, False),
        (True, False),
    ],
)
def test_linkify(value: object, link: bool) -> None:
    out = linkify(value)
    assert isinstance(out, Markup)
    assert out.startswith("<a href=") is link
    if value is True:
        assert out == "true"


def test_rejected_and_break_glass_marked(evil: tuple[Registry, dict[str, bytes]]) -> None:
    _, files = evil
    table = html_pages(files)["releases/index.html"]
    assert re.search(r'<tr class="release-row is-rejected"[^>]*data-rejected="true"', table)
    page = html_pages(files)["releases/1.2.0/index.html"]
    assert "break glass" in page
    home = html_pages(files)["index.html"]
    assert 'class="event event-rejected"' in home
    assert '<a class="tag is-rejected" href="releases/1.2.1/index.html">' in home


# --- propose approval ----------------------------------------------------------------------


def propose_hrefs(page: bytes) -> list[str]:
    return [h for _t, _a, h in links(page) if "/new/" in h]


def test_propose_approval_links(evil: tuple[Registry, dict[str, bytes]]) -> None:
    _, files = evil
    page = files["releases/1.3.x-nightly-20240104/index.html"]
    hrefs = propose_hrefs(page)
    assert len(hrefs) == 2
    by_file = {}
    for href in hrefs:
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https",
            "github.com",
            "/example/releases/new/main",
        )
        query = parse_qs(parts.query, strict_parsing=True)
        by_file[query["filename"][0]] = yaml.safe_load(query["value"][0])
    base = "data/releases/1.3/1.3.x-nightly-20240104/approvals"
    assert by_file == {
        f"{base}/build-green.yaml": {
            "milestone": "Build green",
            "tag": "1.3.x-nightly-20240104",
            "approver": "",
            "approved_at": "",
            "metadata": {"BuildURL": ""},
        },
        f"{base}/nightly-passed.yaml": {
            "milestone": "Nightly passed",
            "tag": "1.3.x-nightly-20240104",
            "approver": "",
            "approved_at": "",
            "metadata": {"BuildURL": "", "Failures": ""},
        },
    }
    assert b"Propose approval for Nightly passed" in page
    # reached milestones and rejected releases get none
    assert propose_hrefs(files["releases/1.2.0/index.html"]) == []
    assert propose_hrefs(files["releases/1.2.1/index.html"]) == []


def test_propose_links_use_registry_path(tmp_path: Path) -> None:
    reg = evil_registry(tmp_path / "reg")
    files = build_pages(reg, registry_path="registries/prod/", branch="release/v1")
    (href,) = propose_hrefs(files["releases/1.2.1/index.html"]) or [None]
    assert href is None  # rejected
    hrefs = propose_hrefs(files["releases/1.3.x-nightly-20240104/index.html"])
    assert hrefs
    for h in hrefs:
        assert h.startswith("https://github.com/example/releases/new/release%2Fv1?filename=")
        filename = parse_qs(urlsplit(h).query)["filename"][0]
        assert filename.startswith("registries/prod/releases/1.3/")
    files = build_pages(reg, registry_path=".")
    h = propose_hrefs(files["releases/1.3.x-nightly-20240104/index.html"])[0]
    assert parse_qs(urlsplit(h).query)["filename"][0].startswith("releases/1.3/")


@pytest.mark.parametrize(
    "url", [None, "https://gitlab.com/example/releases", "https://github.com/example"]
)
def test_no_propose_links_off_github(tmp_path: Path, url: str | None) -> None:
    reg = write_registry(
        tmp_path,
        repository_url=url,
        milestones=[{"name": "Build green"}],
        releases=[release("2.0.0", 1)],
    )
    page = build_pages(reg)["releases/2.0.0/index.html"]
    assert propose_hrefs(page) == []
    assert b"not reached" in page


# --- history ---------------------------------------------------------------------------------


def test_history_section(tmp_path: Path) -> None:
    reg = write_registry(
        tmp_path,
        milestones=[{"name": "Build green"}],
        releases=[release("2.0.0", 1)],
        approvals=[approval("2.0.0", "Build green", 2)],
    )
    history = {
        "2.0.0": [
            {
                "commit": "abcdef1234567890abcdef1234567890abcdef12",
                "author": "qa",
                "email": "qa@example.org",
                "time": "2024-01-02T12:00:00+01:00",
                "action": "approved",
                "milestone": "build-green",
                "message": f"Approve {EVIL}",
                "pull_request": 12,
            }
        ]
    }
    files = build_pages(reg, SiteOptions(history=history))
    page = files["releases/2.0.0/index.html"].decode()
    assert 'id="history-heading"' in page
    assert "2024-01-02 11:00 UTC" in page
    assert "Approve &lt;script&gt;" in page
    assert (
        "https://github.com/example/releases/commit/abcdef1234567890abcdef1234567890abcdef12"
        in page
    )
    assert '<a href="https://github.com/example/releases/pull/12">#12</a>' in page
    assert '<a href="../../milestones/build-green/index.html">Build green</a>' in page
    assert 'id="history-heading"' not in build_pages(reg)["releases/2.0.0/index.html"].decode()


# --- templates -------------------------------------------------------------------------------


def test_template_override_extends_default(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    (custom / "static").mkdir(parents=True)
    (custom / "release.html").write_text(
        '{% extends "!default/release.html" %}\n'
        "{% block footer %}Custom footer for {{ release.tag }}{% endblock %}\n"
    )
    (custom / "static" / "site.css").write_text("/* mine */\n")
    files = build_pages(data_registry(), SiteOptions(templates=custom))
    page = files["releases/4.0.0/index.html"].decode()
    assert "Custom footer for 4.0.0" in page
    assert "Quality milestones" in page  # the default's content is kept
    assert b"Custom footer" not in files["index.html"]
    assert files["static/site.css"] == b"/* mine */\n"
    assert files["static/site.js"] == (BUILTIN_TEMPLATES / "static" / "site.js").read_bytes()


def test_missing_template_names_search_path(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "release.html").write_text('{% extends "!default/no-such.html" %}\n')
    with pytest.raises(RelregError) as info:
        build_pages(data_registry(), SiteOptions(templates=custom))
    message = str(info.value)
    assert "no-such.html" in message
    assert str(custom) in message and str(BUILTIN_TEMPLATES) in message

    with pytest.raises(RelregError, match=r"'nope\.html' not found; searched: "):
        render(get_env(custom), "nope.html", {})


def test_broken_template_is_an_error(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "index.html").write_text("{% if %}\n")
    with pytest.raises(RelregError, match=r"index\.html, line 1"):
        build_pages(data_registry(), SiteOptions(templates=custom))


def test_templates_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(RelregError, match="not a folder"):
        build_pages(data_registry(), SiteOptions(templates=tmp_path / "missing"))


def test_no_external_assets(data_files: dict[str, bytes]) -> None:
    css = data_files["static/site.css"].decode()
    assert "url(" not in css and "@import" not in css
    js = data_files["static/site.js"].decode()
    assert "fetch(" not in js and "XMLHttpRequest" not in js


def test_empty_registry(tmp_path: Path) -> None:
    reg = write_registry(tmp_path, repository_url=None)
    files = build_pages(reg)
    assert b"No milestones are defined." in files["index.html"]
    assert b"No releases yet." in files["channels/index.html"]


def test_canonical_links_with_base_url() -> None:
    files = build_pages(data_registry(), SiteOptions(base_url="https://example.org/rr/"))
    page = files["releases/4.0.0/index.html"].decode()
    assert '<link rel="canonical" href="https://example.org/rr/releases/4.0.0/">' in page
    assert 'href="../../static/site.css"' in page  # links stay relative
