"""Write a site: a full build into a fresh folder, or an incremental one in place.

The only module of the site that writes. Each output file is a job (``pages.FileJob``):
an input fingerprint (or None) and a maker of its bytes. A file is kept from the previous
build, neither made nor written, when the previous manifest records the same fingerprint
for it; a file made anew whose bytes equal the previous ones is kept too. Either way the
previous file must still be what the manifest says: a regular file of the recorded size
and build time whose stat signature is the one recorded after the previous build
(``outputstat``), or else whose SHA-256 is the recorded one (always checked with
``verify``). A missing, unreadable, malformed or "incomplete" manifest means a full build
(the manifest: ``manifest``).

``Writer`` writes a full build into a staging folder (``swap_in`` renames it over the
output folder). ``InPlaceWriter`` updates a trusted previous build where it stands: it
makes every file into memory first (a render error writes nothing), then marks the
manifest incomplete, replaces only the changed files (each atomically: temp file and
``os.replace``), deletes files that are gone, and writes the new manifest last.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..forked import Chunks, Streamed, can_fork
from .manifest import INCOMPLETE, MANIFEST, Manifest, safe_relpath
from .outputstat import Signature, signature
from .pages import FileJob

TEMP_SUFFIX = ".relreg-tmp"
SITE_FOLDER_MODE = 0o755  # the output folder itself, whatever the umask: a web server reads it
Progress = Callable[[int, int], None]  # (files done, files in total)


@dataclass
class Writer:
    """Writes one build into ``staging``, linking from ``previous`` where it can.

    ``trusted`` holds the previous files' stat signatures recorded with the old manifest
    (``outputstat``): a kept file matching its signature is taken as is, any other is
    hashed. ``stats`` collects the signatures of this build's files as they are left.
    """

    staging: Path
    previous: Path
    old: Manifest | None
    mtime: int | None
    verify: bool = False
    trusted: dict[str, Signature] | None = None
    reused: int = 0  # linked without being made
    linked: int = 0  # made, found unchanged, linked
    written: int = 0
    new: Manifest = field(init=False)
    stats: dict[str, Signature] = field(default_factory=dict, repr=False)
    manifest_digest: str = ""  # the SHA-256 of the manifest this build wrote
    _dirs: set[str] = field(default_factory=set, repr=False)
    file_mode: int = field(init=False, repr=False)  # what a fresh build's files get
    dir_mode: int = field(init=False, repr=False)
    # previous folders (relative paths) found to be real folders, not links
    _real: dict[str, bool] = field(default_factory=dict, repr=False)
    # previous files and folders whose mode is not a new build's: kept, and chmod'ed
    _bad_files: set[str] = field(default_factory=set, repr=False)
    _bad_folders: set[str] = field(default_factory=set, repr=False)
    _previous_prefix: str = field(init=False, repr=False)  # "<previous>/"
    _moved: bool = field(init=False, repr=False)
    # kept files whose time or mode this build changes, once every file is made
    retouch: list[tuple[str, bool]] = field(default_factory=list, repr=False)  # (path, chmod)

    def __post_init__(self) -> None:
        self.new = Manifest(self.mtime, {}, {}, {})
        # this build's time differs from the previous build's: kept files get it
        old_mtime = self.old.mtime if self.old is not None else None
        self._moved = self.old is not None and self.mtime is not None and old_mtime != self.mtime
        self.file_mode, self.dir_mode = fresh_modes()
        self._previous_prefix = os.path.join(self.previous, "")

    def _target(self, relpath: str) -> str:
        safe_relpath(self.staging, relpath)
        parent = relpath.rpartition("/")[0]
        if parent and parent not in self._dirs:
            os.makedirs(self.staging / parent, exist_ok=True)
            self._dirs.add(parent)
        return os.path.join(self.staging, relpath)

    def _previous_ok(self, relpath: str, digest: str | None = None) -> Signature | None:
        """The previous file's signature when it is still what the old manifest says it is,
        else None."""
        old = self.old
        if old is None:
            return None
        recorded = old.sha256.get(relpath)
        if recorded is None or (digest is not None and recorded != digest):
            return None
        path = self._previous_prefix + relpath  # a safe relative path (read_manifest)
        try:
            st = os.lstat(path)
        except OSError:
            return None
        sig = signature(st)
        trusted = self.trusted
        # A signature recorded right after the previous build left the file vouches for its
        # type, size and time (any change moves the change time); at 100,000 releases a
        # rebuild asks this of 200,000 files. The mode is still compared: the umask may
        # have changed since.
        known = not self.verify and trusted is not None and trusted.get(relpath) == sig
        if not known:
            if not (st.st_mode & 0o170000 == 0o100000 and st.st_size == old.sizes.get(relpath)):
                return None
            if old.mtime is not None and int(st.st_mtime) != old.mtime:
                return None
        if not self._in_real_folders(relpath):
            return None  # it sits behind a symbolic link
        if st.st_mode & 0o7777 != self.file_mode:
            self._bad_files.add(relpath)  # kept, and made readable again (chmod)
        if not known:
            try:
                with open(path, "rb") as fh:
                    if hashlib.file_digest(fh, "sha256").hexdigest() != recorded:
                        return None
            except OSError:
                return None
        return sig

    def _in_real_folders(self, relpath: str) -> bool:
        """True when every folder above ``relpath`` in the previous build is a real folder,
        not a symbolic link (which ``lstat`` of the file itself would follow); each folder
        is looked at once, and one without a new folder's mode is noted to be fixed."""
        real = self._real
        parent = relpath.rpartition("/")[0]
        if not parent:
            return True
        found = real.get(parent)
        if found is None:
            try:
                mode = os.lstat(self._previous_prefix + parent).st_mode
            except OSError:
                mode = 0
            found = real[parent] = stat.S_ISDIR(mode) and self._in_real_folders(parent)
            if found and mode & 0o7777 != self.dir_mode:
                self._bad_folders.add(parent)
        return found

    def _link(self, relpath: str, sig: Signature) -> bool:
        """Take the previous file (of signature ``sig``) into this build."""
        target = self._target(relpath)
        try:
            os.link(os.path.join(self.previous, relpath), target)
        except OSError:
            return False  # e.g. a file system without hard links: write instead
        # The link is the previous site's file too: its new time or mode waits until every
        # file is made (``finish``), so a build that fails leaves that site as it was.
        if not self._needs_retouch(relpath):
            self.stats[relpath] = signature(os.lstat(target))  # linking moved the change time
        return True

    def _needs_retouch(self, relpath: str) -> bool:
        """Note a kept file for ``_retouch`` when it needs this build's time or a new
        file's mode; False when it needs neither."""
        chmod = relpath in self._bad_files
        if self._moved or chmod:
            self.retouch.append((relpath, chmod))
            return True
        return False

    def _retouch(self) -> None:
        """Give the linked files that need it this build's time and a new file's mode."""
        for relpath, chmod in self.retouch:
            target = os.path.join(self.staging, relpath)
            if self._moved and self.mtime is not None:
                os.utime(target, (self.mtime, self.mtime))
            if chmod:
                os.chmod(target, self.file_mode)  # the link shares the file's mode
            self.stats[relpath] = signature(os.lstat(target))

    def put(self, relpath: str, job: FileJob) -> None:
        """Reuse, link or write one file, and record it in the new manifest."""
        old = self.old
        key = job.key  # computed here when deferred (fingerprint.Deferred)
        same_inputs = key is not None and old is not None and old.inputs.get(relpath) == key
        sig = self._previous_ok(relpath) if same_inputs else None
        if sig is not None and self._link(relpath, sig):
            assert old is not None
            self._record(relpath, key, old.sha256[relpath], old.sizes[relpath])
            self.reused += 1
            return
        made = job.make()
        if not isinstance(made, bytes) and self.streams:
            self._write_pieces(relpath, key, made)
            return
        pieces = [made] if isinstance(made, bytes) else list(made)
        hashed = hashlib.sha256()
        for piece in pieces:
            hashed.update(piece)
        digest = hashed.hexdigest()
        # (with the same inputs, the previous file was just found wanting)
        sig = None if same_inputs else self._previous_ok(relpath, digest)
        if sig is not None and self._link(relpath, sig):
            self.linked += 1
        else:
            self.write(relpath, pieces)
            self.written += 1
        self._record(relpath, key, digest, sum(len(p) for p in pieces))

    streams = True  # a file made in pieces is written as they come (see _write_pieces)

    def _write_pieces(self, relpath: str, key: str | None, pieces: Iterable[bytes]) -> None:
        """Write a file made in pieces as they are made, hashing them on the way: only one
        piece is held at a time. Written even when the previous build has the same bytes
        (they are known only once written): a few big lists, not worth a second pass."""
        digest = hashlib.sha256()
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for piece in _hashed(pieces, digest):
                size += len(piece)
                yield piece

        self.write(relpath, counted())
        self.written += 1
        self._record(relpath, key, digest.hexdigest(), size)

    def write(self, relpath: str, data: Data) -> None:
        """Write a new file (in the fresh staging folder: no temp file needed)."""
        self.stats[relpath] = _write_file(self._target(relpath), os.O_EXCL, data, self.mtime)

    def _record(self, relpath: str, key: str | None, digest: str, size: int) -> None:
        self.new.sha256[relpath] = digest
        self.new.sizes[relpath] = size
        if key is not None:
            self.new.inputs[relpath] = key

    def finish(self) -> None:
        """Retouch the linked files, then write the manifest: a build without one is never
        trusted."""
        self._retouch()
        digest = hashlib.sha256()
        target = os.path.join(self.staging, MANIFEST)
        _write_file(target, os.O_EXCL, _hashed(self.new.chunks(), digest), self.mtime)
        self.manifest_digest = digest.hexdigest()


Data = bytes | Iterable[bytes]  # a file's bytes, whole or in pieces


def _hashed(chunks: Iterable[bytes], digest: Any) -> Iterator[bytes]:
    """The pieces of a file, each added to ``digest`` as it passes."""
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _write_file(path: str, mode: int, data: Data, mtime: int | None) -> Signature:
    """Create (``O_EXCL``) or overwrite (``O_TRUNC``) a file with ``data``, then set its time;
    its signature as written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
        if mtime is not None:
            os.utime(fd, (mtime, mtime))  # by descriptor: no second path lookup
        return signature(os.fstat(fd))
    finally:
        os.close(fd)


def fresh_modes() -> tuple[int, int]:
    """The modes of the files and folders a build creates (0644 and 0755 less the umask)."""
    umask = os.umask(0)  # reading the umask means setting it; nothing runs in between
    os.umask(umask)
    return 0o644 & ~umask, 0o777 & ~umask


def _make_folder(root: str, relpath: str, mode: int) -> None:
    """Make ``relpath`` a real folder of ``mode`` inside ``root``. Whatever stands in the
    way, a file or a symbolic link put there behind the build's back, is removed: writing
    through a link would write outside the site."""
    path = root
    for part in relpath.split("/"):
        path = os.path.join(path, part)
        try:
            found = os.lstat(path).st_mode
        except FileNotFoundError:
            os.mkdir(path)
            continue
        if not stat.S_ISDIR(found):
            os.unlink(path)
            os.mkdir(path)
        elif found & 0o7777 != mode:
            os.chmod(path, mode)


def _remove(root: str, relpath: str) -> None:
    """Delete ``relpath`` inside ``root``, never through a symbolic link: where a folder
    on the way is a link (or a file), that is deleted instead, and what it held with it."""
    path = root
    parts = relpath.split("/")
    for part in parts[:-1]:
        path = os.path.join(path, part)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISDIR(mode):
            os.unlink(path)
            return
    path = os.path.join(path, parts[-1])
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def write_atomic(target: str, data: Data, mtime: int | None) -> Signature:
    """Replace ``target`` by a file holding ``data``: a temp file, then ``os.replace``;
    the new file's signature."""
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)  # a folder where a file belongs: edited behind our back
    temp = target + TEMP_SUFFIX
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)  # a leftover, or a link planted there: never written through
    _write_file(temp, os.O_EXCL, data, mtime)
    os.replace(temp, target)
    return signature(os.lstat(target))  # the rename moved the change time


@dataclass
class InPlaceWriter(Writer):
    """Updates a trusted previous build in ``previous`` (== ``staging``) where it stands.

    ``put`` only makes files into memory; ``finish`` writes: the "incomplete" manifest
    first, then deletions, then the changed files, then the new manifest.
    """

    pending: dict[str, Data] = field(default_factory=dict, repr=False)
    streams = False  # every changed file is held until finish() (a render error writes nothing)

    def _target(self, relpath: str) -> str:
        safe_relpath(self.staging, relpath)
        return os.path.join(self.staging, relpath)

    def _link(self, relpath: str, sig: Signature) -> bool:
        # the file stays where it is; finish() gives it the build's time or mode if needed
        if not self._needs_retouch(relpath):
            self.stats[relpath] = sig
        return True

    def write(self, relpath: str, data: Data) -> None:
        self.pending[safe_relpath(self.staging, relpath)] = data

    def finish(self) -> None:
        """Delete what is gone, write what changed, and the manifest last."""
        old = self.old
        assert old is not None
        folder = str(self.staging)
        write_atomic(os.path.join(folder, MANIFEST), INCOMPLETE, None)
        if os.lstat(folder).st_mode & 0o7777 != SITE_FOLDER_MODE:
            os.chmod(folder, SITE_FOLDER_MODE)  # as a build made aside leaves it
        gone = sorted(set(old.sha256) - set(self.new.sha256))
        for relpath in gone:
            _remove(folder, relpath)
        for parent in sorted({p for r in gone if (p := r.rpartition("/")[0])}, reverse=True):
            while parent:  # remove folders left empty, deepest first
                try:
                    os.rmdir(os.path.join(folder, parent))
                except OSError:
                    break
                parent = parent.rpartition("/")[0]
        for relpath, data in sorted(self.pending.items()):
            target = os.path.join(folder, relpath)
            parent = relpath.rpartition("/")[0]
            if parent and parent not in self._dirs:
                _make_folder(folder, parent, self.dir_mode)
                self._dirs.add(parent)
            self.stats[relpath] = write_atomic(target, data, self.mtime)
        self._retouch()  # same bytes, but the build time moved (or the mode is not a build's)
        for relpath in sorted(self._bad_folders):
            with contextlib.suppress(FileNotFoundError):  # unless it was deleted above
                os.chmod(os.path.join(folder, relpath), self.dir_mode)
        digest = hashlib.sha256()
        write_atomic(os.path.join(folder, MANIFEST), _hashed(self.new.chunks(), digest), self.mtime)
        self.manifest_digest = digest.hexdigest()


# Below this many files a second process costs more than it saves.
PARALLEL_MIN = 2000


def forks(writer: Writer, files: int) -> bool:
    """True when ``write_site`` makes ``files`` files in forked writers."""
    return files >= PARALLEL_MIN and not isinstance(writer, InPlaceWriter) and can_fork()


def write_site(
    writer: Writer,
    jobs: dict[str, FileJob],
    progress: Progress | None,
    forked: Callable[[], None] | None = None,
) -> None:
    """Every job in path order, then the manifest.

    A full build of many files is made and written by two forked processes (see
    ``_write_forked``), and ``forked`` is called once they run; an in-place build holds
    its few changed files in memory and writes them in ``finish``, so it stays in one
    process.
    """
    paths = sorted(jobs)  # (not a list of (path, job) pairs: 200,000 tuples at 100k)
    if forks(writer, len(paths)):
        _write_forked(writer, jobs, paths, progress, forked)
    else:
        _write_items(writer, jobs, paths, progress)
    writer.finish()


def _write_items(
    writer: Writer, jobs: dict[str, FileJob], paths: list[str], progress: Progress | None
) -> None:
    total = len(paths)
    for done, relpath in enumerate(paths, start=1):
        writer.put(relpath, jobs[relpath])
        if progress is not None:
            progress(done, total)


WRITERS = 2  # forked writer processes: one a core (see forked.can_fork)


def _write_forked(
    writer: Writer,
    jobs: dict[str, FileJob],
    paths: list[str],
    progress: Progress | None,
    forked: Callable[[], None] | None,
) -> None:
    """Make and write the files in two forked processes; merge what they wrote.

    Rendering is CPU-bound Python, so two cores need two processes; fork shares the
    loaded site index and the page makers for free, and each writer writes its own files
    into the staging folder. Each takes the next chunk of files whenever it is free
    (``forked.Chunks``), so both end together however the files' costs fall, and sends
    each chunk's manifest entries as soon as they are written (``forked.Streamed``); an
    error in either fails the build.

    A process's peak memory is what it holds at once, so a writer holds one chunk's
    entries, not half the manifest (~80 MB at 100,000 releases), and this process calls
    ``forked`` once both writers run, to free what only they need (the site index, the
    page makers): the manifest it merges then takes that memory's place.
    """
    total = len(paths)
    chunks = Chunks(total, size=CHUNK_FILES)
    children: list[Streamed] = []
    try:
        for _ in range(WRITERS):
            children.append(Streamed(partial(_write_shared, writer, jobs, paths, chunks)))
        if forked is not None:
            forked()
        waiting = list(children)
        while waiting:
            fds = [child.read_fd for child in waiting]
            ready = select.select(fds, [], [], PROGRESS_SECONDS if progress else None)[0]
            for child in [c for c in waiting if c.read_fd in ready]:
                for entries in child.arrived():  # a writer's error is raised here
                    _merge(writer, entries)
                if child.ended:
                    child.cancel()  # reaps it
                    waiting.remove(child)
            if progress is not None:
                progress(total if not waiting else chunks.taken(), total)
    finally:
        for child in children:
            child.cancel()  # the other writer, when one failed
        chunks.close()


def _merge(writer: Writer, entries: tuple[Any, ...]) -> None:
    """Add a writer's entries for one chunk (``_take_entries``) to ``writer``'s."""
    sha256, sizes, inputs, stats, retouch, (reused, linked, written) = entries
    writer.stats.update(stats)
    writer.retouch += retouch
    writer.new.sha256.update(sha256)
    writer.new.sizes.update(sizes)
    writer.new.inputs.update(inputs)
    writer.reused += reused
    writer.linked += linked
    writer.written += written


CHUNK_FILES = 16  # files a process takes at a time: small enough to end together
PROGRESS_SECONDS = 0.2  # how often a waiting build reports progress


def _write_shared(
    writer: Writer,
    jobs: dict[str, FileJob],
    paths: list[str],
    chunks: Chunks,
    send: Callable[[Any], None],
) -> None:
    """Write chunks of ``paths`` until none is left, sending each chunk's entries."""
    while (taken := chunks.take()) is not None:
        for i in taken:
            relpath = paths[i]
            writer.put(relpath, jobs[relpath])
        send(_take_entries(writer))


def _take_entries(writer: Writer) -> tuple[Any, ...]:
    """What ``writer`` recorded since the last call (for ``_merge``); it starts afresh."""
    new, stats, retouch = writer.new, writer.stats, writer.retouch
    counts = (writer.reused, writer.linked, writer.written)
    writer.new = Manifest(writer.mtime, {}, {}, {})
    writer.stats, writer.retouch = {}, []
    writer.reused = writer.linked = writer.written = 0
    return new.sha256, new.sizes, new.inputs, stats, retouch, counts


def swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` with two renames; the old tree is deleted afterwards."""
    import tempfile

    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
    try:
        new.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
