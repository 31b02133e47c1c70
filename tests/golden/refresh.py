"""Build the example registry for the golden-site test, and refresh the expected tree.

    python -m tests.golden.refresh      # or: python tests/golden/refresh.py

rewrites ``tests/golden/site/`` from ``data/``; review the diff (``git diff tests/golden``)
and commit it with the change that caused it.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from registry_lib.site.build import MANIFEST, build_site

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
GOLDEN = Path(__file__).resolve().parent / "site"
EPOCH = "1704067200"  # 2024-01-01T00:00:00Z: the build time the golden tree was made with
REFRESH = "python -m tests.golden.refresh"


def build(out: Path) -> None:
    """Build ``data/`` into ``out`` as the golden tree is built: fixed time, no Git."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build_site(DATA, out, history=False)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def tree(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``folder``, but the build manifest.

    The manifest's input fingerprints cover relreg's own site code, so it changes with
    every code change; tests/site checks it instead.
    """
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> str | None:
    """None when equal, else missing and extra files and a diff of the first differing one."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    if not (missing or extra or changed):
        return None
    lines = []
    if missing:
        lines.append(f"missing from the build ({len(missing)}): " + ", ".join(missing))
    if extra:
        lines.append(f"not in the golden tree ({len(extra)}): " + ", ".join(extra))
    if changed:
        lines.append(f"different ({len(changed)}): " + ", ".join(changed))
        first = changed[0]
        old = expected[first].decode("utf-8", "replace").splitlines(keepends=True)
        new = actual[first].decode("utf-8", "replace").splitlines(keepends=True)
        diff = difflib.unified_diff(old, new, f"golden/{first}", f"built/{first}")
        lines.append("".join(diff))
    lines.append(f"if the change is intended, run `{REFRESH}` and commit tests/golden/site/")
    return "\n".join(lines)


def refresh() -> int:
    """Rebuild the golden tree in place; print what changed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        build(out)
        before = tree(GOLDEN) if GOLDEN.is_dir() else {}
        after = tree(out)
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        shutil.copytree(out, GOLDEN, ignore=shutil.ignore_patterns(MANIFEST))
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    print(f"{GOLDEN.relative_to(ROOT)}: {len(after)} files, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(refresh())
