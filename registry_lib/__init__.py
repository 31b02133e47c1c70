"""relreg: a Git-backed release registry.

The library API, usable without the command line::

    from pathlib import Path
    import registry_lib as rr

    reg = rr.load_directory(Path("data"))
    print(rr.latest(reg, rr.Filters(prefix="3.74", milestone="Nightly passed")).tag)
    for finding in rr.validate(reg):
        print(finding)
"""

from .errors import FeedError, GitError, NotFoundError, RelregError, ValidationFailed
from .findings import CODES, Finding
from .loader import DirectorySource, load_directory, load_registry
from .model import Approval, MilestoneDefinition, RegistryConfig, Release, slugify
from .objects import definition_object, release_object
from .query import Filters, get_release, latest, list_releases
from .registry import Registry, ReleaseEntry
from .rules import validate
from .tags import channel_of, kind_of, sort_by_version, sort_tags

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
