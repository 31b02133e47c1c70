"""Typed records for the four file kinds of a registry (registry.md). Pure: no I/O.

Field checks live in ``fieldtypes`` (each error's type is its finding code, ``RR2xx``);
value formats (slugs, timestamps, durations) in ``values``.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from .fieldtypes import (
    Commit,
    Email,
    Metadata,
    Name,
    Person,
    Soak,
    Tag,
    Timestamp,
    Url,
    null_as_empty,
    null_as_empty_map,
)
from .values import slugify

# The registry format this relreg writes and understands (registry.yaml schema_version).
SCHEMA_VERSION = 1


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
        ge=0,
        description="Format version of the registry (absent: 0, before versioning); "
        "see `relreg migrate`.",
    )
    name: Name = Field(description="Shown on the site.")
    repository_url: Url | None = Field(
        default=None, description="Git host URL, for 'propose a change' links."
    )
    maintainers: Annotated[list[Person], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Own registry.yaml and milestones/ (CODEOWNERS)."
    )
    release_creators: Annotated[list[Person], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Own release files (CODEOWNERS)."
    )
    webhooks: Annotated[list[Webhook], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Receive every event (relreg notify)."
    )
    base_url: Url | None = Field(
        default=None, description="Public URL of the site, for absolute links in feeds."
    )
    allowed_email_domains: Annotated[list[StrictStr], BeforeValidator(null_as_empty)] = Field(
        default_factory=list,
        description="Creators, approvers and rejecters must use one of these; empty = any.",
    )


class MilestoneDefinition(Record):
    """``milestones/<slug>.yaml``: a quality milestone and what an approval must carry."""

    name: Name = Field(description="The milestone's name, e.g. 'Nightly passed'.")
    description: StrictStr | None = Field(default=None, description="What reaching it means.")
    expected_metadata_keys: Annotated[list[StrictStr], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Keys every approval must carry, in order."
    )
    requires: Annotated[list[Name | Requirement], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Milestones a release must have reached first."
    )
    aliases: Annotated[list[Name], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Former names, still accepted."
    )
    approvers: Annotated[list[Person], BeforeValidator(null_as_empty)] = Field(
        default_factory=list, description="Who may approve (emails or @org/team); empty = any."
    )
    webhooks: Annotated[list[Webhook], BeforeValidator(null_as_empty)] = Field(
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
    metadata: Annotated[Metadata, BeforeValidator(null_as_empty_map)] = Field(
        default_factory=dict, description="Flat map of string keys to scalar values."
    )
    rejection: Rejection | None = Field(default=None, description="Absent unless rejected.")


class Approval(Record):
    """``releases/<channel>/<tag>/approvals/<slug>.yaml``: a release reached a milestone."""

    milestone: Name = Field(description="Name (or alias) of the milestone reached.")
    tag: Tag = Field(description="Tag of the approved release.")
    approver: Email = Field(description="Who approved.")
    approved_at: Timestamp = Field(description="When (UTC, RFC 3339).")
    metadata: Annotated[Metadata, BeforeValidator(null_as_empty_map)] = Field(
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
