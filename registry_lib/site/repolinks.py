"""Links into the registry's repository on GitHub: "propose approval" links that open
the new-file editor with an approval filled in, and history rows linking commits and
pull requests. Pure; no link is made for a repository off github.com.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ..values import normalize_timestamp
from ..yamlio import dump
from .views import ReleaseView, SiteData

_SHA = re.compile(r"^[0-9a-f]{7,40}\Z")


@dataclass(frozen=True)
class ProposeLink:
    """A link that opens the Git host's new-file editor with a pre-filled approval file."""

    milestone: str
    slug: str
    filename: str
    url: str


@dataclass(frozen=True)
class HistoryRow:
    """One commit in a release's history (``registry_lib.history.collect`` entries)."""

    time: str
    action: str  # created, updated, rejected, deleted, approved, revoked, approval edited
    milestone: str | None  # the approval's file slug for approval actions
    author: str
    email: str
    commit: str
    message: str
    pull_request: int | None
    commit_url: str | None = None
    pull_request_url: str | None = None


def github_repository(url: str | None) -> str | None:
    """The repository URL without a trailing slash or ``.git`` when it is on github.com."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in ("github.com", "www.github.com"):
        return None
    path = parts.path.rstrip("/").removesuffix(".git")
    if path.count("/") != 2:  # "/owner/repo"
        return None
    return f"https://github.com{quote(path, safe='/')}"


def propose_links(
    data: SiteData,
    release: ReleaseView,
    *,
    registry_path: str,
    branch: str,
) -> list[ProposeLink]:
    """ "Propose approval" links for every defined milestone the release has not reached."""
    repo = github_repository(data.repository_url)
    if repo is None or release.rejected:
        return []
    prefix = registry_path.strip("/")
    prefix = "" if prefix in ("", ".") else prefix + "/"
    links = []
    for m in data.milestones:
        if m.slug in release.reached:
            continue
        filename = f"{prefix}releases/{release.channel}/{release.tag}/approvals/{m.slug}.yaml"
        body = dump(
            {
                "milestone": m.name,
                "tag": release.tag,
                "approver": "",
                "approved_at": "",
                "metadata": {k: "" for k in m.obj["expected_metadata_keys"]},
            }
        )
        url = (
            f"{repo}/new/{quote(branch, safe='')}"
            f"?filename={quote(filename, safe='/')}&value={quote(body, safe='')}"
        )
        links.append(ProposeLink(m.name, m.slug, filename, url))
    return links


def history_rows(
    entries: Sequence[Mapping[str, Any]] | None, repository_url: str | None = None
) -> list[HistoryRow]:
    """History entries as rows, with commit and pull request links on GitHub.

    Entries have the keys of ``registry_lib.history.collect``: commit, author, email,
    time, action, milestone, message, pull_request.
    """
    repo = github_repository(repository_url)
    rows = []
    for entry in entries or []:
        commit = str(entry["commit"])
        time = str(entry["time"])
        with contextlib.suppress(ValueError):
            time = normalize_timestamp(time)
        number = entry["pull_request"]
        rows.append(
            HistoryRow(
                time=time,
                action=str(entry["action"]),
                milestone=entry["milestone"],
                author=str(entry["author"]),
                email=str(entry["email"]),
                commit=commit,
                message=str(entry["message"]),
                pull_request=int(number) if number is not None else None,
                commit_url=f"{repo}/commit/{commit}" if repo and _SHA.match(commit) else None,
                pull_request_url=f"{repo}/pull/{number}" if repo and number is not None else None,
            )
        )
    return rows
