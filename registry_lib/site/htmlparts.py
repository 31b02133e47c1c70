"""HTML made in Python for the built-in templates, where Jinja macro calls were most of a
page's render time: table rows and the sections of a release page. Pure.

Each function is byte-identical to the template code it stands for, which the templates
still use when ``--templates`` overrides ``_macros.html`` (``builtin_macros`` is false);
``tests/site/test_rows.py`` and ``test_release_parts.py`` render both ways.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from ..values import parse_timestamp

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


@lru_cache(maxsize=1 << 17)
def format_datetime(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23 04:12 UTC``; other text is returned as is.

    Cached: one timestamp is shown on a release page and in every table listing it.
    """
    if not value:
        return ""
    try:
        return parse_timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


@lru_cache(maxsize=1 << 17)
def format_date(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23``."""
    if not value:
        return ""
    try:
        return parse_timestamp(value).strftime("%Y-%m-%d")
    except ValueError:
        return value


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
