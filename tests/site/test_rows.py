"""``templating.release_rows`` (the release table's rows in Python) equals the Jinja loop it
replaced (kept in ``reference/rows.html``), byte for byte, escaping included."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pagekit import DATA, EVIL

from registry_lib.loader import load_directory
from registry_lib.site.templating import get_env, release_rows
from registry_lib.site.views import ReleaseView, gather

REFERENCE = Path(__file__).resolve().parent / "reference"


def reference(root: str, releases: list[Any], milestones: list[Any]) -> str:
    env = get_env(REFERENCE)
    return env.get_template("rows.html").render(root=root, releases=releases, milestones=milestones)


def rows(root: str, releases: list[Any], milestones: list[Any]) -> str:
    made = str(release_rows(root, releases, milestones))
    return made + "\n" if made else made


@pytest.mark.parametrize("root", ["", "../", "../../"])
def test_rows_of_data_equal_the_template(root: str) -> None:
    data = gather(load_directory(DATA))
    assert any(r.rejected for r in data.releases)
    assert any(a["break_glass"] for r in data.releases for a in r.reached.values())
    for releases in [data.releases, *(c.releases for c in data.channels), []]:
        assert rows(root, releases, data.milestones) == reference(root, releases, data.milestones)
    assert rows(root, data.releases, []) == reference(root, data.releases, [])


def test_rows_escape_like_the_template() -> None:
    def release(tag: str, rejected: bool, glass: bool) -> ReleaseView:
        approval = {
            "slug": "m&1",
            "name": EVIL,
            "approver": f'"{EVIL}"',
            "approved_at": "2023-05-01T12:00:00Z",
            "break_glass": glass,
        }
        obj = {
            "tag": tag,
            "kind": "release",
            "channel": "4.0",
            "creator": "a'b@example.org",
            "commit": "abc",
            "metadata": {"Note": EVIL, "Count": 3, "Flag": True},
            "quality_milestones": [approval],
            "rejected": rejected,
            "created_at": "not a <time>",
        }
        return ReleaseView(obj=obj, reached={"m&1": approval})

    releases = [release("4.0.0", False, False), release("4.0.1", True, True)]
    milestones = [
        SimpleNamespace(slug="m&1", name=EVIL),
        SimpleNamespace(slug="other", name="Other"),
    ]
    made = rows("<root>/", releases, milestones)
    assert made == reference("<root>/", releases, milestones)
    assert EVIL not in made
