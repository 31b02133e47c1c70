"""Every cache file, damaged in every way, changes no answer (issue 5: "corrupt caches and
edit files behind the tool's back and check that the answers stay right").

A Git registry whose work tree changes between runs (an approval added and removed, so
each run rebuilds something and uses its caches; and an edit that keeps a file's size and
modification time) fills every cache relreg keeps: the results cache,
the private Git index of ``validate --base``, the record and text caches and the output
signatures of builds. Then each cache file in turn is emptied, cut in half, has a byte
flipped or gets junk appended, and ``validate``, ``validate --base``, ``latest`` and
``build`` must answer exactly as they do with ``RELREG_NO_CACHE=1``: the same output and
the same site, byte for byte.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cachekit import committed_copy

from registry_lib import recordcache
from registry_lib.site.build import MANIFEST

RunLine = Callable[..., tuple[int, str, str]]
Answers = dict[str, object]

DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "emptied": lambda blob: b"",
    "cut in half": lambda blob: blob[: len(blob) // 2],
    "byte flipped": lambda blob: (
        blob[: len(blob) // 2] + bytes([blob[len(blob) // 2] ^ 0x20]) + blob[len(blob) // 2 + 1 :]
        if blob
        else b"x"
    ),
    "junk appended": lambda blob: blob + b"\x00junk",
}


def _site(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _answers(run_line: RunLine, registry: Path, site: Path, env: dict[str, str]) -> Answers:
    base = ["--registry", str(registry)]
    out: Answers = {
        "validate": run_line([*base, "validate"], env=env),
        "validate --base": run_line([*base, "validate", "--base", "HEAD"], env=env),
        "latest": run_line([*base, "latest", "--milestone", "Nightly passed"], env=env),
    }
    code, _, err = run_line([*base, "build", "--out", str(site)], env=env)
    out["build"] = (code, _site(site) if code == 0 else err)
    return out


def _edit_keeping_size_and_time(path: Path) -> None:
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("commit: 7", "commit: 8", 1)
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    # files copied just now would be "racy" and never cached; the rule has its own test
    monkeypatch.setattr(recordcache, "RACY_SECONDS", -60)
    return committed_copy(tmp_path)


def test_damaged_caches_change_no_answer(run_line: RunLine, registry: Path, tmp_path: Path) -> None:
    cached = {"RELREG_CACHE_DIR": str(tmp_path / "cache")}
    site = tmp_path / "site"
    tag = "3.74.x-nightly-20230321"  # a release without "Build green" yet
    approval = registry / f"releases/3.74/{tag}/approvals/build-green.yaml"
    text = (
        f"milestone: Build green\ntag: {tag}\napprover: roxbot@redhat.com\n"
        "approved_at: 2023-03-22T08:00:00Z\nmetadata:\n  BuildURL: https://ci.example.com/1\n"
    )

    def approved(yes: bool) -> None:
        # the work tree's change, on and off: every run after a damage has something to
        # rebuild, so the caches are used, not only read
        if yes:
            approval.parent.mkdir(exist_ok=True)
            approval.write_text(text, encoding="utf-8")
        else:
            approval.unlink()

    truth = {}
    for state in (True, False):
        approved(state)
        truth[state] = _answers(
            run_line, registry, tmp_path / f"truth-{state}", {"RELREG_NO_CACHE": "1"}
        )
        assert truth[state]["validate"][0] == 0, truth[state]["validate"]  # type: ignore[index]
    assert truth[True] != truth[False]
    for state in (True, False, True):  # fills every cache, the private Git index included
        approved(state)
        assert _answers(run_line, registry, site, cached) == truth[state]

    release = next(
        p
        for p in sorted(registry.glob("releases/*/*/release.yaml"))
        if "commit: 7" in p.read_text(encoding="utf-8")
    )
    _edit_keeping_size_and_time(release)  # behind the caches' back
    for state in (True, False):
        approved(state)
        truth[state] = _answers(
            run_line, registry, tmp_path / f"edited-{state}", {"RELREG_NO_CACHE": "1"}
        )
    state = True
    approved(state)
    assert _answers(run_line, registry, site, cached) == truth[state], "the edit was missed"

    files = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    kinds = {p.relative_to(tmp_path / "cache").parts[0] for p in files}
    assert {"git-index", "outputs", "records", "templates", "texts"} <= kinds, kinds
    damaged = 0
    for path in files:
        for name, damage in DAMAGES.items():
            if not path.exists():  # replaced by a run meanwhile: damage what is there now
                break
            path.write_bytes(damage(path.read_bytes()))
            damaged += 1
            state = not state
            approved(state)
            got = _answers(run_line, registry, site, cached)
            assert got == truth[state], f"{path.relative_to(tmp_path)} {name}"
    assert damaged >= 4 * len(kinds)


def test_a_cache_file_that_cannot_be_replaced_leaves_no_temp_file(
    run_line: RunLine, registry: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cached = {"RELREG_CACHE_DIR": str(cache)}
    truth = _answers(run_line, registry, tmp_path / "truth", {"RELREG_NO_CACHE": "1"})
    assert _answers(run_line, registry, tmp_path / "site", cached) == truth
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert files
    for path in files:  # each name taken by a folder: no cache file can be written there
        path.unlink()
        path.mkdir()
    for _ in range(2):
        assert _answers(run_line, registry, tmp_path / "site", cached) == truth
    assert [p.name for p in cache.rglob("*.tmp")] == []
