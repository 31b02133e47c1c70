"""Where a command reads from: the registry directory, a Git revision, or a published feed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RelregError

if TYPE_CHECKING:  # imported where used: they import pydantic, which not every command needs
    from .catalog import Catalog
    from .registry import Registry


@dataclass
class Session:
    """The global options of one command: ``--registry``, ``--at`` and ``--feed``."""

    root: Path
    at: str | None = None
    feed: str | None = None

    def writable(self, command: str) -> None:
        """Refuse ``--at`` and ``--feed`` on commands that work on the files."""
        if self.at or self.feed:
            flag = "--at" if self.at else "--feed"
            raise RelregError(f"{flag} only works with read commands, not `relreg {command}`")

    def writes(self, command: str) -> None:
        """``writable``, and refuse a registry whose format is newer than this relreg's."""
        self.writable(command)
        from .migrate import refuse_newer_format

        refuse_newer_format(self.root)

    def registry(self) -> Registry:
        """The registry in the work tree, or as it was at ``--at``."""
        if self.at:
            from .gitsource import load_at

            return load_at(self.root, self.at)
        from .loader import load_directory

        return load_directory(self.root)

    def catalog(self) -> Catalog:
        """The read side, from the feed when ``--feed`` is given."""
        if self.feed:
            if self.at:
                raise RelregError("--at and --feed cannot be combined; choose one source")
            from .feedclient import FeedCatalog

            return FeedCatalog(self.feed)
        from .catalog import IndexedCatalog, RegistryCatalog
        from .loader import require_registry

        if self.at:
            return RegistryCatalog(self.registry())
        require_registry(self.root)
        return IndexedCatalog(self.root)
