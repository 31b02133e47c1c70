"""relreg: a Git-backed release registry.

The library API, usable without the command line::

    from pathlib import Path
    import registry_lib as rr

    reg = rr.load_directory(Path("data"))
    print(rr.latest(reg, rr.Filters(prefix="3.74", milestone="Nightly passed")).tag)
    for finding in rr.validate(reg):
        print(finding)

The names below are imported on first use, so a command that needs few of them (``relreg
validate --base``) does not pay for importing pydantic and every module at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import FeedError, GitError, NotFoundError, RelregError, ValidationFailed
    from .findings import CODES, Finding
    from .loader import DirectorySource, load_directory, load_registry
    from .model import Approval, MilestoneDefinition, RegistryConfig, Release
    from .objects import definition_object, release_object
    from .query import Filters, get_release, latest, list_releases
    from .registry import Registry, ReleaseEntry
    from .rules import validate
    from .tags import channel_of, kind_of, sort_by_version, sort_tags
    from .values import slugify

# Exported name -> the module that defines it.
_EXPORTS = {
    "FeedError": "errors",
    "GitError": "errors",
    "NotFoundError": "errors",
    "RelregError": "errors",
    "ValidationFailed": "errors",
    "CODES": "findings",
    "Finding": "findings",
    "DirectorySource": "loader",
    "load_directory": "loader",
    "load_registry": "loader",
    "Approval": "model",
    "MilestoneDefinition": "model",
    "RegistryConfig": "model",
    "Release": "model",
    "slugify": "values",
    "definition_object": "objects",
    "release_object": "objects",
    "Filters": "query",
    "get_release": "query",
    "latest": "query",
    "list_releases": "query",
    "Registry": "registry",
    "ReleaseEntry": "registry",
    "validate": "rules",
    "channel_of": "tags",
    "kind_of": "tags",
    "sort_by_version": "tags",
    "sort_tags": "tags",
}

__all__ = [
    "CODES",
    "Approval",
    "DirectorySource",
    "FeedError",
    "Filters",
    "Finding",
    "GitError",
    "MilestoneDefinition",
    "NotFoundError",
    "Registry",
    "RegistryConfig",
    "Release",
    "ReleaseEntry",
    "RelregError",
    "ValidationFailed",
    "channel_of",
    "definition_object",
    "get_release",
    "kind_of",
    "latest",
    "list_releases",
    "load_directory",
    "load_registry",
    "release_object",
    "slugify",
    "sort_by_version",
    "sort_tags",
    "validate",
]


# Submodules that importing the package used to load, so ``registry_lib.loader`` still works.
_SUBMODULES = frozenset(
    {
        "errors",
        "fastyaml",
        "findings",
        "loader",
        "model",
        "objects",
        "query",
        "registry",
        "rules",
        "tags",
        "yamlio",
    }
)


def __getattr__(name: str) -> object:
    """Import an exported name's module on first use (PEP 562)."""
    from importlib import import_module

    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
