"""Fixtures for ``relreg notify`` (defined in notifykit.py): receivers, a registry repo."""

from notifykit import _no_proxy, receiver, repo

__all__ = ["_no_proxy", "receiver", "repo"]
