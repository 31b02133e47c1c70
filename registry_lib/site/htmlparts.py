"""HTML made in Python for the built-in templates, where Jinja macro calls were most of a
page's render time: table rows, the sections of a release page, and whole release pages.
Pure.

Each function is byte-identical to the template code it stands for, which the templates
still use when ``--templates`` overrides ``_macros.html`` (``builtin_macros`` is false)
or, for whole release pages, any of ``base.html``, ``release.html`` and ``_macros.html``;
``tests/site/test_rows.py`` and ``test_release_parts.py`` render both ways.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from ..values import format_timestamp, is_canonical, parse_timestamp

# Characters that end or break out of an attribute or a URL, and control characters.
_URL_BAD = re.compile(r"[\x00-\x1f \"'<>`\\]")


def is_http_url(value: object) -> bool:
    """True for an absolute http(s) URL with a host and nothing that could break out."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return False  # most metadata values: decided without scanning or parsing
    if _URL_BAD.search(value):
        return False
    if "[" in value or "]" in value:  # an IPv6 host: urlsplit judges the brackets
        try:
            return bool(urlsplit(value).netloc)
        except ValueError:
            return False
    host = value.index("//") + 2  # what urlsplit calls the netloc starts here
    return value[host : host + 1] not in ("", "/", "?", "#")


def scalar_text(value: object) -> str:
    """A metadata scalar as YAML would show it (true/false, numbers, text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def linkify(value: object) -> Markup:
    """A value as escaped text, or as a link when it is an http(s) URL (never javascript:)."""
    text = scalar_text(value)
    if is_http_url(text):
        url = escape(text)  # an f-string: Markup.format runs string.Formatter, 10x slower
        return Markup(f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>')
    return escape(text)


# The formatted times are remembered for a while: one timestamp is shown several times on
# a release page and in every table listing it. Not for the whole build: every timestamp
# of 100,000 releases, in both caches, held ~40 MB in each process writing pages.
FORMAT_CACHE = 4096


@lru_cache(maxsize=FORMAT_CACHE)
def format_datetime(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23 04:12 UTC``; other text is returned as is."""
    if not value:
        return ""
    if not is_canonical(value):  # nearly every one is: cut it as it is (~4x faster)
        try:
            value = format_timestamp(parse_timestamp(value))
        except ValueError:
            return value
    return f"{value[:10]} {value[11:16]} UTC"


@lru_cache(maxsize=FORMAT_CACHE)
def format_date(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23``."""
    if not value:
        return ""
    if not is_canonical(value):
        try:
            value = format_timestamp(parse_timestamp(value))
        except ValueError:
            return value
    return value[:10]


_REJECTED_BADGE = (
    '<span class="badge rejected-badge"><svg viewBox="0 0 16 16" width="12" height="12" '
    'aria-hidden="true" focusable="false"><path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" fill="none"/></svg>rejected</span>'
)
_NOT_REACHED = (
    '      <td class="col-ms not-reached"><span aria-hidden="true">·</span>'
    '<span class="sr-only">not reached</span></td>\n'
)
_BREAK_GLASS_CELL = (
    '<span aria-hidden="true">⚠</span><span class="sr-only">reached with break glass</span>'
)
_REACHED_CELL = '<span aria-hidden="true">✓</span><span class="sr-only">reached</span>'


def _e(value: object) -> str:
    """``str(escape(value))``; plain text is escaped by five C calls instead (3x faster,
    ~370,000 values at 10,000 releases), the same five characters markupsafe escapes."""
    if type(value) is str:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("'", "&#39;")
        )
    return str(escape(value))


def release_rows(root: str, releases: Any, milestones: Any) -> Markup:
    """The ``<tr>`` rows of the built-in ``release_table`` macro, made in Python.

    The table is the biggest part of the releases page and of every channel page (a row
    per release, a cell per milestone); Jinja's macro calls made it most of their render
    time. Byte-identical to the template loop it replaces (tests/site/test_rows.py
    renders both). Only the built-in ``_macros.html`` calls it: an override of that file
    keeps its own ``release_table``.
    """
    out: list[str] = []
    add = out.append
    eroot = _e(root)
    heads = [(m.slug, _e(m.name)) for m in milestones]
    for r in releases:
        rejected = r.rejected
        tag, kind, channel = _e(r.tag), _e(r.kind), _e(r.channel)
        reached = r.reached
        is_rejected = " is-rejected" if rejected else ""
        data_rejected = ' data-rejected="true"' if rejected else ""
        badge = " " + _REJECTED_BADGE if rejected else ""
        slugs = " ".join(_e(s) for s in reached)
        add(
            f'    <tr class="release-row{is_rejected}" '
            f'data-kind="{kind}" data-channel="{channel}" '
            f'data-milestones="{slugs}" '
            f'data-search="{_e(r.search_text)}"{data_rejected}>\n'
            f'      <th scope="row" class="col-tag"><a class="tag'
            f'{is_rejected}" href="{eroot}releases/{tag}/index.html">'
            f"{tag}</a>{badge}</th>\n"
            f'      <td><span class="badge kind kind-{kind}">{kind}</span></td>\n'
            f'      <td><a href="{eroot}channels/{channel}/index.html">{channel}</a></td>\n'
            f'      <td class="nowrap">{_when_short(r.obj["created_at"])}</td>\n'
        )
        for slug, name in heads:
            a = reached.get(slug)
            if not a:
                add(_NOT_REACHED)
                continue
            glass = a["break_glass"]
            state = " is-break-glass" if glass else " is-reached"
            how = "break glass, " if glass else ""
            approver = _e(a["approver"])
            when = _e(format_datetime(a["approved_at"]))
            cell = _BREAK_GLASS_CELL if glass else _REACHED_CELL
            add(
                f'      <td class="col-ms{state}" '
                f'title="{name}: {how}approved by {approver} on {when}">{cell}</td>\n'
            )
        add("    </tr>\n")
    return Markup("".join(out)[:-1])  # the template's line break ends the last row


def _when_short(value: str | None) -> str:
    """The built-in ``when(value, short=true)`` macro."""
    if not value:
        return ""
    v, title, day = _e(value), _e(format_datetime(value)), _e(format_date(value))
    return f'<time datetime="{v}" title="{title}">{day}</time>'


_BREAK_GLASS_BADGE = (
    '<span class="badge break-glass" title="Approved with break glass: requirements were '
    'skipped">⚠ break glass</span>'
)


def milestone_rows(root: str, releases: Any, slug: str) -> Markup:
    """The ``<tr>`` rows of milestone.html's table, made in Python (see ``release_rows``).

    Byte-identical to the template loop, which milestone.html still uses when
    ``--templates`` overrides ``_macros.html`` (tests/site/test_rows.py checks both).
    """
    out: list[str] = []
    add = out.append
    eroot = _e(root)
    first = True
    for r in releases:
        a = r.reached[slug]
        tag, kind, channel = _e(r.tag), _e(r.kind), _e(r.channel)
        is_rejected = " is-rejected" if r.rejected else ""
        latest = ' <span class="badge latest">latest</span>' if first else ""
        glass = " " + _BREAK_GLASS_BADGE if a["break_glass"] else ""
        first = False
        add(
            "      <tr>\n"
            f'        <th scope="row"><a class="tag{is_rejected}" '
            f'href="{eroot}releases/{tag}/index.html">{tag}</a>{latest}</th>\n'
            f'        <td><span class="badge kind kind-{kind}">{kind}</span></td>\n'
            f'        <td><a href="{eroot}channels/{channel}/index.html">{channel}</a></td>\n'
            f'        <td class="nowrap">{_when(a["approved_at"])}{glass}</td>\n'
            f"        <td>{_e(a['approver'])}</td>\n"
            "      </tr>\n"
        )
    return Markup("".join(out)[:-1])


def _when(value: str | None) -> str:
    """The built-in ``when(value)`` macro."""
    if not value:
        return ""
    v, title = _e(value), _e(format_datetime(value))
    return f'<time datetime="{v}" title="{title}">{title}</time>'


def _milestone_link(eroot: str, slug: str, name: str) -> str:
    """The built-in ``milestone_link`` macro (``eroot`` is escaped already)."""
    return f'<a href="{eroot}milestones/{_e(slug)}/index.html">{_e(name)}</a>'


def metadata_list(metadata: Any, empty: str = "No metadata.") -> str:
    """The built-in ``metadata_list`` macro: a ``<dl>`` of keys and linkified values."""
    if not metadata:
        return f'<p class="muted">{_e(empty)}</p>\n'
    items = "".join(
        f"  <div><dt>{_e(key)}</dt><dd>{linkify(value)}</dd></div>\n"
        for key, value in metadata.items()
    )
    return f'<dl class="kv">\n{items}</dl>\n'


def approval_items(root: str, release: Any, milestones: Any, defined: Any, propose: Any) -> Markup:
    """The ``<li>`` items of release.html's "Quality milestones" list, made in Python.

    One per approval (linked to its definition when defined), then one per definition the
    release did not reach, with its "propose approval" link when there is one.
    """
    out: list[str] = []
    add = out.append
    eroot = _e(root)
    for a in release.obj["quality_milestones"]:
        glass = a["break_glass"]
        title = _milestone_link(eroot, a["slug"], a["name"]) if a["slug"] in defined else None
        add(
            f'    <li class="approval card{" is-break-glass" if glass else ""}">\n'
            f'      <h3><span class="check" aria-hidden="true">{"⚠" if glass else "✓"}</span> '
            f"{title or _e(a['name'])}"
            f"{' ' + _BREAK_GLASS_BADGE if glass else ''}</h3>\n"
            f'      <p class="muted">Approved by {_e(a["approver"])} on '
            f"{_when(a['approved_at'])}</p>\n"
            f"      {metadata_list(a['metadata'], 'No approval metadata.')}\n"
            "    </li>\n"
        )
    reached = release.reached
    for m in milestones:
        if m.slug in reached:
            continue
        add(
            '    <li class="approval card pending">\n'
            '      <h3><span class="check" aria-hidden="true">○</span> '
            f"{_milestone_link(eroot, m.slug, m.name)} "
            '<span class="muted small">not reached</span></h3>\n'
        )
        link = propose.get(m.slug)
        if link is not None:
            add(
                f'      <p><a class="button button-outline" href="{_e(link.url)}" '
                f'rel="nofollow noopener">Propose approval for {_e(m.name)}</a></p>\n'
                '      <p class="muted small">Opens the repository\'s editor with '
                f'<code class="break">{_e(link.filename)}</code>; fill in the values and '
                "open a pull request.</p>\n"
            )
        elif release.rejected:
            add('      <p class="muted small">Rejected releases cannot be approved.</p>\n')
        add("    </li>\n")
    return Markup("".join(out))


def history_table_rows(root: str, history: Any, defined: Any) -> Markup:
    """The ``<tr>`` rows of release.html's "History" table, made in Python."""
    out: list[str] = []
    add = out.append
    eroot = _e(root)
    for h in history:
        action = _e(h.action)
        ref = defined.get(h.milestone) if h.milestone else None
        if ref:
            action += " " + _milestone_link(eroot, ref.slug, ref.name)
        elif h.milestone:
            action += " " + _e(h.milestone)
        author = _e(h.author)
        if h.email:
            author = f'<span title="{_e(h.email)}">{author}</span>'
        commit = f"<code>{_e(h.commit[:10])}</code>"
        if h.commit_url:
            commit = f'<a href="{_e(h.commit_url)}">{commit}</a>'
        message = _e(h.message)
        if h.pull_request is not None:
            number = f"#{_e(h.pull_request)}"
            if h.pull_request_url:
                message += f' <a href="{_e(h.pull_request_url)}">{number}</a>'
            else:
                message += f' <span class="muted">{number}</span>'
        add(
            "      <tr>\n"
            f'        <td class="nowrap">{_when(h.time)}</td>\n'
            f"        <td>{action}</td>\n"
            f"        <td>{author}</td>\n"
            f"        <td>{commit}</td>\n"
            f"        <td>{message}</td>\n"
            "      </tr>\n"
        )
    return Markup("".join(out))


# The whole release page (base.html with release.html's blocks), made in Python while
# base.html, release.html and _macros.html are all the built-in ones: a release page is
# most files of a site, and Jinja took 200-400 µs to render one, ~60 of them for the
# frame alone. Byte-identical to the templates (tests/site/test_release_parts.py renders
# both ways), which still render it when any of the three is overridden.

_ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E"
    "%3Cpath d='M12 2 3 6.5v11L12 22l9-4.5v-11L12 2Z' fill='%231f5fd1'/%3E%3C/svg%3E"
)
_LOGO = (
    '<svg class="logo" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" '
    'focusable="false"><path d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2Zm0 2.2 6.8 3.4L12 11 '
    '5.2 7.6 12 4.2ZM5 9.3l6 3v7.4l-6-3V9.3Zm8 10.4v-7.4l6-3v7.4l-6 3Z" '
    'fill="currentColor"/></svg>'
)
_NAV = (
    ("home", "Overview", "index.html"),
    ("releases", "Releases", "releases/index.html"),
    ("milestones", "Milestones", "milestones/index.html"),
    ("channels", "Channels", "channels/index.html"),
)
_JSON_ICON = (
    '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">'
    '<path d="M5 2.5C3.5 2.5 3.5 4 3.5 5v1.2c0 .8-.6 1.3-1.5 1.3v1c.9 0 1.5.5 1.5 1.3V11c0 '
    "1 0 2.5 1.5 2.5M11 2.5c1.5 0 1.5 1.5 1.5 2.5v1.2c0 .8.6 1.3 1.5 1.3v1c-.9 0-1.5.5-1.5 "
    '1.3V11c0 1 0 2.5-1.5 2.5" stroke="currentColor" stroke-width="1.3" fill="none"/></svg>'
)
_DANGER_ICON = (
    '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">'
    '<circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2"/>'
    '<path d="M7 7l10 10" stroke="currentColor" stroke-width="2"/></svg>'
)
_HISTORY_HEAD = (
    '<thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">Author'
    '</th><th scope="col">Commit</th><th scope="col">Message</th></tr></thead>'
)


def _frame(page: Any, breadcrumbs: str, content: str) -> str:
    """base.html around a page's breadcrumbs and content (no head or scripts blocks)."""
    site, root, nav = page.site, _e(page.root), page.nav
    name = _e(site.name)
    canonical = f'<link rel="canonical" href="{_e(page.canonical)}">\n' if page.canonical else ""
    links = ""
    for key, label, href in _NAV:
        current = ' aria-current="page"' if nav == key else ""
        links += f'        <li><a href="{root}{href}"{current}>{label}</a></li>\n'
    footer = "      Generated by relreg"
    if site.source_commit:
        short = _e(site.source_commit[:12])
        code = f"<code>{short}</code>"
        if site.commit_url:
            code = f'<a href="{_e(site.commit_url)}">{code}</a>'
        footer += f" from commit\n{code}"
    if site.build_time:
        footer += (
            f' · data as of <time datetime="{_e(site.build_time)}">'
            f"{_e(format_datetime(site.build_time))}</time>"
        )
    source = ""
    if site.repository_url and is_http_url(site.repository_url):
        source = f' · <a href="{_e(site.repository_url)}">Source repository</a>'
    return (
        "<!doctype html>\n"
        '<html lang="en" class="no-js">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="generator" content="relreg">\n'
        f"<title>{_e(page.title)} · {name}</title>\n"
        f"{canonical}"
        f'<link rel="icon" href="{_ICON}">\n'
        f'<link rel="stylesheet" href="{root}static/site.css">\n'
        f'<link rel="alternate" type="application/atom+xml" href="{root}feed.atom" '
        f'title="{name}: activity">\n'
        f'<link rel="alternate" type="application/json" href="{root}api/v1/index.json" '
        'title="JSON feed">\n'
        '<script>document.documentElement.classList.replace("no-js", "js");</script>\n'
        "</head>\n"
        f'<body class="page-{_e(nav)}">\n'
        '<a class="skip" href="#main">Skip to content</a>\n'
        '<header class="site-header">\n'
        '  <div class="wrap header-row">\n'
        f'    <a class="brand" href="{root}index.html">\n'
        f"      {_LOGO}\n"
        f"      <span>{name}</span>\n"
        "    </a>\n"
        '    <nav class="main-nav" aria-label="Main">\n'
        "      <ul>\n"
        f"{links}"
        "      </ul>\n"
        "    </nav>\n"
        "  </div>\n"
        "</header>\n"
        '<main id="main" class="wrap">\n'
        f"{breadcrumbs}"
        f"{content}"
        "</main>\n"
        '<footer class="site-footer">\n'
        '  <div class="wrap footer-row">\n'
        "    <p>\n"
        f"{footer}"
        "    </p>\n"
        f'    <p><a href="{root}api/v1/index.json">JSON feed (api/v1)</a> · '
        f'<a href="{root}feed.atom">Atom</a>{source}</p>\n'
        "  </div>\n"
        "</footer>\n"
        f'<script src="{root}static/site.js" defer></script>\n'
        "</body>\n"
        "</html>\n"
    )


def release_page(page: Any) -> str:
    """release.html for a ``ReleasePage``, with base.html around it."""
    release, root = page.release, _e(page.root)
    r = release.obj
    tag, channel = _e(r["tag"]), _e(r["channel"])
    rejected = release.rejected
    is_rejected = " is-rejected" if rejected else ""
    badge = f" {_REJECTED_BADGE}" if rejected else ""
    kind = _e(r["kind"])
    rejection = ""
    if r["rejection"]:
        rej = r["rejection"]
        rejection = (
            '<div class="banner banner-danger" role="alert">\n'
            f"  {_DANGER_ICON}\n"
            "  <div>\n"
            '    <p class="banner-title">This release was rejected and must not be used.</p>\n'
            f"    <p>{_e(rej['reason'])}</p>\n"
            f'    <p class="small">Rejected by {_e(rej["by"])} on {_when(rej["at"])}.</p>\n'
            "  </div>\n"
            "</div>\n"
        )
    defined = page.defined
    milestones = page.milestones
    none_defined = ""
    if not r["quality_milestones"] and not milestones:
        none_defined = '<p class="muted">No milestones are defined.</p>'
    history = ""
    if page.history:
        history = (
            '<section aria-labelledby="history-heading">\n'
            '  <h2 id="history-heading">History</h2>\n'
            '  <div class="table-wrap" tabindex="0" role="region" '
            'aria-labelledby="history-heading">\n'
            '  <table class="history-table">\n'
            f"    {_HISTORY_HEAD}\n"
            "    <tbody>\n"
            f"{history_table_rows(page.root, page.history, defined)}"
            "    </tbody>\n"
            "  </table>\n"
            "  </div>\n"
            "</section>\n"
        )
    breadcrumbs = (
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="{root}releases/index.html">'
        f'Releases</a> <span aria-hidden="true">/</span> '
        f'<a href="{root}channels/{channel}/index.html">{channel}</a>'
        "</nav>\n"
    )
    content = (
        '<div class="page-head">\n'
        f'  <h1 class="release-title"><span class="tag{is_rejected}">{tag}</span> '
        f'<span class="badge kind kind-{kind}">{kind}</span>{badge}</h1>\n'
        f'  <p class="lead"><a class="json-link" href="{root}api/v1/releases/{tag}.json">'
        f"{_JSON_ICON}{tag}.json</a></p>\n"
        "</div>\n"
        "\n"
        f"{rejection}"
        "\n"
        '<section aria-labelledby="details-heading">\n'
        '  <h2 id="details-heading">Details</h2>\n'
        '  <dl class="kv">\n'
        f"    <div><dt>Tag</dt><dd><code>{tag}</code></dd></div>\n"
        f"    <div><dt>Kind</dt><dd>{kind}</dd></div>\n"
        f'    <div><dt>Channel</dt><dd><a href="{root}channels/{channel}/index.html">'
        f"{channel}</a></dd></div>\n"
        f'    <div><dt>Commit</dt><dd><code class="break">{_e(r["commit"])}</code></dd></div>\n'
        f"    <div><dt>Created by</dt><dd>{_e(r['creator'])}</dd></div>\n"
        f"    <div><dt>Created at</dt><dd>{_when(r['created_at'])}</dd></div>\n"
        "  </dl>\n"
        "</section>\n"
        "\n"
        '<section aria-labelledby="metadata-heading">\n'
        '  <h2 id="metadata-heading">Metadata</h2>\n'
        f"  {metadata_list(r['metadata'])}\n"
        "</section>\n"
        "\n"
        '<section aria-labelledby="milestones-heading">\n'
        '  <h2 id="milestones-heading">Quality milestones</h2>\n'
        '  <ol class="approvals">\n'
        f"{approval_items(page.root, release, milestones, defined, page.propose)}"
        "  </ol>\n"
        f"{none_defined}"
        "</section>\n"
        "\n"
        f"{history}"
    )
    return _frame(page, breadcrumbs, content)
