"""The collector is paused inside ``paused_gc`` and left as it was found afterwards."""

from __future__ import annotations

import gc

import pytest

from registry_lib.gcpause import paused_gc


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_inside_and_restored_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), paused_gc():
            raise RuntimeError("a failed load")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
