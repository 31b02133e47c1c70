"""The StackRox release registry's API JSON, as ``relreg import stackrox`` reads it.

Files are told apart by content: the JSON of ``GET /v1/qualitymilestonedefinition`` or
of ``GET /v1/release?preload=true``, as an object with a list, a bare list or a single
object. Fields may be camelCase (grpc-gateway) or snake_case (proto names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import RelregError
from .values import normalize_timestamp

# Fields the importer reads; anything else is named in the report as not carried over.
KNOWN = {
    "definition": {"meta", "name", "expectedMetadataKeys"},
    "release": {
        *("meta", "tag", "commit", "creator", "kind", "metadata"),
        *("qualityMilestones", "rejected", "rejectionReason"),
    },
    "approval": {
        *("meta", "name", "approver", "metadata"),
        *("qualityMilestoneDefinition", "qualityMilestoneDefinitionName"),
    },
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def get_field(obj: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """A field by its camelCase name or its snake_case (proto) name."""
    if name in obj:
        return obj[name]
    return obj.get(_snake(name), default)


def camel_keys(obj: Mapping[str, Any]) -> set[str]:
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k) for k in obj}


def classify(data: Any) -> tuple[str, list[Any]]:
    """("definitions" | "releases" | "empty" | "unknown", records) of one parsed JSON file."""
    if isinstance(data, dict):
        for key in ("qualityMilestoneDefinitions", "releases"):
            value = get_field(data, key)
            if isinstance(value, list):
                return ("definitions" if key != "releases" else "releases"), value
        if "tag" in data:
            return "releases", [data]
        if "name" in data:
            return "definitions", [data]
        return "unknown", []
    if isinstance(data, list):
        items = [d for d in data if isinstance(d, dict)]
        if not data:
            return "empty", []
        if len(items) == len(data) and any("tag" in d for d in items):
            return "releases", items
        if len(items) == len(data) and all("name" in d for d in items):
            return "definitions", items
    return "unknown", []


def read_files(paths: Sequence[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Definitions and releases from StackRox JSON files; refuse a file that is neither."""
    definitions: list[dict[str, Any]] = []
    releases: list[dict[str, Any]] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RelregError(
                f"{path} is not JSON ({exc}); save the API's response as it is"
            ) from None
        kind, records = classify(data)
        if kind == "unknown":
            raise RelregError(
                f"{path} is neither GET /v1/qualitymilestonedefinition nor "
                "GET /v1/release?preload=true output; see docs/import.md for what is accepted"
            )
        bad = [r for r in records if not isinstance(r, dict)]
        if bad:
            raise RelregError(f"{path}: every entry of the list must be a JSON object")
        (definitions if kind == "definitions" else releases).extend(records)
    return definitions, releases


def meta_time(obj: Mapping[str, Any], key: str) -> str | None:
    meta = get_field(obj, "meta") or {}
    value = get_field(meta, key) if isinstance(meta, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return normalize_timestamp(value)
    except ValueError:
        return None
