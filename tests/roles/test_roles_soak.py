"""Soak: ``requires: [{milestone, soak}]`` (RR304), with RELREG_NOW as the clock."""

from __future__ import annotations

import json
from pathlib import Path

from rolekit import registry, release, write

TAG = "3.74.x-nightly-20240401"


def _setup(root: Path) -> Path:
    data = registry(root / "data")
    write(data, "milestones/nightly-passed.yaml", "name: Nightly passed\n")
    write(
        data,
        "milestones/cloud-validated.yaml",
        "name: Cloud validated\nrequires:\n  - {milestone: Nightly passed, soak: 48h}\n",
    )
    release(data, TAG, "3.74")
    return data


def _approve(run_line, data: Path, milestone: str, now: str, *extra: str):
    return run_line(
        ["--registry", data, "approve", TAG, milestone, *extra], env={"RELREG_NOW": now}
    )


def test_approve_before_the_soak_is_refused_naming_the_time_left(
    tmp_path: Path, run_line, env
) -> None:
    data = _setup(tmp_path)
    assert _approve(run_line, data, "Nightly passed", "2024-04-02T10:00:00Z")[0] == 0
    code, out, err = _approve(run_line, data, "Cloud validated", "2024-04-03T09:30:00Z")
    assert code == 1 and out == ""
    assert err.splitlines()[0] == (
        "error: Cloud validated needs Nightly passed to soak for 48h, but only 23h30m passed "
        "since 2024-04-02T10:00:00Z; wait 24h30m more, until 2024-04-04T10:00:00Z "
        "(or set break_glass: true)"
    )
    assert "RR304" in err
    assert not (data / f"releases/3.74/{TAG}/approvals/cloud-validated.yaml").exists()


def test_less_than_a_minute_left_is_one_minute_to_wait(tmp_path: Path, run_line, env) -> None:
    data = _setup(tmp_path)
    _approve(run_line, data, "Nightly passed", "2024-04-02T10:00:00Z")
    code, _, err = _approve(run_line, data, "Cloud validated", "2024-04-04T09:59:30Z")
    assert code == 1
    assert "only 47h59m passed since 2024-04-02T10:00:00Z; wait 0h01m more" in err


def test_approve_after_the_soak_is_accepted(tmp_path: Path, run_line, env) -> None:
    data = _setup(tmp_path)
    _approve(run_line, data, "Nightly passed", "2024-04-02T10:00:00Z")
    code, _, err = _approve(run_line, data, "Cloud validated", "2024-04-04T10:00:00Z")
    assert (code, err) == (0, "")  # exactly 48h later is enough
    code, out, _ = run_line(["--registry", data, "release", "show", TAG, "--json"])
    shown = json.loads(out)
    assert [m["break_glass"] for m in shown["quality_milestones"]] == [False, False]


def test_requires_without_the_required_milestone_is_refused(tmp_path: Path, run_line, env) -> None:
    data = _setup(tmp_path)
    code, _, err = _approve(run_line, data, "Cloud validated", "2024-04-05T00:00:00Z")
    assert code == 1 and "RR303" in err and "approve Nightly passed first" in err


def test_break_glass_skips_the_soak_and_is_flagged(tmp_path: Path, run_line, env) -> None:
    data = _setup(tmp_path)
    _approve(run_line, data, "Nightly passed", "2024-04-02T10:00:00Z")
    code, out, err = _approve(
        run_line, data, "Cloud validated", "2024-04-02T11:00:00Z", "--break-glass"
    )
    assert (code, err) == (0, "")
    path = data / f"releases/3.74/{TAG}/approvals/cloud-validated.yaml"
    assert "break_glass: true\n" in path.read_text()
    code, out, _ = run_line(["--registry", data, "release", "show", TAG, "--json"])
    milestones = {m["name"]: m for m in json.loads(out)["quality_milestones"]}
    assert milestones["Cloud validated"]["break_glass"] is True
    assert milestones["Nightly passed"]["break_glass"] is False
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 0 and "0 errors, 0 warnings" in out


def test_validate_reports_a_hand_written_approval_inside_the_soak(
    tmp_path: Path, run_line, env
) -> None:
    data = _setup(tmp_path)
    folder = f"releases/3.74/{TAG}/approvals"
    write(
        data,
        f"{folder}/nightly-passed.yaml",
        f"milestone: Nightly passed\ntag: {TAG}\napprover: a@example.org\n"
        "approved_at: 2024-04-02T10:00:00Z\n",
    )
    write(
        data,
        f"{folder}/cloud-validated.yaml",
        f"milestone: Cloud validated\ntag: {TAG}\napprover: a@example.org\n"
        "approved_at: 2024-04-03T10:00:00Z\n",
    )
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 1
    assert f"{folder}/cloud-validated.yaml:4: RR304:" in out
    assert "wait 24h00m more, until 2024-04-04T10:00:00Z" in out
