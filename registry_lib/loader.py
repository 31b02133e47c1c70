"""Read a registry from files into a ``Registry``: the only module that reads registry data.

Files come from a ``FileSource`` (a directory on disk, or a Git tree for ``--at``), so the
same code loads the work tree and any revision. Loading never raises on bad input: every
problem becomes a finding with a path, a line and a code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from .errors import RelregError
from .fieldfindings import validation_findings
from .findings import Finding
from .forked import Chunks, Streamed, can_fork
from .model import Approval, MilestoneDefinition, Record, RegistryConfig, Release, share_fields
from .prefetch import Prefetch
from .recordcache import RecordCache, signature
from .registry import Loaded, Registry, ReleaseEntry, shared_lines
from .sources import (
    PARSE_CHUNK,
    DirectorySource,
    FileSource,
    Parsed,
    Place,
    SourceFile,
    SubsetSource,
    parse_chunks,
    parse_file,
    place_of,
)
from .tags import TAG_CHARS
from .yamlio import Document

__all__ = [
    "DirectorySource",
    "FileSource",
    "Parsed",
    "SourceFile",
    "SubsetSource",
    "load_definitions",
    "load_directory",
    "load_file",
    "load_files",
    "load_registry",
    "load_tag",
    "parse_file",
    "require_registry",
    "tag_folders",
    "validate_file",
]

R = TypeVar("R", bound=Record)
HARMLESS_SUFFIXES = (".md", ".txt", ".rst")
HARMLESS_NAMES = (".gitignore", ".DS_Store")
IGNORED_NAMES = (".gitkeep", ".keep")  # placeholders that keep empty folders in Git


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
    return Loaded(path, share_fields(record), shared_lines(lines)), found


def load_file(source: FileSource, path: str, model: type[R]) -> tuple[Loaded[R], list[Finding]]:
    """Read, parse and validate one file; never raises on bad content."""
    return validate_file(path, model, parse_file(source, path))


# Below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 3000


def load_files(
    source: FileSource, jobs: list[tuple[str, type[Record]]], parallel: bool = True
) -> list[tuple[Loaded[Any], list[Finding]]]:
    """Load many files in order; large batches are parsed mostly in a forked process.

    Parsing is CPU-bound Python, so the only way to use the second core is a second
    process; fork shares the imported modules and the source for free. The worker
    parses chunk after chunk and sends back plain data as it goes (``forked.Streamed``);
    this process validates each chunk as it arrives, so records are made here and results
    are identical. When no parsed chunk is waiting, it parses the next chunk itself: the
    two take chunks from one queue (``forked.Chunks``) and end together.
    """
    if not parallel or len(jobs) < PARALLEL_THRESHOLD or not can_fork():
        return [load_file(source, path, model) for path, model in jobs]
    paths = [path for path, _ in jobs]
    chunks = Chunks(len(jobs), size=PARSE_CHUNK)
    try:
        child = Streamed(partial(parse_chunks, source, paths, chunks))
        return _load_shared(source, jobs, child, chunks)
    finally:
        chunks.close()


def _load_shared(
    source: FileSource, jobs: list[tuple[str, type[Record]]], child: Streamed, chunks: Chunks
) -> list[tuple[Loaded[Any], list[Finding]]]:
    """Validate the worker's parsed chunks as they arrive; parse a chunk here whenever
    none is waiting. Each chunk is (index of the first, parsed files)."""
    out: list[tuple[Loaded[Any], list[Finding]] | None] = [None] * len(jobs)

    def validate_piece(piece: tuple[int, list[Parsed]]) -> None:
        first, parsed = piece
        for i, p in enumerate(parsed, first):
            path, model = jobs[i]
            out[i] = validate_file(path, model, p)

    try:
        while True:
            waiting = child.ready(1)  # one at a time: the reader runs ahead
            for piece in waiting:
                validate_piece(piece)
            if waiting:
                continue  # the worker's chunks first: it can only parse
            taken = chunks.take()
            if taken is None:
                break
            for i in taken:
                out[i] = load_file(source, *jobs[i])
        for piece in child.rest():
            validate_piece(piece)
    finally:
        child.cancel()
    if None in out:
        raise RelregError("internal error: a file was neither parsed here nor by the worker")
    return out  # type: ignore[return-value]  # every slot is filled


MODELS: dict[str, type[Record]] = {
    "config": RegistryConfig,
    "milestone": MilestoneDefinition,
    "release": Release,
    "approval": Approval,
}


def load_registry(
    source: FileSource,
    parallel: bool = True,
    cache: RecordCache | None = None,
    prefetched: Prefetch | None = None,
) -> Registry:
    """Load every file of a registry; problems become ``registry.findings``.

    With a ``cache`` (a directory source only), release and approval files whose stat
    is unchanged since the cache was filled are taken from it unread; the rest are
    loaded and, when valid, remembered (see ``recordcache``). ``prefetched`` is the same
    directory, being walked and parsed by a forked child (``prefetch``).
    """
    reg = Registry()
    findings: list[Finding] = []
    add = findings.append
    jobs: list[tuple[str, type[Record]]] = []
    places: list[Place] = []
    listed = prefetched.files() if prefetched is not None else source.files()
    if prefetched is not None and cache is not None:
        prefetched.cancel()  # its walk is used; the cache holds nearly every file parsed
        prefetched = None
    for f in listed:
        if f.symlink:
            add(
                Finding(
                    f.path, None, "RR109", "symbolic links are not allowed; commit the file itself"
                )
            )
            continue
        place = place_of(f.path)
        if place is not None:
            jobs.append((f.path, MODELS[place[0]]))
            places.append(place)
        elif f.path.rsplit("/", 1)[-1] not in IGNORED_NAMES:
            add(_stray(f.path))
    if prefetched is not None:
        results = _load_prefetched(prefetched, jobs)
    elif cache is not None:
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


def _load_prefetched(
    prefetched: Prefetch, jobs: list[tuple[str, type[Record]]]
) -> list[tuple[Loaded[Any], list[Finding]]]:
    """``load_files`` with the registry read ahead (``prefetch``); its chunks are cut
    from the same file list, so they come in ``jobs`` order."""
    if prefetched.chunks.items != len(jobs):
        raise RelregError("internal error: the files read ahead do not match the registry")
    return _load_shared(DirectorySource(prefetched.root), jobs, prefetched.child, prefetched.chunks)


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


def load_directory(
    root: Path, *, cached: bool = False, prefetched: Prefetch | None = None
) -> Registry:
    """Load the registry in directory ``root``; ``cached`` uses the record cache.

    ``prefetched`` (``prefetch.start``) is used when it reads ``root``: its walk always,
    its parsed files when there is no cache; otherwise it is stopped.
    """
    if prefetched is not None and prefetched.root != root:
        prefetched.cancel()
        prefetched = None
    try:
        require_registry(root)
        cache = RecordCache.open(root) if cached else None
        return load_registry(DirectorySource(root), cache=cache, prefetched=prefetched)
    finally:
        if prefetched is not None:
            prefetched.cancel()


def load_definitions(root: Path) -> Registry:
    """The registry's settings and milestone definitions, no release folder."""
    require_registry(root)
    return load_registry(SubsetSource(root, []))


def load_tag(root: Path, tag: str) -> Registry:
    """The settings, the definitions and every release folder named ``tag``: the one in its
    own channel and any misplaced copy (RR206, RR207).

    That is all a question or a write about one release reads: its rules look at one
    release folder, the definitions and the copies of its tag. Reading the whole registry
    instead made every write cost what the registry holds (10 s at 100,000 releases).
    """
    require_registry(root)
    return load_registry(SubsetSource(root, tag_folders(root, tag)))


def tag_folders(root: Path, tag: str) -> list[str]:
    """``releases/<channel>/<tag>`` for every channel folder that has an entry ``tag``."""
    if not tag or tag in (".", "..") or "/" in tag or "\0" in tag:
        return []  # not a folder name: no folder is named so
    base = root / "releases"
    try:
        channels = sorted(entry.name for entry in os.scandir(base))
    except OSError:  # no releases folder yet (or not a folder: the walk reports that)
        return []
    return [f"releases/{c}/{tag}" for c in channels if os.path.lexists(base / c / tag)]
