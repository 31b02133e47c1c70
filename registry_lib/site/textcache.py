"""Release objects' JSON texts from earlier builds, by object digest; safe to delete.

Every list document of the feed (``releases.json``, each channel's and milestone's
``releases.json``) holds the indented JSON of its releases' objects, so a build after
one new approval would otherwise re-encode every release. A text is a function of its
object alone, and ``SiteIndex.digest`` names the object (the SHA-256 of its ``repr``), so
a text found under the same digest, written by the same relreg code, is the text this
build would make. The file is checksummed and tagged with relreg's code version
(``cache.read_file``); a damaged or foreign one is ignored and rewritten. It lives in
relreg's cache folder, one file per registry folder; ``RELREG_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

from pathlib import Path

from ..cache import enabled, read_file, registry_file, small_change, write_file
from .index import SiteIndex

FORMAT = 1


def _file(root: Path) -> Path:
    return registry_file(root, "texts", FORMAT)


def load_texts(root: Path) -> dict[str, str]:
    """The texts the last build of ``root`` knew, by digest; empty when there are none."""
    if not enabled():
        return {}
    payload = read_file(_file(root))
    texts = payload.get("texts") if payload else None
    return texts if isinstance(texts, dict) else {}


def save_texts(root: Path, index: SiteIndex) -> None:
    """Remember the texts of this build's objects, when it had to make more than a few.

    Without texts from before (the first rebuild into a folder, when the record cache
    fills too), every text is made now, so the next build after a change finds them all.
    A few texts made anew (one new approval) are left for the next builds to make again
    until they add up (``cache.small_change``): rewriting every text costs more.
    """
    if not enabled():
        return
    known = len(index.known_texts)
    if not known:
        for tag in index.objects:
            index.tag_text(tag)
    if index.made_texts > small_change(known):
        write_file(_file(root), {"format": FORMAT, "texts": index.texts_by_digest()})
