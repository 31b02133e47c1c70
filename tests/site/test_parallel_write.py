"""A full build of many files is made and written by two forked processes (output.py).

The example registry is below the size where a build forks, so these tests lower the
threshold; a wrapper around ``os.fork`` proves the forks really happened.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from feedkit import copy_registry, record_forks, tree

from registry_lib import forked as forking
from registry_lib.errors import RelregError
from registry_lib.loader import load_directory
from registry_lib.site import output
from registry_lib.site.build import build_site, site_jobs, site_options
from registry_lib.site.index import SiteIndex


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Force the forked writers on small sites; record each real fork's child pid.

    Every build also forks the process that loads the registry (``forked.stream``).
    """
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)
    monkeypatch.setattr(output, "can_fork", lambda: True)
    monkeypatch.setattr(forking, "can_fork", lambda: True)
    return record_forks(monkeypatch)


def test_forked_build_is_byte_identical_to_one_process(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = copy_registry(tmp_path / "data")
    forked = build_site(registry, tmp_path / "forked", history=False)
    assert len(forks) == 3  # the loader and the two writers
    monkeypatch.setattr(output, "PARALLEL_MIN", 10**9)
    single = build_site(registry, tmp_path / "single", history=False)
    assert len(forks) == 4  # the second build wrote in one process
    assert tree(tmp_path / "forked") == tree(tmp_path / "single")
    assert replace(forked, out=single.out) == single
    assert forked.written == forked.files  # both writers' files were counted


def test_the_building_process_frees_the_site_index_once_the_writers_run(
    tmp_path: Path, forks: list[int]
) -> None:
    registry = copy_registry(tmp_path / "data")
    keep: list[object] = []
    result = build_site(registry, tmp_path / "site", history=False, keep=keep)
    index, jobs = keep[0], keep[1]
    assert isinstance(index, SiteIndex) and isinstance(jobs, dict)
    assert (index.objects, index.everything, len(index.events), jobs) == ({}, [], 0, {})
    assert result.releases == 27 and result.files > 27  # counted before
    single = tmp_path / "single"
    keep.clear()
    build_site(registry, single, history=False, keep=keep)  # in place: nothing is freed
    build_site(registry, single, history=False, keep=keep)
    assert len(keep[4].objects) == 27  # type: ignore[attr-defined]


def test_a_rebuild_after_a_forked_build_trusts_its_merged_manifest(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = copy_registry(tmp_path / "data")
    build_site(registry, tmp_path / "forked", history=False)
    again = build_site(registry, tmp_path / "forked", history=False)
    monkeypatch.setattr(output, "PARALLEL_MIN", 10**9)
    build_site(registry, tmp_path / "single", history=False)
    baseline = build_site(registry, tmp_path / "single", history=False)
    # both writers' files are in the merged manifest: they are kept, like a one-process
    # build's, and only the files without an input fingerprint are made again
    assert again.written == 0
    assert again.made == baseline.made < again.files


def test_an_error_in_a_writer_fails_the_build_and_writes_nothing(
    tmp_path: Path, forks: list[int]
) -> None:
    registry = copy_registry(tmp_path / "data")
    tags = sorted(p.name for p in (registry / "releases").glob("*/*"))
    templates = tmp_path / "templates"
    templates.mkdir()
    bad = tags[:2]
    (templates / "release.html").write_text(
        '{% extends "!default/release.html" %}{% block content %}'
        f"{{% if release.tag in {bad!r} %}}{{{{ no_such_value.x }}}}{{% endif %}}"
        "{% endblock %}"
    )
    with pytest.raises(RelregError, match=r"template release\.html: .no_such_value. is undefined"):
        build_site(registry, tmp_path / "site", templates=templates, history=False)
    assert len(forks) == 3  # the loader and the two writers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "templates"]


def test_an_error_in_one_page_of_many_reaches_the_parent(tmp_path: Path, forks: list[int]) -> None:
    """One page fails, in whichever writer takes it: its message must cross the pipe."""
    registry = copy_registry(tmp_path / "data")
    reg = load_directory(registry)
    paths = sorted(site_jobs(reg, site_options(reg, registry, None, None, history=False)))
    pages = [p.split("/")[1] for p in paths if p.startswith("releases/") and p.count("/") == 2]
    tag = pages[len(pages) // 2]
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "release.html").write_text(
        '{% extends "!default/release.html" %}{% block content %}'
        f'{{% if release.tag == "{tag}" %}}{{{{ only_here.x }}}}{{% endif %}}'
        "{% endblock %}"
    )
    with pytest.raises(RelregError, match="'only_here' is undefined"):
        build_site(registry, tmp_path / "site", templates=templates, history=False)
    assert not (tmp_path / "site").exists()
    assert len(forks) == 3  # the loader and the two writers


def test_the_waiting_build_reports_progress_up_to_every_file(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "PROGRESS_SECONDS", 0.001)
    registry = copy_registry(tmp_path / "data")
    seen: list[tuple[int, int]] = []
    result = build_site(
        registry, tmp_path / "site", history=False, progress=lambda *a: seen.append(a)
    )
    assert len(forks) == 3  # the loader and the two writers
    assert {total for _, total in seen} == {result.files}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == result.files


def test_a_full_disk_in_a_writer_reads_as_it_would_in_one_process(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = copy_registry(tmp_path / "data")
    write_file = output._write_file

    def full(path: str, *args: object) -> bytes:
        if path.endswith("/releases/3.74.1/index.html"):
            raise OSError(28, "No space left on device", path)
        return write_file(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "_write_file", full)
    with pytest.raises(RelregError) as caught:
        build_site(registry, tmp_path / "site", history=False)
    assert len(forks) == 3  # the loader and the two writers
    message = str(caught.value)
    assert message.startswith("No space left on device: ")
    assert message.endswith("/releases/3.74.1/index.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
