"""``relreg import stackrox``: the API's JSON written as registry files, with a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rolekit import FIXTURES, registry, write

from registry_lib import importer
from registry_lib.findings import Finding
from registry_lib.importer import NO_REASON, import_stackrox
from registry_lib.registry import Registry
from registry_lib.stackroxjson import classify

DEFS = FIXTURES / "stackrox-definitions.json"
RELS = FIXTURES / "stackrox-releases.json"
PERSON = ["--person", "roxbot=roxbot@redhat.com"]


def _import(run_line, data: Path, *args: str | Path):
    return run_line(["--registry", data, "import", "stackrox", *args])


def test_import_fixture_then_query(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data")
    code, out, err = _import(run_line, data, RELS, DEFS, *PERSON)  # order does not matter
    assert (code, err) == (0, "")
    assert "imported 3 milestone definitions, 8 releases (2 rejected), 4 approvals" in out
    assert out.rstrip().endswith("relreg validate: 0 errors, 0 warnings")
    notes = out.split("not carried over or changed", 1)[1]
    for expected in (
        "release 3.73.x-nightly-20230301: commit '78057db' is not a 40-hex SHA; skipped with its "
        "1 approval",
        f"release 3.74.x-nightly-20230325: rejected without a reason; reason set to '{NO_REASON}'",
        "release 3.74.0: StackRox kind RELEASE_KIND_RC disagrees with the tag, which makes it "
        "release",
        "milestone 'Nightly passed': approver 'jdoe' is not an email address; approval skipped",
        "re-run with --person jdoe=EMAIL",
        "milestone 'Legacy QA': no such milestone definition; approval skipped",
        "metadata missing NumberOfCIFailures",
        "StackRox ids (meta.id) are not carried over",
        "by is ci@example.org, at is the release's meta.updatedAt",
    ):
        assert expected in notes, expected

    code, out, _ = run_line(["--registry", data, "latest", "--milestone", "Nightly passed"])
    assert (code, out) == (0, "3.74.x-nightly-20230324\n")
    code, out, _ = run_line(["--registry", data, "latest", "--milestone", "cloud-validated"])
    assert (code, out) == (0, "3.74.x-nightly-20230324\n")
    code, out, _ = run_line(["--registry", data, "latest", "--milestone", "RC approved"])
    assert out == "3.74.0-rc.1\n"

    shown = json.loads(
        run_line(["--registry", data, "release", "show", "3.74.x-nightly-20230324", "--json"])[1]
    )
    # approvals in time order (the API listed them newest first), fractions dropped
    assert [(m["name"], m["approved_at"]) for m in shown["quality_milestones"]] == [
        ("Nightly passed", "2023-03-24T09:02:11Z"),
        ("Cloud validated", "2023-03-25T07:59:00Z"),
    ]
    assert shown["created_at"] == "2023-03-24T04:10:31Z"
    assert shown["metadata"] == {"Image": "quay.io/rhacs-eng/main:3.74.x-nightly-20230324"}

    dev = json.loads(
        run_line(["--registry", data, "release", "show", "3.74.x-123-gabcdef1234", "--json"])[1]
    )
    assert dev["rejection"] == {
        "by": "ci@example.org",
        "at": "2023-03-22T19:30:00Z",
        "reason": "Data loss bug ROX-1234",
    }
    rc = (data / "releases/3.74/3.74.0-rc.1/release.yaml").read_text()
    assert "creator: roxbot@redhat.com\n" in rc  # mapped with --person
    assert "commit: 4f5a6b7c" in (data / "releases/3.74/3.74.0/release.yaml").read_text()
    assert not (data / "releases/3.73").exists()


def test_import_never_overwrites_and_reruns_fill_gaps(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data")
    _import(run_line, data, DEFS, RELS)  # without --person: roxbot's rc is skipped
    before = (data / "milestones/nightly-passed.yaml").read_text()
    assert not (data / "releases/3.74/3.74.0-rc.1").exists()
    code, out, _ = _import(run_line, data, DEFS, RELS, *PERSON)
    assert code == 0
    assert "imported 0 milestone definitions, 1 releases (0 rejected), 1 approvals" in out
    assert "milestones/nightly-passed.yaml exists; kept as it is" in out
    assert "releases/3.74/3.74.x-nightly-20230323/release.yaml exists; kept as it is" in out
    assert (data / "milestones/nightly-passed.yaml").read_text() == before
    assert (data / "releases/3.74/3.74.0-rc.1/approvals/rc-approved.yaml").is_file()


def test_snake_case_bare_lists_and_single_objects(tmp_path: Path) -> None:
    data = registry(tmp_path / "data")
    defs = write(
        tmp_path,
        "d.json",
        json.dumps([{"name": "Build green", "expected_metadata_keys": ["BuildURL"]}]),
    )
    one = {
        "meta": {"id": 7, "created_at": "2024-01-02T03:04:05Z"},
        "tag": "4.1.0",
        "commit": "a" * 40,
        "creator": "bot@example.org",
        "quality_milestones": [
            {
                "meta": {"created_at": "2024-01-03T00:00:00Z"},
                "quality_milestone_definition": {"name": "Build green"},
                "approver": "qa@example.org",
                "metadata": [{"key": "BuildURL", "value": "https://ci.example.org/9"}],
            }
        ],
    }
    rel = write(tmp_path, "r.json", json.dumps(one))
    report = import_stackrox(data, [defs, rel])
    assert (report.definitions, report.releases, report.approvals) == (1, 1, 1)
    assert report.ok
    approval = (data / "releases/4.1/4.1.0/approvals/build-green.yaml").read_text()
    assert approval == (
        "milestone: Build green\ntag: 4.1.0\napprover: qa@example.org\n"
        "approved_at: 2024-01-03T00:00:00Z\nmetadata:\n  BuildURL: https://ci.example.org/9\n"
    )
    assert "field 'qualityMilestoneDefinition'" not in " ".join(report.notes)


def test_classify_by_content() -> None:
    assert classify({"qualityMilestoneDefinitions": []}) == ("definitions", [])
    assert classify({"releases": [{"tag": "1.0.0"}]})[0] == "releases"
    assert classify([{"name": "A", "expectedMetadataKeys": []}])[0] == "definitions"
    assert classify([]) == ("empty", [])
    assert classify({"something": 1})[0] == "unknown"


def test_a_file_that_is_not_stackrox_json_is_refused(tmp_path: Path, run_line, env) -> None:
    data = registry(tmp_path / "data")
    bad = write(tmp_path, "x.json", '{"items": []}')
    code, _, err = _import(run_line, data, bad)
    assert code == 1 and "is neither GET /v1/qualitymilestonedefinition" in err
    broken = write(tmp_path, "y.json", "{nope")
    code, _, err = _import(run_line, data, broken)
    assert code == 1 and "y.json is not JSON" in err
    assert list((data / "releases").iterdir()) == []


def test_rejections_need_someone_to_record(tmp_path: Path) -> None:
    data = registry(tmp_path / "data")
    report = import_stackrox(data, [DEFS, RELS], {"roxbot": "roxbot@redhat.com"}, rejected_by=None)
    assert any("rejected, but no --rejected-by EMAIL" in n for n in report.notes)
    assert not (data / "releases/3.74/3.74.x-nightly-20230325").exists()


def test_a_registry_with_errors_is_refused_before_anything_is_written(
    tmp_path: Path, run_line, env
) -> None:
    data = registry(tmp_path / "data")
    write(data, "milestones/broken.yaml", "name: [broken]\n")
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    code, out, err = _import(run_line, data, DEFS)
    assert (code, out) == (1, "")
    assert err.startswith(
        "error: the registry has 1 validation error before the import; fix them first"
    )
    assert "RR105" in err
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before


def test_files_are_put_back_when_the_import_would_not_validate(
    tmp_path: Path, run_line, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The importer skips records that break rules, so this takes a rule it cannot know:
    one more error found only after the import (a rule added to relreg later, say)."""
    data = registry(tmp_path / "data")
    write(data, "milestones/qa.yaml", "name: QA\n")
    before = {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}
    real = importer.rules.validate
    calls: list[int] = []

    def validate(reg: Registry, *args: object) -> list[Finding]:
        calls.append(1)
        found = real(reg, *args)
        if len(calls) == 2:  # after the import
            found.append(Finding("milestones/nightly-passed.yaml", 1, "RR105", "injected"))
        return found

    monkeypatch.setattr(importer.rules, "validate", validate)
    code, out, err = _import(run_line, data, DEFS, RELS, *PERSON)
    assert (code, out) == (1, "")
    assert err.startswith("error: the imported files would not validate (1 error); nothing was")
    assert "milestones/nightly-passed.yaml:1: RR105: injected" in err
    assert {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()} == before
    assert sorted(p.relative_to(data) for p in (data / "releases").rglob("*")) == []
