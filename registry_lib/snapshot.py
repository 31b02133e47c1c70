"""Whole-registry answers (validation findings, query facts) that reuse the cache.

``analyze`` gives exactly what loading and validating the whole registry gives; with a
cache for the registry's Git tree it only reads the release folders that Git says differ
from it (plus registry.yaml and the definitions, which every rule may use).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import cache
from .definitionrules import check_definitions
from .findings import Finding
from .forked import Forked, can_fork
from .loader import (
    PARALLEL_THRESHOLD,
    DirectorySource,
    SourceFile,
    SubsetSource,
    load_registry,
    require_registry,
)
from .query import Facts, facts_of
from .registry import Registry
from .rules import check_release, duplicate_tags
from .sources import release_folder


@dataclass
class Snapshot:
    """Every finding of the registry, the facts of every release folder, and the definitions."""

    findings: list[Finding]
    facts: list[Facts]
    definitions: Registry  # registry.yaml and milestones/ (releases may be partial)


def group_of(path: str) -> str:
    """The unit of caching a path belongs to: its release folder, else the path itself."""
    return release_folder(path) or path


def _stale_groups(dirty: frozenset[str], groups: Groups) -> set[str]:
    """The groups the dirty paths touch. Git names a whole folder (with a final "/") when
    it is ignored or holds another repository: every group inside it is touched, and the
    folder itself is read again."""
    stale = set()
    folders = []
    for path in dirty:
        if path.endswith("/"):
            path = path.rstrip("/")
            folders.append(path + "/")
        if path:
            stale.add(group_of(path))
    if folders:
        inside = tuple(folders)
        stale.update(g for g in groups if g.startswith(inside))
    return stale


def _definitions_key(root: Path) -> str:
    """A hash of registry.yaml and every definition file: a change there voids the cache."""
    digest = hashlib.sha256()
    src = SubsetSource(root, [])
    for f in src.files():
        digest.update(f.path.encode() + b"\0" + str(f.symlink).encode())
        if not f.symlink:
            try:
                digest.update(src.read(f.path))
            except OSError:
                digest.update(b"unreadable")
    return digest.hexdigest()


Groups = dict[str, Any]  # group -> (facts tuple or None, [finding tuples]), or None


def _groups(reg: Registry) -> Groups:
    """Per group: the facts (release folders only) and the findings of that group."""
    out: dict[str, tuple[Any, list[tuple[Any, ...]]]] = {}
    for folder, entry in reg.releases.items():
        facts = facts_of(entry)
        found = check_release(reg, entry, frozenset())
        out[folder] = (_facts_tuple(facts), [_finding_tuple(f) for f in found])
    for f in reg.findings:
        group = group_of(f.path)
        if group.startswith("releases/"):
            out.setdefault(group, (None, []))[1].append(_finding_tuple(f))
    return out


def _facts_tuple(f: Facts) -> tuple[Any, ...]:
    return (f.folder, f.tag, f.channel, f.created_at, f.listed, f.rejected, f.milestones)


def _finding_tuple(f: Finding) -> tuple[Any, ...]:
    return (f.path, f.line, f.code, f.message, f.severity)


def _assemble(defs: Registry, groups: dict[str, tuple[Any, list[tuple[Any, ...]]]]) -> Snapshot:
    facts = [Facts(*g[0]) for g in groups.values() if g[0] is not None]
    found = [f for f in defs.findings if not group_of(f.path).startswith("releases/")]
    found += check_definitions(defs)
    found += [Finding(*t) for g in groups.values() for t in g[1]]
    # Duplicate tags span folders: work them out from the facts every time.
    found += duplicate_tags((f.folder, f.tag) for f in facts)
    return Snapshot(sorted(found, key=Finding.sort_key), facts, defs)


# Release files are loaded in batches of about this many, so memory stays flat however
# large the registry grows (rules look at one release folder at a time).
BATCH_FILES = 30000


class _Listed:
    """Some of the files of a directory source."""

    def __init__(self, source: DirectorySource, files: list[SourceFile]) -> None:
        self.source, self.listed = source, files

    def files(self) -> Iterator[SourceFile]:
        return iter(self.listed)

    def read(self, path: str) -> bytes:
        return self.source.read(path)


def _batch_groups(source: _Listed, files: list[SourceFile]) -> Groups:
    return _groups(load_registry(_Listed(source.source, source.listed + files), parallel=False))


def _batches_groups(source: _Listed, batches: list[list[SourceFile]]) -> Groups:
    groups: Groups = {}
    for batch in batches:
        groups.update(_batch_groups(source, batch))
    return groups


def _batches(body: list[SourceFile]) -> list[list[SourceFile]]:
    """Split release files into batches (at least two, to use both cores), never a folder."""
    size = max(1000, min(BATCH_FILES, len(body) // 2 + 1))
    out = []
    start = 0
    while start < len(body):
        end = min(start + size, len(body))
        while end < len(body) and group_of(body[end].path) == group_of(body[end - 1].path):
            end += 1
        out.append(body[start:end])
        start = end
    return out


Entry = tuple[str, bool]  # a name in a folder, and whether it is a folder (not a link)


@dataclass
class _Walked:
    """What the walk saw: each group's files and folders (the folder itself included), and
    the entries of ``releases`` (always named, even when missing) and each channel folder."""

    members: dict[str, list[str]]  # group -> names relative to it ("" the folder itself)
    tops: dict[str, set[Entry]]


def _walked(files: list[SourceFile], folders: list[str]) -> _Walked:
    members: dict[str, list[str]] = {}
    tops: dict[str, set[Entry]] = {"releases": set()}
    walked = set(folders)
    for path in [f.path for f in files] + folders:
        parts = path.split("/")
        if parts[0] != "releases":
            continue
        if len(parts) >= 3:
            group = group_of(path)
            members.setdefault(group, []).append(path[len(group) + 1 :])
        for depth in (1, 2):
            if len(parts) > depth:
                entry = "/".join(parts[: depth + 1])
                tops.setdefault("/".join(parts[:depth]), set()).add((parts[depth], entry in walked))
    for folder in folders:  # walked folders: an empty one lists nothing, and is known
        if folder.count("/") < 2 and folder.startswith("releases"):
            tops.setdefault(folder, set())
    return _Walked(members, tops)


def _releases_usable(root: Path) -> bool:
    """True when ``releases`` is a real folder or absent: a link or a file there (an
    RR109/RR110 finding of its own) is not cached; every run reads the registry."""
    try:
        mode = os.lstat(root / "releases").st_mode
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return stat.S_ISDIR(mode)


def _stream(root: Path) -> tuple[Registry, Groups, _Walked]:
    """Load and check the whole registry batch by batch: the definitions, every group,
    and what the walk saw.

    Batches alternate between this process and a forked one, each loading and checking
    whole release folders; only the small per-folder results travel back (marshal).
    """
    source = DirectorySource(root)
    source.folders = []
    files = list(source.files())
    walked = _walked(files, source.folders)
    head = _Listed(source, [f for f in files if not f.path.startswith("releases/")])
    body = [f for f in files if f.path.startswith("releases/")]
    defs = load_registry(head)
    batches = _batches(body)
    groups: Groups = {}
    if len(batches) < 2 or len(body) < PARALLEL_THRESHOLD or not can_fork():
        return defs, _batches_groups(head, batches), walked
    child = Forked(partial(_batches_groups, head, batches[1::2]))
    try:
        groups = _batches_groups(head, batches[0::2])
        groups.update(child.result())
    finally:
        child.cancel()
    return defs, groups, walked


RACY_NS = 2_000_000_000  # files changed this close to a run's start are not cached clean


def _signatures(prefix: str, group: str, names: list[str], racy: int | None = None) -> bytes | None:
    """The packed ``lstat`` signatures of a group's files and folders (by name relative
    to the group, "" for its folder); None when one is gone, or (with ``racy``) changed
    at or after that time. Packed: a cache at 100,000 releases holds 350,000 of them."""
    base = prefix + group
    out = []
    for name in names:
        try:
            st = os.lstat(f"{base}/{name}" if name else base)
        except OSError:
            return None
        if racy is not None and max(st.st_mtime_ns, st.st_ctime_ns) >= racy:
            return None
        out.append(cache.stat_signature(st))
    return b"".join(out)


def analyze(root: Path) -> Snapshot:
    """Findings and facts for the whole registry, using and refreshing the cache."""
    snapshot = _analyze(root, cached_only=False)
    assert snapshot is not None
    return snapshot


def analyze_cached(root: Path) -> Snapshot | None:
    """``analyze`` when a cache for the current tree can answer it, else None (read nothing).

    For callers that would read every folder anyway: without a cache, ``analyze`` could
    only make them read everything twice.
    """
    return _analyze(root, cached_only=True)


def _analyze(root: Path, cached_only: bool) -> Snapshot | None:
    require_registry(root)
    racy = time.time_ns() - RACY_NS
    pending = cache.start_git_state(root) if cache.enabled() else None
    if pending is None:
        return None if cached_only else _assemble(*_stream(root)[:2])
    defs_key = _definitions_key(root)
    payload = cache.read(root) if _releases_usable(root) else None
    if payload and payload.get("tree") == pending.tree and payload.get("defs") == defs_key:
        state = pending.result()
        relisted = _relisted(root, payload.get("tops") or {}) if state is not None else None
        if state is not None and relisted is not None:
            cached: Groups = payload["groups"]
            stale = _stale_groups(state.dirty, cached)
            stale |= {g for g, v in cached.items() if v is None}
            stale |= _restated(root, cached, stale, payload.get("files") or {})
            stale |= relisted
            fresh = load_registry(SubsetSource(root, stale))
            groups = {g: v for g, v in cached.items() if g not in stale}
            groups.update(_groups(fresh))
            return _assemble(fresh, groups)
        if cached_only:
            return None
    elif cached_only:
        pending.cancel()
        return None
    defs, groups, walked = _stream(root)  # while git status runs
    snapshot = _assemble(defs, groups)
    state = pending.result()
    if state is not None and _releases_usable(root):
        members = walked.members
        # a folder holding nothing relreg reads (empty, say) is a group too: a named pipe
        # put there later is seen by its folder's stat, as in any other group
        groups = {**{g: (None, []) for g in members}, **groups}
        dirty = _stale_groups(state.dirty, groups)
        stored = {g: (None if g in dirty else v) for g, v in groups.items()}
        stored.update({g: None for g in dirty if g.startswith("releases/")})
        files = {}
        prefix = os.path.join(str(root), "")
        for group, value in stored.items():
            if value is None:
                continue
            names = members.get(group, [])
            sigs = _signatures(prefix, group, names, racy)
            if sigs is None:
                stored[group] = None  # changed while (or just before) this run read it
            else:
                files[group] = (names, sigs)
        # No signature for a folder that is missing ("releases" may be) or changed just
        # now: it is listed again by every run until stored calm.
        tops = {
            folder: (_signatures(prefix, folder, [""], racy), sorted(listed))
            for folder, listed in walked.tops.items()
        }
        payload = {
            "tree": state.tree,
            "defs": defs_key,
            "groups": stored,
            "files": files,
            "tops": tops,
        }
        cache.write(root, payload)
    return snapshot


def _relisted(root: Path, tops: dict[str, Any]) -> set[str] | None:
    """Entries added to, gone from or changed in kind in ``releases`` or a channel folder
    since the cache was filled, as paths (a new folder is walked whole); None when one of
    these folders is gone or is no longer a real folder (the cache cannot say what of its
    contents is still there: read everything).

    Git does not name every new entry: not a named pipe or socket, not one named
    ``.git``; adding or removing any entry changes the folder's stat. One ``lstat`` per
    channel; a folder that changed is listed again.
    """
    out: set[str] = set()
    prefix = os.path.join(str(root), "")
    for folder, (sig, entries) in tops.items():
        try:
            st = os.lstat(prefix + folder)
        except FileNotFoundError:
            if sig is not None or entries:
                return None  # it was there: whatever it held is gone
            continue  # "releases", missing then and now
        if not stat.S_ISDIR(st.st_mode):
            return None  # a link or a file where a folder was
        if sig is not None and cache.stat_signature(st) == sig:
            continue
        try:
            with os.scandir(prefix + folder) as listing:
                now = {(e.name, e.is_dir(follow_symlinks=False)) for e in listing}
        except OSError:
            return None  # unreadable now: the walk will say so
        out.update(f"{folder}/{name}" for name, _ in now.symmetric_difference(map(tuple, entries)))
    return out


def _restated(root: Path, cached: Groups, stale: set[str], files: dict[str, Any]) -> set[str]:
    """Cached groups whose files' or folders' stat changed although Git did not name them.

    Git compares file times to the second unless built with USE_NSEC, so an edit keeping the
    size, putting the modification time back and landing in the second Git last looked is
    invisible to it; the change time, to the nanosecond, is not. A group's folders are
    compared too: Git does not name a new named pipe, socket or ``.git`` entry, but the
    folder holding it changes. Costs one ``lstat`` a file and a folder.
    """
    out = set()
    prefix = os.path.join(str(root), "")
    for group, value in cached.items():
        if value is None or group in stale:
            continue
        names, sigs = files.get(group) or ([], None)
        if sigs is None or _signatures(prefix, group, names) != sigs:
            out.add(group)
    return out
