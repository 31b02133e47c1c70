"""``relreg migrate`` and schema versions: 0 -> 1, no-op when current, RR113 when newer."""

from __future__ import annotations

from pathlib import Path

import pytest
from rolekit import FIXTURES, SHA, git, registry, release, write

from registry_lib.migrate import migrate, schema_version

OLD = """\
# StackRox release registry settings
name: StackRox releases   # shown on the site
maintainers:
  - "@stackrox/release-admins"
"""


def test_migrates_version_0_keeping_the_rest_of_the_file(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data", OLD)
    code, out, err = run_line(["--registry", data, "migrate"])
    assert (code, err) == (0, "")
    assert out == (
        "0 -> 1: add schema_version: 1 to registry.yaml\n"
        "wrote registry.yaml\n"
        "migrated from schema version 0 to 1\n"
    )
    text = (data / "registry.yaml").read_text()
    assert text == OLD.replace(
        "# StackRox release registry settings\n",
        "# StackRox release registry settings\nschema_version: 1\n",
    )
    assert schema_version(data) == 1
    assert run_line(["--registry", data, "validate"])[0] == 0


def test_dry_run_writes_nothing(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data", OLD)
    code, out, _ = run_line(["--registry", data, "migrate", "--dry-run"])
    assert code == 0
    assert "would write registry.yaml" in out and "nothing written" in out
    assert (data / "registry.yaml").read_text() == OLD


def test_current_registry_is_a_no_op(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data")
    before = (data / "registry.yaml").stat().st_mtime_ns
    code, out, err = run_line(["--registry", data, "migrate"])
    assert (code, out, err) == (0, "already at schema version 1\n", "")
    assert (data / "registry.yaml").stat().st_mtime_ns == before


def test_newer_registry_says_upgrade_relreg(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data", "schema_version: 7\nname: Future\n")
    code, _, err = run_line(["--registry", data, "migrate"])
    assert code == 1
    assert err == (
        "error: registry.yaml has schema_version 7, newer than this relreg supports (1); "
        "upgrade relreg\n"
    )
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 1
    assert (
        "registry.yaml:1: RR113: schema_version 7 is newer than this relreg supports (1); "
        "upgrade relreg" in out
    )


def test_a_negative_schema_version_is_an_error(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data", "schema_version: -5\nname: Past\n")
    code, out, _ = run_line(["--registry", data, "validate"])
    assert code == 1
    assert (
        "registry.yaml:1: RR105: 'schema_version' input should be greater than or equal to 0 "
        "(got int -5)" in out
    )
    code, _, err = run_line(["--registry", data, "migrate"])
    assert (code, err) == (
        1,
        "error: registry.yaml: schema_version must be a whole number of 0 or more, not -5\n",
    )
    assert (data / "registry.yaml").read_text() == "schema_version: -5\nname: Past\n"


def test_flow_style_file_is_rewritten_canonically(tmp_path: Path) -> None:
    data = registry(tmp_path / "data", "{name: Flow, release_creators: [bot@example.org]}\n")
    result = migrate(data)
    assert result.steps and result.change is not None
    assert (data / "registry.yaml").read_text() == (
        "schema_version: 1\nname: Flow\nrelease_creators:\n  - bot@example.org\n"
    )


def test_invalid_registry_yaml_is_not_migrated(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data", "name: Old\ncolour: red\n")
    code, _, err = run_line(["--registry", data, "migrate"])
    assert code == 1 and "colour" in err
    assert (data / "registry.yaml").read_text() == "name: Old\ncolour: red\n"


def test_init_writes_the_current_version(tmp_path: Path, run_line, env) -> None:
    assert run_line(["init", tmp_path / "data"])[0] == 0
    assert (tmp_path / "data" / "registry.yaml").read_text().startswith("schema_version: 1\n")
    assert (
        run_line(["--registry", tmp_path / "data", "migrate"])[1] == "already at schema version 1\n"
    )


def test_migrate_git_commit(tmp_path: Path, run_line, env) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    data = registry(tmp_path / "data", OLD)
    write(data, "milestones/.gitkeep", "")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.email=m@example.org", "-c", "user.name=m", "commit", "-qm", "seed")
    code, out, _ = run_line(["--registry", data, "migrate", "--git-commit"])
    assert code == 0 and "committed" in out
    assert (
        git(tmp_path, "log", "-1", "--format=%s").strip() == "Migrate registry to schema version 1"
    )
    assert git(tmp_path, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "command",
    [
        ["milestone", "create", "QA passed", "--expect", "Report"],
        ["release", "create", "4.1.0", "--commit", SHA, "--creator", "ci@example.org"],
        ["release", "update", "4.0.0", "--meta", "k=v"],
        ["release", "reject", "4.0.0", "--reason", "broken", "--by", "qa@example.org"],
        ["approve", "4.0.0", "Nightly passed", "--approver", "qa@example.org"],
        ["revoke", "4.0.0", "Nightly passed"],
        ["import", "stackrox", FIXTURES / "stackrox-releases.json"],
    ],
    ids=lambda c: " ".join(str(a) for a in c[:2]),
)
def test_write_commands_refuse_a_newer_registry(
    tmp_path: Path, run_line, env, command: list[object]
) -> None:
    """An older relreg must not write files of its format into a newer registry."""
    data = registry(tmp_path / "data", "schema_version: 7\nname: Future\n")
    write(data, "milestones/nightly-passed.yaml", "name: Nightly passed\n")
    release(data, "4.0.0", "4.0")
    write(
        data,
        "releases/4.0/4.0.0/approvals/nightly-passed.yaml",
        "milestone: Nightly passed\ntag: 4.0.0\napprover: qa@example.org\n"
        "approved_at: 2024-04-02T00:00:00Z\n",
    )
    before = {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}
    code, out, err = run_line(["--registry", data, *command])
    assert (code, out) == (1, "")
    assert err == (
        "error: registry.yaml has schema_version 7, newer than this relreg supports (1); "
        "upgrade relreg before writing to this registry\n"
    )
    assert {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()} == before
