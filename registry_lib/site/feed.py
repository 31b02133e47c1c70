"""The JSON feed (``api/v1/``), the Atom feed and the badges, as bytes by path. Pure.

Every object comes from ``registry_lib.objects`` and every list from ``registry_lib.query``,
so ``relreg … --json`` and the feed print the same objects in the same order.
"""

from __future__ import annotations

import json
from typing import Any

from ..objects import definition_object, release_object
from ..query import Filters, list_releases
from ..registry import Registry, ReleaseEntry
from .atom import atom_feed
from .badges import badge_files
from .context import SiteOptions
from .events import events

API_VERSION = "1"
API = "api/v1"

# URI templates (RFC 6570) of the feed's files, relative to api/v1/ (see docs/feed.md).
LINKS = {
    "self": "index.json",
    "milestones": "milestones.json",
    "milestone": "milestones/{slug}.json",
    "milestone_releases": "milestones/{slug}/releases.json",
    "milestone_latest": "milestones/{slug}/latest.json",
    "releases": "releases.json",
    "rejected": "rejected.json",
    "release": "releases/{tag}.json",
    "latest": "latest.json",
    "channels": "channels.json",
    "channel_releases": "channels/{channel}/releases.json",
    "channel_latest": "channels/{channel}/latest.json",
    "channel_milestone_latest": "channels/{channel}/milestones/{slug}/latest.json",
    "events": "events.json",
    "atom": "../../feed.atom",
    "badge": "../../badges/{slug}.svg",
    "channel_badge": "../../badges/channels/{channel}/{slug}.svg",
}


def dump_json(obj: Any) -> bytes:
    """A feed document: 2-space indented UTF-8 JSON with a final newline."""
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def channel_key(channel: str) -> tuple[tuple[int, int | str], ...]:
    """Order channels numerically part by part ("3.9" before "3.74" before "4.0")."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in channel.split("."))


def channels(reg: Registry) -> list[str]:
    """Channels of the valid releases (rejected ones included), in version order."""
    found = {e.channel for e in list_releases(reg, Filters(include_rejected=True))}
    return sorted(found, key=channel_key)


def milestone_slugs(reg: Registry) -> list[str]:
    """File slugs of the valid milestone definitions, in file-name order."""
    return [s for s in sorted(reg.milestones) if reg.definition(s) is not None]


def links(options: SiteOptions) -> dict[str, str]:
    """The index's links: relative to api/v1/, or absolute under ``options.base_url``."""
    if not options.base_url:
        return dict(LINKS)
    base = options.base_url.rstrip("/") + "/"
    out = {}
    for name, rel in LINKS.items():
        out[name] = (
            base + rel[len("../../") :] if rel.startswith("../../") else f"{base}{API}/{rel}"
        )
    return out


class _Feed:
    """Collects the documents of one build, computing each release object once."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self.files: dict[str, bytes] = {}
        self._objects: dict[str, dict[str, Any]] = {}

    def obj(self, entry: ReleaseEntry) -> dict[str, Any]:
        if entry.tag not in self._objects:
            self._objects[entry.tag] = release_object(self.reg, entry)
        return self._objects[entry.tag]

    def put(self, relpath: str, document: Any) -> None:
        self.files[f"{API}/{relpath}"] = dump_json(document)

    def releases(self, relpath: str, filters: Filters) -> list[ReleaseEntry]:
        """Write ``{"releases": [...]}`` for a filter, and return the matching entries."""
        found = list_releases(self.reg, filters)
        self.put(relpath, {"releases": [self.obj(e) for e in found]})
        return found

    def latest(self, relpath: str, found: list[ReleaseEntry]) -> dict[str, Any] | None:
        """Write a latest.json when there is a release to name; return its object."""
        if not found:
            return None
        obj = self.obj(found[-1])
        self.put(relpath, obj)
        return obj


def feed_files(reg: Registry, options: SiteOptions) -> dict[str, bytes]:
    """Every machine-readable file of the site: ``api/v1/**``, ``feed.atom``, ``badges/**``."""
    feed = _Feed(reg)
    slugs = milestone_slugs(reg)

    everything = list_releases(reg, Filters(include_rejected=True))
    for entry in everything:
        feed.put(f"releases/{entry.tag}.json", feed.obj(entry))
    live = feed.releases("releases.json", Filters())
    feed.latest("latest.json", live)
    rejected = [e for e in everything if e.rejected]
    feed.put("rejected.json", {"releases": [feed.obj(e) for e in rejected]})

    definitions = []
    for slug in slugs:
        definition = reg.definition(slug)
        assert definition is not None
        obj = definition_object(definition)
        definitions.append(obj)
        feed.put(f"milestones/{slug}.json", obj)
        reached = feed.releases(f"milestones/{slug}/releases.json", Filters(milestone=slug))
        feed.latest(f"milestones/{slug}/latest.json", reached)
    feed.put("milestones.json", {"milestones": definitions})

    channel_list = []
    for channel in channels(reg):
        found = feed.releases(f"channels/{channel}/releases.json", Filters(channel=channel))
        latest = feed.latest(f"channels/{channel}/latest.json", found)
        channel_list.append({"name": channel, "count": len(found), "latest": latest})
        for slug in slugs:
            feed.latest(
                f"channels/{channel}/milestones/{slug}/latest.json",
                list_releases(reg, Filters(channel=channel, milestone=slug)),
            )
    feed.put("channels.json", {"channels": channel_list})

    history = events(reg)
    feed.put("events.json", {"events": history})

    approvals = sum(len(feed.obj(e)["quality_milestones"]) for e in everything)
    feed.put(
        "index.json",
        {
            "api_version": API_VERSION,
            "name": reg.name,
            "source_commit": options.source_commit,
            "counts": {
                "releases": len(live),
                "rejected": len(rejected),
                "milestones": len(slugs),
                "channels": len(channel_list),
                "approvals": approvals,
            },
            "links": links(options),
        },
    )

    files = dict(sorted(feed.files.items()))
    files["feed.atom"] = atom_feed(reg, history, options)
    files.update(badge_files(reg, slugs, channels(reg)))
    return files
