"""Compiled templates in relreg's cache folder: used when intact, never when not."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from registry_lib import cache as relreg_cache
from registry_lib.site.templating import get_env, render

CONTEXT = {"name": "relreg"}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELREG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RELREG_NO_CACHE", raising=False)
    return tmp_path / "cache" / "templates"


def _override(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "hello.html").write_text(text, encoding="utf-8")
    return folder


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled a template the cache holds")

    monkeypatch.setattr(Environment, "compile", refuse)


def test_a_template_compiled_once_is_loaded_after(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _override(tmp_path / "t", "Hello {{ name }}!\n")
    assert render(get_env(folder), "hello.html", CONTEXT) == "Hello relreg!\n"
    assert len(list(cache.iterdir())) == 1
    _no_compiling(monkeypatch)
    assert render(get_env(folder), "hello.html", CONTEXT) == "Hello relreg!\n"


def test_an_edited_template_is_compiled_again(cache: Path, tmp_path: Path) -> None:
    folder = _override(tmp_path / "t", "Hello {{ name }}!\n")
    render(get_env(folder), "hello.html", CONTEXT)
    _override(folder, "Bye {{ name }}.\n")
    assert render(get_env(folder), "hello.html", CONTEXT) == "Bye relreg.\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],
        lambda blob: blob[:40] + bytes([blob[40] ^ 0x01]) + blob[41:],
        lambda blob: blob[:-8] + bytes(8),
        lambda blob: b"",
    ],
    ids=["cut", "byte flipped", "tail zeroed", "emptied"],
)
def test_a_damaged_compiled_template_is_compiled_again(
    cache: Path, tmp_path: Path, damage: object
) -> None:
    folder = _override(tmp_path / "t", "Hello {{ name }}!\n")
    render(get_env(folder), "hello.html", CONTEXT)
    (stored,) = cache.iterdir()
    good = stored.read_bytes()
    stored.write_bytes(damage(good))  # type: ignore[operator]
    assert render(get_env(folder), "hello.html", CONTEXT) == "Hello relreg!\n"
    assert stored.read_bytes() == good, "the damaged file was written again"


def test_no_compiled_templates_without_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELREG_NO_CACHE", "1")
    folder = _override(tmp_path / "t", "Hello {{ name }}!\n")
    assert render(get_env(folder), "hello.html", CONTEXT) == "Hello relreg!\n"
    assert not cache.exists()


def test_templates_compiled_by_other_relreg_code_are_compiled_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compiled code depends on the environment's options (site/templating.py), not only
    # on the template's source and Jinja's and Python's versions, which Jinja checks
    folder = _override(tmp_path / "t", "Hello {{ name }}!\n")
    render(get_env(folder), "hello.html", CONTEXT)
    monkeypatch.setattr(relreg_cache, "version_key", lambda: "other relreg code")
    compiled: list[str] = []
    real = Environment.compile

    def counting(self: Environment, source: str, name: str | None = None, *a: object) -> object:
        compiled.append(name or "")
        return real(self, source, name, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", counting)
    assert render(get_env(folder), "hello.html", CONTEXT) == "Hello relreg!\n"
    assert compiled == ["hello.html"]
