"""Files relreg keeps for itself are read only when they are regular files: a named pipe
put under such a name counts as missing instead of blocking the command forever."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry_lib import cache, privateindex
from registry_lib.regularfile import read_regular
from registry_lib.site.manifest import MANIFEST, read_manifest

ROOT = Path(__file__).resolve().parents[2]


def finishes(fn: Callable[[], Any]) -> Any:
    """``fn()``'s result; fails (instead of hanging the suite) if it blocks."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "blocked on a named pipe"
    return result[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_read_regular_refuses_a_named_pipe_and_a_folder(fifo: Path, tmp_path: Path) -> None:
    def attempt(path: Path) -> str:
        try:
            read_regular(path)
        except OSError as exc:
            return str(exc)
        return "read"

    assert "not a regular file" in finishes(lambda: attempt(fifo))
    assert attempt(tmp_path) != "read"
    (tmp_path / "file").write_bytes(b"data")
    assert read_regular(tmp_path / "file") == b"data"


def test_cache_readers_take_a_named_pipe_for_a_missing_file(fifo: Path, tmp_path: Path) -> None:
    assert finishes(lambda: cache.read_file(fifo)) is None
    out = tmp_path / "site"
    out.mkdir()
    os.mkfifo(out / MANIFEST)
    assert finishes(lambda: read_manifest(out)) is None

    def private_index() -> str:
        try:
            privateindex.read_unchecked(fifo)
        except OSError:
            return "missing"
        return "read"

    assert finishes(private_index) == "missing"


def relreg(
    registry: Path, *args: str, timeout: int = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """``relreg`` in its own process: a hang fails the test (timeout) instead of the suite."""
    environ = {k: v for k, v in os.environ.items() if k != "RELREG_NO_CACHE"}
    command = [sys.executable, "-m", "registry_lib", "--registry", str(registry), *args]
    return subprocess.run(
        command,
        env={**environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_build_with_a_named_pipe_for_its_record_cache_finishes(tmp_path: Path) -> None:
    cache = {"RELREG_CACHE_DIR": str(tmp_path / "cache")}

    def build(out: str) -> subprocess.CompletedProcess[str]:
        return relreg(ROOT / "data", "build", "--out", str(tmp_path / out), timeout=120, **cache)

    assert build("site").returncode == 0
    assert build("site").returncode == 0  # fills the record cache
    records = list((tmp_path / "cache" / "records").iterdir())
    assert records
    for path in records:
        path.unlink()
        os.mkfifo(path)
    again = build("site")
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr


def test_a_named_pipe_in_the_registry_is_a_finding_not_a_hang(tmp_path: Path) -> None:
    registry = tmp_path / "data"
    shutil.copytree(ROOT / "data", registry)
    release = registry / "releases/4.0/4.0.0/release.yaml"
    release.unlink()
    os.mkfifo(release)
    uncached = {"RELREG_NO_CACHE": "1"}
    checked = relreg(registry, "validate", **uncached)
    assert checked.returncode == 1
    assert (
        "releases/4.0/4.0.0/release.yaml: RR100: cannot read the file: not a regular file"
        in checked.stdout
    )
    shown = relreg(registry, "release", "show", "4.0.0", **uncached)
    assert shown.returncode == 1 and shown.stderr.startswith("error: no release 4.0.0")
    assert relreg(registry, "latest", **uncached).returncode == 0
