"""Fixtures of the roles tests: the shared ``run_line`` with an actor and a fixed clock."""

from __future__ import annotations

import pytest
from rolekit import ACTOR, NOW


@pytest.fixture
def env(isolated_env: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """RELREG_ACTOR and RELREG_NOW set (HOME and Git config isolated by ``isolated_env``)."""
    monkeypatch.setenv("RELREG_ACTOR", ACTOR)
    monkeypatch.setenv("RELREG_NOW", NOW)
    return {"RELREG_ACTOR": ACTOR, "RELREG_NOW": NOW}
