"""The JSON feed (``api/v1/``), the Atom feed and the badges, as bytes by path. Pure.

Every object comes from ``registry_lib.objects`` and every list from ``registry_lib.query``,
so ``relreg … --json`` and the feed print the same objects in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, TypeVar

from ..objects import definition_object
from ..registry import Registry, ReleaseEntry
from .atom import atom_feed
from .badges import badge_files
from .context import SiteOptions
from .events import EventList
from .fingerprint import Deferred, Key, code_digest
from .index import SiteIndex, build_index, dumps_indented
from .pages import FileJob, ItemJob, Job, Made, whole

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
    return (dumps_indented(obj) + "\n").encode("utf-8")


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


PIECE = 2048  # list items per piece of a big document
T = TypeVar("T")


def _in_pieces(
    name: str, items: Sequence[T], piece: Callable[[Sequence[T]], str]
) -> Iterator[bytes]:
    """``{name: [...]}`` exactly as ``dump_json`` writes it, ``PIECE`` items at a time;
    ``piece`` gives some items' indented text (items joined by ``",\\n    "``)."""
    if not items:
        yield dump_json({name: []})
        return
    yield f'{{\n  "{name}": [\n    '.encode()
    for start in range(0, len(items), PIECE):
        yield ((",\n    " if start else "") + piece(items[start : start + PIECE])).encode()
    yield b"\n  ]\n}\n"


def releases_document(index: SiteIndex, found: list[ReleaseEntry]) -> Iterator[bytes]:
    """``{"releases": [...]}`` from the cached objects' texts, in pieces: made whole,
    releases.json at 100,000 releases (75 MB) was held as a joined text, an indented one
    and their bytes at once, ~225 MB."""
    text = index.text

    def piece(entries: Sequence[ReleaseEntry]) -> str:
        # joined first and indented once (indenting each text costs more)
        return ",\n".join([text(e) for e in entries]).replace("\n", "\n    ")

    return _in_pieces("releases", found, piece)


def list_document(name: str, items: Sequence[Any]) -> Iterator[bytes]:
    """``{name: items}`` in pieces (events.json)."""
    return _in_pieces(
        name, items, lambda some: ",\n    ".join([dumps_indented(v, "\n    ") for v in some])
    )


Maker = Callable[[], Made]


class _Feed:
    """Collects how to make each document of one build from the site index.

    Documents are made when written, not here: the big lists of a large registry then
    live one at a time, and a forked writer makes only its own half. Documents made from
    release objects alone carry fingerprints (deferred: computed when first asked).
    """

    def __init__(self, index: SiteIndex) -> None:
        self.index = index
        self.files: dict[str, FileJob] = {}

    def add(self, relpath: str, make: Maker, key: Key | None = None) -> None:
        """Add a document of ``api/v1/``."""
        self.files[f"{API}/{relpath}"] = Job(key, make)

    def put(self, relpath: str, document: dict[str, Any]) -> None:
        """Write a document made of plain values; its fingerprint is their ``repr``'s
        digest (repr names every key, value and type in order, and is C code), so an
        unchanged one (events.json: megabytes) is neither indented nor compared."""
        self.add(relpath, partial(dump_json, document), _value_key_of(relpath, document))

    def put_list(self, relpath: str, name: str, items: Sequence[Any]) -> None:
        """``put`` for ``{name: items}``, written in pieces."""
        key = _value_key_of(relpath, {name: items})
        self.add(relpath, partial(list_document, name, items), key)

    def releases(self, relpath: str, found: list[ReleaseEntry]) -> list[ReleaseEntry]:
        """Write ``{"releases": [...]}`` for a list, and return it. Its bytes follow from
        its members' object digests (in order) and the code that writes them."""
        key = Deferred(partial(_list_key, self.index, relpath, found))
        self.add(relpath, partial(releases_document, self.index, found), key)
        return found

    def latest(self, relpath: str, found: list[ReleaseEntry]) -> dict[str, Any] | None:
        """Write a latest.json when there is a release to name; return its object."""
        if not found:
            return None
        self.files[f"{API}/{relpath}"] = ItemJob(self.documents, found[-1])
        return self.index.obj(found[-1])

    @cached_property
    def documents(self) -> _ReleaseDocuments:
        """The family of release documents (each release's JSON, every latest.json)."""
        return _ReleaseDocuments(self.index)


@dataclass(frozen=True)
class _ReleaseDocuments:
    """One release object as a feed document; its fingerprint is the object's digest."""

    index: SiteIndex

    def key(self, entry: ReleaseEntry) -> str:
        return f"{code_digest()}:{self.index.digest(entry.tag)}"

    def make(self, entry: ReleaseEntry) -> Made:
        return release_document(self.index, entry)


def _value_key_of(relpath: str, document: dict[str, Any]) -> Deferred:
    return Deferred(partial(_value_key, relpath, document))


def _value_key(relpath: str, document: dict[str, Any]) -> str:
    digest = hashlib.sha256(f"{code_digest()}\n{relpath}\n".encode())
    for name, value in document.items():
        digest.update(f"{name!r}:".encode())
        if isinstance(value, (list, EventList)):  # in pieces, each repr'd ("[...]"), in order
            for start in range(0, len(value), PIECE):
                digest.update(repr(value[start : start + PIECE]).encode("utf-8"))
            digest.update(b"]")  # ends the list (an empty one too)
        else:
            digest.update(repr(value).encode("utf-8") + b",")
    return digest.hexdigest()


def _list_key(index: SiteIndex, relpath: str, found: list[ReleaseEntry]) -> str:
    digest = index.digest
    text = "\n".join([code_digest(), relpath, *(digest(e.tag) for e in found)])
    return hashlib.sha256(text.encode()).hexdigest()


def release_document(index: SiteIndex, entry: ReleaseEntry) -> bytes:
    """One release object as a feed document."""
    return (index.text(entry) + "\n").encode("utf-8")


def feed_files(
    reg: Registry, options: SiteOptions, index: SiteIndex | None = None
) -> dict[str, bytes]:
    """Every machine-readable file of the site: ``api/v1/**``, ``feed.atom``, ``badges/**``."""
    return {path: whole(job.make()) for path, job in feed_jobs(reg, options, index).items()}


def feed_jobs(
    reg: Registry, options: SiteOptions, index: SiteIndex | None = None
) -> dict[str, FileJob]:
    """``feed_files``, each file as a job that makes it.

    The documents made from release objects alone (every release's JSON, every list of
    releases, every latest.json) and the documents of plain values carry input
    fingerprints; ``feed.atom`` and the badges are always made.
    """
    index = build_index(reg) if index is None else index
    feed = _Feed(index)
    slugs = index.slugs

    everything = index.everything
    documents = feed.documents
    for entry in everything:
        feed.files[f"{API}/releases/{entry.tag}.json"] = ItemJob(documents, entry)
    live = feed.releases("releases.json", index.live)
    feed.latest("latest.json", live)
    rejected = [e for e in everything if index.rejected(e)]
    feed.releases("rejected.json", rejected)

    definitions = []
    for slug in slugs:
        definition = reg.definition(slug)
        assert definition is not None
        obj = definition_object(definition)
        definitions.append(obj)
        feed.put(f"milestones/{slug}.json", obj)
        reached = feed.releases(f"milestones/{slug}/releases.json", index.select(milestone=slug))
        feed.latest(f"milestones/{slug}/latest.json", reached)
    feed.put("milestones.json", {"milestones": definitions})

    channel_list = []
    for channel in index.channels:
        found = feed.releases(f"channels/{channel}/releases.json", index.select(channel=channel))
        latest = feed.latest(f"channels/{channel}/latest.json", found)
        channel_list.append({"name": channel, "count": len(found), "latest": latest})
        for slug in slugs:
            feed.latest(
                f"channels/{channel}/milestones/{slug}/latest.json",
                [e for e in found if slug in index.reached[e.tag]],
            )
    feed.put("channels.json", {"channels": channel_list})

    history = index.events
    feed.put_list("events.json", "events", history)

    approvals = sum(len(index.obj(e)["quality_milestones"]) for e in everything)
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
    files["feed.atom"] = Job(None, partial(atom_feed, reg, history, options, index.objects))
    for path, data in badge_files(index).items():
        files[path] = Job(None, partial(bytes, data))
    return files
