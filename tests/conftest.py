"""Shared fixtures: the CLI through click's CliRunner, in a clean environment."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry_lib.cli import main
from registry_lib.gitsource import GitTreeSource
from registry_lib.loader import DirectorySource

RunLine = Callable[..., tuple[int, str, str]]

# Variables that change what relreg does; tests set the ones they need explicitly.
_RELREG_ENV = (
    "RELREG_ACTOR",
    "RELREG_NOW",
    "RELREG_REGISTRY",
    "RELREG_DEBUG",
    "GITHUB_STEP_SUMMARY",
)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """relreg's caches go to a folder of the test session, never to the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RELREG_CACHE_DIR", str(tmp_path_factory.mktemp("relreg-cache")))
        yield


@pytest.fixture
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No relreg variables and no global or system Git config (so no user.email)."""
    home = tmp_path_factory.mktemp("home")
    for name in _RELREG_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run_line(isolated_env: None) -> RunLine:
    """Run ``relreg`` with a list of arguments (or one shell-quoted string).

    Returns ``(exit_code, stdout, stderr)``. Exceptions are not caught, so a traceback in
    the CLI fails the test instead of hiding in the result.
    """

    def run(
        args: Sequence[str | Path] | str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> tuple[int, str, str]:
        argv = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
        runner = CliRunner()
        result = runner.invoke(main, argv, env=dict(env or {}), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registry paths read from now on, from folders and from Git trees, in order:
    for tests that a command reads only what it needs."""
    read: list[str] = []
    for source in (DirectorySource, GitTreeSource):
        original = source.read

        def recording(self: object, path: str, original: Callable[..., bytes] = original) -> bytes:
            read.append(path)
            return original(self, path)

        monkeypatch.setattr(source, "read", recording)
    return read
