"""Options shared by every part of a site build. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SiteOptions:
    """What a build needs besides the registry itself.

    ``build_time`` never comes from the clock: it is ``SOURCE_DATE_EPOCH`` when set, else the
    newest timestamp in the registry, so the same input gives byte-identical output.
    """

    base_url: str | None = None  # absolute site URL ending in "/", or None for relative links
    source_commit: str | None = None  # the Git commit the registry was built from
    build_time: str | None = None  # RFC 3339 UTC
    templates: Path | None = None  # --templates DIR, searched before the built-in templates
    # tag -> history entries (relreg history objects), when the registry is in Git
    history: dict[str, list[dict[str, Any]]] | None = field(default=None)
