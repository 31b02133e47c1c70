"""The Jinja2 environment of the HTML site: search path, filters, rendering. Pure: no I/O
besides reading template files.

Search path: the user's ``--templates DIR`` first, then the built-in ``site_templates/``;
the prefix ``!default/`` always names the built-in file, so an override can
``{% extends "!default/release.html" %}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from markupsafe import Markup, escape

from .. import cache
from ..errors import RelregError
from ..values import parse_timestamp

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"
DEFAULT_PREFIX = "!default"
# Characters that end or break out of an attribute or a URL, and control characters.
_URL_BAD = re.compile(r"[\x00-\x1f \"'<>`\\]")


def search_path(templates: Path | None) -> list[Path]:
    """The folders searched for a template, in order."""
    return [p for p in (templates, BUILTIN_TEMPLATES) if p is not None]


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept in relreg's cache folder (``templates/``); safe to delete.

    Compiling the built-in templates takes ~50 ms, in each process of a build; loading
    them compiled takes ~2 ms. Each file is checksummed and tagged with relreg's code
    version like every relreg cache (``cache.read_file``: the version covers this module,
    whose environment options shape the compiled code); Jinja checks the template
    source's checksum and its own and Python's version. A damaged, stale or foreign
    file is compiled again, never used.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: Any) -> None:
        payload = cache.read_file(self.folder / f"{bucket.key}.cache")
        code = payload.get("code") if payload else None
        if isinstance(code, bytes):
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        cache.write_file(self.folder / f"{bucket.key}.cache", {"code": bucket.bytecode_to_string()})


def _compiled() -> CompiledTemplates | None:
    return CompiledTemplates(cache.cache_dir() / "templates") if cache.enabled() else None


def get_env(templates: Path | None = None) -> Environment:
    """The one environment of the site: loaders, autoescape everywhere, filters."""
    builtin = FileSystemLoader(str(BUILTIN_TEMPLATES))
    loaders: list[BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise RelregError(f"--templates {templates}: not a folder; pass a folder of templates")
        loaders.append(FileSystemLoader(str(templates)))
    loaders += [builtin, PrefixLoader({DEFAULT_PREFIX: builtin}, delimiter="/")]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build: no stat per render
        bytecode_cache=_compiled(),
    )
    env.filters["linkify"] = linkify
    env.filters["is_http_url"] = is_http_url
    env.filters["datetime"] = format_datetime
    env.filters["date"] = format_date
    env.filters["scalar"] = scalar_text
    env.globals["release_rows"] = release_rows
    env.globals["milestone_rows"] = milestone_rows
    # milestone.html makes its table rows in Python only when _macros.html is the
    # built-in one: rows made from an override's macros are left to Jinja.
    env.globals["builtin_macros"] = templates is None or not (templates / "_macros.html").exists()
    env.globals["search_path"] = [str(p) for p in search_path(templates)]
    return env


def _not_found(env: Environment, name: str) -> RelregError:
    where = ", ".join(env.globals["search_path"])  # type: ignore[arg-type]
    return RelregError(
        f"template {name!r} not found; searched: {where} "
        f"(and {DEFAULT_PREFIX}/ for the built-in ones); "
        "add it to your --templates folder or fix the name"
    )


def render(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; a missing or broken template raises RelregError."""
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise _not_found(env, exc.name if isinstance(exc.name, str) else name) from exc
    except TemplateSyntaxError as exc:
        raise RelregError(
            f"template {exc.filename or exc.name or name}, line {exc.lineno}: {exc.message}"
        ) from exc
    except TemplateError as exc:  # e.g. an undefined variable in an override
        raise RelregError(f"template {name}: {exc.message}; fix the template") from exc


def source(env: Environment, name: str) -> str:
    """The text of a template-folder file, unrendered (used for static files)."""
    assert env.loader is not None
    try:
        text, _, _ = env.loader.get_source(env, name)
    except TemplateNotFound as exc:
        raise _not_found(env, name) from exc
    return text


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
        return Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(text)
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
