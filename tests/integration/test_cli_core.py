"""The core commands of `relreg` end to end, on real files (and real Git) in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from registry_lib.cli import main
from registry_lib.loader import load_directory
from registry_lib.objects import definition_object, release_object
from registry_lib.query import get_release

RunLine = Callable[..., tuple[int, str, str]]

DATA = Path(__file__).resolve().parents[2] / "data"
SHA = "78057dba490233f41b4602f2b2e88775ab7fd4c9"
SHA2 = "0123456789abcdef0123456789abcdef01234567"
NIGHTLY = "3.74.x-nightly-20230323"
NIGHTLY2 = "3.74.x-nightly-20230324"
ALICE = "alice@example.com"
T0 = "2023-03-23T04:12:00Z"
T1 = "2023-03-24T09:00:00Z"
T2 = "2023-03-26T10:00:00Z"
T3 = "2023-03-27T10:00:00Z"


class Relreg:
    """`relreg --registry <root> …` with an actor and a clock."""

    def __init__(self, run_line: RunLine, root: Path) -> None:
        self.run_line = run_line
        self.root = root

    def __call__(
        self, *args: str, actor: str | None = ALICE, now: str | None = T1
    ) -> tuple[int, str, str]:
        env = {}
        if actor is not None:
            env["RELREG_ACTOR"] = actor
        if now is not None:
            env["RELREG_NOW"] = now
        return self.run_line(["--registry", str(self.root), *args], env=env)

    def ok(self, *args: str, **kw: str | None) -> str:
        code, out, err = self(*args, **kw)
        assert code == 0, (args, out, err)
        return out

    def fail(self, *args: str, **kw: str | None) -> str:
        """Run a command that must fail with `error: …` and leave every file unchanged."""
        before = tree_hash(self.root)
        code, out, err = self(*args, **kw)
        assert code == 1, (args, out, err)
        assert err.startswith("error: "), err
        assert "Traceback" not in out + err
        assert tree_hash(self.root) == before, f"{args} changed files"
        return err

    def json(self, *args: str) -> object:
        return json.loads(self.ok(*args, "--json"))


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def rr(run_line: RunLine, tmp_path: Path) -> Relreg:
    """An empty registry made by `relreg init`, with Nightly passed and one nightly."""
    root = tmp_path / "data"
    code, out, err = run_line(["init", str(root), "--name", "Test releases"])
    assert (code, err) == (0, ""), out
    assert out == "wrote registry.yaml\n"
    r = Relreg(run_line, root)
    r.ok(
        "milestone", "create", "Nightly passed", "--expect", "BuildURL",
        "--expect", "NumberOfCIFailures", "--description", "All nightly jobs green.",
    )  # fmt: skip
    r.ok("release", "create", NIGHTLY, "--commit", SHA, "--meta", "Image=quay.io/x:1", now=T0)
    return r


def approve_nightly(rr: Relreg, tag: str = NIGHTLY, now: str = T1) -> str:
    return rr.ok(
        "approve", tag, "Nightly passed", "--meta", "BuildURL=https://ci.example.org/1",
        "--meta", "NumberOfCIFailures=4", now=now,
    )  # fmt: skip


# --- use cases ------------------------------------------------------------------------


def test_reviewer_use_case(rr: Relreg) -> None:
    root = rr.root
    assert (root / "milestones/nightly-passed.yaml").read_text() == (
        "name: Nightly passed\n"
        "description: All nightly jobs green.\n"
        "expected_metadata_keys:\n"
        "  - BuildURL\n"
        "  - NumberOfCIFailures\n"
    )
    assert (root / f"releases/3.74/{NIGHTLY}/release.yaml").read_text() == (
        f"tag: {NIGHTLY}\ncommit: {SHA}\ncreator: {ALICE}\ncreated_at: {T0}\n"
        "metadata:\n  Image: quay.io/x:1\n"
    )
    listed = rr.ok("release", "list", "--prefix", "3.74")
    assert listed.splitlines()[-1].split()[:3] == [NIGHTLY, "nightly", "3.74"]
    assert "Nightly passed" in rr.ok("milestone", "list")

    out = approve_nightly(rr)
    approval = f"releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml"
    assert out == f"wrote {approval}\n"
    assert (root / approval).read_text() == (
        f"milestone: Nightly passed\ntag: {NIGHTLY}\napprover: {ALICE}\napproved_at: {T1}\n"
        "metadata:\n  BuildURL: https://ci.example.org/1\n  NumberOfCIFailures: '4'\n"
    )
    assert NIGHTLY in rr.ok("release", "list", "--milestone", "Nightly passed")
    assert NIGHTLY in rr.ok("release", "list", "--milestone", "nightly-passed")

    rr.ok("release", "update", NIGHTLY, "--meta", "Notes=https://example.org/n", "--meta", "E=")
    shown = rr.json("release", "show", NIGHTLY)
    assert isinstance(shown, dict)
    assert shown["metadata"] == {"Image": "quay.io/x:1", "Notes": "https://example.org/n", "E": ""}
    rr.ok("release", "update", NIGHTLY, "--unset", "E")
    assert "E" not in rr.json("release", "show", NIGHTLY)["metadata"]  # type: ignore[index]
    assert rr.ok("validate") == "0 errors, 0 warnings\n"


def test_upgrader_use_case(rr: Relreg) -> None:
    approve_nightly(rr)
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA2, now=T1)
    rr.ok("release", "create", "3.74.0", "--commit", SHA2, now=T1)
    # The newest nightly has no approval yet: latest with the milestone is the older one.
    assert rr.ok("latest", "--prefix", "3.74") == f"{NIGHTLY2}\n"
    assert rr.ok("latest", "--milestone", "Nightly passed", "--prefix", "3.74") == f"{NIGHTLY}\n"
    assert rr.ok("latest", "--prefix", "3.74", "--kind", "release") == "3.74.0\n"
    assert rr.ok("latest", "--prefix", "3.74", "--ignore-kind", "nightly") == "3.74.0\n"

    rr.ok(
        "milestone", "create", "Cloud validated", "--expect", "TestRun",
        "--requires", "Nightly passed@48h", "--alias", "Cloud passed",
    )  # fmt: skip
    rr.ok("approve", NIGHTLY, "Cloud passed", "--meta", "TestRun=run-7", now=T2)
    shown = rr.json("release", "show", NIGHTLY)
    assert isinstance(shown, dict)
    assert [m["name"] for m in shown["quality_milestones"]] == ["Nightly passed", "Cloud validated"]
    text = rr.ok("release", "show", NIGHTLY)
    assert text.index("Nightly passed:") < text.index("Cloud validated:")
    assert rr.ok("latest", "--milestone", "Cloud validated") == f"{NIGHTLY}\n"


def test_rejection_hides_a_release_but_show_finds_it(rr: Relreg) -> None:
    approve_nightly(rr)
    out = rr.ok("release", "reject", NIGHTLY, "--reason", "Data loss bug ROX-1234", now=T2)
    assert out == f"wrote releases/3.74/{NIGHTLY}/release.yaml\n"
    # Nothing left to list: a failed request (exit 1), and --json still prints the object.
    assert "no release matches" in rr.fail("release", "list")
    code, out, _ = rr("release", "list", "--json")
    assert code == 1 and json.loads(out) == {"releases": []}
    err = rr.fail("latest", "--milestone", "Nightly passed")
    assert "no release matches" in err
    assert NIGHTLY in rr.ok("release", "list", "--include-rejected")
    assert rr.ok("latest", "--include-rejected") == f"{NIGHTLY}\n"
    text = rr.ok("release", "show", NIGHTLY)
    assert text.startswith(f"REJECTED by {ALICE} at {T2}: Data loss bug ROX-1234")
    shown = rr.json("release", "show", NIGHTLY)
    assert isinstance(shown, dict)
    assert shown["rejected"] is True
    assert shown["rejection"] == {"by": ALICE, "at": T2, "reason": "Data loss bug ROX-1234"}
    assert rr.ok("validate") == "0 errors, 0 warnings\n"


def test_json_outputs_are_the_feed_objects(rr: Relreg) -> None:
    approve_nightly(rr)
    rr.ok("release", "create", "3.74.0", "--commit", SHA2, now=T2)
    reg = load_directory(rr.root)
    objects = [release_object(reg, get_release(reg, t)) for t in (NIGHTLY, "3.74.0")]
    objects.sort(key=lambda o: 0 if o["tag"] == "3.74.0" else 1)  # release < .x nightly
    assert rr.json("release", "list") == {"releases": objects}
    assert rr.json("release", "show", NIGHTLY) == objects[1]
    assert rr.json("latest") == objects[1]
    definition = reg.definition("nightly-passed")
    assert definition is not None
    assert rr.json("milestone", "show", "Nightly passed") == definition_object(definition)
    assert rr.json("milestone", "list") == {"milestones": [definition_object(definition)]}


# --- exit codes, actors, time ---------------------------------------------------------


def test_exit_codes(rr: Relreg) -> None:
    assert rr("release", "show", NIGHTLY)[0] == 0
    err = rr.fail("release", "show", "9.9.9")
    assert "no release 9.9.9" in err
    rr.fail("milestone", "show", "Nope")
    code, out, err = rr("release", "list", "--kind", "bogus")
    assert code == 2 and "Traceback" not in out + err
    code, _, err = rr("release", "create", NIGHTLY2)  # --commit missing
    assert code == 2 and "--commit" in err
    code, _, _ = rr("no-such-command")
    assert code == 2


def test_missing_registry_is_an_error(run_line: RunLine, tmp_path: Path) -> None:
    code, out, err = run_line(["--registry", str(tmp_path / "nope"), "release", "list"])
    assert code == 1 and err.startswith("error: no registry at")
    assert "Traceback" not in out + err


def test_actor_from_env(rr: Relreg) -> None:
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA2, actor="bob@example.com")
    shown = rr.json("release", "show", NIGHTLY2)
    assert isinstance(shown, dict) and shown["creator"] == "bob@example.com"


def test_explicit_actor_wins(rr: Relreg) -> None:
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA2, "--creator", "carol@example.com")
    shown = rr.json("release", "show", NIGHTLY2)
    assert isinstance(shown, dict) and shown["creator"] == "carol@example.com"


def test_actor_from_git_user_email(rr: Relreg) -> None:
    subprocess.run(["git", "init", "-q", str(rr.root)], check=True)
    subprocess.run(
        ["git", "-C", str(rr.root), "config", "user.email", "dana@example.com"], check=True
    )
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA2, actor=None)
    shown = rr.json("release", "show", NIGHTLY2)
    assert isinstance(shown, dict) and shown["creator"] == "dana@example.com"


def test_no_actor_says_how_to_set_one(rr: Relreg) -> None:
    err = rr.fail("release", "create", NIGHTLY2, "--commit", SHA2, actor=None)
    assert "RELREG_ACTOR" in err and "user.email" in err and "--creator" in err
    err = rr.fail("approve", NIGHTLY, "Nightly passed", actor=None)
    assert "--approver" in err
    err = rr.fail("release", "reject", NIGHTLY, "--reason", "x", actor=None)
    assert "--by" in err


def test_relreg_now(rr: Relreg) -> None:
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA2, now="2023-03-24T12:00:00.9+02:00")
    shown = rr.json("release", "show", NIGHTLY2)
    assert isinstance(shown, dict) and shown["created_at"] == "2023-03-24T10:00:00Z"
    err = rr.fail("release", "create", "3.74.0", "--commit", SHA2, now="yesterday")
    assert "RELREG_NOW" in err


# --- refusals leave the registry byte-identical -----------------------------------------


def test_approve_refusals(rr: Relreg) -> None:
    err = rr.fail("approve", NIGHTLY, "Nightly passed", "--meta", "BuildURL=x", "--meta", "Y=1")
    assert "missing NumberOfCIFailures" in err and "unexpected Y" in err
    err = rr.fail("approve", NIGHTLY, "Nightly failed", "--meta", "BuildURL=x")
    assert "no milestone named 'Nightly failed'" in err and "Nightly passed" in err
    rr.fail("approve", "9.9.9", "Nightly passed")

    rr.ok(
        "milestone", "create", "Cloud validated", "--expect", "TestRun",
        "--requires", "Nightly passed@48h",
    )  # fmt: skip
    err = rr.fail("approve", NIGHTLY, "Cloud validated", "--meta", "TestRun=1")
    assert "requires Nightly passed first" in err

    approve_nightly(rr)
    too_soon = "2023-03-26T08:59:59Z"  # 47:59:59 after Nightly passed
    err = rr.fail("approve", NIGHTLY, "Cloud validated", "--meta", "TestRun=1", now=too_soon)
    assert "soak for 48h" in err
    # break glass skips requires and soak
    rr.ok("approve", NIGHTLY, "Cloud validated", "--meta", "TestRun=1", "--break-glass", now=T1)

    meta = ("--meta", "BuildURL=x", "--meta", "NumberOfCIFailures=0")
    err = rr.fail("approve", NIGHTLY, "Nightly passed", *meta)
    assert "already approved" in err
    assert f"releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml" in err


def test_approve_refuses_a_rejected_release(rr: Relreg) -> None:
    rr.ok("release", "reject", NIGHTLY, "--reason", "Broken", now=T2)
    meta = ("--meta", "BuildURL=x", "--meta", "NumberOfCIFailures=0")
    assert "rejected" in rr.fail("approve", NIGHTLY, "Nightly passed", *meta, now=T3)
    # Even with a clock before the rejection time.
    assert "rejected" in rr.fail("approve", NIGHTLY, "Nightly passed", *meta, now=T1)


def test_approver_must_be_listed(rr: Relreg) -> None:
    rr.ok("milestone", "create", "Signed off", "--approver", "bob@example.com")
    err = rr.fail("approve", NIGHTLY, "Signed off")
    assert "may not approve Signed off" in err
    rr.ok("approve", NIGHTLY, "Signed off", "--approver", "bob@example.com")


@pytest.mark.parametrize(
    "args",
    [
        ["release", "create", "v1.0", "--commit", SHA],
        ["release", "create", "1.0.0", "--commit", SHA[:12]],
        ["release", "create", "1.0.0", "--commit", SHA.upper()],
        ["release", "create", "1.0.0", "--commit", SHA, "--meta", "novalue"],
        ["release", "create", "1.0.0", "--commit", SHA, "--meta", "=x"],
        ["release", "create", "1.0.0", "--commit", SHA, "--creator", "not-an-email"],
        ["release", "create", NIGHTLY, "--commit", SHA],
        ["release", "update", "9.9.9", "--meta", "A=1"],
        ["release", "update", NIGHTLY, "--meta", "bad"],
        ["release", "update", NIGHTLY],
        ["release", "update", NIGHTLY, "--unset", "Missing"],
        ["release", "reject", "9.9.9", "--reason", "x"],
        ["release", "reject", NIGHTLY, "--reason", " "],
        ["release", "reject", NIGHTLY, "--reason", "x", "--by", "nobody"],
        ["revoke", NIGHTLY, "Nightly passed"],
        ["revoke", "9.9.9", "Nightly passed"],
        ["revoke", NIGHTLY, "Unknown"],
        ["milestone", "create", "Nightly passed"],
        ["milestone", "create", "nightly PASSED!"],
        ["milestone", "create", "!!!"],
        ["milestone", "create", "Other", "--requires", "Unknown"],
        ["milestone", "create", "Other", "--alias", "Nightly passed"],
        ["milestone", "create", "Other", "--expect", "A", "--expect", "A"],
        ["milestone", "create", "Other", "--requires", "Nightly passed@soon"],
        ["milestone", "create", "Other", "--approver", "nobody"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_write_inputs(rr: Relreg, args: list[str]) -> None:
    rr.fail(*args)


def test_reject_twice(rr: Relreg) -> None:
    rr.ok("release", "reject", NIGHTLY, "--reason", "Broken", now=T2)
    err = rr.fail("release", "reject", NIGHTLY, "--reason", "Again", now=T3)
    assert "already rejected" in err


def test_revoke_moves_the_release_back(rr: Relreg) -> None:
    approve_nightly(rr)
    out = rr.ok("revoke", NIGHTLY, "nightly-passed")
    assert out == f"removed releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml\n"
    assert not (rr.root / f"releases/3.74/{NIGHTLY}/approvals").exists()
    rr.fail("latest", "--milestone", "Nightly passed")
    rr.fail("revoke", NIGHTLY, "Nightly passed")


def test_revoke_refuses_to_break_requires(rr: Relreg) -> None:
    rr.ok("milestone", "create", "Cloud validated", "--requires", "Nightly passed")
    approve_nightly(rr)
    rr.ok("approve", NIGHTLY, "Cloud validated", now=T2)
    assert "revoke those first" in rr.fail("revoke", NIGHTLY, "Nightly passed")


def test_writes_read_only_what_they_check(rr: Relreg, files_read: list[str]) -> None:
    """A write reads the settings, the definitions and its tag's folders: its rules look
    at nothing else, and another release folder would make it cost what the registry holds."""
    rr.ok("release", "create", NIGHTLY2, "--commit", SHA, now=T0)
    read = files_read
    read.clear()
    folder = f"releases/3.74/{NIGHTLY}/"
    approve_nightly(rr)
    rr.ok("release", "update", NIGHTLY, "--meta", "Notes=n")
    rr.ok("revoke", NIGHTLY, "Nightly passed")
    rr.ok("release", "reject", NIGHTLY, "--reason", "Broken", now=T2)
    rr.fail("release", "create", NIGHTLY, "--commit", SHA)
    assert f"{folder}release.yaml" in read
    assert all(p == "registry.yaml" or p.startswith(("milestones/", folder)) for p in read), read
    read.clear()
    rr.ok("milestone", "create", "Canary", "--expect", "Region")
    assert "milestones/nightly-passed.yaml" in read
    assert all(p == "registry.yaml" or p.startswith("milestones/") for p in read), read


def test_create_refuses_a_tag_recorded_in_another_channel(rr: Relreg) -> None:
    (rr.root / "releases/3.73").mkdir()
    (rr.root / "releases/3.74" / NIGHTLY).rename(rr.root / "releases/3.73" / NIGHTLY)
    err = rr.fail("release", "create", NIGHTLY, "--commit", SHA2)
    assert f"already exists in releases/3.73/{NIGHTLY}" in err


def test_init_refuses_to_overwrite(rr: Relreg) -> None:
    code, out, err = rr.run_line(["init", str(rr.root)])
    assert code == 1 and "already exists" in err
    assert "Traceback" not in out + err


# --- validate -------------------------------------------------------------------------


@pytest.fixture
def broken(rr: Relreg) -> Relreg:
    """A registry with one error (missing key) and one warning (a README)."""
    approve_nightly(rr)
    path = rr.root / f"releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml"
    path.write_text(path.read_text().replace("  NumberOfCIFailures: '4'\n", ""))
    (rr.root / "milestones/README.md").write_text("# notes\n")
    return rr


def test_validate_text(broken: Relreg) -> None:
    code, out, _ = broken("validate")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "milestones/README.md: RR111: warning: not a registry file; ignored"
    assert lines[1].startswith(
        f"releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml:5: RR400: metadata missing "
        "NumberOfCIFailures"
    )
    assert lines[-1] == "1 error, 1 warning"


def test_validate_json(broken: Relreg) -> None:
    code, out, _ = broken("validate", "--format", "json")
    assert code == 1
    found = json.loads(out)
    assert [(f["code"], f["severity"], f["line"]) for f in found] == [
        ("RR111", "warning", None),
        ("RR400", "error", 5),
    ]
    assert set(found[0]) == {"path", "line", "code", "severity", "message"}


def test_validate_github(broken: Relreg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = broken("validate", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0] == "::warning file=milestones/README.md,title=RR111::not a registry file; ignored"
    )
    assert lines[1].startswith(
        f"::error file=releases/3.74/{NIGHTLY}/approvals/nightly-passed.yaml,line=5,title=RR400::"
    )
    text = summary.read_text()
    assert "relreg validate: ❌ failed" in text and "| error |" in text


def test_a_line_break_in_a_folder_name_stays_on_its_finding_line(rr: Relreg) -> None:
    folder = rr.root / "releases/3.74/bad\nname"
    folder.mkdir()
    (folder / "release.yaml").write_text("tag: bad\n")
    code, out, _ = rr("validate")
    assert code == 1
    lines = out.splitlines()
    assert all(
        line.startswith(("releases/", "registry.yaml", "milestones/")) for line in lines[:-1]
    )
    assert any(line.startswith("releases/3.74/bad\\x0aname/release.yaml") for line in lines)


def test_validate_strict_fails_on_warnings(rr: Relreg) -> None:
    (rr.root / "milestones/README.md").write_text("# notes\n")
    code, out, _ = rr("validate")
    assert code == 0 and out.endswith("0 errors, 1 warning\n")
    code, out, _ = rr("validate", "--strict")
    assert code == 1 and out.endswith("0 errors, 1 warning\n")


def test_validate_finds_broken_files_without_traceback(rr: Relreg) -> None:
    (rr.root / "milestones/bad.yaml").write_bytes(b"name: [\n\xff")
    (rr.root / "milestones/deep.yaml").write_bytes(b"name: " + b"[" * 100_000 + b"]" * 100_000)
    code, out, err = rr("validate")
    assert code == 1 and "Traceback" not in out + err
    assert "milestones/bad.yaml:2: RR101" in out
    assert "milestones/deep.yaml:1: RR105" in out


# --- help -----------------------------------------------------------------------------


def test_python_dash_m_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "registry_lib", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and "release" in proc.stdout


def _program(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m registry_lib ARGS`` (or ``code`` run with ``-c``), as people run it."""
    command = ["-c", code] if code is not None else ["-m", "registry_lib", *args]
    return subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, check=False, cwd=DATA.parent
    )


def test_the_program_ends_with_the_commands_exit_code_and_all_its_output() -> None:
    # `relreg` ends the process without freeing its heap (cli.run): nothing may be lost
    ok = _program("--registry", "data", "release", "list", "--include-rejected")
    assert ok.returncode == 0, ok.stderr
    listed = load_directory(DATA).releases
    assert len(ok.stdout.splitlines()) == len(listed) + 1  # every release and the header
    missing = _program("--registry", "data", "release", "show", "0.0.0-nope")
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
    usage = _program("--registry", "data", "no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_the_program_reports_an_exit_with_a_message_like_python() -> None:
    code = "import registry_lib.cli as c, sys\nc.main = lambda: sys.exit('stopped')\nc.run()"
    proc = _program(code=code)
    assert (proc.returncode, proc.stderr) == (1, "stopped\n")


def test_the_program_leaves_quietly_when_its_reader_stops_early(tmp_path: Path) -> None:
    from benchmarks.generate import generate

    generate(tmp_path / "data", 1500)  # a listing bigger than a pipe holds (64 KiB)
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry_lib", "--registry", "data", "release", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    with proc.stdout, proc.stderr:
        assert proc.stdout.readline().startswith(b"TAG")
        proc.stdout.close()  # like `relreg release list | head -1`
        err = proc.stderr.read().decode()
    proc.wait()
    assert "Traceback" not in err and "Exception ignored" not in err, err


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, [*prefix, name])
        else:
            out.append([*prefix, name])
    return out


@pytest.mark.parametrize("path", _commands(main, []), ids=lambda p: " ".join(p) or "relreg")
def test_every_command_help_has_an_example(run_line: RunLine, path: list[str]) -> None:
    code, out, _ = run_line([*path, "--help"])
    assert code == 0
    assert "Example" in out, f"`relreg {' '.join(path)} --help` has no example"


def test_an_approval_in_the_second_of_the_rejection_counts_as_after_it(rr: Relreg) -> None:
    """Times have one-second resolution: an approval in the rejection's second may have
    come after it, and a quality gate errs on the side of refusing (RR302)."""
    meta = ("--meta", "BuildURL=x", "--meta", "NumberOfCIFailures=0")
    rr.ok("approve", NIGHTLY, "Nightly passed", *meta, now=T2)
    err = rr.fail("release", "reject", NIGHTLY, "--reason", "Broken", now=T2)
    assert "RR302" in err and "a rejected release cannot be approved" in err
    assert "rejection" not in (rr.root / f"releases/3.74/{NIGHTLY}/release.yaml").read_text()
    rr.ok("release", "reject", NIGHTLY, "--reason", "Broken", now="2023-03-26T10:00:01Z")
    assert rr.ok("validate") == "0 errors, 0 warnings\n"
