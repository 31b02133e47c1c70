"""A results cache outside the registry, keyed by Git's content hashes; safe to delete.

The cache holds what validation found in each release folder and the facts queries need,
for the registry's tree at HEAD. Git names that tree by a hash of its content, and
``git status`` names every file that differs from it, so a cache entry is used only for
folders whose content is exactly what it was computed from. A damaged file (bad checksum,
wrong format, another relreg version) is ignored and rewritten, never trusted.

``RELREG_CACHE_DIR`` moves it (default: ``$XDG_CACHE_HOME/relreg`` or ``~/.cache/relreg``);
``RELREG_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import struct
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import GitError
from .gitutil import git, wait
from .regularfile import read_regular

FORMAT = 1


def enabled() -> bool:
    """False when RELREG_NO_CACHE is set."""
    return os.environ.get("RELREG_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    """Where cache files live."""
    explicit = os.environ.get("RELREG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "relreg"


@lru_cache(maxsize=1)
def version_key() -> str:
    """Changes whenever relreg's code changes (any module, the site's and the CLI's
    included), so nothing cached by other code is reused."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        stat = path.stat()
        name = path.relative_to(here).as_posix()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class GitState:
    """The registry's tree at HEAD and the registry paths that differ from it."""

    tree: str
    dirty: frozenset[str]


class PendingState:
    """``git status`` running in the background while relreg reads files, and ``git
    ls-files -v`` for the entries whose work-tree files Git does not look at."""

    def __init__(self, tree: str, prefix: str, procs: list[subprocess.Popen[bytes]]) -> None:
        self.tree, self.prefix, self.procs = tree, prefix, procs
        self._answer: tuple[GitState | None] | None = None  # once Git has answered

    def cancel(self) -> None:
        """Stop Git when its answer is no longer needed."""
        for proc in self.procs:
            proc.kill()
            proc.communicate()

    def result(self) -> GitState | None:
        """Wait for Git; None when it failed or did not answer within
        ``gitutil.GIT_TIMEOUT`` seconds (``gitutil.wait``: it blocks for good opening a
        named pipe called .gitignore).

        ``dirty`` holds the paths ``git status`` names (a folder, named when it is ignored
        or holds another repository, ends with "/"), and the files Git is told not to
        look at (skip-worktree: sparse checkouts; assume-unchanged), whose edits it would
        never name. Asked again, it gives the same answer.
        """
        if self._answer is None:
            self._answer = (self._wait(),)
        return self._answer[0]

    def _wait(self) -> GitState | None:
        try:
            commands = ("status", "ls-files")
            outputs = [wait(p, c)[0] for p, c in zip(self.procs, commands, strict=True)]
        except GitError:  # no answer in time
            self.cancel()
            return None
        if any(proc.returncode != 0 for proc in self.procs):
            return None
        cut = len(self.prefix) + 1 if self.prefix else 0
        # os.fsdecode: a name that is not UTF-8 stays the name the walk gives that file
        status, listed = (os.fsdecode(out) for out in outputs)
        dirty = {item[3:][cut:] for item in status.split("\0") if len(item) > 3}
        # "H <path>": a normal entry; any other tag (S, h, s, M) is not watched as usual
        dirty.update(item[2:][cut:] for item in listed.split("\0") if item and item[0] != "H")
        return GitState(self.tree, frozenset(dirty))


def start_git_state(root: Path) -> PendingState | None:
    """Start finding the registry's tree and changed files; None outside a committed Git folder.

    ``git status`` looks at every file (about 3 s at 100,000 releases), so it runs in the
    background while the caller reads the registry.
    """
    from .gitsource import locate

    try:
        top, prefix = locate(root)
        tree = git(top, "rev-parse", "--verify", "--quiet", f"HEAD:{prefix}").strip()
    except GitError:
        return None
    # --no-optional-locks: status must not take .git/index.lock to save its index refresh,
    # both because it runs beside the user's Git and because cancel() may stop it midway.
    # --literal-pathspecs: a registry folder named e.g. ":registry" is a path, not magic
    status = ["git", "--no-optional-locks", "--literal-pathspecs", "status", "--porcelain=v1", "-z"]
    status += ["--untracked-files=all"]
    status += ["--ignored=matching", "--no-renames", "--", prefix or "."]
    listed = ["git", "--literal-pathspecs", "ls-files", "-v", "-z", "--", prefix or "."]
    procs = [
        subprocess.Popen(command, cwd=top, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for command in (status, listed)
    ]
    return PendingState(tree, prefix, procs)


def git_state(root: Path) -> GitState | None:
    """The Git view of the registry, or None when it is not a committed Git folder."""
    pending = start_git_state(root)
    return pending.result() if pending else None


def registry_file(root: Path, folder: str, version: int) -> Path:
    """The cache file of one kind (``folder``, "" for the results cache) for the registry
    at ``root``, named after its absolute path and the kind's format ``version``."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
    return cache_dir() / folder / f"{key}.v{version}.cache"


def _file(root: Path) -> Path:
    return registry_file(root, "", FORMAT)


def read(root: Path) -> dict[str, Any] | None:
    """The cached payload for this registry, or None when missing, stale-format or damaged."""
    return read_file(_file(root))


def write(root: Path, payload: dict[str, Any]) -> None:
    """Store the payload atomically; a cache that cannot be written is simply skipped."""
    write_file(_file(root), payload)


STAT = struct.Struct("<QqqQ")  # size, modification and change times (ns), inode


def stat_signature(st: os.stat_result) -> bytes:
    """The stat fields that change whenever a file is written, replaced or touched (and a
    folder whenever an entry comes or goes), packed: a 65-byte object instead of ~200 for
    a tuple of four ints, for caches that keep hundreds of thousands."""
    return STAT.pack(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def small_change(entries: int) -> int:
    """How many entries a cache of ``entries`` may lack or hold in vain before it is
    rewritten: 1 %, and at least 64 (an empty cache is always written). Rewriting a
    whole cache for one changed file costs more than reading that file again."""
    return max(64, entries // 100) if entries else -1


def read_file(target: Path) -> dict[str, Any] | None:
    """A payload written by ``write_file``, or None when missing, damaged or from other code."""
    try:
        blob = read_regular(target)
    except OSError:
        return None
    checksum, body = blob[:32], blob[32:]
    if hashlib.sha256(body).digest() != checksum:
        return None
    try:
        payload = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or payload.get("version") != version_key():
        return None
    return payload


def write_file(target: Path, payload: dict[str, Any]) -> None:
    """Store a payload (plain data) with its checksum and relreg's code version, atomically."""
    payload = {**payload, "version": version_key()}
    body = marshal.dumps(payload)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    store(target, hashlib.sha256(body).digest() + body)


def store(target: Path, data: bytes) -> bool:
    """Replace ``target`` by a file holding ``data`` (a temp file, then a rename); False,
    and no temp file left behind, when that fails: a cache that cannot be written only
    means that the next run does the work again."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True
