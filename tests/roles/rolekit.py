"""Helpers for the roles, soak, import and migration tests: small registries on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

SHA = "78057dba490233f41b4602f2b2e88775ab7fd4c9"
ACTOR = "ci@example.org"
NOW = "2024-05-01T10:00:00Z"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write(root: Path, rel: str, text: str) -> Path:
    """Write a file below ``root``, creating folders."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def registry(root: Path, config: str = "schema_version: 1\nname: Test\n") -> Path:
    """A registry with registry.yaml and empty folders."""
    write(root, "registry.yaml", config)
    (root / "milestones").mkdir(exist_ok=True)
    (root / "releases").mkdir(exist_ok=True)
    return root


def release(root: Path, tag: str, channel: str, created_at: str = "2024-04-01T00:00:00Z") -> None:
    """A release file."""
    write(
        root,
        f"releases/{channel}/{tag}/release.yaml",
        f"tag: {tag}\ncommit: {SHA}\ncreator: bot@example.org\ncreated_at: {created_at}\n",
    )


def git(cwd: Path, *args: str) -> str:
    """Run git (the environment is already isolated by the fixtures)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout
