"""The HTML site in a real headless Chromium: filters, rejected toggle, links, phones, no JS.

Needs Debian's /usr/bin/chromium and the ``playwright`` package (test extras); the
browser Playwright would download is never used.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pagekit import DATA_REJECTED, build_pages, data_registry, write_site

from registry_lib.query import Filters, list_releases

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pages of data/, served on 127.0.0.1; yields the base URL."""
    folder = write_site(tmp_path_factory.mktemp("site"), build_pages(data_registry()))
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


class Watch:
    """Console errors, page errors and every requested URL of a page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    watch = Watch(p)
    yield p, watch
    context.close()
    assert watch.errors == []
    assert all(u.startswith(site) or u.startswith("data:") for u in watch.requests), watch.requests


def visible_rows(p: Any) -> list[str]:
    return [
        str(t)
        for t in p.locator("#releases-table tbody tr.release-row:visible th a").all_inner_texts()
    ]


def live_tags() -> list[str]:
    return [e.tag for e in reversed(list_releases(data_registry(), Filters()))]


def test_table_and_text_filter(page: tuple[Any, Watch], site: str) -> None:
    p, _ = page
    p.goto(site + "releases/index.html")
    assert visible_rows(p) == live_tags()
    assert p.locator("html.js").count() == 1
    p.fill("#filter-text", "3.74.0-rc")
    assert visible_rows(p) == ["3.74.0-rc.3", "3.74.0-rc.2", "3.74.0-rc.1"]
    assert p.locator("#filter-count").inner_text() == f"Showing 3 of {len(live_tags())} releases"
    p.fill("#filter-text", "no such release")
    assert visible_rows(p) == []
    assert p.locator("tr.empty-row").is_visible()
    p.click("button[type=reset]")
    p.wait_for_function("document.querySelectorAll('tr.empty-row[hidden]').length === 1")
    assert visible_rows(p) == live_tags()


def test_kind_and_milestone_filters(page: tuple[Any, Watch], site: str) -> None:
    p, _ = page
    p.goto(site + "releases/index.html")
    for kind in ("rc", "nightly", "development"):
        p.uncheck(f'input[name="kind"][value="{kind}"]')
    reg = data_registry()
    releases = [e.tag for e in reversed(list_releases(reg, Filters(kinds=["release"])))]
    assert visible_rows(p) == releases
    p.check('input[name="kind"][value="rc"]')
    p.select_option("#filter-milestone", "cloud-validated")
    expected = list_releases(reg, Filters(kinds=["release", "rc"], milestone="cloud-validated"))
    assert visible_rows(p) == [e.tag for e in reversed(expected)]


def test_rejected_toggle(page: tuple[Any, Watch], site: str) -> None:
    p, _ = page
    p.goto(site + "releases/index.html")
    row = p.locator(f'tr.release-row[data-rejected="true"]:has(a:text-is("{DATA_REJECTED}"))')
    assert row.count() == 1
    assert not row.is_visible()
    p.check("#show-rejected")
    assert row.is_visible()
    assert row.locator(".rejected-badge").is_visible()
    decoration = row.locator("a.tag").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert decoration == "line-through"
    p.uncheck("#show-rejected")
    assert not row.is_visible()


def test_release_link_opens_release_page(page: tuple[Any, Watch], site: str) -> None:
    p, _ = page
    p.goto(site + "releases/index.html")
    p.click('#releases-table a.tag:text-is("4.0.0-rc.3")')
    p.wait_for_url("**/releases/4.0.0-rc.3/index.html")
    assert p.locator("h1").inner_text().startswith("4.0.0-rc.3")
    assert p.locator(".approval").count() == 3
    p.goto(site + f"releases/{DATA_REJECTED}/index.html")
    assert p.locator(".banner-danger").is_visible()


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "releases/index.html",
        "releases/4.0.0-rc.3/index.html",
        f"releases/{DATA_REJECTED}/index.html",
        "milestones/cloud-validated/index.html",
        "channels/3.74/index.html",
    ],
)
def test_phone_width(browser: Any, site: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    p = context.new_page()
    watch = Watch(p)
    try:
        p.goto(site + path)
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide at 375px"
        if path == "releases/index.html":
            wrap = p.locator(".table-wrap").first
            assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls by itself
            assert p.locator("#filter-text").is_visible()
    finally:
        context.close()
    assert watch.errors == []


def test_without_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    p = context.new_page()
    try:
        p.goto(site + "releases/index.html")
        assert p.locator("html.no-js").count() == 1
        assert visible_rows(p) == live_tags()
        assert not p.locator("#filters").is_visible()
        rejected = p.locator('tr.release-row[data-rejected="true"]')
        assert not rejected.is_visible()
        p.check("#show-rejected")  # a pure CSS toggle
        assert rejected.is_visible()
        p.click('#releases-table a.tag:text-is("4.0.0")')
        p.wait_for_url("**/releases/4.0.0/index.html")
    finally:
        context.close()


def test_dark_mode_changes_colours(browser: Any, site: str) -> None:
    colours = []
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        p = context.new_page()
        p.goto(site + "index.html")
        colours.append(p.evaluate("getComputedStyle(document.body).backgroundColor"))
        context.close()
    assert colours[0] != colours[1]
