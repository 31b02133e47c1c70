"""``relreg build``: load the registry, render every file, and put the new site in place.

A first (or untrusted) build writes the whole tree into a temporary sibling folder, then
renames it over the output folder. Over a trusted previous build, only the changed files
are replaced, in place, after every file was made in memory (see ``output``). Either
way a failed build leaves the previous site intact. Nothing here reads the clock.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from .. import forked
from ..errors import GitError, RelregError
from ..gcpause import paused_gc
from ..gitsource import locate
from ..gitutil import git, repo_root
from ..history import PendingHistory, collect, start_collect
from ..loader import load_directory
from ..prefetch import Prefetch
from ..recordcache import RecordCache
from ..registry import Registry
from ..rules import validate
from ..values import format_timestamp
from . import outputstat
from .context import DEFAULT_BRANCH, REGISTRY_PATH, SiteOptions
from .events import newest_time
from .feed import feed_jobs
from .index import SiteIndex, build_index, receive_index, send_index
from .manifest import MANIFEST, Manifest, read_manifest
from .output import (
    SITE_FOLDER_MODE,
    InPlaceWriter,
    Progress,
    Writer,
    forks,
    swap_in,
    write_site,
)
from .pages import FileJob, whole
from .textcache import load_texts, save_texts

Jobs = dict[str, FileJob]
__all__ = ["MANIFEST", "BuildResult", "Progress", "build_site", "render_site", "site_jobs"]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    files: int  # not counting the manifest
    releases: int  # valid releases, rejected ones included
    rejected: int
    milestones: int
    channels: int
    source_commit: str | None
    build_time: str | None
    made: int = 0  # files rendered (the rest were taken unchanged from the previous build)
    written: int = 0  # files written (the rest were kept from the previous build)

    def summary(self, shown: str) -> str:
        """One line for logs: ``built 523 files into site/ (27 releases, …)``."""
        shown = shown if shown.endswith("/") else shown + "/"
        return (
            f"built {self.files} files into {shown} ({self.releases} releases, "
            f"{self.milestones} milestones, {self.channels} channels)"
        )


def build_time(
    reg: Registry, environ: dict[str, str] | None = None, index: SiteIndex | None = None
) -> str | None:
    """``SOURCE_DATE_EPOCH`` when set, else the newest timestamp in the data."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        try:
            return format_timestamp(datetime.fromtimestamp(int(raw), UTC))
        except (ValueError, OverflowError, OSError):
            raise RelregError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a Unix time in seconds; unset it or fix it"
            ) from None
    return newest_time(reg, index.events if index else None)


def source_commit(root: Path) -> str | None:
    """The commit checked out where the registry is tracked by Git, else None."""
    top = repo_root(root)
    if top is None:
        return None
    try:
        if not git(root, "ls-files", "--", ".").strip():
            return None  # inside a repository, but the registry itself is not tracked
        return git(root, "rev-parse", "HEAD").strip() or None
    except GitError:
        return None  # no commit yet


def check_out_dir(root: Path, out: Path) -> None:
    """Refuse an output folder that would overwrite the registry or something precious."""
    reg = root.resolve()
    dest = out.resolve()
    home = Path.home().resolve()
    if dest == Path(dest.anchor) or dest == home:
        raise RelregError(f"refusing to build into {out}: choose a folder of its own, e.g. ./site")
    if dest == reg or dest in reg.parents:
        raise RelregError(
            f"refusing to build into {out}: it holds the registry {root}; choose e.g. ./site"
        )
    for sub in ("milestones", "releases"):
        if dest == reg / sub or (reg / sub) in dest.parents:
            raise RelregError(f"refusing to build into {out}: it is inside the registry's {sub}/")
    if dest.exists() and not dest.is_dir():
        raise RelregError(f"refusing to build into {out}: it is a file, not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MANIFEST).is_file():
        raise RelregError(
            f"refusing to build into {out}: it is not empty and was not written by "
            "`relreg build` (no .relreg-manifest.json); choose an empty or new folder"
        )


@dataclass(frozen=True)
class GitFacts:
    """Where the registry sits in Git: its commit, its path in the repository, the branch."""

    commit: str | None = None
    registry_path: str = REGISTRY_PATH
    branch: str = DEFAULT_BRANCH


def git_facts(root: Path) -> GitFacts:
    """The registry's commit, path and branch when Git tracks it, else the defaults.

    The repository's default branch cannot be known offline, so "propose approval" links
    target the branch checked out now ("main" on a detached HEAD).
    """
    commit = source_commit(root)
    if commit is None:
        return GitFacts()
    _, prefix = locate(root)
    branch = git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    return GitFacts(
        commit=commit,
        registry_path=prefix or ".",
        branch=branch if branch and branch != "HEAD" else DEFAULT_BRANCH,
    )


def site_options(
    reg: Registry,
    root: Path,
    base_url: str | None,
    templates: Path | None,
    facts: GitFacts | None = None,
    history: bool = True,
    index: SiteIndex | None = None,
    pending: PendingHistory | None = None,
) -> SiteOptions:
    """The options of one build; ``base_url`` falls back to registry.yaml's.

    With ``history`` and a registry tracked by Git, each release page gets its history
    from two ``git log`` passes over the whole registry (never one call per release);
    ``pending`` is that history's git commands, started earlier.
    """
    facts = git_facts(root) if facts is None else facts
    config = reg.config.record if reg.config else None
    url = base_url or (config.base_url if config else None)
    if url and not url.startswith(("https://", "http://")):
        raise RelregError(f"--base-url {url!r} must be an http(s) URL such as https://example.org/")
    if templates is not None and not templates.is_dir():
        raise RelregError(f"--templates {templates} is not a folder")
    return SiteOptions(
        base_url=url.rstrip("/") + "/" if url else None,
        source_commit=facts.commit,
        build_time=build_time(reg, index=index),
        templates=templates,
        history=(pending.result() if pending else collect(root))
        if history and facts.commit
        else None,
        registry_path=facts.registry_path,
        branch=facts.branch,
    )


def site_jobs(reg: Registry, options: SiteOptions, index: SiteIndex | None = None) -> Jobs:
    """Every file of the site as a job: the feed's and the HTML pages'."""
    from . import pages  # looked up at call time, so tests can replace page_jobs

    index = build_index(reg) if index is None else index
    jobs = feed_jobs(reg, options, index)
    for path, job in pages.page_jobs(reg, options, index).items():
        if path in jobs:
            raise RelregError(f"internal error: the feed and the pages both write {path}")
        jobs[path] = job
    return dict(sorted(jobs.items()))


def render_site(reg: Registry, options: SiteOptions) -> dict[str, bytes]:
    """Every file of the site by relative path: the feed's and the HTML pages'."""
    return {path: whole(job.make()) for path, job in site_jobs(reg, options).items()}


IN_PLACE_SHARE = 0.25  # at most this share of the pages changed: update in place
IN_PLACE_MIN = 100  # or at most this many pages


def few_changes(jobs: Jobs, old: Manifest) -> bool:
    """True when few enough pages changed to hold the changed ones in memory.

    An in-place build keeps every changed file in memory until it writes; when most
    pages change (a template, relreg or a definition changed) that would be the whole
    site, so such a build is made aside instead (linking the unchanged files) and
    swapped in, keeping peak memory flat.
    """
    keyed = [(path, job.key) for path, job in jobs.items() if job.key is not None]
    stale = sum(1 for path, key in keyed if old.inputs.get(path) != key)
    return stale <= max(IN_PLACE_MIN, IN_PLACE_SHARE * len(keyed))


def build_site(
    root: Path,
    out: Path,
    base_url: str | None = None,
    templates: Path | None = None,
    progress: Progress | None = None,
    *,
    history: bool = True,
    verify: bool = False,
    prefetched: Prefetch | None = None,
    keep: list[object] | None = None,
) -> BuildResult:
    """Build the static site and feed of the registry at ``root`` into ``out``.

    ``history=False`` leaves Git out entirely: no source commit, no history sections, and
    the default registry path and branch in "propose approval" links. When ``out`` holds a
    trusted previous build, files whose inputs did not change are neither made nor
    written, and the changed ones are replaced in place; ``verify`` checks kept files'
    SHA-256 instead of their size and time. ``prefetched`` is the registry being read
    already (``prefetch.start``, called before this module was imported). ``keep``, when
    given, receives what the build holds (the site index, jobs, writer and previous
    manifest) instead of it being freed on return: a caller that ends its process at once
    (the CLI) leaves it to the operating system, which takes the memory back whole
    (Python frees such objects one by one; the registry itself, ~1,000,000 objects at
    100,000 releases, took ~0.7 s, and now ends with the forked loader).
    """
    pending = None
    try:
        with paused_gc():
            # The history's git commands run while the registry loads (stopped if the build
            # fails); its remembered entries (~190,000 at 100k releases) are read now.
            pending = _start_history(root) if history else None
            return _build_site(
                root, out, base_url, templates, progress, history, verify, pending, prefetched, keep
            )
    finally:
        if pending is not None:
            pending.cancel()
        if prefetched is not None:
            prefetched.cancel()


def _start_history(root: Path) -> PendingHistory | None:
    """The history's git commands, started; None outside Git."""
    try:
        return start_collect(root)
    except GitError:
        return None


WRITER_TEXTS = 10_000  # release texts a forked writer keeps (~7.5 MB): all, up to 10k releases
FORK_CHECK_MIN = 1000  # releases; below this, checking in a second process is not worth it


def _error_count(reg: Registry) -> int:
    return sum(1 for f in validate(reg) if f.severity == "error")


def _send_checked_index(
    root: Path, cached: bool, prefetched: Prefetch | None, send: Callable[[Any], None]
) -> None:
    """Load the registry and send its site index (``send_index``), then its error count.

    The rules are checked on another core while the index is made and sent.
    """
    reg = load_directory(root, cached=cached, prefetched=prefetched)
    check = forked.start(partial(_error_count, reg), len(reg.releases) >= FORK_CHECK_MIN)
    try:
        with _explained_by(check.result):
            send_index(reg, send)
        send(check.result())
    finally:
        check.cancel()


@contextmanager
def _explained_by(errors: Callable[[], int]) -> Iterator[None]:
    """An invalid registry explains any failure inside: its error is raised instead."""
    try:
        yield
    except BaseException:
        _refuse_invalid(errors())
        raise


def _free(index: SiteIndex, jobs: Jobs, pending: PendingHistory | None) -> None:
    """Empty what only making the files needs, once forked writers make them (each holds
    its own copy): kept here, it would only add to the memory of merging their manifest
    entries (~430 MB held at 100,000 releases, the build's peak then)."""
    jobs.clear()
    index.clear()
    if pending is not None:
        pending.drop()


def _refuse_invalid(errors: int) -> None:
    if errors:
        raise RelregError(
            f"the registry has {errors} validation error{'s' if errors != 1 else ''}; "
            "run `relreg validate` and fix them before building"
        )


def _build_site(
    root: Path,
    out: Path,
    base_url: str | None,
    templates: Path | None,
    progress: Progress | None,
    history: bool,
    verify: bool,
    pending: PendingHistory | None,
    prefetched: Prefetch | None,
    keep: list[object] | None,
) -> BuildResult:
    # The record and text caches pay where builds repeat: their first filling costs more
    # than it saves (at 100k releases +2 s; later builds -3 s), so a first build into a
    # fresh folder, like a CI runner's, does without them.
    cached = (out / MANIFEST).is_file() or RecordCache.exists(root)
    # A forked process loads the registry, checks its rules (on a third process) and sends
    # the site index, then ends: the processes that make and write the pages never hold
    # the registry's records. Nothing is written before the check's answer is in.
    loading = forked.stream(partial(_send_checked_index, root, cached, prefetched))
    try:
        # While the registry loads: where it sits in Git, its history, and what the
        # previous build left (read only; a rebuild at 100k spends ~2 s reading them).
        facts = git_facts(root) if history else GitFacts()
        if pending is not None and facts.commit:
            pending.result()  # kept for site_options
        old = read_manifest(out) if out.is_dir() else None
        trusted = outputstat.load(out, old.digest) if old is not None else None
        known_texts = load_texts(root) if cached else {}
        index = receive_index(loading.next)
        index.known_texts = known_texts
        reg = index.reg
        with _explained_by(loading.next):
            check_out_dir(root, out)
            options = site_options(reg, root, base_url, templates, facts, history, index, pending)
            jobs = site_jobs(reg, options, index)
        _refuse_invalid(loading.next())
    finally:
        loading.cancel()
    mtime = None
    if options.build_time:
        mtime = int(datetime.fromisoformat(options.build_time.replace("Z", "+00:00")).timestamp())
    everything = index.everything
    result = BuildResult(
        out=out,
        files=len(jobs),
        releases=len(everything),
        rejected=sum(1 for e in everything if index.rejected(e)),
        milestones=len(index.slugs),
        channels=len(index.channels),
        source_commit=options.source_commit,
        build_time=options.build_time,
    )
    writer: Writer
    forked_writers = False
    if old is not None and few_changes(jobs, old):
        # A trusted previous build: make everything into memory, then change in place
        # only the files that differ (see output.InPlaceWriter).
        writer = InPlaceWriter(out, out, old, mtime, verify, trusted)
        write_site(writer, jobs, progress)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        writer = Writer(staging, out, old, mtime, verify, trusted)
        if forked_writers := forks(writer, len(jobs)):
            # Each writer would keep its own copy of every release's text (~70 MB at
            # 100,000 releases): past the first texts, one is made again where used.
            index.keep_texts = WRITER_TEXTS
        try:
            write_site(writer, jobs, progress, partial(_free, index, jobs, pending))
            staging.chmod(SITE_FOLDER_MODE)  # mkdtemp makes it 0700
            swap_in(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if old is None or writer.manifest_digest != old.digest or writer.stats != trusted:
        outputstat.save(out, writer.manifest_digest, writer.stats)
    if cached and not forked_writers:
        # (texts made by forked writers stay with them: the next build makes them again)
        save_texts(root, index)
    if keep is not None:
        keep += [index, jobs, writer, old]
    return replace(result, made=result.files - writer.reused, written=writer.written)
