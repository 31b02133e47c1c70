"""Read a registry from files into a ``Registry``: the only module that reads registry data.

Files come from a ``FileSource`` (a directory on disk, or a Git tree for ``--at``), so the
same code loads the work tree and any revision. Loading never raises on bad input: every
problem becomes a finding with a path, a line and a code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from .errors import RelregError
from .fieldfindings import validation_findings
from .findings import Finding
from .forked import Forked, can_fork
from .model import (
    Approval,
    MilestoneDefinition,
    Record,
    RegistryConfig,
    Release,
    share_fields,
)
from .recordcache import RecordCache, signature
from .registry import Loaded, Registry, ReleaseEntry
from .tags import TAG_CHARS
from .yamlio import MAX_BYTES, Document, parse

R = TypeVar("R", bound=Record)
HARMLESS_SUFFIXES = (".md", ".txt", ".rst")
HARMLESS_NAMES = (".gitignore", ".DS_Store")
IGNORED_NAMES = (".gitkeep", ".keep")  # placeholders that keep empty folders in Git


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
        self._prefix = os.path.join(str(root), "")

    def files(self) -> Iterator[SourceFile]:
        """Walk the registry, skipping hidden folders such as .git."""
        yield from self._tops(("registry.yaml", "milestones", "releases"))

    def _tops(self, names: Iterable[str]) -> Iterator[SourceFile]:
        for sub in names:
            top = self.root / sub
            if top.is_symlink():
                yield SourceFile(sub, symlink=True)
            elif top.is_file():
                yield SourceFile(sub)
            elif top.is_dir():
                yield from self._walk(top, sub)

    def _walk(self, folder: str | Path, rel: str) -> Iterator[SourceFile]:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            path = f"{rel}/{entry.name}"
            if entry.is_symlink():
                yield SourceFile(path, symlink=True)
            elif entry.is_dir():
                yield from self._walk(entry.path, path)
            else:
                yield SourceFile(path)

    def path_of(self, path: str) -> str:
        """The file system path of a registry path."""
        return self._prefix + path

    def read(self, path: str) -> bytes:
        """Read a file, refusing anything over the size limit without reading it all."""
        fd = os.open(self._prefix + path, os.O_RDONLY)
        try:
            return os.read(fd, MAX_BYTES + 1)
        finally:
            os.close(fd)


class SubsetSource(DirectorySource):
    """Part of a registry directory: the settings, the definitions and the given paths."""

    def __init__(self, root: Path, only: Iterable[str]) -> None:
        super().__init__(root)
        self.only = sorted(set(only))

    def files(self) -> Iterator[SourceFile]:
        """registry.yaml, milestones/ and every file under the given paths."""
        yield from self._tops(("registry.yaml", "milestones"))
        for rel in self.only:
            if not rel.startswith("releases/"):
                continue
            full = self.root / rel
            if full.is_symlink():
                yield SourceFile(rel, symlink=True)
            elif full.is_dir():
                yield from self._walk(full, rel)
            elif full.is_file():
                yield SourceFile(rel)


Parsed = tuple[Any, dict[str, int], list[tuple[str, str, int | None]]]


def parse_file(source: FileSource, path: str) -> Parsed:
    """Read and parse one file: (data, lines, problems as (code, message, line))."""
    try:
        raw = source.read(path)
    except OSError as exc:
        return None, {}, [("RR100", f"cannot read the file: {exc.strerror}", None)]
    doc = parse(raw)
    return doc.data, doc.lines, [(p.code, p.message, p.line) for p in doc.problems]


def validate_file(path: str, model: type[R], parsed: Parsed) -> tuple[Loaded[R], list[Finding]]:
    """Turn a parsed file into a record, or into findings."""
    data, lines, problems = parsed
    found = [Finding(path, line, code, message) for code, message, line in problems]
    if problems or not isinstance(data, dict):
        return Loaded(path, None, lines), found
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        doc = Document(data, lines)
        return Loaded(path, None, lines), found + validation_findings(path, doc, exc)
    return Loaded(path, share_fields(record), lines), found


def load_file(source: FileSource, path: str, model: type[R]) -> tuple[Loaded[R], list[Finding]]:
    """Read, parse and validate one file; never raises on bad content."""
    return validate_file(path, model, parse_file(source, path))


# Below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 3000
WORKER_SHARE = 0.58  # the parent also validates every record, so the worker parses more


def _parse_files(source: FileSource, paths: list[str]) -> list[Parsed]:
    # plain data: marshal moves it between processes ~10x faster than pickling models
    return [parse_file(source, p) for p in paths]


def load_files(
    source: FileSource, jobs: list[tuple[str, type[Record]]], parallel: bool = True
) -> list[tuple[Loaded[Any], list[Finding]]]:
    """Load many files in order; large batches are parsed partly in a forked process.

    Parsing is CPU-bound Python, so the only way to use the second core is a second
    process; fork shares the imported modules and the source for free. The worker sends
    back plain parsed data; records are validated here, so results are identical.
    """
    if not parallel or len(jobs) < PARALLEL_THRESHOLD or not can_fork():
        return [load_file(source, path, model) for path, model in jobs]
    cut = int(len(jobs) * (1 - WORKER_SHARE))
    child = Forked(partial(_parse_files, source, [path for path, _ in jobs[cut:]]))
    try:
        out = [load_file(source, path, model) for path, model in jobs[:cut]]
        parsed: list[Parsed] = child.result()
    finally:
        child.cancel()
    out.extend(
        validate_file(path, model, p) for (path, model), p in zip(jobs[cut:], parsed, strict=True)
    )
    return out


def load_registry(
    source: FileSource, parallel: bool = True, cache: RecordCache | None = None
) -> Registry:
    """Load every file of a registry; problems become ``registry.findings``.

    With a ``cache`` (a directory source only), release and approval files whose stat
    is unchanged since the cache was filled are taken from it unread; the rest are
    loaded and, when valid, remembered (see ``recordcache``).
    """
    reg = Registry()
    findings: list[Finding] = []
    add = findings.append
    jobs: list[tuple[str, type[Record]]] = []
    places: list[tuple[str, ...]] = []
    for f in source.files():
        parts = f.path.split("/")
        if f.symlink:
            add(
                Finding(
                    f.path, None, "RR109", "symbolic links are not allowed; commit the file itself"
                )
            )
            continue
        if f.path == "registry.yaml":
            jobs.append((f.path, RegistryConfig))
            places.append(("config",))
        elif parts[0] == "milestones" and len(parts) == 2 and parts[1].endswith(".yaml"):
            jobs.append((f.path, MilestoneDefinition))
            places.append(("milestone", parts[1][: -len(".yaml")]))
        elif parts[0] == "releases" and len(parts) == 4 and parts[3] == "release.yaml":
            jobs.append((f.path, Release))
            places.append(("release", parts[1], parts[2]))
        elif (
            parts[0] == "releases"
            and len(parts) == 5
            and parts[3] == "approvals"
            and parts[4].endswith(".yaml")
        ):
            jobs.append((f.path, Approval))
            places.append(("approval", parts[1], parts[2], parts[4][: -len(".yaml")]))
        elif parts[-1] not in IGNORED_NAMES:
            add(_stray(f.path))
    if cache is not None:
        results = _load_cached(source, jobs, parallel, cache)
    else:
        results = load_files(source, jobs, parallel)
    for place, (loaded, found) in zip(places, results, strict=True):
        findings.extend(found)
        if place[0] == "config":
            reg.config = loaded
        elif place[0] == "milestone":
            reg.milestones[place[1]] = loaded
        elif place[0] == "release":
            _entry(reg, place[1], place[2], add).release = loaded
        else:
            _entry(reg, place[1], place[2], add).approvals[place[3]] = loaded
    if reg.config is None:
        add(
            Finding(
                "registry.yaml",
                None,
                "RR112",
                "registry.yaml is missing; create it with `relreg init`",
            )
        )
    reg.findings = findings
    return reg


def _load_cached(
    source: FileSource,
    jobs: list[tuple[str, type[Record]]],
    parallel: bool,
    cache: RecordCache,
) -> list[tuple[Loaded[Any], list[Finding]]]:
    """``load_files`` with unchanged files taken from ``cache``; the cache is then saved."""
    assert isinstance(source, DirectorySource), "the record cache needs files on disk"
    results: list[tuple[Loaded[Any], list[Finding]] | None] = []
    missed: list[int] = []
    sigs = []
    for i, (path, model) in enumerate(jobs):
        sig = signature(source.path_of(path))
        sigs.append(sig)
        hit = cache.get(path, model, sig)
        if hit is None:
            results.append(None)
            missed.append(i)
        else:
            record, lines = hit
            results.append((Loaded(path, record, lines), []))
    loaded = load_files(source, [jobs[i] for i in missed], parallel)
    for i, (item, found) in zip(missed, loaded, strict=True):
        results[i] = (item, found)
        if item.record is not None and not found:
            cache.put(item.path, sigs[i], item.record, item.lines)
    cache.save()
    return [r for r in results if r is not None]


def _entry(reg: Registry, channel: str, tag: str, add: Callable[[Finding], None]) -> ReleaseEntry:
    folder = f"releases/{channel}/{tag}"
    entry = reg.releases.get(folder)
    if entry is None:
        entry = reg.releases[folder] = ReleaseEntry(channel=channel, tag=tag)
        for part in (channel, tag):
            if not TAG_CHARS.match(part):
                add(
                    Finding(
                        folder,
                        None,
                        "RR201",
                        f"folder name {part!r} has characters outside [0-9A-Za-z._+-]",
                    )
                )
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


def require_registry(root: Path) -> None:
    """Refuse a registry folder that does not exist, saying how to name the right one."""
    if not root.is_dir():
        raise RelregError(
            f"no registry at {root}: pass --registry DIR, set RELREG_REGISTRY, "
            "or create one with `relreg init`"
        )


def load_directory(root: Path, *, cached: bool = False) -> Registry:
    """Load the registry in directory ``root``; ``cached`` uses the record cache."""
    require_registry(root)
    cache = RecordCache.open(root) if cached else None
    return load_registry(DirectorySource(root), cache=cache)
