"""Release pages show what Git says happened, from a real repository made through the CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from feedkit import RunLine, copy_registry, load

SHA = "a" * 40
NOW = "2024-05-01T10:00:00Z"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``, as the maintainer where it needs an identity."""
    ident = ["-c", "user.name=maint", "-c", "user.email=maint@example.org"]
    proc = subprocess.run(
        ["git", *ident, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return proc.stdout


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


@pytest.fixture
def repo(tmp_path: Path, run_line: RunLine) -> Path:
    """``git init`` with a registry in ``data/``, changed through the CLI with --git-commit.

    1.0.0 is created, approved (squash-merged as PR #12) and rejected; 1.1.0 is created.
    """
    top = tmp_path / "repo"
    top.mkdir()
    git(top, "init", "-q", "-b", "release-data")
    reg = top / "data"
    env = {"RELREG_ACTOR": "alice@example.org", "RELREG_NOW": NOW}

    def relreg(*args: str, actor: str = "alice@example.org", now: str = NOW) -> None:
        argv = ["--registry", reg, *args, "--git-commit"]
        ok(run_line(argv, env={"RELREG_ACTOR": actor, "RELREG_NOW": now}))

    ok(run_line(["--registry", reg, "init", "--name", "History test"], env=env))
    (reg / "registry.yaml").write_text(
        (reg / "registry.yaml").read_text()
        + "repository_url: https://github.com/example/releases\n"
    )
    git(top, "add", "-A")
    git(top, "commit", "-qm", "init")
    relreg("milestone", "create", "Build green")
    relreg("release", "create", "1.0.0", "--commit", SHA)
    relreg("approve", "1.0.0", "Build green", actor="bob@example.org")
    # A squash merge on the host names its pull request in the subject.
    git(top, "commit", "--amend", "--no-edit", "-qm", "Approve 1.0.0 for Build green (#12)")
    relreg("release", "reject", "1.0.0", "--reason", "broken", now="2024-05-02T10:00:00Z")
    relreg("release", "create", "1.1.0", "--commit", SHA)
    return top


def test_release_pages_show_their_git_history(
    repo: Path, tmp_path: Path, run_line: RunLine
) -> None:
    ok(run_line(["--registry", repo / "data", "build", "--out", tmp_path / "site"]))

    page = (tmp_path / "site/releases/1.0.0/index.html").read_text()
    section = page[page.index('id="history-heading"') :]
    rows = section.split("<tr>")[2:]  # after the header row
    assert [r.split("<td>")[1].split("</td>")[0].split(" <a")[0] for r in rows] == [
        "created",
        "approved",
        "rejected",
    ]
    assert 'href="https://github.com/example/releases/pull/12">#12</a>' in rows[1]
    assert ">Build green</a>" in rows[1]
    assert 'title="bob@example.org">bob</span>' in rows[1]
    approval = git(repo, "log", "-1", "--format=%H", "--", "data/releases/1.0/1.0.0/approvals")
    assert f"https://github.com/example/releases/commit/{approval.strip()}" in rows[1]
    assert "#" not in rows[0].split("<td>")[-1]  # no pull request for a direct commit

    other = (tmp_path / "site/releases/1.1.0/index.html").read_text()
    assert other.count("<tr>", other.index('id="history-heading"')) == 2  # header + created

    index = load((tmp_path / "site/api/v1/index.json").read_bytes())
    assert index["source_commit"] == git(repo, "rev-parse", "HEAD").strip()


def test_history_is_reproducible(repo: Path, tmp_path: Path, run_line: RunLine) -> None:
    """History comes from Git data, never the clock: two builds are byte-identical."""
    for out in ("a", "b"):
        ok(run_line(["--registry", repo / "data", "build", "--out", tmp_path / out]))
    for page in (tmp_path / "a").rglob("*.html"):
        assert page.read_bytes() == (tmp_path / "b" / page.relative_to(tmp_path / "a")).read_bytes()


def test_propose_links_use_the_registry_path_and_branch(
    repo: Path, tmp_path: Path, run_line: RunLine
) -> None:
    ok(run_line(["--registry", repo / "data", "build", "--out", tmp_path / "site"]))
    page = (tmp_path / "site/releases/1.1.0/index.html").read_text()
    assert "https://github.com/example/releases/new/release-data?filename=data/releases/" in page


def test_a_registry_outside_git_has_no_history(tmp_path: Path, run_line: RunLine) -> None:
    reg = copy_registry(tmp_path / "data")
    ok(run_line(["--registry", reg, "build", "--out", tmp_path / "site"]))
    for page in (tmp_path / "site/releases").glob("*/index.html"):
        assert 'id="history-heading"' not in page.read_text()
    assert load((tmp_path / "site/api/v1/index.json").read_bytes())["source_commit"] is None
