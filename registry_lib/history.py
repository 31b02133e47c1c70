"""``relreg history``: what Git says happened to releases, in one pass over the log."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from typing import Any

from .cache import enabled, read_file, registry_file, write_file
from .errors import GitError, NotFoundError
from .gitsource import locate
from .gitutil import PendingGit, git
from .regularfile import read_regular
from .values import normalize_timestamp


@dataclass(slots=True)
class HistoryEntry(Mapping[str, Any]):
    """One commit's change to one release, read like a dict (``entry["action"]``).

    Not a dict: a build at 100,000 releases holds ~190,000 entries, 360 bytes each as
    dicts of eight keys and 96 bytes as these. Its ``repr`` names every field and value
    in order (release pages' fingerprints rely on it); ``dict(entry)`` is the JSON form.
    Read-only by convention, not ``frozen``: a frozen dataclass sets each field through
    ``object.__setattr__``, six times slower to make (2.3 µs against 0.37 µs; 0.44 s
    of every build at 100,000 releases).
    """

    commit: str
    author: str
    email: str
    time: str
    action: str
    milestone: str | None
    message: str
    pull_request: int | None

    def __getitem__(self, key: str) -> Any:
        if key not in _NAMES:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_FIELDS)

    def __len__(self) -> int:
        return len(_FIELDS)


_FIELDS = tuple(f.name for f in fields(HistoryEntry))  # in order: dict(entry) keeps it
_NAMES = frozenset(_FIELDS)
History = dict[str, list[HistoryEntry]]  # tag -> its entries, oldest first
_PR = re.compile(r"(?:\(#(\d+)\)|[Pp]ull request #(\d+)|!(\d+)\b)")
_SEP, _FIELD = "\x1e", "\x1f"


def pull_request(message: str) -> int | None:
    """The pull request number a commit message names ("… (#12)", "Merge pull request #12")."""
    m = _PR.search(message)
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


def collect(root: Path, tag: str | None = None) -> History:
    """Tag -> its history entries, oldest first; all tags unless ``tag`` is given.

    Two ``git log`` passes in all, however many releases: one for the files each commit
    touched, one (``-G``) for the commits that added or removed a rejection.
    """
    return start_collect(root, tag).result()


_GLOB_SPECIAL = re.compile(r"[*?[\\]")  # what a :(glob) pathspec reads as a pattern


class PendingHistory:
    """``collect`` with its git commands started; ``result`` waits for them and parses.

    A build starts it before loading the registry, so Git reads the log on the other
    core meanwhile.
    """

    def __init__(self, root: Path, tag: str | None = None) -> None:
        top, prefix = locate(root)
        self.root, self.top, self.prefix = root, top, prefix
        base = f"{prefix}/releases" if prefix else "releases"
        log = ["--literal-pathspecs", "log"]  # the registry folder is a path, whatever its name
        if tag is not None:  # one release's files: a pattern, with the folder's name escaped
            log = ["log"]
            base = ":(glob)" + _GLOB_SPECIAL.sub(r"\\\g<0>", base) + f"/*/{tag}/**"
        self.head: str | None = None
        self.pending: PendingGit | None = None
        self.known: History | None = None
        self.key = ""  # of the remembered history; "" when not remembered
        try:
            self.head = git(top, "rev-parse", "--verify", "--quiet", "HEAD").strip()
        except GitError:
            return  # no commit yet: no history
        if tag is None and enabled():
            self.key = _history_key(top, self.head, prefix)
            self.known = _remembered(root, self.key)
            if self.known is not None:
                return  # this commit's history was read before: no git log
        log_format = f"--format={_SEP}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s"
        self.pending = PendingGit(
            top,
            [
                [*log, "--reverse", "--no-renames", "--name-status", log_format, "--", base],
                [*log, "--format=%x00%H", "-G^rejection:", "--name-only", "--", base],
                ["log", "--format=%H %P%x1f%s", "HEAD"],
            ],
        )

    def cancel(self) -> None:
        """Stop the git commands (when the result is not needed after all)."""
        if self.pending is not None:
            self.pending.cancel()

    def drop(self) -> None:
        """Empty the parsed history in place, for every holder of it: a build whose
        forked writers hold their own copies frees it so (~40 MB at 100,000 releases)."""
        if self.known is not None:
            self.known.clear()

    def result(self) -> History:
        """Tag -> its history entries, oldest first (parsed once)."""
        if self.known is not None:
            return self.known
        if self.pending is None or self.head is None:
            return {}
        log, rejecting_log, graph = self.pending.result()
        rejecting = _rejecting(rejecting_log)
        merged = _merged_pull_requests(graph, self.head)
        cut = len(self.prefix) + 1 if self.prefix else 0
        out: History = {}
        for block in log.split(_SEP)[1:]:
            header, *changes = block.strip("\n").split("\n")
            sha, name, email, when, subject = header.split(_FIELD)
            seen: set[tuple[str, str, str | None]] = set()
            for line in changes:
                if not line.strip():
                    continue
                status, _, path = line.partition("\t")
                parts = path[cut:].split("/")
                if len(parts) < 4 or parts[0] != "releases":
                    continue
                release_tag = parts[2]
                action, milestone = _action(status[:1], parts, (sha, path) in rejecting)
                if action is None or (release_tag, action, milestone) in seen:
                    continue
                seen.add((release_tag, action, milestone))
                out.setdefault(release_tag, []).append(
                    HistoryEntry(
                        commit=sha,
                        author=name,
                        email=email,
                        time=normalize_timestamp(when),
                        action=action,
                        milestone=milestone,
                        message=subject,
                        pull_request=pull_request(subject) or merged.get(sha),
                    )
                )
        if self.key:
            _remember(self.root, self.key, out)
        self.known = out
        return out


# A commit's history never changes: what ``git log`` said of HEAD's is kept in relreg's
# cache folder (one checksummed, code-versioned file per registry folder, see ``cache``)
# and used while HEAD is that commit. A rebuild at 10,000 releases skips three git
# commands and ~0.1 s of parsing their output. What else can change the log of one
# commit is in the key too: a shallow clone deepened (.git/shallow), grafts and
# replacement objects.
HISTORY_FORMAT = 2  # 2: entries as tuples of HistoryEntry's fields


def _history_key(top: Path, head: str, prefix: str) -> str:
    digest = hashlib.sha256(f"{head}\0{prefix}\0".encode())
    try:
        for name in git(
            top, "rev-parse", "--git-path", "shallow", "--git-path", "info/grafts"
        ).splitlines():
            try:
                digest.update(read_regular(top / name) + b"\0")
            except OSError:
                digest.update(b"-\0")  # none (or unreadable)
        digest.update(git(top, "for-each-ref", "refs/replace/").encode())
    except GitError:
        return ""  # not remembered
    return digest.hexdigest()


def _remembered(root: Path, key: str) -> History | None:
    payload = read_file(registry_file(root, "history", HISTORY_FORMAT))
    if not payload or payload.get("key") != key:
        return None
    found = payload.get("history")
    if not isinstance(found, dict):
        return None
    try:
        return {tag: [HistoryEntry(*row) for row in rows] for tag, rows in found.items()}
    except TypeError:  # not rows of eight fields: not ours
        return None


def _remember(root: Path, key: str, history: History) -> None:
    rows = {tag: [_row(entry) for entry in entries] for tag, entries in history.items()}
    payload = {"format": HISTORY_FORMAT, "key": key, "history": rows}
    write_file(registry_file(root, "history", HISTORY_FORMAT), payload)


_row = attrgetter(*_FIELDS)  # an entry's values, in order


def start_collect(root: Path, tag: str | None = None) -> PendingHistory:
    """Start ``collect``'s git commands; call ``result()`` (or ``cancel()``) later."""
    return PendingHistory(root, tag)


def _rejecting(log: str) -> set[tuple[str, str]]:
    """(commit, path) of each release file whose diff adds or removes a rejection.

    Per file, not per commit: a commit that rejects one release and updates another must
    not mark both rejected (``-G`` lists only the files whose diff matches).
    """
    found: set[tuple[str, str]] = set()
    for block in log.split("\x00")[1:]:
        sha, *paths = block.strip("\n").split("\n")
        found.update((sha, p) for p in paths if p)
    return found


def _merged_pull_requests(graph: str, head: str) -> dict[str, int]:
    """Commit -> number of the pull request whose merge commit brought it in.

    A merge commit ("Merge pull request #34 from …") touches no file of its own in
    ``git log``, so the number is carried to the commits of the merged branch: those
    reachable from its second parent and not on the first-parent line of HEAD.
    """
    parents: dict[str, list[str]] = {}
    merges: list[tuple[str, int]] = []
    for line in graph.splitlines():
        ids, _, subject = line.partition("\x1f")
        sha, *ps = ids.split()
        parents[sha] = ps
        number = pull_request(subject) if len(ps) > 1 else None
        if number is not None:
            merges.append((sha, number))
    if not merges:
        return {}
    mainline: set[str] = set()
    commit: str | None = head
    while commit is not None and commit not in mainline:
        mainline.add(commit)
        commit = next(iter(parents.get(commit, [])), None)
    out: dict[str, int] = {}
    for merge, number in merges:
        stack = list(parents[merge][1:])
        while stack:
            sha = stack.pop()
            if sha in mainline or sha in out or sha not in parents:
                continue
            out[sha] = number
            stack.extend(parents[sha])
    return out


def _action(status: str, parts: list[str], rejects: bool) -> tuple[str | None, str | None]:
    if parts[3] == "release.yaml" and len(parts) == 4:
        if status == "A":
            return "created", None
        if status == "D":
            return "deleted", None
        return ("rejected" if rejects else "updated"), None
    if parts[3] == "approvals" and len(parts) == 5 and parts[4].endswith(".yaml"):
        slug = parts[4][: -len(".yaml")]
        return {"A": "approved", "D": "revoked"}.get(status, "approval edited"), slug
    return None, None


def release_history(root: Path, tag: str) -> list[dict[str, Any]]:
    """The history of one release; NotFoundError when Git has none."""
    found = collect(root, tag).get(tag)
    if not found:
        raise NotFoundError(f"Git has no history for release {tag}; is it committed?")
    return [dict(entry) for entry in found]
