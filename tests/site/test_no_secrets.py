"""Webhook URLs and secret names never reach the built site or feed."""

from __future__ import annotations

import shutil
from pathlib import Path

from registry_lib.site.build import build_site

DATA = Path(__file__).resolve().parents[2] / "data"
HOOK = "https://hooks.internal.example.org/relreg-private-endpoint"
SECRET_ENV = "RELREG_PRIVATE_HOOK_SECRET"


def test_webhooks_stay_out_of_every_built_file(tmp_path: Path) -> None:
    registry = tmp_path / "data"
    shutil.copytree(DATA, registry)
    config = registry / "registry.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"webhooks:\n  - url: {HOOK}/all\n    secret_env: {SECRET_ENV}\n",
        encoding="utf-8",
    )
    milestone = registry / "milestones" / "nightly-passed.yaml"
    milestone.write_text(
        milestone.read_text(encoding="utf-8")
        + f"webhooks:\n  - url: {HOOK}/nightly\n    secret_env: {SECRET_ENV}\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build_site(registry, out, history=False)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        assert b"hooks.internal.example.org" not in data, path
        assert SECRET_ENV.encode() not in data, path
