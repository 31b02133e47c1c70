"""Typed records for the four file kinds of a registry (registry.md). Pure: no I/O.

Format errors raise ``PydanticCustomError`` whose type is the finding code (``RR2xx``), so
loading turns every validation error into a finding with a stable code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from .tags import ACCEPTED_FORMS, TAG_CHARS, parse_tag

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_HANDLE = re.compile(r"^@[A-Za-z0-9-]+(?:/[A-Za-z0-9._-]+)?$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_SOAK = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_SLUG_RUN = re.compile(r"[^a-z0-9]+")

# The registry format this relreg writes and understands (registry.yaml schema_version).
SCHEMA_VERSION = 1


def slugify(name: str) -> str:
    """Return the file-name slug of a milestone name ("Nightly passed" -> "nightly-passed")."""
    return _SLUG_RUN.sub("-", name.lower()).strip("-")


def parse_timestamp(value: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime; raise ValueError otherwise."""
    m = _RFC3339.match(value)
    if not m:
        raise ValueError(value)
    text = value.upper().replace("Z", "+00:00")
    return datetime.fromisoformat(text).astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """Format a datetime as UTC RFC 3339 at second precision, with a ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1 << 18)  # every timestamp of 100,000 releases and their approvals
def normalize_timestamp(value: str) -> str:
    """Return the canonical UTC form of an RFC 3339 timestamp (fractions dropped)."""
    return format_timestamp(parse_timestamp(value))


def parse_soak(value: str) -> timedelta:
    """Parse a duration such as ``48h``, ``2d`` or ``1h30m``; raise ValueError otherwise."""
    m = _SOAK.match(value.strip())
    if not value.strip() or not m or not any(m.groups()):
        raise ValueError(value)
    w, d, h, mi, s = (int(g or 0) for g in m.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


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
        normalize_timestamp(value)  # cached: the rules normalize the same value later
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


def _url(value: str) -> str:
    _check(
        "RR105",
        "{value!r} is not an http(s) URL",
        value.startswith(("https://", "http://")),
        value,
    )
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


def _null_as_empty(value: Any) -> Any:
    """Treat ``key:`` (YAML null) as an empty collection for optional lists and maps."""
    return [] if value is None else value


def _null_as_empty_map(value: Any) -> Any:
    return {} if value is None else value


List = Annotated[list[Any], BeforeValidator(_null_as_empty)]


class Record(BaseModel):
    """Base of every file kind: unknown fields are errors, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_FIELD_SETS: dict[frozenset[str], set[str]] = {}
RecordT = TypeVar("RecordT", bound=BaseModel)


def shared_fields_set(names: set[str] | list[str]) -> set[str]:
    """One set object per distinct set of field names, for records to share.

    pydantic gives each record its own set of the fields the file set (~700 bytes, a
    fifth of a loaded release); records are frozen, so that set never changes and
    records with the same fields can share one (``model_copy`` copies it).
    """
    key = frozenset(names)
    found = _FIELD_SETS.get(key)
    if found is None:
        found = _FIELD_SETS[key] = set(key)
    return found


def share_fields(record: RecordT) -> RecordT:
    """``record`` holding the shared set of its set fields (see ``shared_fields_set``)."""
    shared = shared_fields_set(record.__pydantic_fields_set__)
    object.__setattr__(record, "__pydantic_fields_set__", shared)  # as pydantic sets it
    return record


class Webhook(Record):
    """A receiver of events."""

    url: Url = Field(description="Where events are POSTed (http or https).")
    secret_env: StrictStr | None = Field(
        default=None,
        description="Name of the environment variable holding the HMAC secret; never the secret.",
    )


class Requirement(Record):
    """A milestone a release must have reached first, optionally for at least ``soak``."""

    milestone: Name = Field(description="Name (or alias) of the required milestone.")
    soak: Soak | None = Field(
        default=None, description="Minimum time since that milestone, e.g. 48h."
    )


class RegistryConfig(Record):
    """``registry.yaml``: the registry's settings."""

    schema_version: StrictInt = Field(
        default=0,
        description="Format version of the registry (absent: 0, before versioning); "
        "see `relreg migrate`.",
    )
    name: Name = Field(description="Shown on the site.")
    repository_url: Url | None = Field(
        default=None, description="Git host URL, for 'propose a change' links."
    )
    maintainers: Annotated[list[Person], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Own registry.yaml and milestones/ (CODEOWNERS)."
    )
    release_creators: Annotated[list[Person], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Own release files (CODEOWNERS)."
    )
    webhooks: Annotated[list[Webhook], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Receive every event (relreg notify)."
    )
    base_url: Url | None = Field(
        default=None, description="Public URL of the site, for absolute links in feeds."
    )
    allowed_email_domains: Annotated[list[StrictStr], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list,
        description="Creators, approvers and rejecters must use one of these; empty = any.",
    )


class MilestoneDefinition(Record):
    """``milestones/<slug>.yaml``: a quality milestone and what an approval must carry."""

    name: Name = Field(description="The milestone's name, e.g. 'Nightly passed'.")
    description: StrictStr | None = Field(default=None, description="What reaching it means.")
    expected_metadata_keys: Annotated[list[StrictStr], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Keys every approval must carry, in order."
    )
    requires: Annotated[list[Name | Requirement], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Milestones a release must have reached first."
    )
    aliases: Annotated[list[Name], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Former names, still accepted."
    )
    approvers: Annotated[list[Person], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Who may approve (emails or @org/team); empty = any."
    )
    webhooks: Annotated[list[Webhook], BeforeValidator(_null_as_empty)] = Field(
        default_factory=list, description="Called when a release reaches or loses it."
    )

    @property
    def slug(self) -> str:
        """The file-name slug of the name."""
        return slugify(self.name)

    def requirements(self) -> list[Requirement]:
        """``requires`` with plain names turned into requirements without soak."""
        return [
            r if isinstance(r, Requirement) else Requirement(milestone=r) for r in self.requires
        ]


class Rejection(Record):
    """Why and by whom a release was rejected."""

    by: Email = Field(description="Who rejected it.")
    at: Timestamp = Field(description="When (UTC, RFC 3339).")
    reason: StrictStr = Field(description="Why, for people reading the site.")


class Release(Record):
    """``releases/<channel>/<tag>/release.yaml``: one release."""

    tag: Tag = Field(description="The release's tag; kind and channel derive from it.")
    commit: Commit = Field(description="Full 40-hex commit SHA.")
    creator: Email = Field(description="Who recorded it.")
    created_at: Timestamp = Field(description="When (UTC, RFC 3339).")
    metadata: Annotated[Metadata, BeforeValidator(_null_as_empty_map)] = Field(
        default_factory=dict, description="Flat map of string keys to scalar values."
    )
    rejection: Rejection | None = Field(default=None, description="Absent unless rejected.")


class Approval(Record):
    """``releases/<channel>/<tag>/approvals/<slug>.yaml``: a release reached a milestone."""

    milestone: Name = Field(description="Name (or alias) of the milestone reached.")
    tag: Tag = Field(description="Tag of the approved release.")
    approver: Email = Field(description="Who approved.")
    approved_at: Timestamp = Field(description="When (UTC, RFC 3339).")
    metadata: Annotated[Metadata, BeforeValidator(_null_as_empty_map)] = Field(
        default_factory=dict, description="The milestone's expected keys and their values."
    )
    break_glass: StrictBool = Field(
        default=False, description="True skips `requires` and webhooks; the site flags it."
    )


MODELS: dict[str, type[Record]] = {
    "registry": RegistryConfig,
    "milestone": MilestoneDefinition,
    "release": Release,
    "approval": Approval,
}
