"""The committed JSON Schemas match the models, and the example registry satisfies them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from registry_lib import schemas
from registry_lib.findings import CODES

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def test_committed_schemas_match_the_models() -> None:
    for name, text in schemas.rendered().items():
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert committed == text, f"schemas/{name} drifted; run `python -m registry_lib.schemas`"


def _kind_of(path: Path) -> str:
    if path.name == "registry.yaml":
        return "registry"
    if path.parent.name == "milestones":
        return "milestone"
    if path.parent.name == "approvals":
        return "approval"
    return "release"


@pytest.mark.parametrize(
    "path", sorted(DATA.rglob("*.yaml")), ids=lambda p: str(p.relative_to(DATA))
)
def test_example_files_satisfy_their_schema(path: Path) -> None:
    kind = _kind_of(path)
    schema = json.loads((ROOT / "schemas" / schemas.FILE_NAMES[kind]).read_text())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=lambda v: v.isoformat().replace("+00:00", "Z")))
    jsonschema.validate(data, schema)


def test_schema_rejects_unknown_field() -> None:
    schema = json.loads((ROOT / "schemas" / "approval.schema.json").read_text())
    bad = {
        "milestone": "Nightly passed",
        "tag": "1.0.0",
        "approver": "a@example.com",
        "approved_at": "2023-01-01T00:00:00Z",
        "colour": "red",
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_every_code_is_documented_once() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for code, meaning in CODES.items():
        assert f"| {code} | {meaning} |" in doc, f"{code} missing from docs/rules.md"
