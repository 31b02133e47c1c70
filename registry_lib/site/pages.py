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
from typing import Any, Generic, Protocol, TypeVar

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
T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


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


class FileJob(Protocol):
    """How to make one output file: its input fingerprint (None: always made), its maker."""

    @property
    def key(self) -> str | None:
        """The input fingerprint; the same one means the same bytes."""
        ...

    def make(self) -> Made:
        """The file's bytes."""
        ...


@dataclass(frozen=True, slots=True)
class Job:
    """A job of its own: an input fingerprint (None: always made) and a maker."""

    key_of: Key | None
    make: Callable[[], Made]

    @property
    def key(self) -> str | None:
        """The input fingerprint (computed now if it was deferred)."""
        key = self.key_of
        return key() if isinstance(key, Deferred) else key


class Family(Protocol[T_contra]):
    """What the files of one kind (a page or a document per release) share."""

    def key(self, item: T_contra) -> str:
        """One file's input fingerprint."""
        ...

    def make(self, item: T_contra) -> Made:
        """One file's bytes."""
        ...


class ItemJob(Generic[T]):
    """The job of one file of a family: the family and the file's item (a release).

    At 100,000 releases a build has 200,000 such files; a maker and a deferred
    fingerprint of their own (closures, partials, their argument tuples) held ~1.8 KB
    a file, ~180 MB at once. This holds three references.
    """

    __slots__ = ("_key", "family", "item")

    def __init__(self, family: Family[T], item: T) -> None:
        self.family = family
        self.item = item
        self._key: str | None = None

    @property
    def key(self) -> str:
        """The input fingerprint, computed on first use and kept."""
        if self._key is None:
            self._key = self.family.key(self.item)
        return self._key

    def make(self) -> Made:
        """The file's bytes."""
        return self.family.make(self.item)


def build_pages(
    reg: Registry,
    options: SiteOptions,
    *,
    registry_path: str = REGISTRY_PATH,
    branch: str = DEFAULT_BRANCH,
) -> list[Page]:
    """Every page of the site, with its typed context."""
    options = replace(options, registry_path=registry_path, branch=branch)
    makers, releases = _page_makers(reg, options, None, None)
    return [make() for make in makers.values()] + [releases.page(r) for r in releases.views]


@dataclass(frozen=True)
class _ReleasePages:
    """What every release page shares, and how to make one (``page``) and fingerprint it
    (``key``) from its release alone: one object for all of them, not a closure each."""

    data: SiteData
    options: SiteOptions
    site: SiteInfo
    refs: list[MilestoneRef]
    shared: str | None  # the fingerprint of what all release pages share
    digest: Callable[[str], str]  # a release object's digest, by tag

    @property
    def views(self) -> list[ReleaseView]:
        """The releases, newest first."""
        return self.data.releases

    def page(self, release: ReleaseView) -> ReleasePage:
        """One release's page."""
        options, data = self.options, self.data
        links = propose_links(
            data, release, registry_path=options.registry_path, branch=options.branch
        )
        history = options.history or {}
        return ReleasePage(
            **_common(options, self.site, release_path(release.tag)),
            title=release.tag,
            nav="releases",
            release=release,
            milestones=self.refs,
            propose={link.slug: link for link in links},
            history=history_rows(history.get(release.tag), data.repository_url),
        )

    def key(self, release: ReleaseView) -> str:
        """One release page's input fingerprint."""
        tag = release.tag
        history = (self.options.history or {}).get(tag)
        return _release_key(self.shared, release_path(tag), self.digest, tag, history)


def release_path(tag: str) -> str:
    """Where a release's page is."""
    return f"releases/{tag}/index.html"


def _page_makers(
    reg: Registry, options: SiteOptions, index: SiteIndex | None, keys: dict[str, Key] | None
) -> tuple[dict[str, Callable[[], Page]], _ReleasePages]:
    """Path -> a function making the page, for every page but the releases' own; and those.

    Fills ``keys`` with the list pages' fingerprints (release pages fingerprint themselves
    with ``_ReleasePages.key``). Only the home page shows the build's commit and time:
    every other page depends on its own inputs alone, so a change re-renders the pages it
    touches and not the whole site.
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
    releases = _ReleasePages(data, options, site, refs, shared, digest)
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
    return makers, releases


def _release_key(
    shared: str | None, path: str, digest: Callable[[str], str], tag: str, history: Any
) -> str:
    # The history is plain data (HistoryEntry dataclasses, or dicts in a fixed key order,
    # of str, int, None), whose repr names every field, value and type in order: half the
    # cost of canonical JSON, for 100,000 release pages at 100k (12.7 -> 6 µs a page).
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
) -> dict[str, FileJob]:
    """Every file of the HTML site as a job; release and list pages carry fingerprints."""
    env = get_env(options.templates)
    keys: dict[str, Key] = {}
    jobs: dict[str, FileJob] = {}
    makers, releases = _page_makers(reg, options, index, keys)
    for path, make in makers.items():
        jobs[path] = Job(keys.get(path), partial(_render_made, env, make))
    rendered = _RenderedReleasePages(releases, env)
    for release in releases.views:
        jobs[release_path(release.tag)] = ItemJob(rendered, release)
    for name in STATIC_FILES:
        jobs[name] = Job(None, partial(_static, env, name))
    return dict(sorted(jobs.items()))


@dataclass(frozen=True)
class _RenderedReleasePages:
    """Release pages as HTML: the family of their jobs (``ItemJob``)."""

    pages: _ReleasePages
    env: Environment

    def key(self, release: ReleaseView) -> str:
        return self.pages.key(release)

    def make(self, release: ReleaseView) -> Made:
        return render_page(self.env, self.pages.page(release))


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
