"""The checked field types of registry records (Tag, Email, Timestamp, ...). Pure.

Each check raises ``PydanticCustomError`` whose type is the finding code (``RR2xx``), so
loading turns every validation error into a finding with a stable code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AllowInfNan,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from .tags import ACCEPTED_FORMS, TAG_CHARS, parse_tag
from .values import normalize_timestamp, parse_soak, slugify

# Dots separate the local part's words (none leading, trailing or doubled); a domain's
# labels start and end with a letter or digit; a GitHub owner starts with one too.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9_%+'-]+(?:\.[A-Za-z0-9_%+'-]+)*@{_LABEL}(?:\.{_LABEL})+\Z")
_HANDLE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9._-]+)?\Z")
_COMMIT = re.compile(r"^[0-9a-f]{40}\Z")


def _check(code: str, message: str, ok: bool, value: Any) -> None:
    if not ok:
        # Format here: pydantic's templates know {value} but not {value!r}, and a context
        # would make it re-read braces in the value as placeholders.
        raise PydanticCustomError(code, message.format(value=value))


@lru_cache(maxsize=65536)  # values repeat across files; valid ones are remembered
def _tag(value: str) -> str:
    _check(
        "RR201",
        "tag {value!r} has characters outside [0-9A-Za-z._+-]",
        bool(TAG_CHARS.match(value)),
        value,
    )
    _check(
        "RR200",
        "tag {value!r} is not a valid version; use one of: " + ACCEPTED_FORMS,
        parse_tag(value) is not None,
        value,
    )
    return value


def _commit(value: str) -> str:
    _check(
        "RR202",
        "commit {value!r} must be a full 40-character lowercase hex SHA",
        bool(_COMMIT.match(value)),
        value,
    )
    return value


@lru_cache(maxsize=65536)  # values repeat across files; valid ones are remembered
def _email(value: str) -> str:
    _check(
        "RR203",
        "{value!r} is not an email address like alice@example.com",
        bool(_EMAIL.match(value)),
        value,
    )
    return value


@lru_cache(maxsize=65536)  # values repeat across files; valid ones are remembered
def _person(value: str) -> str:
    _check(
        "RR203",
        "{value!r} is neither an email address nor a team handle like @org/team",
        bool(_EMAIL.match(value) or _HANDLE.match(value)),
        value,
    )
    return value


def _timestamp(value: str) -> str:
    ok = True
    try:
        # (a form other than the canonical one is remembered: the rules normalize it again)
        normalize_timestamp(value)
    except ValueError:
        ok = False
    _check(
        "RR205",
        "{value!r} is not an RFC 3339 timestamp like 2023-03-23T04:12:00Z",
        ok,
        value,
    )
    return value


def _soak(value: str) -> str:
    ok = True
    try:
        parse_soak(value)
    except ValueError:
        ok = False
    _check("RR105", "soak {value!r} is not a duration like 48h, 2d or 1h30m", ok, value)
    return value


@lru_cache(maxsize=65536)  # values repeat across files; valid ones are remembered
def _name(value: str) -> str:
    _check(
        "RR105",
        "name {value!r} needs at least one letter or digit",
        bool(slugify(value)),
        value,
    )
    return value


# A host (or user@host, [IPv6]) after the scheme, then a path, query or fragment; no space
# or control character anywhere. The two parts cannot overlap: a failing match is linear.
_URL = re.compile(r"^https?://[A-Za-z0-9\[][^/?#\s\x00-\x1f\x7f]*(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z")


def _url(value: str) -> str:
    # a host after the scheme, and no space or control character anywhere: webhooks are
    # POSTed to it and the site links to it
    _check("RR105", "{value!r} is not an http(s) URL", bool(_URL.match(value)), value)
    return value


Tag = Annotated[
    StrictStr,
    AfterValidator(_tag),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9A-Za-z._+-]+$"}),
]
Commit = Annotated[
    StrictStr,
    AfterValidator(_commit),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-f]{40}$"}),
]
Email = Annotated[
    StrictStr, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})
]
Person = Annotated[StrictStr, AfterValidator(_person)]
Timestamp = Annotated[
    StrictStr,
    AfterValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Name = Annotated[
    StrictStr, AfterValidator(_name), WithJsonSchema({"type": "string", "minLength": 1})
]
Url = Annotated[
    StrictStr, AfterValidator(_url), WithJsonSchema({"type": "string", "format": "uri"})
]
Soak = Annotated[
    StrictStr,
    AfterValidator(_soak),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"}),
]
# NaN and infinities have no JSON form: the feed and --json would print invalid JSON.
FiniteFloat = Annotated[StrictFloat, AllowInfNan(False)]
Scalar = StrictStr | StrictInt | FiniteFloat | StrictBool
Metadata = dict[StrictStr, Scalar]


def null_as_empty(value: Any) -> Any:
    """Treat ``key:`` (YAML null) as an empty collection for optional lists and maps."""
    return [] if value is None else value


def null_as_empty_map(value: Any) -> Any:
    """The same for optional maps."""
    return {} if value is None else value
