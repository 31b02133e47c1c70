"""Every problem of a nested record is reported at once, not one per round of fixes."""

from __future__ import annotations

import pytest

from registry_lib.loader import validate_file
from registry_lib.model import RegistryConfig, Release
from registry_lib.yamlio import parse

RELEASE = b"""tag: 9.9.9
commit: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
creator: a@example.com
created_at: 2023-01-01T00:00:00Z
metadata:
  k: [1]
rejection:
  by: b
"""


def test_rejection_reports_every_field() -> None:
    doc = parse(RELEASE)
    loaded, found = validate_file("release.yaml", Release, (doc.data, doc.lines, []))
    assert loaded.record is None
    assert sorted((f.code, f.line) for f in found) == [
        ("RR105", 6),
        ("RR107", 7),
        ("RR107", 7),
        ("RR203", 8),
    ]
    messages = " ".join(f.message for f in found)
    assert "rejection.at" in messages and "rejection.reason" in messages


def test_a_line_break_ending_a_value_is_refused() -> None:
    """Quoted YAML can end a value with a line break; a tag, commit, email or team handle
    that ends with one is no tag, commit, email or handle ("$" in Python matches there)."""
    release = (
        b'tag: "9.9.9\\n"\ncommit: "' + b"a" * 40 + b'\\n"\ncreator: "a@example.com\\n"\n'
        b"created_at: 2023-01-01T00:00:00Z\n"
    )
    doc = parse(release)
    loaded, found = validate_file("release.yaml", Release, (doc.data, doc.lines, []))
    assert loaded.record is None
    assert sorted((f.code, f.line) for f in found) == [("RR201", 1), ("RR202", 2), ("RR203", 3)]
    config = b'name: R\nmaintainers: ["@acme/admins\\n"]\n'
    doc = parse(config)
    loaded, found = validate_file("registry.yaml", RegistryConfig, (doc.data, doc.lines, []))
    assert [f.code for f in found] == ["RR203"]


@pytest.mark.parametrize(
    "url",
    [
        "https://",
        "https:///hook",
        "https://:80/hook",
        "http://@",
        '"https://hooks example.org/x"',
        '"https://h.example.org/x\\n"',
        '"https://' + "a" * 20000 + ' x"',  # refused at once (an overlapping pattern took 3 s)
    ],
)
def test_a_url_needs_a_host_and_no_spaces(url: str) -> None:
    """A webhook is POSTed to its URL and the site links to the others: one without a host,
    or with a space or a line break in it, is refused where it is written."""
    config = f"name: R\nwebhooks:\n  - url: {url}\n".encode()
    doc = parse(config)
    _, found = validate_file("registry.yaml", RegistryConfig, (doc.data, doc.lines, []))
    assert [(f.code, f.line) for f in found] == [("RR105", 2)]  # the list's line
    assert "is not an http(s) URL" in found[0].message


def test_urls_with_ports_queries_and_fragments_are_urls() -> None:
    config = (
        b"name: R\nbase_url: https://example.org/rr/\nrepository_url: http://127.0.0.1:8080/r\n"
        b"webhooks:\n  - url: https://hooks.example.org/x?token=1#f\n"
    )
    doc = parse(config)
    loaded, found = validate_file("registry.yaml", RegistryConfig, (doc.data, doc.lines, []))
    assert found == [] and loaded.record is not None


@pytest.mark.parametrize(
    ("who", "ok"),
    [
        ("alice.nguyen@redhat.com", True),
        ("o'brien+ci@ex-ample.co.uk", True),
        ("@acme/release-admins", True),
        ("@acme", True),
        ("roxbot@-.-", False),  # a domain label starts and ends with a letter or digit
        (".bob@redhat.com", False),  # no leading, trailing or doubled dot in the local part
        ("bob.@redhat.com", False),
        ("bob..k@redhat.com", False),
        ("a@b", False),
        ("@-", False),  # an owner starts with a letter or digit
        ("@/team", False),
    ],
)
def test_email_addresses_and_team_handles(who: str, ok: bool) -> None:
    config = f'name: R\nmaintainers: ["{who}"]\n'.encode()
    doc = parse(config)
    _, found = validate_file("registry.yaml", RegistryConfig, (doc.data, doc.lines, []))
    assert [f.code for f in found] == ([] if ok else ["RR203"])


def test_a_metadata_key_that_is_not_text_is_named_as_a_key() -> None:
    """A key YAML reads as a number or a boolean is reported as a key needing quotes, not
    as a value of the wrong type; ``1:`` and ``true:`` are distinct YAML keys that Python
    holds as one, which is said so rather than called a duplicate."""
    head = RELEASE.split(b"metadata:")[0]
    for body, shown in [(b"  1: a\n", "1"), (b"  true: b\n", "true"), (b"  2.5: c\n", "2.5")]:
        doc = parse(head + b"metadata:\n" + body)
        assert doc.problems == []
        _, found = validate_file("release.yaml", Release, (doc.data, doc.lines, []))
        assert [(f.code, f.line, f.message) for f in found] == [
            ("RR105", 6, f"metadata key {shown} must be text; put it in quotes")
        ]
    doc = parse(head + b"metadata:\n  1: a\n  true: b\n")
    assert [(p.code, p.line, p.message) for p in doc.problems] == [
        ("RR105", 7, "keys 1 and True are one key once read; quote keys")
    ]
    doc = parse(head + b"metadata:\n  x: a\n  x: b\n")
    assert [(p.code, p.line, p.message) for p in doc.problems] == [
        ("RR102", 7, "duplicate key 'x'; keep one of them")
    ]
