"""A copy of the example registry committed to a new Git repository, for cache tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"


def git(repo: Path, *args: str) -> None:
    """Run git in ``repo``; fail loudly."""
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit(repo: Path, message: str) -> None:
    """Commit everything in ``repo``'s work tree."""
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", message)


def committed_copy(tmp_path: Path) -> Path:
    """``data/`` copied into ``tmp_path/repo/data`` and committed; the copy's path."""
    root = tmp_path / "repo"
    shutil.copytree(DATA, root / "data")
    git(root, "init", "-q")
    commit(root, "init")
    return root / "data"
