"""``feed.atom``: the newest events as an Atom feed (RFC 4287). Pure.

Entry ids are tag URIs (RFC 4151) made from the registry and the event alone, so they
never change between builds; ``updated`` comes from the data, never from the clock.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..registry import Registry
from ..values import slugify
from .context import SiteOptions

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50
TAG_AUTHORITY = "tag:relreg,2024:"
EPOCH = "1970-01-01T00:00:00Z"


def entry_id(reg: Registry, event: dict[str, Any]) -> str:
    """The stable id of an event: registry slug, tag, and what happened."""
    what = {"release.created": "created", "release.rejected": "rejected"}.get(event["type"])
    if what is None:
        what = f"reached/{event['milestone']}"
    return f"{TAG_AUTHORITY}{slugify(reg.name) or 'relreg'}/{event['tag']}/{what}"


def _title(reg: Registry, event: dict[str, Any]) -> str:
    tag = event["tag"]
    if event["type"] == "release.created":
        return f"{tag} created"
    if event["type"] == "release.rejected":
        return f"{tag} rejected"
    definition = reg.definition(event["milestone"])
    name = definition.name if definition else event["milestone"]
    return f"{tag} reached {name}"


def _summary(event: dict[str, Any], objects: dict[str, dict[str, Any]]) -> str:
    actor = event["actor"]
    if event["type"] == "release.created":
        return f"Release {event['tag']} recorded by {actor}."
    if event["type"] == "milestone.reached":
        return f"Approved by {actor}."
    obj = objects.get(event["tag"])
    rejection = obj["rejection"] if obj else None
    reason = rejection["reason"] if rejection else ""
    return f"Rejected by {actor}: {reason}" if reason else f"Rejected by {actor}."


def _href(options: SiteOptions, relpath: str) -> str:
    if options.base_url:
        return options.base_url.rstrip("/") + "/" + relpath
    return relpath


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(
    reg: Registry,
    events: Sequence[dict[str, Any]],
    options: SiteOptions,
    objects: dict[str, dict[str, Any]],
) -> bytes:
    """The Atom document of the newest ``MAX_ENTRIES`` events, newest first.

    ``objects`` are the release objects by tag (``SiteIndex.objects``): a rejection's
    reason comes from there, as the registry's release records may not be at hand.

    Links are relative to the site root (where feed.atom lives) unless a base URL is set.
    """
    newest = list(reversed(events[-MAX_ENTRIES:]))
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(root, "id", f"{TAG_AUTHORITY}{slugify(reg.name) or 'relreg'}/events")
    _sub(root, "title", f"{reg.name}: releases and milestones")
    _sub(root, "updated", newest[0]["time"] if newest else (options.build_time or EPOCH))
    author = _sub(root, "author")
    _sub(author, "name", reg.name)
    _sub(root, "link", rel="self", href=_href(options, "feed.atom"))
    _sub(root, "link", rel="alternate", type="text/html", href=_href(options, "index.html"))
    _sub(root, "generator", "relreg")
    for event in newest:
        entry = _sub(root, "entry")
        _sub(entry, "id", entry_id(reg, event))
        _sub(entry, "title", _title(reg, event))
        _sub(entry, "updated", event["time"])
        who = _sub(entry, "author")
        _sub(who, "name", event["actor"])
        tag = quote(event["tag"])
        page, data = f"releases/{tag}/", f"api/v1/releases/{tag}.json"
        _sub(entry, "link", rel="alternate", type="text/html", href=_href(options, page))
        _sub(entry, "link", rel="related", type="application/json", href=_href(options, data))
        _sub(entry, "category", term=event["type"])
        _sub(entry, "summary", _summary(event, objects))
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")
