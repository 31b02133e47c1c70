"""The Jinja2 environment of the HTML site: search path, filters, rendering. Pure: no I/O
besides reading template files.

Search path: the user's ``--templates DIR`` first, then the built-in ``site_templates/``;
the prefix ``!default/`` always names the built-in file, so an override can
``{% extends "!default/release.html" %}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from markupsafe import Markup, escape

from ..errors import RelregError
from ..model import parse_timestamp

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"
DEFAULT_PREFIX = "!default"
_URL_BAD_CHARS = frozenset(" \t\r\n\"'<>`\\")


def search_path(templates: Path | None) -> list[Path]:
    """The folders searched for a template, in order."""
    return [p for p in (templates, BUILTIN_TEMPLATES) if p is not None]


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
    )
    env.filters["linkify"] = linkify
    env.filters["is_http_url"] = is_http_url
    env.filters["datetime"] = format_datetime
    env.filters["date"] = format_date
    env.filters["scalar"] = scalar_text
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
    if not isinstance(value, str) or any(c in _URL_BAD_CHARS or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and value.startswith(("http://", "https://"))
    )


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


def format_datetime(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23 04:12 UTC``; other text is returned as is."""
    if not value:
        return ""
    try:
        return parse_timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def format_date(value: str | None) -> str:
    """``2023-03-23T04:12:00Z`` -> ``2023-03-23``."""
    if not value:
        return ""
    try:
        return parse_timestamp(value).strftime("%Y-%m-%d")
    except ValueError:
        return value
