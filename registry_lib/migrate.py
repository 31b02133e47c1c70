"""``relreg migrate``: bring an older registry to the format this relreg writes.

A registry's format is registry.yaml's ``schema_version``; a registry.yaml without it is
version 0 (before versioning). Each step is a function from one version to the next; a
registry newer than ``SCHEMA_VERSION`` is refused with "upgrade relreg".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import RelregError
from .model import SCHEMA_VERSION, RegistryConfig
from .ops import Change, build

CONFIG = "registry.yaml"


@dataclass
class Migration:
    """What ``migrate`` found and did (or, with ``dry_run``, would do)."""

    from_version: int
    to_version: int
    steps: list[str] = field(default_factory=list)
    change: Change | None = None

    @property
    def needed(self) -> bool:
        """True when the registry was older than this relreg's format."""
        return self.from_version < self.to_version


def _read_config(root: Path) -> tuple[str, dict[str, Any]]:
    path = root / CONFIG
    if not path.is_file():
        raise RelregError(
            f"no registry at {root}: {CONFIG} is missing; create one with `relreg init`"
        )
    raw = path.read_bytes()
    doc = yamlio.parse(raw)
    if doc.problems or not isinstance(doc.data, dict):
        raise RelregError(f"{CONFIG} cannot be read; fix it first (see `relreg validate`)")
    return raw.decode("utf-8"), doc.data


def schema_version(root: Path) -> int:
    """The ``schema_version`` of the registry at ``root`` (0 when registry.yaml has none)."""
    _, data = _read_config(root)
    return _version_of(data)


def _version_of(data: dict[str, Any]) -> int:
    value = data.get("schema_version", 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RelregError(
            f"{CONFIG}: schema_version must be a whole number of 0 or more, not {value!r}"
        )
    return value


def _insert_version(text: str, data: dict[str, Any], version: int) -> str:
    """Add ``schema_version`` as the first key, keeping the rest of the file as it is.

    The line goes after leading comments and a ``---`` marker; the result is re-parsed and
    must equal the old data plus the new key, else the file is rewritten canonically.
    """
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and (not lines[at].strip() or lines[at].lstrip().startswith("#")):
        at += 1
    if at < len(lines) and lines[at].rstrip() == "---":
        at += 1
    edited = "".join([*lines[:at], f"schema_version: {version}\n", *lines[at:]])
    doc = yamlio.parse(edited.encode("utf-8"))
    if not doc.problems and doc.data == {**data, "schema_version": version}:
        return edited
    rest = {k: v for k, v in data.items() if k != "schema_version"}
    return yamlio.dump({"schema_version": version, **rest})


def _v0_to_v1(text: str, data: dict[str, Any]) -> tuple[str, str]:
    return _insert_version(text, data, 1), "0 -> 1: add schema_version: 1 to registry.yaml"


# version -> the step that takes a registry.yaml from it to the next version
STEPS: dict[int, Callable[[str, dict[str, Any]], tuple[str, str]]] = {0: _v0_to_v1}


def _refuse_newer(version: int, writing: str = "") -> None:
    if version > SCHEMA_VERSION:
        raise RelregError(
            f"{CONFIG} has schema_version {version}, newer than this relreg supports "
            f"({SCHEMA_VERSION}); upgrade relreg{writing}"
        )


def refuse_newer_format(root: Path) -> None:
    """Refuse to write into a registry whose format is newer than this relreg's.

    An older relreg would write files in its own format into a newer registry. A missing
    or unreadable registry.yaml is left to the command itself (and to ``validate``).
    """
    if not (root / CONFIG).is_file():
        return
    try:
        version = schema_version(root)
    except RelregError:
        return
    _refuse_newer(version, " before writing to this registry")


def migrate(root: Path, dry_run: bool = False) -> Migration:
    """Migrate the registry at ``root`` to ``SCHEMA_VERSION``; a no-op when it is current."""
    text, data = _read_config(root)
    start = _version_of(data)
    _refuse_newer(start)
    result = Migration(start, SCHEMA_VERSION)
    version = start
    while version < SCHEMA_VERSION:
        text, note = STEPS[version](text, data)
        version += 1
        doc = yamlio.parse(text.encode("utf-8"))
        data = doc.data
        result.steps.append(note)
    if not result.needed:
        return result
    build(RegistryConfig, data, CONFIG)  # refuse to write a registry.yaml that is invalid
    change = Change(f"Migrate registry to schema version {SCHEMA_VERSION}")
    if not dry_run:
        change.write(root, CONFIG, text)
    else:
        change.written.append(CONFIG)
    result.change = change
    return result
