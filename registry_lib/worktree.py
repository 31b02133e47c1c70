"""Which registry files differ between a commit and the work tree (``validate --base``).

The plain answer is ``git diff --name-only BASE`` plus ``git ls-files --others
--exclude-standard``; both read every folder of the work tree, which takes seconds at
100,000 releases. The fast answer asks ``git status`` on a private index kept in relreg's
cache folder, holding HEAD's files with Git's untracked cache and refreshed file stats:
Git then only stats files and folders instead of reading them. It never touches
``.git/index`` or its lock.

The private index is named after the HEAD commit it holds. When HEAD moves, the previous
one is brought to the new HEAD with ``git read-tree --reset`` (Git keeps the stats and
the untracked cache of every path that did not change). The very first one is made from a
copy of the user's index, the second time relreg runs in a repository: making it costs a
full scan plus writing it, so a one-off run (a CI clone) uses the plain scan. A copy that
stages nothing holds HEAD already and skips ``read-tree`` (``privateindex``); a copy
drops the user's assume-unchanged and skip-worktree marks, which would hide a file's
edits from it after the user clears them (the user's index decides such a file). Git guards
the untracked cache itself (folder times, ``.gitignore`` contents, exclude files); relreg
checks the file's checksum (Git does not on read). Whatever goes wrong with it (missing,
damaged, unwritable cache, any Git error) falls back to the plain scan, and a damaged
private index is deleted (its making and checking: ``privateindex``).

``git status`` on it compares the work tree with HEAD, as if nothing were staged. So the
candidates are every path it names, the paths the user's index stages (``git diff-index
--cached HEAD``) and the paths changed between the base and HEAD; the plain commands,
restricted to those candidates and run on the user's index, decide. A path no candidate
names has the same content and the same tracked-or-not state in the work tree, the user's
index, HEAD and the base, so the plain answer would not name it either. An untracked file
the private index reports that the user's index does not stage is untracked for the user
too, and counts as in the plain answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import time
from pathlib import Path

from . import privateindex
from .errors import GitError
from .gitutil import NO_GIT, _failure, git, git_many, wait

# Above this many candidates the check reads the whole registry folder instead of naming
# each path (command lines have a length limit).
MAX_PATHSPECS = 1000
STALE_LOCK_SECONDS = 600
SAVE_AFTER_SECONDS = 300
DIFF = ["git", "--literal-pathspecs", "diff", "--name-only", "--no-renames", "-z"]
OTHERS = ["git", "--literal-pathspecs", "ls-files", "-z", "--others", "--exclude-standard"]


class PlainScan:
    """The plain answer: ``git diff BASE`` and ``git ls-files --others``, started together."""

    def __init__(self, top: Path, prefix: str, base_sha: str) -> None:
        where = prefix or "."
        self.prefix = prefix
        self.commands = [
            ["diff", "--name-only", "--no-renames", "-z", base_sha, "--", where],
            ["ls-files", "-z", "--others", "--exclude-standard", "--", where],
        ]
        try:
            self.procs = [
                subprocess.Popen(
                    ["git", "--literal-pathspecs", *args],
                    cwd=top,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for args in self.commands
            ]
        except FileNotFoundError as exc:
            raise GitError(NO_GIT) from exc

    def cancel(self) -> None:
        """Stop Git when its answer is no longer needed."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
            proc.communicate()

    def changed_paths(self) -> list[str]:
        """Wait for Git; the registry paths it names, relative to the registry."""
        try:
            outputs = [wait(p, a[0]) for p, a in zip(self.procs, self.commands, strict=True)]
        finally:
            self.cancel()  # the other command, when one gave no answer
        paths: list[str] = []
        for args, proc, (out, err) in zip(self.commands, self.procs, outputs, strict=True):
            if proc.returncode != 0:
                raise _failure(args[0], proc.returncode, err)
            paths += out.decode("utf-8", "replace").split("\0")
        return _relative(self.prefix, paths)


def plain_changed_paths(top: Path, prefix: str, base_sha: str) -> list[str]:
    """Registry paths that differ between ``base_sha`` and the work tree, untracked included."""
    return PlainScan(top, prefix, base_sha).changed_paths()


def committed_paths(top: Path, prefix: str, base_sha: str, head_sha: str) -> list[str]:
    """Registry paths that differ between two commits (a tree-to-tree diff, no work tree)."""
    args = ["diff-tree", "-r", "-z", "--name-only", "--no-renames", base_sha, head_sha]
    out = git(top, "--literal-pathspecs", *args, "--", prefix or ".")
    return _relative(prefix, out.split("\0"))


def _relative(prefix: str, paths: list[str]) -> list[str]:
    """The paths under ``prefix``, relative to it, sorted and without duplicates."""
    if not prefix:
        return sorted({p for p in paths if p})
    head = prefix + "/"
    return sorted({p[len(head) :] for p in paths if p.startswith(head)})


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
        command = privateindex.git_on("status", "--porcelain=v1", "-z", "--no-renames")
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                command,
                cwd=top,
                env=privateindex.index_env(private, save),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
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
        where = prefix or "."
        commands = [
            # What the user's index stages: those paths are checked on it.
            ["diff-index", "--cached", "--name-only", "-z", "--no-renames", self.head],
        ]
        if base_sha != self.head:
            # Committed changes since the base (a pull request's commits): a tree diff.
            commands.append(["diff-tree", "-r", "-z", "--name-only", "--no-renames"])
            commands[-1] += [base_sha, self.head]
        procs = [
            subprocess.Popen(
                ["git", "--literal-pathspecs", *args, "--", where],
                cwd=self.top,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for args in commands
        ]
        try:
            if self.content is not None:
                intact = privateindex.intact(self.content, privateindex.algorithm(self.head))
                self.content = None
                if not intact:
                    self.cancel()
                    raise GitError(f"the private index {self.private} is damaged")
                privateindex.remember_checked(self.private, self.checked)
            out, err = wait(self.proc, "status")
            if self.proc.returncode != 0:
                raise _failure("status", self.proc.returncode, err)
        finally:
            outputs = [proc.communicate() for proc in procs]
        for args, proc, (_, p_err) in zip(commands, procs, outputs, strict=True):
            if proc.returncode != 0:
                raise _failure(args[0], proc.returncode, p_err)
        head = prefix + "/" if prefix else ""
        staged = {p for p in outputs[0][0].decode("utf-8", "replace").split("\0") if p}
        candidates = set(staged)
        untracked: list[str] = []
        for item in out.decode("utf-8", "replace").split("\0"):
            if item.startswith("?? "):
                if item[3:] not in staged:
                    untracked.append(item[3:])
            elif len(item) > 3:
                candidates.add(item[3:])
        if len(outputs) > 1:
            candidates.update(p for p in outputs[1][0].decode("utf-8", "replace").split("\0") if p)
        candidates = {p for p in candidates if p.startswith(head)}
        checks = []
        if candidates:
            checks.append([*DIFF[1:], base_sha, "--", *_specs(candidates, where)])
        if staged:
            checks.append([*OTHERS[1:], "--", *_specs(staged, where)])
        found = git_many(self.top, *checks) if checks else []
        return _relative(prefix, untracked + [p for text in found for p in text.split("\0")])


def _specs(paths: set[str], where: str) -> list[str]:
    return sorted(paths) if len(paths) <= MAX_PATHSPECS else [where]


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
    user_index = top / index_path
    key = hashlib.sha256(str(user_index.resolve()).encode()).hexdigest()[:16]
    private = privateindex.private_index_path(key, head)
    try:
        content, checked = privateindex.read_unchecked(private)
        fresh = False
    except OSError:
        if not privateindex.make(top, user_index, head, key, private):
            return None
        fresh, content, checked = True, None, ""
    lock = private.with_name(private.name + ".lock")
    with contextlib.suppress(OSError):
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            lock.unlink()  # left by a relreg that was killed; Git would never save again
    # Git saves what it learnt (the untracked cache, refreshed stats) into a new private
    # index, and into an older one now and then: saving costs more than the few folders
    # that changed since.
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
    private index is deleted and the plain scan answers.
    """
    if scan is not None:
        try:
            return scan.changed_paths(prefix, base_sha)
        except GitError:
            privateindex.discard(scan.private)
    return plain_changed_paths(top, prefix, base_sha)


class Pending:
    """The changed paths of a ``validate --base`` run, being found while Python imports."""

    def __init__(self, top: Path, prefix: str, base_sha: str) -> None:
        self.top, self.prefix, self.base_sha = top, prefix, base_sha
        self.scan = start_scan(top)
        self.plain = None if self.scan else PlainScan(top, prefix, base_sha)

    def cancel(self) -> None:
        """Stop Git when the answer is no longer needed."""
        if self.scan is not None:
            self.scan.cancel()
        if self.plain is not None:
            self.plain.cancel()

    def result(self) -> list[str]:
        """Registry paths that differ between the base and the work tree, untracked included."""
        if self.plain is not None:
            return self.plain.changed_paths()
        return changed_paths(self.top, self.prefix, self.base_sha, self.scan)


def start(top: Path, prefix: str, base_sha: str) -> Pending:
    """Start finding the changed paths: on the private index if it can answer, else plainly."""
    return Pending(top, prefix, base_sha)
