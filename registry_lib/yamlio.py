"""Safe YAML in and canonical YAML out, with line numbers for every top-level key.

Parsing uses libyaml's C parser when available. Timestamps stay strings (the models check
them), anchors, aliases and explicit tags are refused, duplicate keys are caught.
Pure: works on bytes and strings; callers do the file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .fastyaml import construct_scalar, parse_simple, without_timestamps

MAX_BYTES = 1024 * 1024
# Registry files nest three levels deep; libyaml and the constructor below recurse per
# level, so a file of a few hundred kilobytes of "[" would overflow the stack (a crash).
MAX_DEPTH = 64

try:  # libyaml's C parser is several times faster; fall back to pure Python.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """Safe loader that leaves timestamps as strings."""

    yaml_implicit_resolvers = without_timestamps(_BaseLoader.yaml_implicit_resolvers)


@dataclass
class YamlProblem:
    """A reason a document could not be read, with the 1-based line where known."""

    code: str
    message: str
    line: int | None = None


@dataclass
class Document:
    """A parsed file: its data, the line of each top-level key, and any problems."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, *keys: object) -> int | None:
        """Line of the first of ``keys`` that is known, else of the document's start."""
        for key in keys:
            if isinstance(key, str) and key in self.lines:
                return self.lines[key]
        return self.lines.get("", 1)


def _mark_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def _may_nest_deeply(text: str) -> bool:
    """A cheap upper bound on nesting: flow brackets plus the longest line (block indents)."""
    bound = text.count("[") + text.count("{") + max(map(len, text.splitlines()), default=0)
    return bound > MAX_DEPTH


def _scan_events(text: str) -> list[YamlProblem]:
    """Find anchors, aliases, explicit tags and deep nesting, which the registry refuses."""
    problems = []
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                message = f"values nest more than {MAX_DEPTH} levels deep; flatten them"
                problems.append(YamlProblem("RR105", message, line))
                return problems
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(
                YamlProblem(
                    "RR103", f"alias *{event.anchor} is not allowed; write the value out", line
                )
            )
        elif anchor := getattr(event, "anchor", None):
            problems.append(
                YamlProblem("RR103", f"anchor &{anchor} is not allowed; remove it", line)
            )
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = not (implicit is True or (isinstance(implicit, tuple) and any(implicit)))
        if tag and explicit and tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            problems.append(
                YamlProblem(
                    "RR103",
                    f"explicit tag {tag} is not allowed; quote strings instead of tagging them",
                    line,
                )
            )
    return problems


def _construct(node: yaml.Node, problems: list[YamlProblem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, problems)
            if isinstance(key, list | dict):
                problems.append(
                    YamlProblem(
                        "RR105", "mapping keys must be plain values", key_node.start_mark.line + 1
                    )
                )
                continue
            if key in out:
                same = next(k for k in out if k == key)
                if type(same) is type(key):
                    text, code = f"duplicate key {key!r}; keep one of them", "RR102"
                else:  # 1, 1.0 and true: distinct YAML keys, one key to Python
                    text = f"keys {same!r} and {key!r} are one key once read; quote keys"
                    code = "RR105"
                problems.append(YamlProblem(code, text, key_node.start_mark.line + 1))
            out[key] = _construct(value_node, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, problems) for v in node.value]
    try:
        return construct_scalar(node.tag, node.value)
    except ValueError:  # an int of more digits than Python reads (4,300)
        problems.append(
            YamlProblem(
                "RR105",
                f"number of {len(node.value)} characters is too long; quote it to keep it as text",
                node.start_mark.line + 1,
            )
        )
        return node.value


def parse(raw: bytes, fast: bool = True) -> Document:
    """Parse the bytes of one registry file into a ``Document``; never raises."""
    doc = Document()
    if len(raw) > MAX_BYTES:
        doc.problems.append(
            YamlProblem("RR104", f"file is {len(raw)} bytes; registry files must be at most 1 MiB")
        )
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        doc.problems.append(
            YamlProblem("RR101", f"not UTF-8 (byte {exc.start}); save the file as UTF-8", line)
        )
        return doc
    if text.startswith("\ufeff"):
        text = text[1:]
    simple = parse_simple(text) if fast else None
    if simple is not None:
        doc.data, doc.lines = simple
        return doc
    # Anchors, aliases and tags need '&', '*' or '!', and deep nesting needs brackets or
    # long lines (block nesting indents); only then pay for an event scan.
    if ("&" in text or "*" in text or "!" in text or _may_nest_deeply(text)) and (
        problems := _safe_scan(text)
    ):
        doc.problems.extend(problems)
        return doc
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(_marked(exc))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(_unmarked(exc, text))
        return doc
    if node is None:
        doc.problems.append(YamlProblem("RR108", "file is empty; it must hold a mapping", 1))
        return doc
    doc.lines[""] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                doc.lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
                if isinstance(value_node, yaml.MappingNode):  # metadata keys, rejection fields
                    for sub, _ in value_node.value:
                        if isinstance(sub, yaml.ScalarNode):
                            doc.lines.setdefault(
                                f"{key_node.value}.{sub.value}", sub.start_mark.line + 1
                            )
    doc.data = _construct(node, doc.problems)
    if not isinstance(doc.data, dict):
        doc.problems.append(
            YamlProblem("RR108", "top level must be a mapping of keys to values", doc.lines[""])
        )
    return doc


def _unmarked(exc: yaml.YAMLError, text: str) -> YamlProblem:
    """One line for an error without a mark (a forbidden character), with its line."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return YamlProblem(
            "RR100", f"not valid YAML: character {ord(char):#06x} is not allowed; remove it", line
        )
    return YamlProblem("RR100", "not valid YAML: " + " ".join(str(exc).split()))


def _safe_scan(text: str) -> list[YamlProblem]:
    try:
        return _scan_events(text)
    except yaml.MarkedYAMLError as exc:
        return [_marked(exc)]
    except yaml.YAMLError as exc:
        return [_unmarked(exc, text)]


def _marked(exc: yaml.MarkedYAMLError) -> YamlProblem:
    """A parser error; PyYAML 6.0.4 and later stop deep nesting themselves (RR105 here too)."""
    if "nesting depth" in str(exc.problem):
        message = f"values nest more than {MAX_DEPTH} levels deep; flatten them"
        return YamlProblem("RR105", message, _mark_line(exc))
    return YamlProblem("RR100", f"not valid YAML: {exc.problem}", _mark_line(exc))


class _Dumper(yaml.SafeDumper):
    """Block style, indented lists, timestamps written plain (files are small: pure Python)."""

    yaml_implicit_resolvers = without_timestamps(yaml.SafeDumper.yaml_implicit_resolvers)

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# PyYAML writes NEL, LS and PS inside single quotes, where a reader folds them into spaces;
# double quotes escape them (\N, \L, \P), so the value reads back unchanged.
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if any(c in data for c in _LINE_BREAKS):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_str(data)


_Dumper.add_representer(str, _represent_str)


def dump(data: dict[str, Any]) -> str:
    """Render ``data`` as canonical YAML: key order kept, block style, UTF-8, final newline."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )
