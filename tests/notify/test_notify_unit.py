"""Pure parts of notify: ids, signatures, routing; and webhook URLs never reach the feed."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from registry_lib.loader import load_directory
from registry_lib.notify import DeliveryLog
from registry_lib.notify_events import compute_events, delivery_id, hooks_of, plan_deliveries
from registry_lib.objects import definition_object, release_object
from registry_lib.registry import Registry
from registry_lib.webhook_http import signature

SECRET_URL = "https://hooks.example.org/T0KEN-in-path"
MILESTONE_URL = "https://ms.example.org/hook"


def _registry(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "milestones").mkdir(parents=True)
    folder = root / "releases" / "4.1" / "4.1.0"
    (folder / "approvals").mkdir(parents=True)
    (root / "registry.yaml").write_text(
        f"name: R\nwebhooks:\n  - url: {SECRET_URL}\n    secret_env: HOOK\n"
    )
    (root / "milestones" / "nightly-passed.yaml").write_text(
        f"name: Nightly passed\nwebhooks:\n  - url: {MILESTONE_URL}\n  - url: {SECRET_URL}\n"
    )
    (folder / "release.yaml").write_text(
        "tag: 4.1.0\ncommit: 78057dba490233f41b4602f2b2e88775ab7fd4c9\n"
        "creator: a@example.com\ncreated_at: 2024-01-01T00:00:00Z\n"
    )
    (folder / "approvals" / "nightly-passed.yaml").write_text(
        "milestone: Nightly passed\ntag: 4.1.0\napprover: a@example.com\n"
        "approved_at: 2024-01-01T00:00:00Z\n"
    )
    return root


def test_published_objects_carry_no_webhook(tmp_path: Path) -> None:
    reg = load_directory(_registry(tmp_path))
    assert not reg.findings
    published = json.dumps(
        [release_object(reg, e) for e in reg.releases.values()]
        + [definition_object(m.record) for m in reg.milestones.values() if m.record]
    )
    assert "example.org" not in published and "HOOK" not in published
    assert "webhooks" not in published


def test_routing_order_and_duplicate_urls(tmp_path: Path) -> None:
    new = load_directory(_registry(tmp_path))
    events, notes = compute_events(Registry(), new)
    assert notes == []
    # Same record time: the release is created before it reaches a milestone.
    assert [e.type for e in events] == ["release.created", "milestone.reached"]
    deliveries = plan_deliveries(events, hooks_of(new))
    assert [(d.event, d.url, d.secret_env) for d in deliveries] == [
        ("release.created", SECRET_URL, "HOOK"),
        ("milestone.reached", MILESTONE_URL, None),
        # Listed by the milestone and by registry.yaml: sent once, the milestone's entry wins.
        ("milestone.reached", SECRET_URL, None),
    ]
    again = plan_deliveries(compute_events(Registry(), new)[0], hooks_of(new))
    assert [d.body for d in again] == [d.body for d in deliveries]
    # Nothing changed between a registry and itself.
    assert compute_events(new, new) == ([], [])


def test_delivery_id_is_documented_hash() -> None:
    key = "milestone.reached\n4.1.0\nnightly-passed\n2024-01-01T00:00:00Z\nhttps://h/x"
    expected = hashlib.sha256(key.encode()).hexdigest()[:32]
    assert delivery_id(*key.split("\n")) == expected
    assert delivery_id("release.created", "4.1.0", "", "t", "https://a") != delivery_id(
        "release.created", "4.1.0", "", "t", "https://b"
    )


def test_signature_matches_hmac_sha256() -> None:
    assert signature("key", b"{}") == "sha256=" + hmac.new(b"key", b"{}", "sha256").hexdigest()


def test_log_latest_record_wins(tmp_path: Path) -> None:
    log = DeliveryLog(tmp_path / "l.jsonl")
    log.append({"delivery": "a", "ok": False, "final": True})
    log.append({"delivery": "a", "ok": True, "final": True})
    assert log.latest() == {"a": {"delivery": "a", "ok": True, "final": True}}
