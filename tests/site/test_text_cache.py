"""The text cache is invisible: builds that use it write exactly what builds without it do.

Real folders and files; the cache file is damaged and rewritten behind relreg's back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from feedkit import tree

from registry_lib.cache import write_file
from registry_lib.site import index as site_index
from registry_lib.site import textcache
from registry_lib.site.build import build_site

DATA = Path(__file__).resolve().parents[2] / "data"
APPROVAL = "releases/3.74/3.74.0/approvals/nightly-passed.yaml"


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def count_texts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every release object the site index encodes itself."""
    made: list[object] = []
    real = site_index.dumps_indented

    def counting(obj: object, indent: str = "\n") -> str:
        if indent == "\n":  # a whole object, not a part of one
            made.append(obj)
        return real(obj, indent)

    monkeypatch.setattr(site_index, "dumps_indented", counting)
    return made


def edit(root: Path) -> None:
    target = root / APPROVAL
    target.write_text(target.read_text().replace("runs/4303078786", "runs/1"))


def plain_site(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    with monkeypatch.context() as m:
        m.setenv("RELREG_NO_CACHE", "1")
        build_site(root, out, history=False)
    site = tree(out)
    del site[".relreg-manifest.json"]
    return site


def filled(root: Path, tmp_path: Path) -> Path:
    """A site built twice into one folder: the first rebuild fills the text cache."""
    site = tmp_path / "site"
    build_site(root, site, history=False)
    build_site(root, site, history=False)
    return site


def same_as_plain(root: Path, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site equals a build without caches, manifest aside."""
    built = tree(site)
    del built[".relreg-manifest.json"]
    assert built == plain_site(root, tmp_path / "plain", monkeypatch)


def test_a_rebuild_after_a_change_encodes_only_the_changed_release(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    build_site(registry, site, history=False)
    assert textcache.load_texts(registry) == {}  # a first build into a new folder
    result = build_site(registry, site, history=False)  # the first rebuild fills it
    assert len(textcache.load_texts(registry)) == result.releases
    edit(registry)
    made = count_texts(monkeypatch)
    build_site(registry, site, history=False)
    assert [obj["tag"] for obj in made] == ["3.74.0"]  # type: ignore[index]
    same_as_plain(registry, site, tmp_path, monkeypatch)


def test_a_few_new_texts_are_made_again_until_they_add_up(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = filled(registry, tmp_path)
    cache_file = textcache._file(registry)
    before = cache_file.read_bytes()
    edit(registry)
    made = count_texts(monkeypatch)
    build_site(registry, site, history=False)
    assert [obj["tag"] for obj in made] == ["3.74.0"]  # type: ignore[index]
    assert cache_file.read_bytes() == before  # not rewritten for one text
    monkeypatch.setattr(textcache, "small_change", lambda entries: 0)
    target = registry / APPROVAL
    target.write_text(target.read_text().replace("runs/1", "runs/2"))
    build_site(registry, site, history=False)  # 1 > 0: rewritten
    assert cache_file.read_bytes() != before
    made.clear()
    build_site(registry, site, history=False)
    assert made == []
    same_as_plain(registry, site, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "damage",
    [lambda b: b[:100], lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], lambda b: b""],
    ids=["truncated", "one-bit", "empty"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    site = filled(registry, tmp_path)
    cache_file = textcache._file(registry)
    cache_file.write_bytes(damage(cache_file.read_bytes()))  # type: ignore[operator]
    assert textcache.load_texts(registry) == {}
    edit(registry)
    build_site(registry, site, history=False)
    same_as_plain(registry, site, tmp_path, monkeypatch)
    assert len(textcache.load_texts(registry)) > 0


def test_texts_of_the_wrong_shape_are_made_again(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A well-formed cache whose entries this code did not write: non-text values."""
    site = filled(registry, tmp_path)
    texts = textcache.load_texts(registry)
    wrong = {digest: 1 for digest in texts}
    write_file(textcache._file(registry), {"format": textcache.FORMAT, "texts": wrong})
    edit(registry)
    made = count_texts(monkeypatch)
    result = build_site(registry, site, history=False)
    # releases.json changed, so every live release's text was needed: all made again
    assert len({obj["tag"] for obj in made}) >= result.releases - result.rejected  # type: ignore[index]
    same_as_plain(registry, site, tmp_path, monkeypatch)


def test_no_cache_variable_turns_it_off(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    build_site(registry, tmp_path / "site", history=False)
    build_site(registry, tmp_path / "site", history=False)
    assert not textcache._file(registry).exists()


def test_an_index_keeps_at_most_keep_texts_texts() -> None:
    from registry_lib.loader import load_directory

    index = site_index.build_index(load_directory(DATA))
    index.keep_texts = 2
    tags = [e.tag for e in index.everything[:5]]
    first = [index.tag_text(tag) for tag in tags]
    assert index.made_texts == 5
    assert list(index._texts) == tags[:2]
    again = [index.tag_text(tag) for tag in tags]
    assert again == first
    assert index.made_texts == 8  # the three not kept were made again
