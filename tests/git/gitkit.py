"""Helpers for the Git workflow tests: repositories driven through the git binary."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SHA_A = "a" * 40
SHA_B = "b" * 40
SHA_C = "c" * 40
ACTOR = "ci@example.org"
NOW = "2024-05-01T10:00:00Z"
MAINT = "maint@example.org"


@dataclass(frozen=True)
class Result:
    """What one relreg run returned."""

    code: int
    out: str
    err: str


@dataclass
class Repo:
    """A Git work tree (or a bare repository) on disk, driven through the git binary."""

    path: Path
    env: dict[str, str] = field(repr=False, default_factory=dict)
    shas: dict[str, str] = field(repr=False, default_factory=dict)  # seeding step -> commit

    @property
    def data(self) -> Path:
        """The registry folder inside the repository."""
        return self.path / "data"

    def git(self, *args: str, author: str | None = None, check: bool = True) -> str:
        """Run git here; ``author`` sets author and committer to that email."""
        env = dict(self.env)
        if author is not None:
            name = author.split("@", 1)[0]
            env.update(
                GIT_AUTHOR_NAME=name,
                GIT_AUTHOR_EMAIL=author,
                GIT_COMMITTER_NAME=name,
                GIT_COMMITTER_EMAIL=author,
            )
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def commit(self, message: str, author: str = MAINT, *paths: str) -> str:
        """Stage everything (or ``paths``) and commit it; returns the new HEAD."""
        self.git("add", "-A", "--", *(paths or ["."]))
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author)
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        """The commit SHA of ``rev``."""
        return self.git("rev-parse", rev).strip()

    def status(self) -> str:
        """``git status --porcelain`` (untracked files included)."""
        return self.git("status", "--porcelain", "--untracked-files=all")

    def log(self, fmt: str = "%ae|%s", rev: str = "HEAD") -> list[str]:
        """One line per commit, newest first."""
        return self.git("log", f"--format={fmt}", rev).splitlines()

    def show_files(self, rev: str = "HEAD") -> list[str]:
        """The paths the commit ``rev`` touched."""
        out = self.git("show", "--name-only", "--format=", rev)
        return [line for line in out.splitlines() if line]

    def write(self, rel: str, text: str) -> Path:
        """Write a file in the work tree (creating folders)."""
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target


@dataclass
class Remote:
    """A bare repository and a way to clone it with ``main`` tracking ``origin/main``."""

    bare: Repo
    root: Path
    counter: list[int] = field(default_factory=lambda: [0])

    def clone(self, name: str | None = None) -> Repo:
        """A fresh clone of the bare remote."""
        self.counter[0] += 1
        target = self.root / (name or f"clone{self.counter[0]}")
        self.bare.git("clone", "-q", str(self.bare.path), str(target))
        return Repo(target, self.bare.env)
