"""``relreg serve``: build, serve the site on 127.0.0.1, and rebuild when the registry changes.

A preview server for people editing a registry, not a production server: it binds to the
loopback interface only and serves the last good build when a rebuild fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..errors import RelregError
from ..loader import DirectorySource
from .build import BuildResult, build_site

Snapshot = dict[str, tuple[int, int]]
Report = Callable[[str], None]


def snapshot(root: Path) -> Snapshot:
    """Path -> (mtime in ns, size) of every registry file; a change means rebuild."""
    out: Snapshot = {}
    for f in DirectorySource(root).files():
        try:
            st = (root / f.path).lstat()
        except OSError:
            continue
        out[f.path] = (st.st_mtime_ns, st.st_size)
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to the terminal."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SiteServer:
    """A built site served over HTTP, rebuilt from ``root`` when its files change."""

    def __init__(
        self,
        root: Path,
        out: Path,
        port: int = 8000,
        base_url: str | None = None,
        templates: Path | None = None,
        report: Report = print,
        interval: float = 1.0,
    ) -> None:
        self.root, self.out, self.base_url, self.templates = root, out, base_url, templates
        self.report = report
        self.interval = interval
        self.builds = 0
        self._stop = threading.Event()
        self._state = snapshot(root)
        self.result = self.build()
        handler = partial(_QuietHandler, directory=str(out))
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            raise RelregError(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port"
            ) from None
        self._watcher = threading.Thread(target=self._watch, name="relreg-watch", daemon=True)
        self._http: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the site is served."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def build(self) -> BuildResult:
        """Build once into the output folder."""
        result = build_site(self.root, self.out, self.base_url, self.templates)
        self.builds += 1
        return result

    def check(self) -> bool:
        """Rebuild when a registry file changed since the last look; True when it did."""
        state = snapshot(self.root)
        if state == self._state:
            return False
        self._state = state
        try:
            self.result = self.build()
        except RelregError as exc:
            self.report(f"error: {exc} (still serving the previous build)")
            return False
        self.report(self.result.summary(str(self.out)))
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def start(self) -> None:
        """Watch and serve in background threads (for tests and embedding)."""
        self._watcher.start()
        self._http = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._http.start()

    def serve_forever(self) -> None:
        """Watch in the background and serve in this thread until interrupted."""
        self._watcher.start()
        try:
            self.httpd.serve_forever()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop watching and serving."""
        self._stop.set()
        if self._http is not None:  # serve_forever runs in a thread: ask it to return
            self.httpd.shutdown()
            self._http.join()
            self._http = None
        self.httpd.server_close()
        if self._watcher.is_alive():
            self._watcher.join()
