"""Which registry files differ between a commit and the work tree (``validate --base``).

The plain answer is ``git diff --name-only BASE`` plus ``git ls-files --others
--exclude-standard``; both read every folder of the work tree, which takes seconds at
100,000 releases. The fast answer asks the same of ``git status`` run on a private copy of
the user's index kept in relreg's cache folder, with Git's untracked cache and refreshed
file stats saved in it: Git then only stats files and folders instead of reading them.

The copy's file name carries a fingerprint of the user's index (its checksum, size, times
and inode), so any change to the user's index (``git add``, commit, checkout) makes relreg
copy it again: the copy always has the user's entries, so it tracks and ignores exactly
the files the user's index does. Making a copy costs a full scan and writing it, so it is
made the second time relreg sees a state of the index; the first time (and always in a
one-off CI clone) the plain scan answers. Git guards the untracked cache itself (folder times,
``.gitignore`` contents, exclude files). The copy never touches ``.git/index`` or its lock.
Whatever goes wrong with it (missing, damaged, unwritable cache) falls back to the plain
scan, and a damaged copy is deleted.

``git status`` compares with HEAD, not the base: every path it names, plus every path that
differs between the base and HEAD, is a candidate, and ``git diff BASE`` restricted to the
candidates decides which of them differ from the base (a path no candidate names has the
same content in the work tree, HEAD and the base). Untracked files always count, as in the
plain answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import time
from pathlib import Path

from .errors import GitError
from .gitutil import NO_GIT, _failure, git_many

# Above this many candidates the check against the base reads the whole registry folder
# instead of naming each path (command lines have a length limit).
MAX_PATHSPECS = 1000
STALE_LOCK_SECONDS = 600
SAVE_AFTER_SECONDS = 300
# Settings for the private index only: keep it one plain file with a checksum, and let
# Git save its untracked cache (for every file: the plain answer lists each one).
STATUS_CONFIG = [
    "core.untrackedCache=true",
    "status.showUntrackedFiles=all",
    "core.splitIndex=false",
    "core.fsmonitor=false",
    "index.sparse=false",
    "index.skipHash=false",
]
DIFF_TREE = ["git", "--literal-pathspecs", "diff-tree", "-r", "-z", "--name-only", "--no-renames"]
DIFF = ["git", "--literal-pathspecs", "diff", "--name-only", "--no-renames", "-z"]


def plain_changed_paths(top: Path, prefix: str, base_sha: str) -> list[str]:
    """Registry paths that differ between ``base_sha`` and the work tree, untracked included."""
    where = prefix or "."
    diff, untracked = git_many(
        top,
        ["diff", "--name-only", "--no-renames", "-z", base_sha, "--", where],
        ["ls-files", "-z", "--others", "--exclude-standard", "--", where],
    )
    return _relative(prefix, (diff + untracked).split("\0"))


def _relative(prefix: str, paths: list[str]) -> list[str]:
    """The paths under ``prefix``, relative to it, sorted and without duplicates."""
    if not prefix:
        return sorted({p for p in paths if p})
    head = prefix + "/"
    return sorted({p[len(head) :] for p in paths if p.startswith(head)})


def private_index_folder() -> Path:
    """Where the private index copies live (inside relreg's cache folder)."""
    from .cache import cache_dir

    return cache_dir().absolute() / "git-index"


def _fingerprint(index: Path) -> str | None:
    """A name for the index's current content; None when there is no index.

    Git replaces its index by renaming a new file over it, so the inode, times, size and
    trailing checksum change whenever the content does.
    """
    try:
        fd = os.open(index, os.O_RDONLY)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_size < 32:
            return None
        trailer = os.pread(fd, 32, st.st_size - 32)
        facts = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
        return hashlib.sha256(facts.encode() + trailer).hexdigest()[:24]
    finally:
        os.close(fd)


def _copy(index: Path, digest: str, target: Path) -> bool:
    """Copy the user's index to ``target`` if it still has the fingerprint ``digest``."""
    try:
        with open(index, "rb") as fh:
            content = fh.read()
        if _fingerprint(index) != digest:
            return False  # the user's Git replaced it meanwhile
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, target)
    except OSError:
        return False
    return True


def _remember_checked(private: Path, key: str) -> None:
    """Note that the private index with this stat key passed its checksum."""
    record = private.with_suffix(".ok")
    tmp = record.with_name(f"{record.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(key)
        os.replace(tmp, record)


def _intact(content: bytes, algorithm: str) -> bool:
    """True when an index file ends with the hash of the rest (Git does not check on read)."""
    size = hashlib.new(algorithm).digest_size
    body, trailer = content[:-size], content[-size:]
    return len(content) > size and hashlib.new(algorithm, body).digest() == trailer


class Scan:
    """``git status`` on the private index, started early and read when needed.

    ``content`` is the private index as read just before Git started, unless it was checked
    before with the same stat key (``checked``): its checksum is verified while Git runs,
    and a damaged copy makes the answer an error. ``save`` lets Git rewrite the copy.
    """

    def __init__(
        self,
        top: Path,
        head: str,
        private: Path,
        content: bytes | None,
        checked: str = "",
        save: bool = True,
    ) -> None:
        self.top, self.head, self.private = top, head, private
        self.content, self.checked = content, checked
        self.env = {
            **os.environ,
            "GIT_INDEX_FILE": str(private),
            "GIT_OPTIONAL_LOCKS": "1" if save else "0",
        }
        command = ["git"]
        for setting in STATUS_CONFIG:
            command += ["-c", setting]
        command += ["status", "--porcelain=v1", "-z", "--no-renames"]
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                command, cwd=top, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except FileNotFoundError as exc:
            raise GitError(NO_GIT) from exc

    def cancel(self) -> None:
        """Stop Git when its answer is no longer needed (on SIGTERM Git removes its lock)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.communicate()

    def changed_paths(self, prefix: str, base_sha: str) -> list[str]:
        """Like ``plain_changed_paths``; raises GitError when Git fails on the private index."""
        between = None
        if base_sha != self.head:
            # Committed changes since the base (a pull request's commits): a tree diff.
            between = subprocess.Popen(
                [*DIFF_TREE, base_sha, self.head, "--", prefix or "."],
                cwd=self.top,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        if self.content is not None:
            algorithm = "sha1" if len(self.head) == 40 else "sha256"
            intact = _intact(self.content, algorithm)
            self.content = None
            if not intact:
                self.cancel()
                if between is not None:
                    between.communicate()
                raise GitError(f"the private index {self.private} is damaged")
            _remember_checked(self.private, self.checked)
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            if between is not None:
                between.communicate()
            raise _failure("status", self.proc.returncode, err)
        untracked: list[str] = []
        candidates: set[str] = set()
        for item in out.decode("utf-8", "replace").split("\0"):
            if item.startswith("?? "):
                untracked.append(item[3:])
            elif len(item) > 3:
                candidates.add(item[3:])
        if between is not None:
            d_out, d_err = between.communicate()
            if between.returncode != 0:
                raise _failure("diff-tree", between.returncode, d_err)
            candidates.update(p for p in d_out.decode("utf-8", "replace").split("\0") if p)
        head = prefix + "/" if prefix else ""
        candidates = {p for p in candidates if p.startswith(head)}
        differ: list[str] = []
        if candidates:
            specs = sorted(candidates) if len(candidates) <= MAX_PATHSPECS else [prefix or "."]
            proc = subprocess.run(
                [*DIFF, base_sha, "--", *specs],
                cwd=self.top,
                env=self.env,
                capture_output=True,
                check=False,
            )
            if proc.returncode != 0:
                raise _failure("diff", proc.returncode, proc.stderr)
            differ = proc.stdout.decode("utf-8", "replace").split("\0")
        return _relative(prefix, untracked + differ)


def _stat_key(st: os.stat_result) -> str:
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def _read_unverified(private: Path) -> tuple[bytes | None, str]:
    """The private index's bytes when they need checking (None: checked as they are now),
    and the file's stat key; raises OSError when it is missing."""
    with open(private, "rb") as fh:
        key = _stat_key(os.fstat(fh.fileno()))
        try:
            if private.with_suffix(".ok").read_text() == key:
                return None, key
        except OSError:
            pass
        return fh.read(), key


def start_scan(top: Path) -> Scan | None:
    """Start ``git status`` on the private index; None when only the plain scan can answer.

    Called before relreg imports its heavy modules, so Git scans while Python starts.
    """
    from .cache import enabled

    if not enabled():
        return None
    try:
        index_path, head = git_many(top, ["rev-parse", "--git-path", "index", "HEAD"])[
            0
        ].splitlines()
    except (GitError, ValueError):
        return None  # no commit yet, or an old Git
    index = top / index_path
    digest = _fingerprint(index)
    if digest is None:
        return None
    key = hashlib.sha256(str(index.resolve()).encode()).hexdigest()[:16]
    folder = private_index_folder()
    private = folder / f"{key}-{digest}.index"
    try:
        content, checked = _read_unverified(private)
        fresh = False
    except OSError:
        fresh = True
    if fresh or (content is not None and not content.rstrip(b"\0")):
        seen = private.with_suffix(".seen")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"{key}-*"):  # files about earlier states of this index
                if old.name.split(".", 1)[0] != private.stem:
                    with contextlib.suppress(OSError):
                        old.unlink()
            if not seen.exists():
                # Making the copy costs a full scan plus writing it, more than the plain
                # scan: only do it once this index is seen twice (never in a one-off CI
                # clone, once per state of the index on a workstation).
                seen.touch()
                return None
        except OSError:
            return None
        if not _copy(index, digest, private):
            return None
        fresh, content, checked = True, None, ""  # a fresh copy of the user's index
    lock = private.with_name(private.name + ".lock")
    with contextlib.suppress(OSError):
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            lock.unlink()  # left by a relreg that was killed; Git would never save again
    # Git saves what it learnt (the untracked cache, refreshed stats) into a fresh copy, and
    # into an older one now and then: saving costs more than the few folders that changed.
    try:
        age = time.time() - private.stat().st_mtime
    except OSError:
        return None
    save = fresh or age > SAVE_AFTER_SECONDS
    try:
        return Scan(top, head, private, content, checked, save)
    except GitError:
        return None


def changed_paths(top: Path, prefix: str, base_sha: str, scan: Scan | None = None) -> list[str]:
    """Registry paths that differ between ``base_sha`` and the work tree, untracked included.

    With a ``scan`` (``start_scan``) Git answers from the private index; if that fails, the
    private copy is deleted and the plain scan answers.
    """
    if scan is not None:
        try:
            return scan.changed_paths(prefix, base_sha)
        except GitError:
            for damaged in (scan.private, scan.private.with_suffix(".ok")):
                with contextlib.suppress(OSError):
                    damaged.unlink()
    return plain_changed_paths(top, prefix, base_sha)
