"""Write a deterministic synthetic registry: N releases over ~40 channels, four kinds,
about 60 % with one or two approvals.

    python -m benchmarks.generate OUT_DIR N
"""

from __future__ import annotations

import hashlib
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

MILESTONES = {
    "build-green": ("Build green", ["BuildURL"], []),
    "nightly-passed": ("Nightly passed", ["BuildURL", "NumberOfCIFailures"], ["Build green"]),
}
START = datetime(2020, 1, 1, tzinfo=UTC)


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _tags(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(channel, tag) pairs, unique."""
    channels = [f"{3 + i // 20}.{i % 20}" for i in range(40)]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        ch = channels[i % len(channels)]
        k = i // len(channels)
        kind = i % 4
        if kind == 0:
            tag = f"{ch}.x-nightly-{(START + timedelta(days=k)).strftime('%Y%m%d')}"
        elif kind == 1:
            tag = f"{ch}.{k // 10}-rc.{k % 10 + 1}"
        elif kind == 2:
            tag = f"{ch}.{k}"
        else:
            sha = hashlib.sha1(f"{i}".encode()).hexdigest()[:10]
            tag = f"{ch}.x-{k}-g{sha}"
        i += 1
        if tag not in seen:
            seen.add(tag)
            out.append((ch, tag))
    return out


def generate(root: Path, n: int, seed: int = 7) -> None:
    """Write a registry of ``n`` releases into ``root`` (which must not exist)."""
    rng = random.Random(seed)
    (root / "milestones").mkdir(parents=True)
    (root / "registry.yaml").write_text("name: Synthetic registry\n")
    for slug, (name, keys, req) in MILESTONES.items():
        text = f"name: {name}\nexpected_metadata_keys:\n" + "".join(f"  - {k}\n" for k in keys)
        if req:
            text += "requires:\n" + "".join(f"  - {r}\n" for r in req)
        (root / "milestones" / f"{slug}.yaml").write_text(text)
    for i, (channel, tag) in enumerate(_tags(n, rng)):
        folder = root / "releases" / channel / tag
        folder.mkdir(parents=True)
        created = START + timedelta(minutes=37 * i)
        commit = hashlib.sha1(tag.encode()).hexdigest()
        (folder / "release.yaml").write_text(
            f"tag: {tag}\ncommit: {commit}\ncreator: ci@example.com\n"
            f"created_at: {_ts(created)}\nmetadata:\n"
            f"  Image: quay.io/example/app:{tag}\n"
            f"  Link: https://example.com/releases/{tag}\n"
        )
        roll = rng.random()
        if roll < 0.6:
            approvals = folder / "approvals"
            approvals.mkdir()
            t1 = created + timedelta(hours=1)
            (approvals / "build-green.yaml").write_text(
                f"milestone: Build green\ntag: {tag}\napprover: ci@example.com\n"
                f"approved_at: {_ts(t1)}\nmetadata:\n  BuildURL: https://ci.example.com/{i}\n"
            )
            if roll < 0.3:
                t2 = created + timedelta(hours=5)
                (approvals / "nightly-passed.yaml").write_text(
                    f"milestone: Nightly passed\ntag: {tag}\napprover: qa@example.com\n"
                    f"approved_at: {_ts(t2)}\nmetadata:\n"
                    f"  BuildURL: https://ci.example.com/{i}/nightly\n"
                    f'  NumberOfCIFailures: "{i % 5}"\n'
                )


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
