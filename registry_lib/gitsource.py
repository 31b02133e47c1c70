"""Read a registry from a Git revision without touching the work tree (``--at``, ``--base``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GitError, RelregError
from .gitutil import git, git_bytes, repo_root

if TYPE_CHECKING:  # the loader imports pydantic: not needed to locate a repository
    from .loader import SourceFile
    from .registry import Registry


def locate(root: Path) -> tuple[Path, str]:
    """The repository top holding the registry, and the registry's path inside it ("" at top)."""
    probe = root if root.is_dir() else Path.cwd()
    top = repo_root(probe)
    if top is None:
        raise GitError(
            f"{root} is not inside a Git repository; --at, --base, history and notify read "
            "Git history: run them in a clone of the registry repository"
        )
    try:
        rel = root.resolve().relative_to(top.resolve())
    except ValueError:
        raise GitError(f"{root} is outside the repository at {top}") from None
    return top, "" if str(rel) == "." else rel.as_posix()


def resolve_rev(top: Path, rev: str) -> str:
    """The full commit SHA of ``rev``; a clear error when Git does not know it."""
    try:
        return git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except GitError:
        raise RelregError(
            f"unknown revision {rev!r}; use a commit, branch or tag (fetch it first in CI)"
        ) from None


def _join(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix else path


class GitTreeSource:
    """The files of a registry folder at one commit, read with one ``git cat-file --batch``.

    ``only`` limits it to some registry paths (files or folders), for incremental checks.
    """

    def __init__(
        self, top: Path, commit: str, prefix: str, only: Sequence[str] | None = None
    ) -> None:
        self.top = top
        self.commit = commit
        self.prefix = prefix
        self._entries: list[tuple[str, str, str]] = []  # (path in registry, mode, blob sha)
        specs = [prefix or "."] if only is None else [_join(prefix, p) for p in only]
        listing = git_bytes(
            top, "--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--", *specs
        )
        cut = len(prefix) + 1 if prefix else 0
        for item in listing.split(b"\0"):
            if not item:
                continue
            meta, _, path = item.partition(b"\t")
            mode, kind, sha = meta.decode().split()
            if kind != "blob":
                continue
            self._entries.append((path.decode("utf-8", "replace")[cut:], mode, sha))
        self._by_path = {p: sha for p, _, sha in self._entries}
        self._blobs = self._read_all([sha for _, mode, sha in self._entries if mode != "120000"])

    def _read_all(self, shas: list[str]) -> dict[str, bytes]:
        if not shas:
            return {}
        out = git_bytes(self.top, "cat-file", "--batch", input="\n".join(shas).encode() + b"\n")
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in shas:
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            start = header_end + 1
            blobs[sha] = out[start : start + size]
            pos = start + size + 1
        return blobs

    def files(self) -> Iterator[SourceFile]:
        """Files under the registry's layout folders, as ``DirectorySource`` lists them."""
        from .loader import SourceFile

        for path, mode, _ in sorted(self._entries):
            top = path.split("/", 1)[0]
            if path == "registry.yaml" or top in ("milestones", "releases"):
                yield SourceFile(path, symlink=mode == "120000")

    def read(self, path: str) -> bytes:
        """The blob of one file."""
        sha = self._by_path.get(path)
        if sha is None or sha not in self._blobs:
            raise FileNotFoundError(path)
        return self._blobs[sha]


def source_at(root: Path, rev: str) -> GitTreeSource:
    """The registry folder's files at ``rev``."""
    top, prefix = locate(root)
    return GitTreeSource(top, resolve_rev(top, rev), prefix)


def load_at(root: Path, rev: str) -> Registry:
    """The registry as it was at ``rev``."""
    from .loader import load_registry

    return load_registry(source_at(root, rev))
