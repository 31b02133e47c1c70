"""Every list the site shows, computed once per build from one ``list_releases``. Pure.

``query.list_releases`` sorts the whole registry on each call; a site at 10,000 releases
needs a list per channel, per milestone and per channel and milestone, so the site sorts
once and partitions. Filtering a list sorted by a stable sort keeps the order the same
sort gives the subset, so every list here equals ``list_releases`` with that filter
(``tests/site/test_index.py`` checks it).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import RelregError
from ..objects import release_object
from ..query import Filters, list_releases
from ..registry import Registry, ReleaseEntry
from .events import EventList, event_rows, object_rows

Entries = list[ReleaseEntry]
_STR = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) quotes with
_FLOAT = float.__repr__


def dumps_indented(obj: Any, indent: str = "\n") -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, byte for byte, several times faster.

    With ``indent`` the json module falls back to its pure-Python, generator-based
    encoder; the site writes 20,000 indented documents at 10k releases. Covers what the
    feed holds (dicts with string keys, lists, str, int, float, bool, None); anything
    else goes to json.dumps itself. ``indent`` is the line break plus the current indent.
    """
    if isinstance(obj, str):
        return _STR(obj)
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return int.__repr__(obj)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        inner = indent + "  "
        parts = []
        for key, value in obj.items():
            # the few distinct keys are quoted once per process
            head = _KEY_TEXT.get(key)
            if head is None:
                if not isinstance(key, str):
                    return _fallback(obj, indent)
                head = _quoted_key(key)
            # most values are text, whole numbers or null: written here, without another call
            kind = type(value)
            if kind is str:
                parts.append(head + _STR(value))
            elif kind is int:
                parts.append(head + int.__repr__(value))
            elif value is None:
                parts.append(head + "null")
            else:
                parts.append(head + dumps_indented(value, inner))
        return "{" + inner + ("," + inner).join(parts) + indent + "}"
    if isinstance(obj, list):
        if not obj:
            return "[]"
        inner = indent + "  "
        return (
            "["
            + inner
            + ("," + inner).join(
                [_STR(v) if type(v) is str else dumps_indented(v, inner) for v in obj]
            )
            + indent
            + "]"
        )
    if isinstance(obj, float) and obj == obj and obj not in (float("inf"), float("-inf")):
        return _FLOAT(obj)
    return _fallback(obj, indent)


_KEY_TEXT: dict[str, str] = {}  # key -> its JSON text and ": "
_KEY_TEXT_MAX = 4096  # keys remembered: the feed's own and the registry's metadata names


def _quoted_key(key: str) -> str:
    head = _STR(key) + ": "
    if len(_KEY_TEXT) < _KEY_TEXT_MAX:
        _KEY_TEXT[key] = head
    return head


def _fallback(obj: Any, indent: str) -> str:
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return text.replace("\n", indent)


def channel_key(channel: str) -> tuple[tuple[int, int | str], ...]:
    """Order channels numerically part by part ("3.9" before "3.74" before "4.0")."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in channel.split("."))


@dataclass
class SiteIndex:
    """The registry's releases in version order, their objects and every filtered list."""

    reg: Registry
    everything: Entries  # valid releases, rejected included, oldest first
    objects: dict[str, dict[str, Any]]  # tag -> release object (objects.release_object)
    reached: dict[str, frozenset[str]]  # tag -> definition slugs its valid approvals name
    slugs: list[str]  # valid definitions, in file-name order
    channels: list[str]  # channels of ``everything``, in channel order
    events: EventList  # the feed's events, oldest first
    # texts of earlier builds by object digest (site/textcache.py); texts made here count
    known_texts: dict[str, str] = field(default_factory=dict, repr=False)
    made_texts: int = 0
    # at most this many texts made here are kept for their next use; others are made again
    keep_texts: int = sys.maxsize
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    _digests: dict[str, str] = field(default_factory=dict, repr=False)
    _selected: dict[tuple[str | None, str | None], Entries] = field(
        default_factory=dict, repr=False
    )

    @property
    def live(self) -> Entries:
        """Non-rejected releases (``Filters()``)."""
        return self.select()

    def rejected(self, entry: ReleaseEntry) -> bool:
        """True when the release is rejected."""
        return bool(self.objects[entry.tag]["rejected"])

    def select(self, *, channel: str | None = None, milestone: str | None = None) -> Entries:
        """Non-rejected releases of a channel and/or that reached a milestone (by slug).

        Each list is computed once, from the next wider one (a new list each call).
        """
        key = (channel, milestone)
        found = self._selected.get(key)
        if found is None:
            if channel is not None and milestone is not None:
                found = [
                    e for e in self.select(channel=channel) if milestone in self.reached[e.tag]
                ]
            elif channel is not None:
                if ("", "") not in self._selected:
                    for e in self.select():  # every channel's list in one pass
                        self._selected.setdefault((e.channel, None), []).append(e)
                    self._selected["", ""] = []  # marks the partition done
                found = self._selected.get(key, [])
            elif milestone is not None:
                found = [e for e in self.select() if milestone in self.reached[e.tag]]
            else:
                found = [e for e in self.everything if not self.rejected(e)]
            self._selected[key] = found
        return list(found)

    def clear(self) -> None:
        """Empty every table in place: a build whose forked writers hold their own copies
        frees the index so, while something may still refer to it."""
        self.objects.clear()
        self.reached.clear()
        self.known_texts.clear()
        self._texts.clear()
        self._digests.clear()
        self._selected.clear()
        self.everything.clear()
        self.events.rows.clear()

    def obj(self, entry: ReleaseEntry) -> dict[str, Any]:
        """The release object of an entry."""
        return self.objects[entry.tag]

    def text(self, entry: ReleaseEntry) -> str:
        """The release object as 2-space indented JSON without a final newline, cached."""
        return self.tag_text(entry.tag)

    def digest(self, tag: str) -> str:
        """The SHA-256 of the release object's ``repr``: same digest, same object.

        The object holds only dicts, lists, str, int, bool and None, whose repr names
        every key and value in order; repr is C code, unlike the indented JSON text.
        """
        found = self._digests.get(tag)
        if found is None:
            found = self._digests[tag] = object_digest(self.objects[tag])
        return found

    def tag_text(self, tag: str) -> str:
        """``text`` by tag."""
        found = self._texts.get(tag)
        if found is None:
            found = self.known_texts.get(self.digest(tag)) if self.known_texts else None
            if not isinstance(found, str):
                found = dumps_indented(self.objects[tag])
                self.made_texts += 1
            if len(self._texts) < self.keep_texts:
                self._texts[tag] = found
        return found

    def texts_by_digest(self) -> dict[str, str]:
        """Every text known for this registry's objects (made or given), by digest."""
        known = self.known_texts
        found = {}
        for tag in self.objects:
            digest = self.digest(tag)
            text = self._texts.get(tag) or known.get(digest)
            if isinstance(text, str):
                found[digest] = text
        return found


def object_digest(obj: dict[str, Any]) -> str:
    """``SiteIndex.digest`` of a release object."""
    return hashlib.sha256(repr(obj).encode("utf-8")).hexdigest()


def build_index(reg: Registry) -> SiteIndex:
    """Sort once, compute each release object once."""
    everything = list_releases(reg, Filters(include_rejected=True))
    shared: dict[frozenset[str], frozenset[str]] = {}  # a few distinct sets, one object each
    return SiteIndex(
        reg=reg,
        everything=everything,
        objects={e.tag: release_object(reg, e, shared=True) for e in everything},
        reached={e.tag: _shared(shared, _reached(reg, e)) for e in everything},
        slugs=_slugs(reg),
        channels=_channels(everything),
        events=EventList(event_rows(reg, everything)),
    )


def _reached(reg: Registry, entry: ReleaseEntry) -> frozenset[str]:
    names = {a.record.milestone for a in entry.valid_approvals() if a.record}
    return frozenset(s for n in names if (s := reg.resolve_milestone(n)))


def _shared(shared: dict[frozenset[str], frozenset[str]], slugs: frozenset[str]) -> frozenset[str]:
    return shared.setdefault(slugs, slugs)


def _slugs(reg: Registry) -> list[str]:
    return [s for s in sorted(reg.milestones) if reg.definition(s) is not None]


def _channels(everything: Entries) -> list[str]:
    return sorted({e.channel for e in everything}, key=channel_key)


PIECE_RELEASES = 2048  # release objects sent at a time by ``send_index``


def send_index(reg: Registry, send: Callable[[Any], None]) -> None:
    """What ``build_index`` computes, sent as plain pieces for ``receive_index``.

    A build loads the registry in a forked process that sends this and ends, so the
    processes that write the site never hold the registry's records (~300 MB at 100,000
    releases), only what the pages show. Objects are made and sent a piece at a time, so
    the sender holds the registry and one piece. The definitions and settings, a few
    records, travel pickled; everything else is marshal data. The events are not sent:
    the receiver makes them from the objects (``events.object_rows``).
    """
    everything = list_releases(reg, Filters(include_rejected=True))
    send(pickle.dumps(Registry(config=reg.config, milestones=reg.milestones)))
    send([(e.channel, e.tag) for e in everything])
    for start in range(0, len(everything), PIECE_RELEASES):
        part = everything[start : start + PIECE_RELEASES]
        objects = [release_object(reg, e, shared=True) for e in part]
        send((objects, [sorted(_reached(reg, e)) for e in part]))


def receive_index(next_piece: Callable[[], Any]) -> SiteIndex:
    """The ``SiteIndex`` whose pieces ``send_index`` sent, equal to ``build_index``'s.

    Its registry holds the settings and definitions but no release folder, and its
    entries name a channel and a tag only: the site reads releases from the objects.
    """
    reg = pickle.loads(next_piece())
    if not isinstance(reg, Registry):
        raise RelregError("internal error: the registry's loader sent no registry")
    everything = [ReleaseEntry(channel, tag) for channel, tag in next_piece()]
    objects: dict[str, dict[str, Any]] = {}
    reached: dict[str, frozenset[str]] = {}
    digests: dict[str, str] = {}
    shared: dict[frozenset[str], frozenset[str]] = {}
    for _ in range(0, len(everything), PIECE_RELEASES):
        part, slugs = next_piece()
        for obj, names in zip(part, slugs, strict=True):
            tag = obj["tag"]
            objects[tag] = obj
            reached[tag] = _shared(shared, frozenset(names))
            # while the sender makes the next piece: every page's fingerprint needs these
            digests[tag] = object_digest(obj)
    return SiteIndex(
        reg=reg,
        everything=everything,
        objects=objects,
        reached=reached,
        slugs=_slugs(reg),
        channels=_channels(everything),
        events=EventList(object_rows(reg, objects.values())),
        _digests=digests,
    )
