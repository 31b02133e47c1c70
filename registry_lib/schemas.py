"""JSON Schemas of the four registry file kinds, generated from the models.

``python -m registry_lib.schemas`` writes them to ``schemas/``; ``--check`` fails when the
committed files differ from the models (CI runs it, so the schemas never drift).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .model import MODELS

FILE_NAMES = {
    "registry": "registry.schema.json",
    "milestone": "milestone.schema.json",
    "release": "release.schema.json",
    "approval": "approval.schema.json",
}
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file kind."""
    schema = MODELS[kind].model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://relreg.dev/schemas/{FILE_NAMES[kind]}",
        **schema,
    }


def rendered() -> dict[str, str]:
    """File name -> schema text, as committed."""
    return {
        FILE_NAMES[kind]: json.dumps(schema_for(kind), indent=2, ensure_ascii=False) + "\n"
        for kind in MODELS
    }


def main(argv: list[str]) -> int:
    """Write the schemas, or with ``--check`` report any drift and exit 1."""
    check = "--check" in argv
    stale = []
    for name, text in rendered().items():
        path = SCHEMA_DIR / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print(
            f"error: schemas out of date: {', '.join(stale)}; run `python -m registry_lib.schemas`",
            file=sys.stderr,
        )
        return 1
    print("schemas " + ("up to date" if not stale else "written: " + ", ".join(stale)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
