"""The JSON feed, Atom feed and badges of ``data/``: paths, objects, order, schemas."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from feedkit import DATA, REJECTED_TAG, RunLine, api_files, copy_registry, load, schema_errors

from registry_lib.loader import load_directory
from registry_lib.objects import release_object
from registry_lib.query import Filters, list_releases
from registry_lib.registry import Registry
from registry_lib.site.atom import MAX_ENTRIES
from registry_lib.site.context import SiteOptions
from registry_lib.site.events import events
from registry_lib.site.feed import feed_files

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_directory(DATA)


@pytest.fixture(scope="module")
def files(reg: Registry) -> dict[str, bytes]:
    return feed_files(reg, SiteOptions(source_commit="a" * 40))


@pytest.fixture(scope="module")
def api(files: dict[str, bytes]) -> dict[str, bytes]:
    return api_files(files)


def cli_json(run_line: RunLine, *args: str) -> object:
    code, out, err = run_line(["--registry", str(DATA), *args, "--json"])
    assert code == 0, err
    return json.loads(out)


def test_every_feed_file_matches_its_schema(api: dict[str, bytes]) -> None:
    assert len(api) > 50
    assert schema_errors(api) == []


def test_documents_are_indented_utf8_with_a_final_newline(api: dict[str, bytes]) -> None:
    for data in api.values():
        obj = load(data)
        assert data == (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def test_the_feed_has_exactly_the_paths_of_feed_md(reg: Registry, api: dict[str, bytes]) -> None:
    everything = list_releases(reg, Filters(include_rejected=True))
    slugs = sorted(reg.milestones)
    chans = sorted({e.channel for e in everything})
    expected = {
        "index.json",
        "milestones.json",
        "releases.json",
        "rejected.json",
        "latest.json",
        "channels.json",
        "events.json",
    }
    expected |= {f"releases/{e.tag}.json" for e in everything}
    for slug in slugs:
        expected |= {f"milestones/{slug}.json", f"milestones/{slug}/releases.json"}
        if list_releases(reg, Filters(milestone=slug)):
            expected.add(f"milestones/{slug}/latest.json")
    for ch in chans:
        expected.add(f"channels/{ch}/releases.json")
        if list_releases(reg, Filters(channel=ch)):
            expected.add(f"channels/{ch}/latest.json")
        for slug in slugs:
            if list_releases(reg, Filters(channel=ch, milestone=slug)):
                expected.add(f"channels/{ch}/milestones/{slug}/latest.json")
    assert set(api) == expected


def test_no_latest_where_nothing_reached(tmp_path: Path) -> None:
    root = copy_registry(tmp_path / "reg")
    (root / "releases/3.73/3.73.3/approvals/cloud-validated.yaml").unlink()
    files = feed_files(load_directory(root), SiteOptions())
    assert "api/v1/channels/3.73/milestones/nightly-passed/latest.json" in files
    assert "api/v1/channels/3.73/milestones/cloud-validated/latest.json" not in files
    assert "api/v1/milestones/cloud-validated/latest.json" in files
    badge = ET.fromstring(files["badges/channels/3.73/cloud-validated.svg"])
    texts = [t.text for t in badge.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Cloud validated", "Cloud validated", "none", "none"]
    assert b"#9f9f9f" in files["badges/channels/3.73/cloud-validated.svg"]


def test_lists_equal_the_cli_json(run_line: RunLine, api: dict[str, bytes]) -> None:
    assert load(api["releases.json"]) == cli_json(run_line, "release", "list")
    assert load(api["latest.json"]) == cli_json(run_line, "latest")
    assert load(api["milestones.json"]) == cli_json(run_line, "milestone", "list")
    nightly = cli_json(run_line, "release", "list", "--milestone", "Nightly passed")
    assert load(api["milestones/nightly-passed/releases.json"]) == nightly
    latest = cli_json(run_line, "latest", "--milestone", "cloud-validated")
    assert load(api["milestones/cloud-validated/latest.json"]) == latest
    assert load(api["milestones/build-green.json"]) == cli_json(
        run_line, "milestone", "show", "build-green"
    )


def test_every_release_file_equals_release_show(run_line: RunLine, api: dict[str, bytes]) -> None:
    tags = [p[len("releases/") : -len(".json")] for p in api if p.startswith("releases/")]
    assert REJECTED_TAG in tags
    for tag in tags:
        assert load(api[f"releases/{tag}.json"]) == cli_json(run_line, "release", "show", tag)


def test_rejected_releases_only_in_their_own_files(api: dict[str, bytes]) -> None:
    rejected = load(api["rejected.json"])["releases"]
    assert [r["tag"] for r in rejected] == [REJECTED_TAG]
    assert rejected[0]["rejected"] is True and rejected[0]["rejection"]["reason"]
    for path, data in api.items():
        if path.endswith("releases.json"):
            tags = [r["tag"] for r in load(data)["releases"]]
            assert (REJECTED_TAG in tags) == (path == "rejected.json"), path


def test_channel_files(reg: Registry, api: dict[str, bytes]) -> None:
    channels = load(api["channels.json"])["channels"]
    assert [c["name"] for c in channels] == ["3.73", "3.74", "4.0"]
    for c in channels:
        live = list_releases(reg, Filters(channel=c["name"]))
        assert (
            c["count"]
            == len(live)
            == len(load(api[f"channels/{c['name']}/releases.json"])["releases"])
        )
        assert c["latest"] == release_object(reg, live[-1])
        assert load(api[f"channels/{c['name']}/latest.json"]) == c["latest"]
        for slug in reg.milestones:
            found = list_releases(reg, Filters(channel=c["name"], milestone=slug))
            path = f"channels/{c['name']}/milestones/{slug}/latest.json"
            if found:
                assert load(api[path])["tag"] == found[-1].tag
                assert slug in [m["slug"] for m in load(api[path])["quality_milestones"]]


def test_index(reg: Registry, api: dict[str, bytes]) -> None:
    index = load(api["index.json"])
    assert index["api_version"] == "1"
    assert index["name"] == "StackRox releases"
    assert index["source_commit"] == "a" * 40
    approvals = sum(
        len(load(d)["quality_milestones"]) for p, d in api.items() if p.startswith("releases/")
    )
    assert index["counts"] == {
        "releases": len(load(api["releases.json"])["releases"]),
        "rejected": 1,
        "milestones": 3,
        "channels": 3,
        "approvals": approvals,
    }
    for name, link in index["links"].items():
        if "{" not in link and not link.startswith("../"):
            assert link in api, name


def test_links_are_absolute_with_a_base_url(reg: Registry) -> None:
    options = SiteOptions(base_url="https://releases.example.org/x/")
    files = feed_files(reg, options)
    links = load(files["api/v1/index.json"])["links"]
    assert links["releases"] == "https://releases.example.org/x/api/v1/releases.json"
    assert links["atom"] == "https://releases.example.org/x/feed.atom"
    assert load(files["api/v1/index.json"])["source_commit"] is None
    assert b'href="https://releases.example.org/x/releases/4.0.0/"' in files["feed.atom"]


def test_events_are_oldest_first_and_complete(reg: Registry, api: dict[str, bytes]) -> None:
    found = load(api["events.json"])["events"]
    assert found == events(reg)
    times = [e["time"] for e in found]
    assert times == sorted(times)
    every = [load(d) for p, d in api.items() if p.startswith("releases/")]
    assert sum(e["type"] == "release.created" for e in found) == len(every)
    assert sum(e["type"] == "milestone.reached" for e in found) == sum(
        len(r["quality_milestones"]) for r in every
    )
    (rejection,) = [e for e in found if e["type"] == "release.rejected"]
    rejected = load(api[f"releases/{REJECTED_TAG}.json"])
    assert rejection == {
        "type": "release.rejected",
        "time": rejected["rejection"]["at"],
        "tag": REJECTED_TAG,
        "milestone": None,
        "actor": rejected["rejection"]["by"],
    }
    reached = next(e for e in found if e["type"] == "milestone.reached")
    release = load(api[f"releases/{reached['tag']}.json"])
    approval = next(m for m in release["quality_milestones"] if m["slug"] == reached["milestone"])
    assert (reached["time"], reached["actor"]) == (approval["approved_at"], approval["approver"])


def test_atom_feed(reg: Registry, files: dict[str, bytes]) -> None:
    root = ET.fromstring(files["feed.atom"])
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    history = events(reg)
    assert len(entries) == min(MAX_ENTRIES, len(history))
    newest = history[-1]
    assert root.findtext(f"{ATOM}updated") == newest["time"]
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    assert all(i and i.startswith("tag:relreg,2024:stackrox-releases/") for i in ids)
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert f"{REJECTED_TAG} rejected" in titles


def test_atom_ids_do_not_depend_on_the_build(reg: Registry, files: dict[str, bytes]) -> None:
    other = feed_files(
        reg, SiteOptions(base_url="https://x.example/", build_time="2030-01-01T00:00:00Z")
    )
    ids = [e.findtext(f"{ATOM}id") for e in ET.fromstring(other["feed.atom"]).iter(f"{ATOM}entry")]
    again = [
        e.findtext(f"{ATOM}id") for e in ET.fromstring(files["feed.atom"]).iter(f"{ATOM}entry")
    ]
    assert ids == again
    assert b"2030" not in other["feed.atom"]


def test_badges(reg: Registry, files: dict[str, bytes]) -> None:
    badges = {p: d for p, d in files.items() if p.startswith("badges/")}
    assert len(badges) == 3 + 3 * 3
    svg = ET.fromstring(badges["badges/nightly-passed.svg"])
    latest = list_releases(reg, Filters(milestone="nightly-passed"))[-1].tag
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Nightly passed", "Nightly passed", latest, latest]
    assert svg.findtext("{http://www.w3.org/2000/svg}title") == f"Nightly passed: {latest}"
    for path, data in badges.items():
        parts = path[: -len(".svg")].split("/")
        channel = parts[2] if len(parts) == 4 else None
        found = list_releases(reg, Filters(milestone=parts[-1], channel=channel))
        text = [t.text for t in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}text")][-1]
        assert text == (found[-1].tag if found else "none"), path
        assert (b"#9f9f9f" in data) == (not found), path


def test_values_are_escaped_and_unicode_kept(tmp_path: Path) -> None:
    root = copy_registry(tmp_path / "reg")
    (root / "registry.yaml").write_text('name: "Relé <&> \\"quoted\\""\n', encoding="utf-8")
    definition = root / "milestones" / "build-green-ok.yaml"
    definition.write_text("name: Build <green> & ok\nexpected_metadata_keys: [BuildURL]\n")
    reg = load_directory(root)
    files = feed_files(reg, SiteOptions())
    assert load(files["api/v1/index.json"])["name"] == 'Relé <&> "quoted"'
    assert "Relé".encode() in files["api/v1/index.json"]
    atom = ET.fromstring(files["feed.atom"])
    assert atom.findtext(f"{ATOM}title") == 'Relé <&> "quoted": releases and milestones'
    badge = files["badges/build-green-ok.svg"]
    assert b"Build &lt;green&gt; &amp; ok" in badge
    assert b"<green>" not in badge
    assert (
        ET.fromstring(badge)
        .findtext("{http://www.w3.org/2000/svg}title")
        .startswith("Build <green> & ok: ")
    )


def test_no_wall_clock(reg: Registry, files: dict[str, bytes]) -> None:
    again = feed_files(reg, SiteOptions(source_commit="a" * 40))
    assert again == files


def test_empty_registry_has_no_latest_files(tmp_path: Path, run_line: RunLine) -> None:
    code, _, err = run_line(["init", str(tmp_path / "reg"), "--name", "Empty"])
    assert code == 0, err
    files = feed_files(load_directory(tmp_path / "reg"), SiteOptions())
    api = api_files(files)
    assert not [p for p in api if p.endswith("latest.json")]
    assert load(api["releases.json"]) == {"releases": []}
    assert load(api["channels.json"]) == {"channels": []}
    assert schema_errors(api) == []
    assert ET.fromstring(files["feed.atom"]).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"
