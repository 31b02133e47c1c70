"""``is_http_url`` decides exactly what urllib's parser would, without parsing most values."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry_lib.site.htmlparts import is_http_url


def reference(value: str) -> bool:
    """The rule spelled out with urlsplit: http(s), a host, no character that breaks out."""
    if not value.startswith(("http://", "https://")):
        return False
    if any(c in " \t\r\n\"'<>`\\" or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


PIECES = st.sampled_from(
    ["http://", "https://", "ftp://", "javascript:", "h", "x.y", "/", "?", "#", "[", "]",
     "::1", "@", ":", "%20", " ", "\t", "\n", "\x00", "\x7f", '"', "'", "<", ">", "`", "\\",
     "é", "a=b", "&", ".."]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join))
@example("https://[::1]/x")
@example("https://[::1/x")
@example("http://")
@example("http:///path")
@example("https://?q")
@example("https://#f")
@example("javascript:alert(1)")
def test_is_http_url_agrees_with_urlsplit(value: str) -> None:
    assert is_http_url(value) == reference(value)
