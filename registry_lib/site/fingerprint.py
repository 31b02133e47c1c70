"""Input fingerprints of pages, for incremental builds. Pure: reads only the template and
code files whose content can change what a page looks like.

A page's fingerprint is the SHA-256 of the JSON of everything its template can see, plus
the engine's (relreg's version, its site code and every template file on the search
path): same fingerprint, same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .templating import search_path

_SITE_CODE = Path(__file__).resolve().parent


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


def _folder_digest(folder: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob(pattern)):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """relreg's version and the digest of its site code."""
    try:
        release = version("relreg")
    except PackageNotFoundError:
        release = "unknown"
    return release + ":" + _folder_digest(_SITE_CODE, "*.py")


def engine_fingerprint(templates: Path | None) -> str:
    """What renders the pages: relreg's version and site code, and the template files."""
    return fingerprint(
        {
            "code": code_digest(),
            "templates": [[str(p), _folder_digest(p, "*")] for p in search_path(templates)],
        }
    )
