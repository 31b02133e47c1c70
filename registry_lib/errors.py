"""The one exception hierarchy of relreg; free of click so the library can raise it anywhere.

The CLI turns every ``RelregError`` into ``error: <message>`` and exit code 1.
"""

from __future__ import annotations


class RelregError(Exception):
    """A request that cannot be carried out; the message tells the user what to do."""


class NotFoundError(RelregError):
    """A release, milestone or file that the request names does not exist."""


class ValidationFailed(RelregError):
    """A write was refused because the result would break registry rules."""

    def __init__(self, message: str, findings: list[object] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class GitError(RelregError):
    """A Git command failed or the registry is not where Git can reach it."""


class FeedError(RelregError):
    """A published feed could not be read or is not a relreg feed."""
