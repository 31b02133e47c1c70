"""Roles in ``approve`` and ``validate``: a milestone's ``approvers`` (RR305), team handles."""

from __future__ import annotations

from pathlib import Path

import pytest
from rolekit import registry, release, write

NIGHTLY = "3.74.x-nightly-20240401"
APPROVAL = f"releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml"


def _setup(root: Path, approvers: str) -> Path:
    data = registry(root / "data")
    write(data, "milestones/nightly-passed.yaml", f"name: Nightly passed\napprovers: {approvers}\n")
    release(data, NIGHTLY, "3.74")
    return data


def test_approve_by_someone_not_listed_is_refused_and_writes_nothing(
    tmp_path: Path, run_line, env
) -> None:
    data = _setup(tmp_path, "[alice@example.org, bob@example.org]")
    code, out, err = run_line(
        ["--registry", data, "approve", NIGHTLY, "Nightly passed", "--approver", "eve@example.org"]
    )
    assert code == 1
    assert out == ""
    first = err.splitlines()[0]
    assert first == (
        "error: eve@example.org may not approve Nightly passed; its approvers are "
        "alice@example.org, bob@example.org"
    )
    assert "RR305" in err  # the finding is listed below the sentence
    assert not (data / APPROVAL).exists()
    assert not (data / APPROVAL).parent.exists()


def test_approve_by_a_listed_approver_is_accepted_case_insensitively(
    tmp_path: Path, run_line, env
) -> None:
    data = _setup(tmp_path, "[alice@example.org]")
    code, out, _ = run_line(
        [
            "--registry",
            data,
            "approve",
            NIGHTLY,
            "nightly-passed",
            "--approver",
            "Alice@Example.org",
        ]
    )
    assert code == 0 and out == f"wrote {APPROVAL}\n"


def test_validate_reports_a_hand_written_approval_by_someone_not_listed(
    tmp_path: Path, run_line, env
) -> None:
    data = _setup(tmp_path, "[alice@example.org]")
    write(
        data,
        APPROVAL,
        f"milestone: Nightly passed\ntag: {NIGHTLY}\napprover: eve@example.org\n"
        "approved_at: 2024-04-02T00:00:00Z\n",
    )
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 1
    assert f"{APPROVAL}:3: RR305: eve@example.org may not approve Nightly passed" in out
    code, out, _ = run_line(["--registry", data, "validate", "--format", "json"])
    assert '"code": "RR305"' in out


@pytest.mark.parametrize("approvers", ['["@acme/release-team"]', '[alice@example.org, "@acme/qa"]'])
def test_team_handles_accept_any_approver(tmp_path: Path, run_line, env, approvers: str) -> None:
    # Team membership is the Git host's to enforce (CODEOWNERS, --check-authors), not relreg's.
    data = _setup(tmp_path, approvers)
    code, out, err = run_line(
        ["--registry", data, "approve", NIGHTLY, "Nightly passed", "--approver", "eve@example.org"]
    )
    assert (code, err) == (0, "")
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 0 and "0 errors" in out


def test_no_approvers_means_anyone(tmp_path: Path, run_line, env) -> None:
    data = _setup(tmp_path, "[]")
    assert run_line(["--registry", data, "approve", NIGHTLY, "Nightly passed"])[0] == 0
