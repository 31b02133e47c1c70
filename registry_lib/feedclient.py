"""``--feed URL``: the read commands answered from a published feed (docs/feed.md).

``FeedCatalog`` implements ``catalog.Catalog`` over ``api/v1``: lists are filtered here and
then sorted by the same version order as a local registry, so every answer equals the
local one. The feed is found at ``URL/index.json`` or ``URL/api/v1/index.json``, over
http(s) or in a local folder.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .display import summary_of
from .errors import FeedError, NotFoundError
from .query import Filters, check_kinds, describe
from .tags import TAG_CHARS, matches_prefix, sort_by_version
from .values import slugify

Obj = dict[str, Any]
TIMEOUT = 10.0
API_VERSION = "1"


def _user_agent() -> str:
    try:
        return f"relreg/{version('relreg')} (+feed client)"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "relreg (+feed client)"


class _Missing(Exception):
    """The feed has no such file (HTTP 404 or no file in the folder)."""


class _Unreachable(FeedError):
    """The feed's host or folder cannot be reached at all."""


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


class FeedCatalog:
    """A catalog over a published relreg v1 feed (URL or local folder)."""

    def __init__(self, location: str, timeout: float = TIMEOUT) -> None:
        self.location = (
            location.rstrip("/") if _is_url(location) else str(Path(location).expanduser())
        )
        self.timeout = timeout
        self._base: str | None = None
        self._cache: dict[str, Any] = {}

    # --- fetching -----------------------------------------------------------------

    def _read(self, where: str) -> bytes:
        """The bytes at a URL or path; ``_Missing`` when it does not exist."""
        if not _is_url(where):
            path = Path(where)
            if not Path(self.location).is_dir():
                raise _Unreachable(
                    f"no feed folder at {self.location}; pass the site's folder, its api/v1 "
                    "folder, or an http(s) URL"
                )
            try:
                return path.read_bytes()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise _Missing(where) from None
            except OSError as exc:
                raise FeedError(f"cannot read {where}: {exc.strerror}") from None
        request = urllib.request.Request(where, headers={"User-Agent": _user_agent()})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the response's socket
            if exc.code in (404, 410):
                raise _Missing(where) from None
            raise FeedError(f"the feed answered HTTP {exc.code} {exc.reason} for {where}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Unreachable(
                    f"the feed at {self.location} did not answer within {self.timeout:g} s"
                ) from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise _Unreachable(
                f"cannot reach the feed at {self.location}: {text}; check the URL and the network"
            ) from None
        except TimeoutError:
            raise _Unreachable(
                f"the feed at {self.location} did not answer within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise _Unreachable(f"cannot reach the feed at {self.location}: {exc}") from None

    def _json(self, where: str) -> Any:
        raw = self._read(where)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FeedError(
                f"{where} is not valid JSON ({exc}); is {self.location} a relreg feed?"
            ) from None

    def _join(self, base: str, relpath: str) -> str:
        if _is_url(base):
            return base + "/" + relpath
        return str(Path(base) / relpath)

    def _discover(self) -> str:
        """Find api/v1: the location itself, or its ``api/v1`` folder."""
        first: FeedError | None = None
        for candidate in (self.location, self._join(self.location, "api/v1")):
            where = self._join(candidate, "index.json")
            try:
                doc = self._json(where)
            except _Missing:
                continue
            except _Unreachable:
                raise
            except FeedError as exc:
                first = first or exc
                continue
            if isinstance(doc, dict) and "api_version" in doc:
                if doc["api_version"] != API_VERSION:
                    raise FeedError(
                        f"{where} is a relreg feed of API version {doc['api_version']!r}; "
                        f"this relreg reads version {API_VERSION}: upgrade relreg"
                    )
                self._cache["index.json"] = doc
                return candidate
            first = first or FeedError(f"{where} is not a relreg v1 feed index (no api_version)")
        raise first or FeedError(
            f"no relreg feed at {self.location}: neither index.json nor api/v1/index.json "
            "exists there; pass the URL of the published site or of its api/v1 folder"
        )

    def get(self, relpath: str) -> Any:
        """A feed document by its path under api/v1 (cached); ``_Missing`` when absent."""
        if relpath not in self._cache:
            if self._base is None:
                self._base = self._discover()
            if relpath not in self._cache:
                self._cache[relpath] = self._json(self._join(self._base, relpath))
        return self._cache[relpath]

    def _list(self, relpath: str, key: str, check: Callable[[Any], bool]) -> list[Obj]:
        try:
            doc = self.get(relpath)
        except _Missing:
            raise FeedError(
                f"the feed has no {relpath}; is it a complete relreg v1 feed?"
            ) from None
        items = doc.get(key) if isinstance(doc, dict) else None
        if not isinstance(items, list) or not all(check(i) for i in items):
            raise FeedError(f"{relpath} in the feed is not a relreg v1 {key} list")
        return items

    # --- the Catalog protocol -----------------------------------------------------

    def _all_releases(self, include_rejected: bool) -> list[Obj]:
        items = list(self._list("releases.json", "releases", _is_release))
        if include_rejected:
            items += self._list("rejected.json", "releases", _is_release)
        return items

    def releases(self, filters: Filters) -> list[Obj]:
        """Release objects matching the filters, oldest to newest."""
        check_kinds([*filters.kinds, *filters.ignore_kinds])
        slug = self._milestone(filters.milestone)["slug"] if filters.milestone else None
        chosen = []
        for r in self._all_releases(filters.include_rejected):
            if not filters.include_rejected and r["rejected"]:
                continue
            if not matches_prefix(r["tag"], filters.prefix):
                continue
            if filters.channel is not None and r["channel"] != filters.channel:
                continue
            if filters.kinds and r["kind"] not in filters.kinds:
                continue
            if r["kind"] in filters.ignore_kinds:
                continue
            if slug is not None and slug not in {m["slug"] for m in r["quality_milestones"]}:
                continue
            chosen.append(r)
        # Sort the filtered set, as the local query does: the order of a subset is not
        # always the order of the whole restricted to it (versions.md rule 4).
        return sort_by_version(chosen, lambda r: r["tag"], lambda r: r["created_at"])

    def summaries(self, filters: Filters) -> list[Obj]:
        """What ``release list`` prints of the releases matching the filters."""
        return [summary_of(r) for r in self.releases(filters)]

    def latest(self, filters: Filters) -> Obj:
        """The latest release object matching the filters."""
        found = self.releases(filters)
        if not found:
            raise NotFoundError(f"no release matches {describe(filters)}")
        return found[-1]

    def release(self, tag: str) -> Obj:
        """One release object, rejected ones included."""
        missing = NotFoundError(
            f"no release {tag} in the feed; see `relreg --feed URL release list`"
        )
        if not TAG_CHARS.match(tag) or tag.startswith("."):
            raise missing
        try:
            doc = self.get(f"releases/{quote(tag)}.json")
        except _Missing:
            raise missing from None
        if not _is_release(doc):
            raise FeedError(f"releases/{tag}.json in the feed is not a relreg v1 release object")
        return dict(doc)

    def milestones(self) -> list[Obj]:
        """Definition objects in file-name order."""
        return self._list("milestones.json", "milestones", _is_definition)

    def milestone(self, name: str) -> Obj:
        """One definition object by name, alias or slug."""
        return self._milestone(name)

    def _milestone(self, name: str) -> Obj:
        """Resolve a name as the local registry does: name, alias or slug, case-insensitive."""
        items = self.milestones()
        index: dict[str, Obj] = {}
        for d in sorted(items, key=lambda d: d["slug"]):
            index.setdefault(d["slug"], d)
            for n in (d["name"], *d.get("aliases", [])):
                index.setdefault(n.lower(), d)
                index.setdefault(slugify(n), d)
        found = index.get(name.lower()) or index.get(slugify(name))
        if found is None:
            known = ", ".join(d["name"] for d in sorted(items, key=lambda d: d["slug"]))
            raise NotFoundError(
                f"no milestone named {name!r}; known milestones: {known or 'none'} "
                "(see `relreg milestone list`)"
            )
        return found


def _is_release(obj: Any) -> bool:
    """Enough of a release object for filtering and ordering."""
    return (
        isinstance(obj, dict)
        and all(isinstance(obj.get(k), str) for k in ("tag", "created_at", "kind", "channel"))
        and isinstance(obj.get("rejected"), bool)
        and isinstance(obj.get("quality_milestones"), list)
        and all(
            isinstance(m, dict) and isinstance(m.get("slug"), str)
            for m in obj["quality_milestones"]
        )
    )


def _is_definition(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("name"), str)
        and isinstance(obj.get("slug"), str)
        and isinstance(obj.get("aliases", []), list)
    )
