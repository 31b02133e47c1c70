"""relreg's private Git index of HEAD (``validate --base``): where it lives, how it is made
from the previous one or the user's index, and how its checksum is checked.

A private index sits in relreg's cache folder, named after the user's index and the
HEAD commit it holds. Git does not verify an index's checksum on read, so relreg does,
once per version of the file (remembered by its stat in a ``.ok`` note). The scan that
uses it is in ``worktree``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path

from .cache import store
from .regularfile import open_regular, read_regular

# Settings for the private index only: keep it one plain file with a checksum, and let
# Git save its untracked cache (for every file: the plain answer lists each one).
CONFIG = [
    "core.untrackedCache=true",
    "status.showUntrackedFiles=all",
    "core.splitIndex=false",
    "core.fsmonitor=false",
    "index.sparse=false",
    "index.skipHash=false",
]


def private_index_folder() -> Path:
    """Where the private indexes live (inside relreg's cache folder)."""
    from .cache import cache_dir

    return cache_dir().absolute() / "git-index"


# In the file name: a private index made by an earlier relreg (whose copies kept the
# user's assume-unchanged and skip-worktree marks) is not used as it is, only as the
# source of a new one.
FORMAT = 2


def private_index_path(key: str, head: str) -> Path:
    """The private index of the user's index ``key`` at commit ``head``."""
    return private_index_folder() / f"{key}-{head}-{FORMAT}.index"


def _stat_key(st: os.stat_result) -> str:
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def read_unchecked(private: Path) -> tuple[bytes | None, str]:
    """The private index's bytes when they need checking (None: checked as they are now),
    and the file's stat key; raises OSError when it is missing."""
    with open_regular(private) as fh:
        key = _stat_key(os.fstat(fh.fileno()))
        try:
            if read_regular(private.with_suffix(".ok")) == key.encode():
                return None, key
        except OSError:
            pass  # no note (or an unreadable one): the checksum is checked
        return fh.read(), key


def remember_checked(private: Path, key: str) -> None:
    """Note that the private index with this stat key passed its checksum."""
    store(private.with_suffix(".ok"), key.encode())


def intact(content: bytes, algorithm: str) -> bool:
    """True when an index file ends with the hash of the rest (Git does not check on read)."""
    size = hashlib.new(algorithm).digest_size
    body, trailer = content[:-size], content[-size:]
    return len(content) > size and hashlib.new(algorithm, body).digest() == trailer


def algorithm(head: str) -> str:
    return "sha1" if len(head) == 40 else "sha256"


def git_on(*args: str) -> list[str]:
    """A Git command with the settings for a private index."""
    command = ["git"]
    for setting in CONFIG:
        command += ["-c", setting]
    return [*command, *args]


def index_env(index: Path, save: bool) -> dict[str, str]:
    return {**os.environ, "GIT_INDEX_FILE": str(index), "GIT_OPTIONAL_LOCKS": "1" if save else "0"}


def discard(private: Path) -> None:
    for path in (private, private.with_suffix(".ok")):
        with contextlib.suppress(OSError):
            path.unlink()


def _git(
    top: Path, index: Path, *args: str, save: bool = False, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """A Git command on ``index`` (``save``: it may write the index)."""
    return subprocess.run(
        git_on(*args),
        cwd=top,
        env=index_env(index, save),
        input=stdin,
        capture_output=True,
        check=False,
    )


def _stages_nothing(top: Path, index: Path, head: str) -> bool:
    """True when ``index`` holds exactly ``head``'s files, so it needs no ``read-tree``.

    ``read-tree --reset`` reads every tree of the commit (1.2 s at 100,000 releases);
    ``diff-index --cached`` skips the folders the index's cache-tree vouches for (0.06 s).
    Intent-to-add entries and conflicts count as staged.
    """
    return _git(top, index, "diff-index", "--cached", "--quiet", head, "--").returncode == 0


def _clear_marks(top: Path, index: Path) -> bool:
    """Clear the assume-unchanged and skip-worktree marks the copy took from the user's index.

    Git does not look at a marked file's stat, so the private index would keep missing
    its edits after the user clears the mark in their own index (the plain answer would
    name them). Unmarked, such a file is only a candidate, which the user's index decides.
    """
    listed = _git(top, index, "ls-files", "-v", "-z")
    if listed.returncode != 0:
        return False
    assumed, skipped = [], []
    for item in listed.stdout.split(b"\0"):
        tag, path = item[:1], item[2:] + b"\0"
        if tag.islower():
            assumed.append(path)
        if tag in (b"S", b"s"):
            skipped.append(path)
    # One mark per command: given both flags, Git applies only the last.
    for flag, paths in (("--no-assume-unchanged", assumed), ("--no-skip-worktree", skipped)):
        if paths:
            cleared = _git(
                top, index, "update-index", flag, "-z", "--stdin", save=True, stdin=b"".join(paths)
            )
            if cleared.returncode != 0:
                return False
    return True


def make(top: Path, user_index: Path, head: str, key: str, private: Path) -> bool:
    """Make the private index for ``head``: from the previous one, or from the user's index.

    False when the plain scan should answer this time (first run here, or a failure).
    """
    folder = private.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        others = sorted(folder.glob(f"{key}-*.index"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return False
    source: bytes | None = None
    written_ns = 0  # when the source index was written (see below)
    from_user = False  # a copy of the user's index, rather than an earlier private one
    for previous in reversed(others):
        try:
            written_ns = previous.stat().st_mtime_ns
            content, _ = read_unchecked(previous)
            if content is None:
                content = read_regular(previous)
            elif not intact(content, algorithm(head)):
                raise OSError("damaged")
            source = content
            break
        except OSError:
            discard(previous)
    if source is None:
        seen = folder / f"{key}.seen"
        try:
            if not seen.exists():
                seen.touch()  # the next run here makes it
                return False
            written_ns = user_index.stat().st_mtime_ns
            source = read_regular(user_index)
            from_user = True
        except OSError:
            return False
    tmp = private.with_name(f"{private.stem}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(source)
        reset = not (from_user and _stages_nothing(top, tmp, head))
        if reset and _git(top, tmp, "read-tree", "--reset", head, save=True).returncode != 0:
            return False
        if not _clear_marks(top, tmp):
            return False
        # Git treats a file or folder whose time is not older than the index file's as
        # possibly changed since its stat was taken ("racily clean") and checks it again.
        # A copy gets a new time, which would let Git trust a folder changed in the same
        # second as the source index was written (a new file inside missed): the private
        # index keeps the time of the index its stats come from.
        os.utime(tmp, ns=(written_ns, written_ns))
        os.replace(tmp, private)
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    for old in folder.glob(f"{key}-*"):  # private indexes of earlier HEADs, and their notes
        if old.name.split(".", 1)[0] != private.stem:
            with contextlib.suppress(OSError):
                old.unlink()
    return True
