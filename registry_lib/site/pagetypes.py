"""The typed context of each kind of page: what its template receives. Pure."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .repolinks import HistoryRow, ProposeLink
from .views import ChannelView, Event, MilestoneRef, MilestoneView, ReleaseView


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
    """releases/index.html: the filterable table of the newest ``pages.LIST_LIMIT`` releases."""

    releases: list[ReleaseView]
    total: int  # every release, rejected ones included; more than len(releases) when capped
    milestones: list[MilestoneView]
    channels: list[ChannelView]
    kinds: list[str]


@dataclass(frozen=True, kw_only=True)
class ReleasePage(Page):
    """releases/<tag>/index.html."""

    release: ReleaseView
    milestones: list[MilestoneRef]  # definitions only: a release page shows no other release
    propose: dict[str, ProposeLink]
    history: list[HistoryRow]

    @property
    def defined(self) -> dict[str, MilestoneRef]:
        """The defined milestones by slug (to link an approval or a history row)."""
        return {m.slug: m for m in self.milestones}


@dataclass(frozen=True, kw_only=True)
class MilestonePage(Page):
    """milestones/<slug>/index.html."""

    milestone: MilestoneView
    releases: list[ReleaseView]  # the newest ``pages.LIST_LIMIT`` of ``milestone.releases``


@dataclass(frozen=True, kw_only=True)
class MilestonesPage(Page):
    """milestones/index.html."""

    milestones: list[MilestoneView]


@dataclass(frozen=True, kw_only=True)
class ChannelPage(Page):
    """channels/<channel>/index.html."""

    channel: ChannelView
    milestones: list[MilestoneRef]  # definitions only: the page depends on its channel alone
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
