"""Input fingerprints of pages, for incremental builds. Pure: reads only the template and
code files whose content can change what a page looks like.

A page's fingerprint is the SHA-256 of the JSON of everything its template can see, plus
the engine's (relreg's version, its code and every template file on the search
path): same fingerprint, same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .templating import search_path

_PACKAGE = Path(__file__).resolve().parent.parent  # all of relreg's code: pages use more than site/


class Deferred:
    """A fingerprint computed on first use, then kept.

    A first build records every file's fingerprint without comparing it with anything:
    computed when each file is written, they cost each of the two writer processes half
    (0.3 s in the single-process preparation at 10,000 releases). A rebuild compares
    them all before it forks, and the writers then find them computed.
    """

    __slots__ = ("fn", "value")

    def __init__(self, fn: Callable[[], str]) -> None:
        self.fn = fn
        self.value: str | None = None

    def __call__(self) -> str:
        if self.value is None:
            self.value = self.fn()
        return self.value


Key = str | Deferred  # a file's input fingerprint, now or on first use


def fingerprint(inputs: Any) -> str:
    """The SHA-256 of the inputs' canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _folder_digest(folder: Path, suffix: str = "") -> str:
    """The SHA-256 of every file (ending in ``suffix``) below ``folder``, names included.

    Linked folders are followed, as Jinja follows them when it loads a template (a
    template folder may link a shared one); each real folder is read once.
    """
    digest = hashlib.sha256()
    files: list[tuple[str, Path]] = []  # (name relative to folder, path)
    seen: set[tuple[int, int]] = set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        st = os.stat(top)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []  # a link back up the tree
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        here = Path(top)
        files += [
            ((here / n).relative_to(folder).as_posix(), here / n)
            for n in names
            if n.endswith(suffix)
        ]
    for name, path in sorted(files):
        if path.is_file():
            digest.update(name.encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """relreg's version and the digest of its code (every module: pages use more than
    ``site/``, e.g. the YAML of "propose approval" links)."""
    try:
        release = version("relreg")
    except PackageNotFoundError:
        release = "unknown"
    return release + ":" + _folder_digest(_PACKAGE, ".py")


def engine_fingerprint(templates: Path | None) -> str:
    """What renders the pages: relreg's version and code, and the template files."""
    return fingerprint(
        {
            "code": code_digest(),
            "templates": [[str(p), _folder_digest(p)] for p in search_path(templates)],
        }
    )
