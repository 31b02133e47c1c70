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

from .. import cache
from ..errors import RelregError
from .htmlparts import (
    approval_items,
    format_date,
    format_datetime,
    history_table_rows,
    is_http_url,
    linkify,
    milestone_rows,
    release_rows,
    scalar_text,
)

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"
DEFAULT_PREFIX = "!default"


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
    env.globals["approval_items"] = approval_items
    env.globals["history_table_rows"] = history_table_rows
    # milestone.html's rows and release.html's approvals and history are made in Python
    # only when _macros.html is the built-in one: an override's macros are left to Jinja.
    env.globals["builtin_macros"] = not _overrides(templates, "_macros.html")
    # The whole release page is made in Python while none of its three templates is
    # overridden (htmlparts.release_page); pages.render_page reads this flag.
    env.globals["builtin_release_page"] = not _overrides(
        templates, "base.html", "release.html", "_macros.html"
    )
    env.globals["search_path"] = [str(p) for p in search_path(templates)]
    return env


def _overrides(templates: Path | None, *names: str) -> bool:
    """True when the ``--templates`` folder has a file of one of these names."""
    return templates is not None and any((templates / name).exists() for name in names)


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
