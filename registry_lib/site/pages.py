"""The HTML site for people: every page of feed.md's "HTML site", rendered. Pure: returns
bytes by output path and writes nothing.

Links are relative (each page knows its ``root`` prefix, e.g. ``../../``) and name
``index.html`` explicitly, so the site works from a folder, over file:// and under any
sub-path.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from jinja2 import Environment

from ..registry import Registry
from .context import DEFAULT_BRANCH, REGISTRY_PATH, SiteOptions
from .templating import get_env, render, source
from .views import (
    ChannelView,
    Event,
    HistoryRow,
    MilestoneView,
    ProposeLink,
    ReleaseView,
    SiteData,
    gather,
    github_repository,
    history_rows,
    propose_links,
)

RECENT_EVENTS = 20
STATIC_FILES = ("static/site.css", "static/site.js")


@dataclass(frozen=True, kw_only=True)
class SiteInfo:
    """Facts every page shows in its header and footer."""

    name: str
    source_commit: str | None
    commit_url: str | None
    build_time: str | None
    base_url: str | None
    repository_url: str | None


@dataclass(frozen=True, kw_only=True)
class Page:
    """What every template receives; ``root`` leads from the page back to the site root."""

    site: SiteInfo
    path: str  # output path, e.g. "releases/4.0.0/index.html"
    root: str  # "" or "../" repeated
    title: str
    nav: str  # "home", "releases", "milestones" or "channels"
    canonical: str | None  # absolute URL when options.base_url is set


@dataclass(frozen=True, kw_only=True)
class HomePage(Page):
    """index.html."""

    milestones: list[MilestoneView]
    channels: list[ChannelView]
    events: list[Event]
    release_count: int
    rejected_count: int


@dataclass(frozen=True, kw_only=True)
class ReleasesPage(Page):
    """releases/index.html: the filterable table."""

    releases: list[ReleaseView]
    milestones: list[MilestoneView]
    channels: list[ChannelView]
    kinds: list[str]


@dataclass(frozen=True, kw_only=True)
class ReleasePage(Page):
    """releases/<tag>/index.html."""

    release: ReleaseView
    milestones: list[MilestoneView]
    propose: dict[str, ProposeLink]
    history: list[HistoryRow]


@dataclass(frozen=True, kw_only=True)
class MilestonePage(Page):
    """milestones/<slug>/index.html."""

    milestone: MilestoneView


@dataclass(frozen=True, kw_only=True)
class MilestonesPage(Page):
    """milestones/index.html."""

    milestones: list[MilestoneView]


@dataclass(frozen=True, kw_only=True)
class ChannelPage(Page):
    """channels/<channel>/index.html."""

    channel: ChannelView
    milestones: list[MilestoneView]
    kinds: list[str]


@dataclass(frozen=True, kw_only=True)
class ChannelsPage(Page):
    """channels/index.html."""

    channels: list[ChannelView]


def page_context(page: Page) -> dict[str, Any]:
    """The template variables of a page: its fields, and the page itself as ``page``."""
    context: dict[str, Any] = {f.name: getattr(page, f.name) for f in fields(page)}
    context["page"] = page
    return context


def _root(path: str) -> str:
    return "../" * path.count("/")


def _common(options: SiteOptions, site: SiteInfo, path: str) -> dict[str, Any]:
    canonical = None
    if options.base_url:
        base = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
        canonical = base + path.removesuffix("index.html")
    return {"site": site, "path": path, "root": _root(path), "canonical": canonical}


def build_pages(
    reg: Registry,
    options: SiteOptions,
    *,
    registry_path: str = REGISTRY_PATH,
    branch: str = DEFAULT_BRANCH,
) -> list[Page]:
    """Every page of the site, with its typed context."""
    data: SiteData = gather(reg)
    repo = github_repository(data.repository_url)
    commit_url = (
        f"{repo}/commit/{options.source_commit}" if repo and options.source_commit else None
    )
    site = SiteInfo(
        name=data.name,
        source_commit=options.source_commit,
        commit_url=commit_url,
        build_time=options.build_time,
        base_url=options.base_url,
        repository_url=data.repository_url,
    )

    def common(path: str) -> dict[str, Any]:
        return _common(options, site, path)

    rejected = sum(1 for r in data.releases if r.rejected)
    pages: list[Page] = [
        HomePage(
            **common("index.html"),
            title=data.name,
            nav="home",
            milestones=data.milestones,
            channels=data.channels,
            events=data.events[:RECENT_EVENTS],
            release_count=len(data.releases) - rejected,
            rejected_count=rejected,
        ),
        ReleasesPage(
            **common("releases/index.html"),
            title="Releases",
            nav="releases",
            releases=data.releases,
            milestones=data.milestones,
            channels=data.channels,
            kinds=data.kinds,
        ),
        MilestonesPage(
            **common("milestones/index.html"),
            title="Milestones",
            nav="milestones",
            milestones=data.milestones,
        ),
        ChannelsPage(
            **common("channels/index.html"),
            title="Channels",
            nav="channels",
            channels=data.channels,
        ),
    ]
    history = options.history or {}
    for release in data.releases:
        links = propose_links(data, release, registry_path=registry_path, branch=branch)
        pages.append(
            ReleasePage(
                **common(f"releases/{release.tag}/index.html"),
                title=release.tag,
                nav="releases",
                release=release,
                milestones=data.milestones,
                propose={link.slug: link for link in links},
                history=history_rows(history.get(release.tag), data.repository_url),
            )
        )
    for milestone in data.milestones:
        pages.append(
            MilestonePage(
                **common(f"milestones/{milestone.slug}/index.html"),
                title=milestone.name,
                nav="milestones",
                milestone=milestone,
            )
        )
    for channel in data.channels:
        pages.append(
            ChannelPage(
                **common(f"channels/{channel.name}/index.html"),
                title=f"Channel {channel.name}",
                nav="channels",
                channel=channel,
                milestones=data.milestones,
                kinds=sorted({r.kind for r in channel.releases}, key=data.kinds.index),
            )
        )
    return pages


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
    return render(env, _TEMPLATES[type(page)], page_context(page)).encode("utf-8")


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
    registry_path = options.registry_path if registry_path is None else registry_path
    branch = options.branch if branch is None else branch
    env = get_env(options.templates)
    files = {
        page.path: render_page(env, page)
        for page in build_pages(reg, options, registry_path=registry_path, branch=branch)
    }
    for name in STATIC_FILES:
        files[name] = source(env, name).encode("utf-8")
    return dict(sorted(files.items()))
