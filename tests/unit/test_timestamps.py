"""The shortcuts for canonical timestamps (``normalize_timestamp``, the site's
``format_datetime`` and ``format_date``) agree with the general path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_lib.site.htmlparts import format_date, format_datetime
from registry_lib.values import (
    format_timestamp,
    normalize_timestamp,
    parse_soak,
    parse_timestamp,
)


def general(value: str) -> str:
    """The general path: parse, convert to UTC, format."""
    return format_timestamp(parse_timestamp(value))


def outcome(fn, value: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(fn(value))
    except ValueError:
        return "ValueError"


offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m))
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(moments, offsets, st.sampled_from(["", ".5", ".123456"]), st.booleans())
def test_written_timestamps_agree(
    moment: datetime, offset: timezone, fraction: str, zulu: bool
) -> None:
    local = moment.astimezone(offset)
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    text += (
        "Z"
        if zulu and offset.utcoffset(None) == timedelta(0)
        else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    )
    assert outcome(normalize_timestamp, text) == outcome(general, text)


@given(st.text(alphabet="0123456789-:TZtz.+ ", min_size=18, max_size=22))
def test_any_text_agrees(text: str) -> None:
    assert outcome(normalize_timestamp, text) == outcome(general, text)


@pytest.mark.parametrize(
    "text",
    [
        "2023-03-07T10:00:00Z",  # canonical: itself
        "2023-02-30T10:00:00Z",  # no such day
        "2023-03-07T24:00:00Z",  # no such hour
        "2023-03-07T10:00:60Z",  # leap seconds are refused by both
        "0999-03-07T10:00:00Z",  # years before 1000 have four digits too
        "2023-03-07t10:00:00z",  # lower case: upper-cased by the general path
        "2023-03-07T10:00:00+01:00",
        "2023-03-07T10:00:00.999Z",
    ],
)
def test_edge_cases_agree(text: str) -> None:
    assert outcome(normalize_timestamp, text) == outcome(general, text)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_canonical_text_agrees(moment: datetime) -> None:
    """Text in the canonical shape (four-digit years included) takes the shortcut when
    it can, and answers as the general path does."""
    m = moment
    text = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"
    assert outcome(normalize_timestamp, text) == outcome(general, text)


def shown(value: str) -> tuple[str, str]:
    """The general path of the site's two formats (four-digit years, as RFC 3339's)."""
    try:
        m = parse_timestamp(value)
    except ValueError:
        return value, value
    date = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    return f"{date} {m.hour:02d}:{m.minute:02d} UTC", date


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_site_formats_of_canonical_text_agree(moment: datetime) -> None:
    m = moment
    text = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"
    assert (format_datetime.__wrapped__(text), format_date.__wrapped__(text)) == shown(text)


@given(st.text(alphabet="0123456789-:TZtz.+ ", min_size=18, max_size=22))
def test_site_formats_of_any_text_agree(text: str) -> None:
    assert (format_datetime.__wrapped__(text), format_date.__wrapped__(text)) == shown(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0999-04-26T15:33:00Z", "0999-04-26T15:33:00Z"),
        ("0999-04-26T15:33:00+01:00", "0999-04-26T14:33:00Z"),
        ("0001-01-02T00:00:00+01:00", "0001-01-01T23:00:00Z"),
    ],
)
def test_small_years_keep_four_digits(text: str, canonical: str) -> None:
    """RFC 3339 years have four digits, and timestamps compare as text: year 999 written
    "999-…" (as strftime writes it) sorted after 2023."""
    assert normalize_timestamp(text) == canonical
    assert canonical < "2023-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",  # before the first day Python has, once in UTC
        "9999-12-31T23:59:59-01:00",  # after the last
        "２０２３-01-01T00:00:00Z",  # digits of another script
    ],
)
def test_timestamps_python_cannot_hold_are_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_timestamp(text)


@pytest.mark.parametrize("text", ["200000000w", "9999999999d", "４８h", "1" * 5000 + "s"])
def test_soaks_too_long_or_in_other_digits_are_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_soak(text)
