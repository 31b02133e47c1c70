"""``relreg validate --base``: the pull-request check (workflow.md) on real branches."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from gitkit import (  # noqa: F401 (fixtures are used by name)
    SHA_A,
    Repo,
    Result,
    git_env_fixture,
    make_repo_fixture,
    registry_repo_fixture,
    relreg_fixture,
    relreg_proc_fixture,
    remote_fixture,
)

R400 = "releases/4.0/4.0.0"
RC1 = "releases/4.1/4.1.0-rc.1"
RC2 = "releases/4.1/4.1.0-rc.2"
REJECTION = (
    "rejection:\n  by: bob@example.org\n  at: 2024-05-01T10:00:00Z\n  reason: broken upgrade\n"
)
NIGHTLY_META = ["--meta", "BuildURL=https://ci.example.org/9", "--meta", "NumberOfCIFailures=0"]


def edit(repo: Repo, rel: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a registry file."""
    target = repo.data / rel
    text = target.read_text()
    assert old in text, f"{old!r} not in {rel}:\n{text}"
    target.write_text(text.replace(old, new))


def open_pr(repo: Repo) -> str:
    """Start a pull-request branch from ``main``; return the base commit."""
    base = repo.head()
    repo.git("checkout", "-q", "-b", "pr")
    return base


def findings(result: Result) -> list[dict[str, object]]:
    """The findings of a ``--format json`` run."""
    return json.loads(result.out)


def codes(result: Result) -> set[tuple[str, str, str]]:
    """(code, path, severity) of every finding of a ``--format json`` run."""
    return {(str(f["code"]), str(f["path"]), str(f["severity"])) for f in findings(result)}


def summary(result: Result) -> str:
    """The ``change: …`` line of a text run."""
    lines = [line for line in result.out.splitlines() if line.startswith("change: ")]
    assert len(lines) == 1, result.out
    return lines[0]


# --- allowed changes ---------------------------------------------------------------------

Mutation = Callable[[Repo, Callable[..., Result]], None]


def _ok(result: Result) -> None:
    assert result.code == 0, result.out + result.err


def add_release(repo: Repo, relreg: Callable[..., Result]) -> None:
    _ok(relreg(repo, "release", "create", "4.1.0", "--commit", SHA_A))


def add_approval(repo: Repo, relreg: Callable[..., Result]) -> None:
    _ok(relreg(repo, "approve", "4.1.0-rc.1", "Nightly passed", *NIGHTLY_META))


def add_metadata(repo: Repo, relreg: Callable[..., Result]) -> None:
    _ok(relreg(repo, "release", "update", "4.0.0", "--meta", "Notes=https://example.org/n"))


def change_metadata_by_hand(repo: Repo, relreg: Callable[..., Result]) -> None:
    edit(repo, f"{R400}/release.yaml", "Image: quay.io/x:4.0.0", "Image: quay.io/y:4.0.0")


def add_rejection(repo: Repo, relreg: Callable[..., Result]) -> None:
    _ok(relreg(repo, "release", "reject", "4.1.0-rc.1", "--reason", "CVE-2024-1"))


def delete_approval(repo: Repo, relreg: Callable[..., Result]) -> None:
    (repo.data / f"{R400}/approvals/build-green.yaml").unlink()


def add_definition(repo: Repo, relreg: Callable[..., Result]) -> None:
    _ok(relreg(repo, "milestone", "create", "Soak done", "--expect", "Hours"))


def edit_definition(repo: Repo, relreg: Callable[..., Result]) -> None:
    edit(
        repo,
        "milestones/nightly-passed.yaml",
        "description: All nightly CI jobs green.\n",
        "description: Nightly jobs green or triaged.\n",
    )
    edit(
        repo,
        "milestones/nightly-passed.yaml",
        "  - NumberOfCIFailures\n",
        "  - NumberOfCIFailures\n  - Dashboard\naliases:\n  - Nightly green\n",
    )


def rename_definition_with_alias(repo: Repo, relreg: Callable[..., Result]) -> None:
    (repo.data / "milestones/build-green.yaml").unlink()
    (repo.data / "milestones/ci-green.yaml").write_text(
        "name: CI green\nexpected_metadata_keys:\n  - BuildURL\naliases:\n  - Build green\n"
    )


@pytest.mark.parametrize(
    ("mutate", "said"),
    [
        (add_release, "adds release 4.1.0"),
        (add_approval, "approves 4.1.0-rc.1 for Nightly passed"),
        (add_metadata, "updates metadata of 4.0.0"),
        (change_metadata_by_hand, "updates metadata of 4.0.0"),
        (add_rejection, "rejects 4.1.0-rc.1 (CVE-2024-1)"),
        (delete_approval, "revokes Build green from 4.0.0"),
        (add_definition, "adds milestone Soak done"),
        (edit_definition, "changes milestone Nightly passed (expected keys +Dashboard)"),
        (
            rename_definition_with_alias,
            "renames milestone Build green to CI green (old name kept as alias)",
        ),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
@pytest.mark.parametrize("committed", [True, False], ids=["committed", "worktree"])
def test_legitimate_change_passes(
    registry_repo: Repo, relreg, mutate: Mutation, said: str, committed: bool
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    mutate(repo, relreg)
    if committed:
        repo.commit("The change", "alice@example.org")
    result = relreg(repo, "validate", "--base", base)
    assert result.code == 0, result.out + result.err
    assert said in summary(result)
    assert result.out.splitlines()[-1] == "0 errors, 0 warnings"


def test_summary_lists_everything_a_change_does(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    add_release(repo, relreg)
    _ok(relreg(repo, "approve", "4.1.0", "Build green", "--meta", "BuildURL=u"))
    delete_approval(repo, relreg)
    result = relreg(repo, "validate", "--base", base)
    assert result.code == 0, result.out
    assert summary(result) == (
        "change: revokes Build green from 4.0.0; adds release 4.1.0; approves 4.1.0 for Build green"
    )
    assert "RR5" not in result.out  # a revocation is reported, never an error


# --- changes that are not allowed --------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "old", "new", "line"),
    [
        ("commit", "commit: " + "a" * 40, "commit: " + "e" * 40, 2),
        ("creator", "creator: ci@example.org", "creator: mallory@example.org", 3),
        ("created_at", "created_at: 2024-05-01T10:00:00Z", "created_at: 2020-01-01T00:00:00Z", 4),
        ("tag", "tag: 4.0.0\n", "tag: 4.0.1\n", 1),
    ],
)
def test_changing_a_release_identity_fails_rr500(
    registry_repo: Repo, relreg, field: str, old: str, new: str, line: int
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    edit(repo, f"{R400}/release.yaml", old, new)
    repo.commit("Tamper", "mallory@example.org")
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    hits = [f for f in findings(result) if f["code"] == "RR500"]
    assert len(hits) == 1, findings(result)
    assert hits[0]["path"] == f"{R400}/release.yaml"
    assert hits[0]["line"] == line
    assert f"changes {field} of release 4.0.0" in str(hits[0]["message"])
    text = relreg(repo, "validate", "--base", base)
    assert f"{R400}/release.yaml:{line}: RR500: changes {field}" in text.out


def test_editing_an_approval_fails_rr501(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    path = f"{R400}/approvals/build-green.yaml"
    edit(repo, path, "https://ci.example.org/1", "https://ci.example.org/2")
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    assert codes(result) == {("RR501", path, "error")}
    assert "revoke it" in str(findings(result)[0]["message"])


@pytest.mark.parametrize(
    ("old", "new", "verb"),
    [
        (REJECTION, "", "removes"),
        ("reason: broken upgrade", "reason: fine after all", "edits"),
    ],
    ids=["remove", "edit"],
)
def test_removing_or_editing_a_rejection_fails_rr502(
    registry_repo: Repo, relreg, old: str, new: str, verb: str
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    edit(repo, f"{RC2}/release.yaml", old, new)
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    assert codes(result) == {("RR502", f"{RC2}/release.yaml", "error")}
    assert f"{verb} the rejection of 4.1.0-rc.2" in str(findings(result)[0]["message"])


def test_deleting_a_release_fails_rr503(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    repo.git("rm", "-q", f"data/{RC1}/release.yaml")
    repo.commit("Drop rc.1")
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    assert codes(result) == {("RR503", f"{RC1}/release.yaml", "error")}
    assert "relreg release reject 4.1.0-rc.1" in str(findings(result)[0]["message"])


@pytest.mark.parametrize(
    ("slug", "old_name", "move", "also"),
    [
        ("nightly-passed", "Nightly passed", True, set()),  # unused, moved to its new slug
        ("build-green", "Build green", True, {"RR301"}),  # used by 4.0.0's approval
        ("nightly-passed", "Nightly passed", False, {"RR206"}),  # renamed in place
    ],
    ids=["unused-moved", "used-moved", "in-place"],
)
def test_renaming_a_definition_without_alias_fails_rr504(
    registry_repo: Repo, relreg, slug: str, old_name: str, move: bool, also: set[str]
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    edit(repo, f"milestones/{slug}.yaml", f"name: {old_name}", "name: Renamed gate")
    path = f"milestones/{slug}.yaml"
    if move:
        repo.git("mv", f"data/{path}", "data/milestones/renamed-gate.yaml")
        path = "milestones/renamed-gate.yaml"
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    assert {str(f["code"]) for f in findings(result)} == {"RR504", *also}
    [rr504] = [f for f in findings(result) if f["code"] == "RR504"]
    assert (rr504["path"], rr504["line"]) == (path, 1)
    assert f"add `aliases: [{old_name}]`" in str(rr504["message"])


def test_forged_approval_missing_keys_is_an_error_rr400(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    path = f"{RC1}/approvals/nightly-passed.yaml"
    repo.write(
        f"data/{path}",
        "milestone: Nightly passed\ntag: 4.1.0-rc.1\napprover: mallory@example.org\n"
        "approved_at: 2024-05-02T00:00:00Z\nmetadata:\n  Forged: yes\n",
    )
    repo.commit("Approve by hand", "mallory@example.org")
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 1
    [finding] = findings(result)
    assert (finding["code"], finding["path"], finding["severity"]) == ("RR400", path, "error")
    assert finding["line"] == 5
    message = str(finding["message"])
    assert "missing BuildURL, NumberOfCIFailures" in message
    assert "unexpected Forged" in message


def test_new_expected_key_only_warns_for_old_approvals(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    edit(repo, "milestones/build-green.yaml", "  - BuildURL\n", "  - BuildURL\n  - Commit\n")
    # A new approval in the same change must carry the new key …
    _ok(relreg(repo, "release", "create", "4.1.0", "--commit", SHA_A))
    _ok(
        relreg(
            repo, "approve", "4.1.0", "Build green", "--meta", "BuildURL=u", "--meta", "Commit=c"
        )
    )
    result = relreg(repo, "validate", "--base", base, "--format", "json")
    assert result.code == 0, result.out
    assert codes(result) == {("RR400", f"{R400}/approvals/build-green.yaml", "warning")}
    assert "kept as a warning" in str(findings(result)[0]["message"])
    text = relreg(repo, "validate", "--base", base)
    assert text.code == 0
    assert "RR400: warning: metadata missing Commit" in text.out
    assert text.out.splitlines()[-1] == "0 errors, 1 warning"
    assert relreg(repo, "validate", "--base", base, "--strict").code == 1
    # … and without --base the old approval is held to the new definition.
    assert relreg(repo, "validate").code == 1


def test_unknown_base_is_an_error(registry_repo: Repo, relreg) -> None:
    result = relreg(registry_repo, "validate", "--base", "no-such-branch")
    assert result.code == 1
    assert result.err.startswith("error: unknown revision 'no-such-branch'")
    assert result.out == ""


def test_base_outside_git_is_an_error(tmp_path: Path, relreg) -> None:
    root = tmp_path / "data"
    _ok(relreg(None, "init", str(root)))
    result = relreg(root, "validate", "--base", "HEAD")
    assert result.code == 1
    assert result.err.startswith("error: ") and "Git" in result.err


# --- GitHub output -----------------------------------------------------------------------


def test_github_format_annotates_the_file_in_the_repository(
    registry_repo: Repo, relreg, tmp_path: Path
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    edit(repo, f"{R400}/release.yaml", "commit: " + "a" * 40, "commit: " + "e" * 40)
    edit(repo, "milestones/build-green.yaml", "  - BuildURL\n", "  - BuildURL\n  - Commit\n")
    step = tmp_path / "step-summary.md"
    step.write_text("earlier step\n")
    result = relreg(
        repo,
        "validate",
        "--base",
        base,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(step)},
    )
    assert result.code == 1
    lines = result.out.splitlines()
    assert (
        f"::error file=data/{R400}/release.yaml,line=2,title=RR500::changes commit of release "
        f"4.0.0 from '{'a' * 40}' to '{'e' * 40}'; a release's commit never changes"
    ) in lines
    assert any(
        line.startswith(
            f"::warning file=data/{R400}/approvals/build-green.yaml,line=5,title=RR400::"
        )
        for line in lines
    ), lines
    assert "change: updates metadata" not in result.out
    assert lines[-1] == "1 error, 1 warning"
    md = step.read_text()
    assert md.startswith("earlier step\n")  # appended, not overwritten
    assert "## relreg validate: ❌ failed" in md
    assert (
        "**This change:**" in md and "- changes milestone Build green (expected keys +Commit)" in md
    )
    assert f"| error | `data/{R400}/release.yaml:2` | RR500 |" in md


def test_github_format_passing_change(registry_repo: Repo, relreg, tmp_path: Path) -> None:
    repo = registry_repo
    base = open_pr(repo)
    add_release(repo, relreg)
    step = tmp_path / "summary.md"
    result = relreg(
        repo,
        "validate",
        "--base",
        base,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(step)},
    )
    assert result.code == 0, result.out
    assert "::" not in result.out
    md = step.read_text()
    assert "## relreg validate: ✅ passed" in md
    assert "- adds release 4.1.0" in md


def test_github_format_with_the_registry_at_the_repository_top(make_repo, relreg) -> None:
    repo = make_repo("top")
    _ok(relreg(repo.path, "init", str(repo.path), "--name", "Top"))
    _ok(relreg(repo.path, "release", "create", "1.0.0", "--commit", SHA_A))
    base = repo.commit("Seed")
    (repo.path / "releases/1.0/1.0.0/release.yaml").unlink()
    result = relreg(repo.path, "validate", "--base", base, "--format", "github")
    assert result.code == 1
    assert "::error file=releases/1.0/1.0.0/release.yaml,title=RR503::" in result.out


# --- --check-authors ---------------------------------------------------------------------


@pytest.fixture
def authored(registry_repo: Repo, relreg) -> tuple[Repo, str]:
    """The base registry plus two milestones with approvers; returns (repo, base sha)."""
    repo = registry_repo
    _ok(
        relreg(
            repo,
            "milestone",
            "create",
            "QA signed off",
            "--expect",
            "Report",
            "--approver",
            "alice@example.org",
            "--approver",
            "qa@example.org",
        )
    )
    _ok(
        relreg(
            repo,
            "milestone",
            "create",
            "Release team check",
            "--expect",
            "Ticket",
            "--approver",
            "@acme/release-team",
        )
    )
    repo.commit("Define QA and team milestones")
    return repo, open_pr(repo)


def _approve_as(
    repo: Repo, relreg, milestone: str, approver: str, committer: str, *meta: str
) -> None:
    _ok(relreg(repo, "approve", "4.1.0-rc.1", milestone, "--approver", approver, *meta))
    repo.commit(f"Approve 4.1.0-rc.1 for {milestone}", committer)


def test_approval_committed_by_its_approver_passes(authored, relreg) -> None:
    repo, base = authored
    _approve_as(
        repo, relreg, "QA signed off", "qa@example.org", "qa@example.org", "--meta", "Report=r"
    )
    _approve_as(
        repo,
        relreg,
        "Build green",
        "carol@example.org",
        "carol@example.org",
        "--meta",
        "BuildURL=u",
    )
    result = relreg(repo, "validate", "--base", base, "--check-authors")
    assert result.code == 0, result.out
    assert "approves 4.1.0-rc.1 for QA signed off" in summary(result)


def test_approval_committed_by_someone_else_fails_rr510(authored, relreg) -> None:
    repo, base = authored
    _approve_as(
        repo,
        relreg,
        "Build green",
        "carol@example.org",
        "mallory@example.org",
        "--meta",
        "BuildURL=u",
    )
    result = relreg(repo, "validate", "--base", base, "--check-authors", "--format", "json")
    assert result.code == 1
    path = f"{RC1}/approvals/build-green.yaml"
    assert codes(result) == {("RR510", path, "error")}
    message = str(findings(result)[0]["message"])
    assert "carol@example.org" in message and "mallory@example.org" in message
    # Without --check-authors the same change passes: authorship is opt-in.
    assert relreg(repo, "validate", "--base", base).code == 0


def test_author_not_among_the_approvers_fails_rr511(authored, relreg) -> None:
    repo, base = authored
    # bob signs the approval as alice (listed) but commits it himself.
    _approve_as(
        repo, relreg, "QA signed off", "alice@example.org", "bob@example.org", "--meta", "Report=r"
    )
    result = relreg(repo, "validate", "--base", base, "--check-authors", "--format", "json")
    assert result.code == 1
    path = f"{RC1}/approvals/qa-signed-off.yaml"
    assert codes(result) == {("RR510", path, "error"), ("RR511", path, "error")}
    rr511 = next(f for f in findings(result) if f["code"] == "RR511")
    message = str(rr511["message"])
    assert "bob@example.org" in message
    assert "alice@example.org, qa@example.org" in message
    assert "milestones/qa-signed-off.yaml" in message  # where to add someone


def test_unlisted_approver_is_refused_by_approve_and_by_validate(authored, relreg) -> None:
    repo, base = authored
    refused = relreg(
        repo,
        "approve",
        "4.1.0-rc.1",
        "QA signed off",
        "--meta",
        "Report=r",
        "--approver",
        "bob@example.org",
    )
    assert refused.code == 1
    assert "RR305" in refused.err
    assert "bob@example.org may not approve QA signed off" in refused.err
    assert "alice@example.org, qa@example.org" in refused.err
    # Written by hand and committed by bob: the rules and the author check both object.
    repo.write(
        f"data/{RC1}/approvals/qa-signed-off.yaml",
        "milestone: QA signed off\ntag: 4.1.0-rc.1\napprover: bob@example.org\n"
        "approved_at: 2024-05-02T00:00:00Z\nmetadata:\n  Report: r\n",
    )
    repo.commit("Approve QA", "bob@example.org")
    result = relreg(repo, "validate", "--base", base, "--check-authors", "--format", "json")
    assert result.code == 1
    path = f"{RC1}/approvals/qa-signed-off.yaml"
    assert codes(result) == {("RR305", path, "error"), ("RR511", path, "error")}


def test_team_approvers_are_left_to_the_git_host(authored, relreg) -> None:
    repo, base = authored
    _approve_as(
        repo,
        relreg,
        "Release team check",
        "carol@example.org",
        "carol@example.org",
        "--meta",
        "Ticket=T-1",
    )
    result = relreg(repo, "validate", "--base", base, "--check-authors")
    assert result.code == 0, result.out
    said = summary(result)
    assert "approves 4.1.0-rc.1 for Release team check" in said
    assert "membership of @acme/release-team is the Git host's to enforce" in said


def test_uncommitted_approval_cannot_have_its_author_checked(authored, relreg) -> None:
    repo, base = authored
    _ok(relreg(repo, "approve", "4.1.0-rc.1", "Build green", "--meta", "BuildURL=u"))
    result = relreg(repo, "validate", "--base", base, "--check-authors", "--format", "json")
    assert result.code == 1
    assert codes(result) == {("RR510", f"{RC1}/approvals/build-green.yaml", "error")}
    assert "not committed yet" in str(findings(result)[0]["message"])


def test_check_authors_needs_base(registry_repo: Repo, relreg) -> None:
    result = relreg(registry_repo, "validate", "--check-authors")
    assert result.code == 1
    assert result.err.startswith("error: --check-authors needs --base")


def test_pr_merged_from_a_fork_branch_with_merge_commit(authored, relreg) -> None:
    """The approval arrives through a merge of the reviewer's branch: still found."""
    repo, base = authored
    repo.git("checkout", "-q", "-b", "reviewer")
    _approve_as(
        repo,
        relreg,
        "Build green",
        "carol@example.org",
        "carol@example.org",
        "--meta",
        "BuildURL=u",
    )
    repo.git("checkout", "-q", "pr")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #34 from carol/approve",
        "reviewer",
        author="maint@example.org",
    )
    result = relreg(repo, "validate", "--base", base, "--check-authors")
    assert result.code == 0, result.out


# --- --committed: the commits only, read from Git -------------------------------------------


def tamper_identity(repo: Repo, relreg: Callable[..., Result]) -> None:
    edit(repo, f"{R400}/release.yaml", "commit: " + "a" * 40, "commit: " + "e" * 40)


def edit_approval(repo: Repo, relreg: Callable[..., Result]) -> None:
    edit(repo, f"{R400}/approvals/build-green.yaml", "ci.example.org/1", "ci.example.org/2")


def forge_approval(repo: Repo, relreg: Callable[..., Result]) -> None:
    repo.write(
        f"data/{RC1}/approvals/nightly-passed.yaml",
        "milestone: Nightly passed\ntag: 4.1.0-rc.1\napprover: mallory@example.org\n"
        "approved_at: 2024-05-02T00:00:00Z\nmetadata:\n  Forged: yes\n",
    )


def duplicate_tag(repo: Repo, relreg: Callable[..., Result]) -> None:
    """The same tag in a second channel folder: only found by reading its twin."""
    source = (repo.data / f"{R400}/release.yaml").read_text()
    (repo.data / "releases/4.1/4.0.0").mkdir()
    (repo.data / "releases/4.1/4.0.0/release.yaml").write_text(source)


@pytest.mark.parametrize(
    "mutate",
    [
        add_approval,
        add_rejection,
        delete_approval,
        edit_definition,
        rename_definition_with_alias,
        tamper_identity,
        edit_approval,
        forge_approval,
        duplicate_tag,
    ],
    ids=lambda v: v.__name__,
)
def test_committed_gives_the_answer_of_a_clean_work_tree(
    registry_repo: Repo, relreg, mutate: Mutation
) -> None:
    repo = registry_repo
    base = open_pr(repo)
    mutate(repo, relreg)
    repo.commit("The change", "alice@example.org")
    assert repo.status() == ""
    for fmt in ("json", "text"):
        plain = relreg(repo, "validate", "--base", base, "--format", fmt)
        committed = relreg(repo, "validate", "--base", base, "--committed", "--format", fmt)
        assert (committed.code, committed.out) == (plain.code, plain.out)
    if mutate in (tamper_identity, edit_approval, forge_approval, duplicate_tag):
        assert plain.code == 1, plain.out  # the comparison covers failing checks too


def test_committed_does_not_look_at_the_work_tree(registry_repo: Repo, relreg) -> None:
    repo = registry_repo
    base = open_pr(repo)
    add_approval(repo, relreg)
    repo.commit("Approve", "alice@example.org")
    forge_approval(repo, relreg)  # uncommitted and invalid
    assert relreg(repo, "validate", "--base", base).code == 1
    result = relreg(repo, "validate", "--base", base, "--committed")
    assert result.code == 0, result.out
    assert "approves 4.1.0-rc.1 for Nightly passed" in summary(result)


def test_committed_needs_base(registry_repo: Repo, relreg) -> None:
    result = relreg(registry_repo, "validate", "--committed")
    assert result.code == 1
    assert "error: --committed needs --base REV" in result.err
