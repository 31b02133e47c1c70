"""The HTML site for people: every page of feed.md's "HTML site", rendered. Pure: returns
bytes by output path and writes nothing.

Links are relative (each page knows its ``root`` prefix, e.g. ``../../``) and name
``index.html`` explicitly, so the site works from a folder, over file:// and under any
sub-path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import Any

from jinja2 import Environment

from ..registry import Registry
from . import htmlparts
from .context import DEFAULT_BRANCH, REGISTRY_PATH, SiteOptions
from .fingerprint import Deferred, Key, engine_fingerprint, fingerprint
from .index import SiteIndex, build_index
from .pagetypes import (
    ChannelPage,
    ChannelsPage,
    HomePage,
    MilestonePage,
    MilestonesPage,
    Page,
    ReleasePage,
    ReleasesPage,
    SiteInfo,
    page_context,
)
from .repolinks import github_repository, history_rows, propose_links
from .templating import get_env, render, source
from .views import MilestoneRef, ReleaseView, SiteData, gather

RECENT_EVENTS = 20
# The releases page and each milestone page list at most this many releases, newest
# first: a table of every release is megabytes at 10,000 releases and more than a
# browser can filter at 100,000. Channel pages list their whole channel, and the JSON
# feed lists everything.
LIST_LIMIT = 1000
STATIC_FILES = ("static/site.css", "static/site.js")


def _root(path: str) -> str:
    return "../" * path.count("/")


def _common(options: SiteOptions, site: SiteInfo, path: str) -> dict[str, Any]:
    canonical = None
    if options.base_url:
        base = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
        canonical = base + path.removesuffix("index.html")
    return {"site": site, "path": path, "root": _root(path), "canonical": canonical}


# A made file: its bytes, or its pieces in order (the big feed lists: whole, at 100,000
# releases, a list and its text and bytes would be held at once, hundreds of megabytes).
Made = bytes | Iterator[bytes]


def whole(made: Made) -> bytes:
    """The bytes of a made file."""
    return made if isinstance(made, bytes) else b"".join(made)


@dataclass(frozen=True, slots=True)  # slots: 200,000 jobs at 100,000 releases
class Job:
    """How to make one output file: its input fingerprint (None: always made) and maker."""

    key_of: Key | None
    make: Callable[[], Made]

    @property
    def key(self) -> str | None:
        """The input fingerprint (computed now if it was deferred)."""
        key = self.key_of
        return key() if isinstance(key, Deferred) else key


def build_pages(
    reg: Registry,
    options: SiteOptions,
    *,
    registry_path: str = REGISTRY_PATH,
    branch: str = DEFAULT_BRANCH,
) -> list[Page]:
    """Every page of the site, with its typed context."""
    options = replace(options, registry_path=registry_path, branch=branch)
    return [make() for make in _page_makers(reg, options, None, None).values()]


def _page_makers(
    reg: Registry, options: SiteOptions, index: SiteIndex | None, keys: dict[str, Key] | None
) -> dict[str, Callable[[], Page]]:
    """Path -> a function making the page; fills ``keys`` with release pages' fingerprints.

    Only the home page shows the build's commit and time: every other page depends on its
    own inputs alone, so a change re-renders the pages it touches and not the whole site.
    """
    index = build_index(reg) if index is None else index
    data: SiteData = gather(reg, index, RECENT_EVENTS)
    repo = github_repository(data.repository_url)
    commit_url = (
        f"{repo}/commit/{options.source_commit}" if repo and options.source_commit else None
    )
    home_site = SiteInfo(
        name=data.name,
        source_commit=options.source_commit,
        commit_url=commit_url,
        build_time=options.build_time,
        base_url=options.base_url,
        repository_url=data.repository_url,
    )
    site = replace(home_site, source_commit=None, commit_url=None, build_time=None)

    def common(path: str, info: SiteInfo = site) -> dict[str, Any]:
        return _common(options, info, path)

    rejected = sum(1 for r in data.releases if r.rejected)
    makers: dict[str, Callable[[], Page]] = {
        "index.html": lambda: HomePage(
            **common("index.html", home_site),
            title=data.name,
            nav="home",
            milestones=data.milestones,
            channels=data.channels,
            events=data.events[:RECENT_EVENTS],
            release_count=len(data.releases) - rejected,
            rejected_count=rejected,
        ),
        "releases/index.html": lambda: ReleasesPage(
            **common("releases/index.html"),
            title="Releases",
            nav="releases",
            releases=data.releases[:LIST_LIMIT],
            total=len(data.releases),
            milestones=data.milestones,
            channels=data.channels,
            kinds=data.kinds,
        ),
        "milestones/index.html": lambda: MilestonesPage(
            **common("milestones/index.html"),
            title="Milestones",
            nav="milestones",
            milestones=data.milestones,
        ),
        "channels/index.html": lambda: ChannelsPage(
            **common("channels/index.html"),
            title="Channels",
            nav="channels",
            channels=data.channels,
        ),
    }
    history = options.history or {}
    refs = [MilestoneRef(m.slug, m.obj, m.requires, m.required_by) for m in data.milestones]
    shared = None
    digest = index.digest

    if keys is not None:
        shared = fingerprint(
            {
                "engine": engine_fingerprint(options.templates),
                "site": asdict(site),
                "milestones": [asdict(m) for m in refs],
                "registry_path": options.registry_path,
                "branch": options.branch,
            }
        )

    def release_page(release: ReleaseView) -> Callable[[], Page]:
        path = f"releases/{release.tag}/index.html"

        def make() -> Page:
            links = propose_links(
                data, release, registry_path=options.registry_path, branch=options.branch
            )
            return ReleasePage(
                **common(path),
                title=release.tag,
                nav="releases",
                release=release,
                milestones=refs,
                propose={link.slug: link for link in links},
                history=history_rows(history.get(release.tag), data.repository_url),
            )

        if keys is not None:
            keys[path] = Deferred(
                partial(_release_key, shared, path, digest, release.tag, history.get(release.tag))
            )
        return make

    for release in data.releases:
        makers[f"releases/{release.tag}/index.html"] = release_page(release)
    for milestone in data.milestones:
        path = f"milestones/{milestone.slug}/index.html"
        shown = milestone.releases[:LIST_LIMIT]
        if keys is not None:
            count = len(milestone.releases)
            keys[path] = Deferred(partial(_list_key, shared, path, digest, shown, count))
        makers[path] = partial(
            MilestonePage,
            **common(f"milestones/{milestone.slug}/index.html"),
            title=milestone.name,
            nav="milestones",
            milestone=milestone,
            releases=shown,
        )
    for channel in data.channels:
        path = f"channels/{channel.name}/index.html"
        if keys is not None:
            keys[path] = Deferred(partial(_list_key, shared, path, digest, channel.releases))
        makers[path] = partial(
            ChannelPage,
            **common(f"channels/{channel.name}/index.html"),
            title=f"Channel {channel.name}",
            nav="channels",
            channel=channel,
            milestones=refs,
            kinds=sorted({r.kind for r in channel.releases}, key=data.kinds.index),
        )
    return makers


def _release_key(
    shared: str | None, path: str, digest: Callable[[str], str], tag: str, history: Any
) -> str:
    # The history is plain data (dicts in a fixed key order, str, int, None), whose repr
    # names every key, value and type in order: half the cost of canonical JSON, for
    # 100,000 release pages at 100k releases (12.7 -> 6 µs a page).
    text = f"{shared}\n{path}\n{digest(tag)}\n{history!r}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _list_key(
    shared: str | None,
    path: str,
    digest: Callable[[str], str],
    releases: list[ReleaseView],
    *count: int,
) -> str:
    return fingerprint([shared, path, [digest(r.tag) for r in releases], *count])


_TEMPLATES: dict[type[Page], str] = {
    HomePage: "index.html",
    ReleasesPage: "releases.html",
    ReleasePage: "release.html",
    MilestonePage: "milestone.html",
    MilestonesPage: "milestones.html",
    ChannelPage: "channel.html",
    ChannelsPage: "channels.html",
}


def render_page(env: Environment, page: Page) -> bytes:
    """One page as UTF-8 HTML."""
    if type(page) is ReleasePage and env.globals["builtin_release_page"]:
        return htmlparts.release_page(page).encode("utf-8")
    return render(env, _TEMPLATES[type(page)], page_context(page)).encode("utf-8")


def page_jobs(
    reg: Registry, options: SiteOptions, index: SiteIndex | None = None
) -> dict[str, Job]:
    """Every file of the HTML site as a job; release pages carry input fingerprints."""
    env = get_env(options.templates)
    keys: dict[str, Key] = {}
    jobs: dict[str, Job] = {}
    for path, make in _page_makers(reg, options, index, keys).items():
        jobs[path] = Job(keys.get(path), partial(_render_made, env, make))
    for name in STATIC_FILES:
        jobs[name] = Job(None, partial(_static, env, name))
    return dict(sorted(jobs.items()))


def _render_made(env: Environment, make: Callable[[], Page]) -> bytes:
    return render_page(env, make())


def _static(env: Environment, name: str) -> bytes:
    return source(env, name).encode("utf-8")


def page_files(
    reg: Registry,
    options: SiteOptions,
    *,
    registry_path: str | None = None,
    branch: str | None = None,
) -> dict[str, bytes]:
    """Every file of the HTML site (pages and static assets) by output path.

    ``registry_path`` is where the registry sits inside its Git repository and ``branch``
    the branch "propose approval" links target (default: ``options``' own); both only
    matter when registry.yaml has a GitHub ``repository_url``.
    """
    options = replace(
        options,
        registry_path=options.registry_path if registry_path is None else registry_path,
        branch=options.branch if branch is None else branch,
    )
    return {path: whole(job.make()) for path, job in page_jobs(reg, options).items()}
