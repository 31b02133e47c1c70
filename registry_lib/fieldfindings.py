"""pydantic's validation errors as findings: one per field, with RR codes and lines. Pure."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .findings import Finding
from .yamlio import Document


def validation_findings(path: str, doc: Document, exc: ValidationError) -> list[Finding]:
    """Turn pydantic errors into findings: one per field, codes from the error types."""
    out: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    errs = exc.errors()
    # A union (``requires``: a name or a mapping) fails once per member; when one member
    # says what is wrong in registry terms (RR codes), the others are noise.
    explained = {_field_key(e["loc"]) for e in errs if e["type"].startswith("RR")}
    for err in errs:
        loc = err["loc"]
        kind = err["type"]
        top = str(loc[0]) if loc else ""
        key = _field_key(loc)
        group = key if top == "metadata" else (*key, kind[:2] == "RR")
        if group in seen or (key in explained and not kind.startswith("RR")):
            continue
        seen.add(group)
        line = doc.lines.get(".".join(str(p) for p in loc[:2])) or doc.line_of(top)
        field = ".".join(str(p) for p in loc if not _union_member(p))
        if kind.startswith("RR"):
            text = err["msg"]
            # The message names the field already ("commit 'abc' must be …") or gets it.
            code, message = kind, text if text.startswith(f"{field} ") else f"{field}: {text}"
        elif kind == "missing":
            code, message = "RR107", f"required field '{field}' is missing; add it"
        elif kind == "extra_forbidden":
            code, message = "RR106", f"unknown field '{field}'; remove it or check its spelling"
        elif top == "metadata" and len(loc) >= 3 and loc[2] == "[key]":
            code = "RR105"
            given = err.get("input")  # the key as read (``loc`` shows true as 1)
            shown = repr(given)
            if given is None or type(given) is bool:
                shown = "null" if given is None else str(given).lower()
            line = doc.lines.get(f"metadata.{shown}", line)  # lines are keyed as written
            message = f"metadata key {shown} must be text; put it in quotes"
        elif top == "metadata" and len(loc) >= 2:
            code = "RR105"
            message = (
                f"metadata '{loc[1]}' must be a string, finite number or boolean, "
                f"not {_type_name(err.get('input'))}"
            )
        else:
            code = "RR105"
            message = f"'{field}' {_lower_first(err['msg'])} (got {_type_name(err.get('input'))})"
            if kind == "string_type" and isinstance(err.get("input"), int | float | bool):
                message += "; put the value in quotes"
        out.append(Finding(path, line, code, message))
    return out


def _field_key(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The field an error is about: a key of a nested mapping (metadata, rejection), else
    the top-level field (whose union members would otherwise each report)."""
    if loc and loc[0] in ("metadata", "rejection"):
        return tuple(loc[:2])
    return tuple(loc[:1])


def _union_member(part: object) -> bool:
    """Location parts that name a union member (``str``, ``Requirement``), not a field."""
    return isinstance(part, str) and (
        part in ("str", "int", "float", "bool") or "[" in part or part[:1].isupper()
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", type(None): "null", bool: "a boolean"}.get(
        type(value), f"{type(value).__name__} {value!r}"[:60]
    )
