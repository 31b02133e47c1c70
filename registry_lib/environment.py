"""Who is acting and what time it is: env RELREG_ACTOR / Git user.email, RELREG_NOW / clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from .errors import RelregError
from .gitutil import user_email
from .values import format_timestamp, parse_timestamp


def actor(explicit: str | None, registry_root: Path, flag: str | None) -> str:
    """The acting person: the flag, else RELREG_ACTOR, else Git's user.email."""
    if explicit:
        return explicit
    env = os.environ.get("RELREG_ACTOR", "").strip()
    if env:
        return env
    email = user_email(registry_root) if registry_root.is_dir() else None
    if email:
        return email
    option = f"pass {flag} EMAIL, " if flag else ""
    raise RelregError(
        f"no actor: {option}set RELREG_ACTOR, or run "
        "`git config user.email you@example.com` in the registry's repository"
    )


def now() -> str:
    """The current UTC time at second precision; RELREG_NOW overrides the clock."""
    fixed = os.environ.get("RELREG_NOW", "").strip()
    if fixed:
        try:
            return format_timestamp(parse_timestamp(fixed))
        except ValueError:
            raise RelregError(
                f"RELREG_NOW={fixed!r} is not an RFC 3339 timestamp like 2023-03-23T04:12:00Z"
            ) from None
    return format_timestamp(datetime.now(UTC))
