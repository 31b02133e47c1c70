"""Read a registry from files into a ``Registry``: the only module that reads registry data.

Files come from a ``FileSource`` (a directory on disk, or a Git tree for ``--at``), so the
same code loads the work tree and any revision. Loading never raises on bad input: every
problem becomes a finding with a path, a line and a code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from .errors import RelregError
from .findings import Finding
from .model import Approval, MilestoneDefinition, Record, RegistryConfig, Release
from .registry import Loaded, Registry, ReleaseEntry
from .tags import TAG_CHARS
from .yamlio import MAX_BYTES, Document, parse

R = TypeVar("R", bound=Record)
HARMLESS_SUFFIXES = (".md", ".txt", ".rst")
HARMLESS_NAMES = (".gitkeep", ".keep", ".gitignore", ".DS_Store")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file of a registry: its path relative to the root, and whether it is a symlink."""

    path: str
    symlink: bool = False


class FileSource(Protocol):
    """Where registry files come from."""

    def files(self) -> Iterator[SourceFile]:
        """Every file under the registry root (recursively), paths with '/'."""
        ...  # pragma: no cover

    def read(self, path: str) -> bytes:
        """The bytes of one file."""
        ...  # pragma: no cover


class DirectorySource:
    """A registry directory on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> Iterator[SourceFile]:
        """Walk the registry, skipping hidden folders such as .git."""
        for sub in ("registry.yaml", "milestones", "releases"):
            top = self.root / sub
            if top.is_symlink():
                yield SourceFile(sub, symlink=True)
            elif top.is_file():
                yield SourceFile(sub)
            elif top.is_dir():
                yield from self._walk(top, sub)

    def _walk(self, folder: Path, rel: str) -> Iterator[SourceFile]:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            path = f"{rel}/{entry.name}"
            if entry.is_symlink():
                yield SourceFile(path, symlink=True)
            elif entry.is_dir():
                yield from self._walk(Path(entry.path), path)
            else:
                yield SourceFile(path)

    def read(self, path: str) -> bytes:
        """Read a file, refusing anything over the size limit without reading it all."""
        full = self.root / path
        with open(full, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        return data


def _findings_from_validation(path: str, doc: Document, exc: ValidationError) -> list[Finding]:
    """Turn pydantic errors into findings: one per field, codes from the error types."""
    out: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    errs = exc.errors()
    # A union (``requires``: a name or a mapping) fails once per member; when one member
    # says what is wrong in registry terms (RR codes), the others are noise.
    explained = {str(e["loc"][0]) for e in errs if e["loc"] and e["type"].startswith("RR")}
    for err in errs:
        loc = err["loc"]
        kind = err["type"]
        top = str(loc[0]) if loc else ""
        group = tuple(loc[:2]) if top == "metadata" else tuple(loc[:1]) + (kind[:2] == "RR",)
        if group in seen or (top in explained and not kind.startswith("RR")):
            continue
        seen.add(group)
        line = doc.lines.get(".".join(str(p) for p in loc[:2])) or doc.line_of(top)
        field = ".".join(str(p) for p in loc if not _union_member(p))
        if kind.startswith("RR"):
            code, message = kind, f"{field}: {err['msg']}"
        elif kind == "missing":
            code, message = "RR107", f"required field '{field}' is missing; add it"
        elif kind == "extra_forbidden":
            code, message = "RR106", f"unknown field '{field}'; remove it or check its spelling"
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


class _Reader:
    """Parse and validate files into records, collecting findings."""

    def __init__(self, source: FileSource) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def load(self, path: str, model: type[R]) -> Loaded[R]:
        try:
            raw = self.source.read(path)
        except OSError as exc:
            self.findings.append(Finding(path, None, "RR100", f"cannot read the file: {exc.strerror}"))
            return Loaded(path, None)
        doc = parse(raw)
        for p in doc.problems:
            self.findings.append(Finding(path, p.line, p.code, p.message))
        if doc.problems or not isinstance(doc.data, dict):
            return Loaded(path, None, doc.lines)
        try:
            record = model.model_validate(doc.data)
        except ValidationError as exc:
            self.findings.extend(_findings_from_validation(path, doc, exc))
            return Loaded(path, None, doc.lines)
        return Loaded(path, record, doc.lines)


def load_registry(source: FileSource) -> Registry:
    """Load every file of a registry; problems become ``registry.findings``."""
    reader = _Reader(source)
    reg = Registry()
    add = reader.findings.append
    release_paths: list[tuple[str, str, str]] = []
    approval_paths: list[tuple[str, str, str, str]] = []
    for f in source.files():
        parts = f.path.split("/")
        if f.symlink:
            add(Finding(f.path, None, "RR109", "symbolic links are not allowed; commit the file itself"))
            continue
        if f.path == "registry.yaml":
            reg.config = reader.load(f.path, RegistryConfig)
        elif parts[0] == "milestones" and len(parts) == 2 and parts[1].endswith(".yaml"):
            slug = parts[1][: -len(".yaml")]
            reg.milestones[slug] = reader.load(f.path, MilestoneDefinition)
        elif parts[0] == "releases" and len(parts) == 4 and parts[3] == "release.yaml":
            release_paths.append((f.path, parts[1], parts[2]))
        elif (
            parts[0] == "releases"
            and len(parts) == 5
            and parts[3] == "approvals"
            and parts[4].endswith(".yaml")
        ):
            approval_paths.append((f.path, parts[1], parts[2], parts[4][: -len(".yaml")]))
        else:
            add(_stray(f.path))
    for path, channel, tag in release_paths:
        entry = _entry(reg, channel, tag, add)
        entry.release = reader.load(path, Release)
    for path, channel, tag, slug in approval_paths:
        entry = _entry(reg, channel, tag, add)
        entry.approvals[slug] = reader.load(path, Approval)
    if reg.config is None:
        add(Finding("registry.yaml", None, "RR112", "registry.yaml is missing; create it with `relreg init`"))
    reg.findings = reader.findings
    return reg


def _entry(reg: Registry, channel: str, tag: str, add: Callable[[Finding], None]) -> ReleaseEntry:
    folder = f"releases/{channel}/{tag}"
    entry = reg.releases.get(folder)
    if entry is None:
        entry = reg.releases[folder] = ReleaseEntry(channel=channel, tag=tag)
        for part in (channel, tag):
            if not TAG_CHARS.match(part):
                add(Finding(folder, None, "RR201", f"folder name {part!r} has characters outside [0-9A-Za-z._+-]"))
    return entry


def _stray(path: str) -> Finding:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(HARMLESS_SUFFIXES) or name in HARMLESS_NAMES:
        return Finding(path, None, "RR111", "not a registry file; ignored", "warning")
    if name.endswith(".yml"):
        return Finding(path, None, "RR110", "registry files end in .yaml; rename it")
    return Finding(
        path,
        None,
        "RR110",
        "not where the registry layout puts files (milestones/<slug>.yaml, "
        "releases/<channel>/<tag>/release.yaml, …/approvals/<slug>.yaml); move or remove it",
    )


def load_directory(root: Path) -> Registry:
    """Load the registry in directory ``root``."""
    if not root.is_dir():
        raise RelregError(
            f"no registry at {root}: pass --registry DIR, set RELREG_REGISTRY, "
            "or create one with `relreg init`"
        )
    return load_registry(DirectorySource(root))
