"""Helpers for the HTML page tests: small registries on disk, the pages, their links."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from registry_lib.loader import load_directory
from registry_lib.registry import Registry
from registry_lib.site.context import SiteOptions
from registry_lib.site.pages import page_files

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DATA_REJECTED = "4.0.x-nightly-20230422"
EVIL = "<script>alert(1)</script>"
JS_URL = "javascript:alert(1)"
OPTIONS = SiteOptions(build_time="2023-06-01T00:00:00Z", source_commit="0" * 40)

API_PATHS = (
    "index.json",
    "milestones.json",
    "releases.json",
    "latest.json",
    "channels.json",
    "events.json",
)


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_registry(
    root: Path,
    *,
    name: str = "Test registry",
    repository_url: str | None = "https://github.com/example/releases",
    milestones: list[dict[str, Any]] | None = None,
    releases: list[dict[str, Any]] | None = None,
    approvals: list[dict[str, Any]] | None = None,
) -> Registry:
    """Write a registry from plain records (release channels derive from tags) and load it."""
    config: dict[str, Any] = {"name": name}
    if repository_url:
        config["repository_url"] = repository_url
    _write(root / "registry.yaml", config)
    slug = {}
    for m in milestones or []:
        s = "".join(c if c.isalnum() else "-" for c in m["name"].lower())
        s = "-".join(p for p in s.split("-") if p)
        slug[m["name"]] = s
        _write(root / "milestones" / f"{s}.yaml", m)
    channel = {}
    for r in releases or []:
        ch = ".".join(r["tag"].split("-")[0].split(".")[:2])
        channel[r["tag"]] = ch
        _write(root / "releases" / ch / r["tag"] / "release.yaml", r)
    for a in approvals or []:
        folder = root / "releases" / channel[a["tag"]] / a["tag"] / "approvals"
        _write(folder / f"{slug[a['milestone']]}.yaml", a)
    return load_directory(root)


def release(tag: str, day: int, **extra: Any) -> dict[str, Any]:
    """A release record created on 2024-01-<day>."""
    return {
        "tag": tag,
        "commit": f"{day:02d}" + "a" * 38,
        "creator": "ci@example.org",
        "created_at": f"2024-01-{day:02d}T10:00:00Z",
        **extra,
    }


def approval(tag: str, milestone: str, day: int, **extra: Any) -> dict[str, Any]:
    """An approval record made on 2024-01-<day>."""
    return {
        "milestone": milestone,
        "tag": tag,
        "approver": "qa@example.org",
        "approved_at": f"2024-01-{day:02d}T12:00:00Z",
        **extra,
    }


def evil_registry(root: Path) -> Registry:
    """A registry whose every free-text value tries to inject markup or script."""
    return write_registry(
        root,
        name=f"Evil {EVIL}",
        milestones=[
            {
                "name": "Build green",
                "description": f"Desc {EVIL}",
                "expected_metadata_keys": ["BuildURL"],
            },
            {
                "name": "Nightly passed",
                "description": "Nightly CI",
                "expected_metadata_keys": ["BuildURL", "Failures"],
                "requires": ["Build green"],
                "approvers": ["qa@example.org"],
            },
        ],
        releases=[
            release(
                "1.2.0",
                1,
                metadata={
                    "Link": "https://example.org/build/1?x=1&y=2",
                    "Script": EVIL,
                    "Js": JS_URL,
                    "Quoted": 'https://example.org/"onmouseover="alert(1)',
                    EVIL: "key is evil",
                },
            ),
            release(
                "1.2.1",
                2,
                metadata={"Note": "plain"},
                rejection={"by": "qa@example.org", "at": "2024-01-03T00:00:00Z", "reason": EVIL},
            ),
            release("1.3.x-nightly-20240104", 4),
        ],
        approvals=[
            approval("1.2.0", "Build green", 1, metadata={"BuildURL": JS_URL}),
            approval(
                "1.2.0",
                "Nightly passed",
                2,
                metadata={"BuildURL": "https://ci.example.org/1", "Failures": EVIL},
                break_glass=True,
            ),
            approval("1.2.1", "Build green", 2, metadata={"BuildURL": "http://ci.example.org/2"}),
        ],
    )


def data_registry() -> Registry:
    """The example registry shipped in data/."""
    return load_directory(DATA)


def write_site(folder: Path, files: dict[str, bytes]) -> Path:
    """Write page_files' output into a folder."""
    for relpath, data in files.items():
        target = folder / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def build_pages(reg: Registry, options: SiteOptions = OPTIONS, **kwargs: Any) -> dict[str, bytes]:
    """page_files with the test options."""
    return page_files(reg, options, **kwargs)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append((tag, name, value))


def links(html: bytes) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, URL) of a page, with entities decoded."""
    parser = _Links()
    parser.feed(html.decode("utf-8"))
    return parser.links


def resolve(page: str, href: str) -> str:
    """The site path a relative link of ``page`` points to (query and fragment dropped)."""
    target = href.split("#", 1)[0].split("?", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
