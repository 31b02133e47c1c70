"""One webhook POST: headers, the HMAC signature, and what came of it (docs/webhooks.md).

``notify`` decides what to send, retries and logs; this module only speaks HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .notify_events import Delivery


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("relreg")
    except PackageNotFoundError:
        return "0"


def signature(secret: str, body: bytes) -> str:
    """The X-Relreg-Signature-256 value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are failures: urllib would turn the POST into a GET without the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


@dataclass
class Attempt:
    """What one POST came to: the HTTP status, an error, whether to try again."""

    status: int | None
    error: str | None
    retry: bool
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def post(d: Delivery, secret: str | None, timeout: float) -> Attempt:
    """POST one delivery, signed when ``secret`` is given; never raises for network trouble."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"relreg/{_version()}",
        "X-Relreg-Event": d.event,
        "X-Relreg-Delivery": d.id,
    }
    if secret is not None:
        headers["X-Relreg-Signature-256"] = signature(secret, d.body)
    request = urllib.request.Request(d.url, data=d.body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return Attempt(response.status, None, False)
    except urllib.error.HTTPError as exc:
        code = exc.code
        after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        exc.close()
        if 300 <= code < 400:
            where = exc.headers.get("Location", "elsewhere") if exc.headers else "elsewhere"
            return Attempt(code, f"HTTP {code}: redirected to {where}; update the URL", False)
        retry = code == 429 or code >= 500
        return Attempt(code, f"HTTP {code} {exc.reason}".rstrip(), retry, after)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Attempt(None, f"timed out after {timeout:g}s", True)
        return Attempt(None, f"network error: {exc.reason}", True)
    except TimeoutError:
        return Attempt(None, f"timed out after {timeout:g}s", True)
    except OSError as exc:  # connection reset, remote closed, ...
        return Attempt(None, f"network error: {exc}", True)
    except ValueError as exc:  # a URL urllib cannot use
        return Attempt(None, f"invalid URL: {exc}", False)
