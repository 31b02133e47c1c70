"""The record cache rebuilds a record without pydantic's per-field loop
(``recordcache._model``); it must equal what ``model_construct`` and ``model_validate``
make, attribute for attribute."""

from __future__ import annotations

from typing import Any

import pytest

from registry_lib import recordcache
from registry_lib.model import Approval, Record, Rejection, Release

RELEASE = {
    "tag": "4.0.0",
    "commit": "a8cec40e06201ecceea3f3eea4390b8e21d7bdb2",
    "creator": "roxbot@redhat.com",
    "created_at": "2023-05-23T15:00:00Z",
    "metadata": {"Image": "quay.io/rhacs-eng/main:4.0.0", "Count": 3},
}
REJECTED = {
    **RELEASE,
    "rejection": {"by": "a@redhat.com", "at": "2023-06-01T00:00:00Z", "reason": "Data loss"},
}
APPROVAL = {
    "milestone": "Nightly passed",
    "tag": "4.0.0",
    "approver": "qa@redhat.com",
    "approved_at": "2023-05-24T00:00:00Z",
    "metadata": {"BuildURL": "https://ci.example.com/1"},
}


def attributes(record: Record) -> dict[str, Any]:
    return {
        name: getattr(record, name)
        for name in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__")
    } | {"private": record.__pydantic_private__, "json": record.model_dump_json()}


@pytest.mark.parametrize(
    ("model", "raw"),
    [
        (Release, RELEASE),
        (Release, REJECTED),
        (Release, {k: v for k, v in RELEASE.items() if k != "metadata"}),
        (Approval, APPROVAL),
        (Approval, {**APPROVAL, "break_glass": True}),
    ],
)
def test_a_cached_record_is_the_validated_one(model: type[Record], raw: dict[str, Any]) -> None:
    assert recordcache._PLAIN[model]  # the fast path is the one under test
    validated = model.model_validate(raw)
    fields_set = sorted(validated.model_fields_set)
    rebuilt = recordcache._construct(model, recordcache._values(validated), fields_set)
    values = recordcache._values(validated)
    if isinstance(values.get("rejection"), tuple):
        inner, inner_set = values["rejection"]
        values["rejection"] = Rejection.model_construct(set(inner_set), **inner)
    constructed = model.model_construct(set(fields_set), **values)
    assert rebuilt == validated == constructed
    assert attributes(rebuilt) == attributes(constructed) == attributes(validated)
    if isinstance(validated, Release) and validated.rejection is not None:
        assert isinstance(rebuilt, Release) and rebuilt.rejection is not None
        assert attributes(rebuilt.rejection) == attributes(validated.rejection)


def test_fields_out_of_order_are_not_trusted() -> None:
    values = recordcache._values(Approval.model_validate(APPROVAL))
    shuffled = dict(reversed(list(values.items())))
    with pytest.raises(KeyError):
        recordcache._construct(Approval, shuffled, sorted(values))
