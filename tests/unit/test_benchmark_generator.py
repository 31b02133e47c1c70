"""The synthetic registries the benchmarks time are valid and shaped as documented."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.generate import generate
from registry_lib.loader import load_directory
from registry_lib.rules import validate


def test_generated_registry_is_valid_and_realistic(tmp_path: Path) -> None:
    generate(tmp_path / "reg", 400)
    reg = load_directory(tmp_path / "reg")
    assert validate(reg) == []
    assert len(reg.releases) == 400
    assert len({e.channel for e in reg.releases.values()}) == 40
    kinds = Counter(e.kind for e in reg.releases.values())
    assert set(kinds) == {"release", "rc", "nightly", "development"}
    approved = sum(1 for e in reg.releases.values() if e.approvals)
    assert 0.5 < approved / len(reg.releases) < 0.7


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "a", 120)
    generate(tmp_path / "b", 120)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
