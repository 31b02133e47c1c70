"""A fast path for the YAML that registry files nearly always are. Pure.

Tool-written files (and most hand-written ones) use a small subset of YAML: top-level
``key: value`` lines, one level of nested mapping or list, plain or simply quoted scalars,
empty ``{}`` and ``[]``, comment lines and a leading ``---``.
``parse_simple`` reads exactly that subset about ten times faster than libyaml plus
construction, and returns None for anything else, so the full parser (which also finds
every problem) handles the rest. Plain scalars are resolved with the same resolvers and
constructors as the full loader, so both paths give identical values; a property test
checks that.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*(?: [A-Za-z0-9_.\-/]+)*"
_TOP = re.compile(rf"^({_KEY}):(?: (.*))?$")
_SUB = re.compile(rf"^  ({_KEY}):(?: (.*))?$")
_ITEM = re.compile(r"^(  )?- (.*)$")
_PLAIN_BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
Resolvers = dict[Any, list[tuple[str, Any]]]


def without_timestamps(resolvers: Resolvers) -> Resolvers:
    """YAML's implicit resolvers minus timestamps: the models check timestamps as text."""
    return {k: [(t, rx) for t, rx in v if t != _TIMESTAMP] for k, v in resolvers.items()}


_resolvers = without_timestamps(yaml.SafeLoader.yaml_implicit_resolvers)
_constructor = yaml.constructor.SafeConstructor()
_TYPED = {
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
}


def construct_scalar(tag: str, value: str) -> Any:
    """The value of a resolved plain scalar; both parsing paths use this one function."""
    if tag == "tag:yaml.org,2002:null":
        return None
    typed = _TYPED.get(tag)
    return typed(yaml.ScalarNode(tag, value)) if typed else value  # str, "=", "<<" stay text


# Characters YAML does not allow in a stream (its "printable" set, inverted).
# NEL, LS and PS are line breaks to YAML, so they leave the line-based subset too.
_NON_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)


class _NotSimple(Exception):
    """The text leaves the fast subset; use the full parser."""


_PLAIN_KEYS: set[str] = set()  # keys seen to stay strings; the same few recur in every file
# Short strings (keys, e-mail addresses, names, tags, times) recur across a registry's
# files; interned, every record shares one copy (~20 % of a loaded registry's memory).
_SHARED_MAX = 64


def _key(raw: str) -> str:
    """A mapping key, which must stay a string under YAML's implicit typing."""
    if raw in _PLAIN_KEYS:
        return sys.intern(raw)
    for _, regexp in _resolvers.get(raw[0], ()):
        if regexp.match(raw):
            raise _NotSimple  # 123, true, null: not a string key
    if len(_PLAIN_KEYS) < 4096:
        _PLAIN_KEYS.add(raw)
    return sys.intern(raw)


def _shared(value: Any) -> Any:
    """A short string value as its one shared copy; anything else as it is."""
    if type(value) is str and len(value) <= _SHARED_MAX:
        return sys.intern(value)
    return value


def _scalar(raw: str) -> Any:
    value = raw.strip(" ")
    if not value:
        return None
    first = value[0]
    if first == "'":
        if len(value) < 2 or value[-1] != "'":
            raise _NotSimple
        inner = value[1:-1]
        if "'" in inner.replace("''", ""):
            raise _NotSimple
        return inner.replace("''", "'")
    if first == '"':
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != '"' or '"' in inner or "\\" in inner:
            raise _NotSimple
        return inner
    if value == "{}":  # yaml.safe_dump writes an empty mapping or list in flow style
        return {}
    if value == "[]":
        return []
    if first in _PLAIN_BAD_START or ": " in value or " #" in value or value.endswith(":"):
        raise _NotSimple
    if "\t" in value:
        raise _NotSimple
    for tag, regexp in _resolvers.get(first, ()):
        if regexp.match(value):
            return construct_scalar(tag, value)
    return value


def parse_simple(text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Parse ``text`` when it is in the fast subset: (data, lines), else None."""
    if _NON_PRINTABLE.search(text):
        return None
    try:
        return _parse(text)
    except (_NotSimple, ValueError):  # ValueError: an int past Python's digit limit
        return None


def _parse(text: str) -> tuple[dict[str, Any], dict[str, int]]:
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    parent: str | None = None  # the top-level key whose nested block we are in
    nested: dict[str, Any] | list[Any] | None = None
    indent: str | None = None  # how the nested list's first item is indented
    marker = False  # the document start marker was seen
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if "\t" in line or "\r" in line:
            raise _NotSimple
        if line.lstrip(" ").startswith("#"):
            continue  # a comment line (no multi-line scalar here could hold it)
        if line.rstrip(" ") == "---" and not data and not marker:
            marker = True
            continue  # the document start marker (a second one starts another document)
        if line[0] != " " and not line.startswith("- "):
            m = _TOP.match(line)
            if m is None:
                raise _NotSimple
            key, rest = _key(m.group(1)), m.group(2)
            if key in data:
                raise _NotSimple  # duplicate: the full parser reports it
            if not lines:
                lines[""] = number
            lines[key] = number
            if rest is None or not rest.strip():
                data[key] = None
                parent, nested = key, None
            else:
                data[key] = _shared(_scalar(rest))
                parent, nested = None, None
            continue
        if parent is None:
            raise _NotSimple
        item = _ITEM.match(line)
        if item is not None:
            if nested is None:
                nested = data[parent] = []
                indent = item.group(1) or ""
            if not isinstance(nested, list) or (item.group(1) or "") != indent:
                # a map's block, or an item indented unlike the first: that continues the
                # previous item's text or ends the list, YAML's reading left to the full parser
                raise _NotSimple
            value = item.group(2)
            if re.match(rf"^{_KEY}:(?: |$)", value):
                raise _NotSimple  # a list of mappings
            nested.append(_shared(_scalar(value)))
            continue
        sub = _SUB.match(line)
        if sub is None:
            raise _NotSimple
        if nested is None:
            nested = data[parent] = {}
        if not isinstance(nested, dict):
            raise _NotSimple
        key, rest = _key(sub.group(1)), sub.group(2)
        if key in nested or rest is None or not rest.strip():
            raise _NotSimple  # duplicate, or a deeper level
        nested[key] = _shared(_scalar(rest))
        lines.setdefault(sys.intern(f"{parent}.{key}"), number)
    if not data:
        raise _NotSimple
    return data, lines
