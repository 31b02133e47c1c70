"""Example registries as data: every valid one has no findings, every invalid one exactly
the findings its ``expected.txt`` lists (``path:CODE`` lines, one per finding).

An example may hold a ``runtime.yaml`` for what Git cannot keep or should not store:
``symlinks`` (path: target) and ``grow`` (path: size in bytes, padded with a comment).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from registry_lib.findings import CODES
from registry_lib.loader import load_directory
from registry_lib.rules import validate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VALID = sorted(p for p in (EXAMPLES / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (EXAMPLES / "invalid").iterdir() if p.is_dir())
DATA = Path(__file__).resolve().parents[2] / "data"


def materialize(example: Path, tmp_path: Path) -> Path:
    """Copy an example to ``tmp_path`` and apply its ``runtime.yaml``."""
    root = tmp_path / example.name
    shutil.copytree(example, root, symlinks=True)
    runtime_file = root / "runtime.yaml"
    if runtime_file.exists():
        runtime = yaml.safe_load(runtime_file.read_text())
        runtime_file.unlink()
        for link, target in (runtime.get("symlinks") or {}).items():
            (root / link).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, root / link)
        for path, size in (runtime.get("grow") or {}).items():
            with open(root / path, "ab") as fh:
                fh.write(b"#" * (size - (root / path).stat().st_size - 1) + b"\n")
    (root / "expected.txt").unlink(missing_ok=True)
    return root


def findings_of(root: Path) -> list[str]:
    return sorted(f"{f.path}:{f.code}" for f in validate(load_directory(root)))


def expected_of(example: Path) -> list[str]:
    lines = (example / "expected.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("example", VALID, ids=lambda p: p.name)
def test_valid_example(example: Path, tmp_path: Path) -> None:
    assert findings_of(materialize(example, tmp_path)) == []


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.name)
def test_invalid_example(example: Path, tmp_path: Path) -> None:
    expected = expected_of(example)
    assert expected, f"{example}/expected.txt lists no findings"
    assert findings_of(materialize(example, tmp_path)) == expected


def test_every_code_has_an_invalid_example() -> None:
    covered = {line.rsplit(":", 1)[1] for ex in INVALID for line in expected_of(ex)}
    wanted = {code for code in CODES if "RR100" <= code <= "RR499"}
    assert wanted - covered == set()
    assert covered <= set(CODES)


def test_shipped_data_is_valid() -> None:
    assert [str(f) for f in validate(load_directory(DATA))] == []


def _finding(example: str, code: str, tmp_path: Path) -> str:
    root = materialize(EXAMPLES / "invalid" / example, tmp_path)
    (found,) = [f for f in validate(load_directory(root)) if f.code == code]
    return str(found)


def test_expected_keys_are_one_finding_naming_every_key(tmp_path: Path) -> None:
    text = _finding("rr400-expected-keys", "RR400", tmp_path)
    assert "missing NumberOfCIFailures" in text
    assert "unexpected Extra, Other" in text
    assert ":5: RR400:" in text  # the line of `metadata:`


def test_messages_show_the_offending_value(tmp_path: Path) -> None:
    text = _finding("rr202-bad-commit", "RR202", tmp_path)
    assert "'78057dba4902'" in text
    assert "{value" not in text


def test_findings_carry_lines(tmp_path: Path) -> None:
    root = materialize(EXAMPLES / "invalid" / "rr102-duplicate-key", tmp_path)
    (found,) = validate(load_directory(root))
    assert found.line == 5


def test_severities(tmp_path: Path) -> None:
    for name, code in [("rr111-readme", "RR111"), ("rr308-approved-before-created", "RR308")]:
        root = materialize(EXAMPLES / "invalid" / name, tmp_path / name)
        assert {f.severity for f in validate(load_directory(root)) if f.code == code} == {"warning"}
    root = materialize(EXAMPLES / "invalid" / "rr109-symlink", tmp_path / "links")
    assert Counter(f.severity for f in validate(load_directory(root))) == Counter(error=2)
