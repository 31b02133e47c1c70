"""Options shared by every part of a site build. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGISTRY_PATH = "data"  # where the registry sits inside its Git repository, by default
DEFAULT_BRANCH = "main"


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
    # tag -> history entries (``registry_lib.history.collect``), when the registry is in Git
    # (``HistoryEntry``s, or any mappings with their keys)
    history: Mapping[str, Sequence[Mapping[str, Any]]] | None = field(default=None)
    # where the registry sits in its Git repository, and the branch "propose approval"
    # links target; both only matter when registry.yaml has a GitHub repository_url
    registry_path: str = REGISTRY_PATH
    branch: str = DEFAULT_BRANCH
