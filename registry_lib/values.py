"""The value formats of registry files: milestone slugs, RFC 3339 timestamps, soak
durations. Pure, and free of pydantic, so anything may use them cheaply."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# ASCII digits only: Python's \d also matches other scripts' digits, which int() reads
_RFC3339 = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
)
_SOAK = re.compile(r"^(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?\Z")
_SLUG_RUN = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """Return the file-name slug of a milestone name ("Nightly passed" -> "nightly-passed")."""
    return _SLUG_RUN.sub("-", name.lower()).strip("-")


def parse_timestamp(value: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime; raise ValueError otherwise."""
    m = _RFC3339.match(value)
    if not m:
        raise ValueError(value)
    text = value.upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first day Python has
        raise ValueError(value) from None


def format_timestamp(value: datetime) -> str:
    """Format a datetime as UTC RFC 3339 at second precision, with a ``Z``.

    The year has four digits however small (``strftime`` writes year 999 as "999", which
    is not RFC 3339 and sorts after "2023" as text)."""
    d = value.astimezone(UTC)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def normalize_timestamp(value: str) -> str:
    """Return the canonical UTC form of an RFC 3339 timestamp (fractions dropped)."""
    if is_canonical(value):
        return value
    return _normalized(value)


# Only timestamps in other forms are remembered: a canonical one is checked in less time
# than a cache lookup takes, and remembering every timestamp of 100,000 releases and
# their approvals held ~25 MB in each process that loads them.
@lru_cache(maxsize=1 << 16)
def _normalized(value: str) -> str:
    return format_timestamp(parse_timestamp(value))


def is_canonical(value: str) -> bool:
    """True when ``value`` is already its own canonical form (``YYYY-MM-DDTHH:MM:SSZ``, a
    real date and time), as nearly every timestamp relreg writes is.

    Parsing and formatting cost ~9 µs, paid for each of the ~190,000 timestamps of a
    100,000-release registry in every build.
    """
    if len(value) != 20 or value[19] != "Z" or value[10] != "T":
        return False
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value[:19])  # refuses impossible dates and times
    except ValueError:
        return False
    return True


def parse_soak(value: str) -> timedelta:
    """Parse a duration such as ``48h``, ``2d`` or ``1h30m``; raise ValueError otherwise."""
    m = _SOAK.match(value.strip())
    if not value.strip() or not m or not any(m.groups()):
        raise ValueError(value)
    w, d, h, mi, s = (int(g or 0) for g in m.groups())
    try:
        return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
    except OverflowError:  # more than 999,999,999 days
        raise ValueError(value) from None
