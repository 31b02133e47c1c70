"""The results cache is invisible: cached and uncached answers are the same, always."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cachekit import DATA, commit, committed_copy, git

from registry_lib import cache, snapshot
from registry_lib.catalog import IndexedCatalog, RegistryCatalog
from registry_lib.display import summary_of
from registry_lib.loader import load_directory
from registry_lib.query import Filters
from registry_lib.rules import validate
from registry_lib.snapshot import analyze

FILTERS = [
    Filters(),
    Filters(milestone="Nightly passed"),
    Filters(prefix="3.74", kinds=("nightly",)),
    Filters(milestone="cloud validation passed", include_rejected=True),
    Filters(ignore_kinds=("development", "nightly")),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    return committed_copy(tmp_path)


def _same_as_uncached(registry: Path) -> None:
    truth = load_directory(registry)
    expected = sorted(validate(truth), key=lambda f: f.sort_key())
    assert analyze(registry).findings == expected
    indexed, plain = IndexedCatalog(registry), RegistryCatalog(truth)
    for filters in FILTERS:
        assert indexed.releases(filters) == plain.releases(filters)
        assert indexed.summaries(filters) == plain.summaries(filters)
        try:
            want = plain.latest(filters)
        except Exception as exc:
            with pytest.raises(type(exc)):
                indexed.latest(filters)
        else:
            assert indexed.latest(filters) == want


def test_cache_is_written_and_reused(repo: Path) -> None:
    _same_as_uncached(repo)
    assert cache.read(repo) is not None, "a clean Git registry gets a cache"
    _same_as_uncached(repo)


def test_release_list_prints_from_the_facts(
    repo: Path, settled: None, files_read: list[str]
) -> None:
    """With the cache filled, ``release list`` reads no release folder (``--json`` reads
    those it prints), and prints what the release objects say: a milestone by its
    definition's name, even when the approval names it by an alias."""
    approval = repo / "releases/3.73/3.73.3/approvals/cloud-validated.yaml"
    text = approval.read_text()
    approval.write_text(text.replace("Cloud validated", "Cloud validation passed"))
    assert approval.read_text() != text
    commit(repo.parent, "approve by the alias")
    analyze(repo)
    indexed, plain = IndexedCatalog(repo), RegistryCatalog(load_directory(repo))
    files_read.clear()
    for filters in FILTERS:
        if not filters.prefix:
            summaries = indexed.summaries(filters)
            assert summaries == [summary_of(r) for r in plain.releases(filters)]
    assert files_read and not [p for p in files_read if p.startswith("releases/")]
    by_tag = {r["tag"]: r for r in indexed.summaries(Filters())}
    assert "Cloud validated" in by_tag["3.73.3"]["milestones"]


def test_edits_behind_the_tools_back_are_seen(repo: Path) -> None:
    _same_as_uncached(repo)
    release = repo / "releases/3.74/3.74.0/release.yaml"
    release.write_text(release.read_text().replace("commit: ", "commit: zz"), encoding="utf-8")
    _same_as_uncached(repo)  # an in-place edit: git status names it
    approval = next((repo / "releases/4.0").glob("*/approvals/nightly-passed.yaml"))
    approval.unlink()
    (repo / "releases/4.0/stray.txt").write_text("x", encoding="utf-8")
    _same_as_uncached(repo)
    release.write_text("{", encoding="utf-8")
    _same_as_uncached(repo)


def test_a_definition_change_voids_the_cache(repo: Path) -> None:
    _same_as_uncached(repo)
    definition = repo / "milestones/build-green.yaml"
    definition.write_text(definition.read_text() + "  - Extra\n", encoding="utf-8")
    _same_as_uncached(repo)


def test_a_damaged_cache_is_rebuilt_not_trusted(repo: Path) -> None:
    _same_as_uncached(repo)
    files = list(Path(os.environ["RELREG_CACHE_DIR"]).iterdir())
    assert len(files) == 1
    blob = bytearray(files[0].read_bytes())
    blob[-5] ^= 0xFF
    files[0].write_bytes(bytes(blob))
    assert cache.read(repo) is None
    _same_as_uncached(repo)
    files[0].write_bytes(b"garbage")
    _same_as_uncached(repo)
    assert cache.read(repo) is not None, "the damaged cache was rewritten"


def test_commits_move_the_cache_to_the_new_tree(repo: Path) -> None:
    _same_as_uncached(repo)
    (repo / "releases/3.74/3.74.1/release.yaml").unlink()
    commit(repo.parent, "x")
    _same_as_uncached(repo)


def test_no_cache_outside_git_or_when_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(DATA, tmp_path / "data")
    _same_as_uncached(tmp_path / "data")
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    assert not cache.enabled()


def test_the_code_version_of_caches_covers_every_module() -> None:
    # a cache written by other relreg code is never used: the site's and the CLI's modules
    # count too (compiled templates, release texts and output records are made there)
    module = Path(cache.__file__).parent / "site" / "index.py"
    before = module.stat()
    cache.version_key.cache_clear()
    key = cache.version_key()
    try:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000))
        cache.version_key.cache_clear()
        assert cache.version_key() != key
    finally:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
        cache.version_key.cache_clear()
    assert cache.version_key() == key


NEW_RELEASE = (
    "tag: 9.9.0\ncommit: 8de7bbd6903741f5add53cb3aee07080a151b580\n"
    "creator: ci@example.com\ncreated_at: 2020-01-06T05:11:00Z\n"
)


@pytest.mark.parametrize("hidden", ["ignored", "another repository"])
def test_folders_git_names_whole_are_read_whole(repo: Path, hidden: str) -> None:
    """Git names an ignored folder, or one holding another repository, as one path ending
    in "/": every release folder inside it is read again, once, and none is cached."""
    release = repo / "releases/9.9/9.9.0/release.yaml"
    release.parent.mkdir(parents=True)
    release.write_text(NEW_RELEASE, encoding="utf-8")
    if hidden == "ignored":
        (repo.parent / ".gitignore").write_text("data/releases/9.9/\n", encoding="utf-8")
    else:
        git(repo / "releases/9.9", "init", "-q")
    _same_as_uncached(repo)  # fills the cache
    release.write_text(NEW_RELEASE.replace("tag: 9.9.0", "tag: 9.9.1"), encoding="utf-8")
    _same_as_uncached(repo)  # the tag no longer matches its folder (RR206)
    assert any(f.code == "RR206" for f in analyze(repo).findings)
    shutil.rmtree(repo / "releases/9.9")
    _same_as_uncached(repo)


def test_files_git_is_told_not_to_watch_are_read(repo: Path) -> None:
    """skip-worktree (sparse checkouts) and assume-unchanged files: Git never names
    their edits, so they are read again every time."""
    _same_as_uncached(repo)
    skipped = repo / "releases/3.74/3.74.0/release.yaml"
    assumed = next((repo / "releases/4.0").glob("*/approvals/nightly-passed.yaml"))
    git(repo, "update-index", "--skip-worktree", str(skipped))
    git(repo, "update-index", "--assume-unchanged", str(assumed))
    skipped.write_text(skipped.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    assumed.write_text(assumed.read_text(encoding="utf-8") + "bogus: 2\n", encoding="utf-8")
    _same_as_uncached(repo)
    assert len([f for f in analyze(repo).findings if f.code == "RR106"]) == 2
    skipped.unlink()  # as a sparse checkout leaves it
    _same_as_uncached(repo)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the fixture count as settled (not changed just before the run)."""
    monkeypatch.setattr(snapshot, "RACY_NS", -60_000_000_000)


def test_an_edit_git_does_not_name_is_seen_by_its_stat(
    repo: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git compares file times to the second: an edit keeping the size, with the time put
    back, in the second Git last looked, is one it does not name. Here Git is made blind
    to it outright; the change time (ns) in each cached folder's signatures still shows."""
    _same_as_uncached(repo)
    release = repo / "releases/3.74/3.74.0/release.yaml"
    text = release.read_text(encoding="utf-8")
    before = release.stat()
    release.write_text(text.replace("creator:", "creatxr:"), encoding="utf-8")
    os.utime(release, ns=(before.st_atime_ns, before.st_mtime_ns))
    blind = cache.PendingState.result

    def result(self: cache.PendingState) -> cache.GitState | None:
        state = blind(self)
        assert state is not None
        return cache.GitState(state.tree, state.dirty - {"releases/3.74/3.74.0/release.yaml"})

    monkeypatch.setattr(cache.PendingState, "result", result)
    _same_as_uncached(repo)
    assert any(f.code == "RR106" for f in analyze(repo).findings)


def test_a_file_changed_while_the_cache_is_filled_is_not_cached_clean(
    repo: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = repo / "releases/3.74/3.74.0/release.yaml"
    text = release.read_text(encoding="utf-8")
    start = cache.start_git_state

    def start_then_edit(root: Path) -> cache.PendingState | None:
        pending = start(root)
        assert pending is not None
        pending.procs[0].wait()  # git status has looked at every file: it is clean
        release.write_text(text + "bogus: 1\n", encoding="utf-8")  # a save lands now
        return pending

    monkeypatch.setattr(cache, "start_git_state", start_then_edit)
    assert any(f.code == "RR106" for f in analyze(repo).findings)  # fills the cache
    monkeypatch.setattr(cache, "start_git_state", start)
    release.write_text(text, encoding="utf-8")  # back to HEAD's content
    _same_as_uncached(repo)
    assert not any(f.code == "RR106" for f in analyze(repo).findings)
