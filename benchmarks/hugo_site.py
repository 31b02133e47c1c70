"""Turn a registry into a Hugo site with the same pages relreg renders for releases:
one page per release and one list page per channel (the peer in the build benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

from registry_lib.loader import load_directory
from registry_lib.objects import release_object
from registry_lib.query import Filters, list_releases

CONFIG = 'baseURL = "http://localhost/"\ntitle = "Registry"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
SINGLE = """<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1><dl><dt>kind</dt><dd>{{ .Params.kind }}</dd><dt>channel</dt><dd>{{ .Params.channel }}</dd>
<dt>commit</dt><dd>{{ .Params.commit }}</dd><dt>created</dt><dd>{{ .Params.created_at }}</dd></dl>
<h2>Metadata</h2><dl>{{ range $k, $v := .Params.metadata }}<dt>{{ $k }}</dt><dd>{{ $v }}</dd>{{ end }}</dl>
<h2>Milestones</h2><ul>{{ range .Params.quality_milestones }}<li>{{ .name }} by {{ .approver }} at {{ .approved_at }}</li>{{ end }}</ul>
</body></html>
"""
LIST = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
<table>{{ range .Pages }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.kind }}</td><td>{{ .Params.created_at }}</td></tr>{{ end }}</table>
</body></html>
"""


def write_hugo_site(registry: Path, out: Path) -> int:
    """Write a Hugo source tree for ``registry`` into ``out``; return the number of pages."""
    reg = load_directory(registry)
    (out / "layouts" / "_default").mkdir(parents=True)
    (out / "hugo.toml").write_text(CONFIG)
    (out / "layouts" / "_default" / "single.html").write_text(SINGLE)
    (out / "layouts" / "_default" / "list.html").write_text(LIST)
    pages = 0
    for entry in list_releases(reg, Filters(include_rejected=True)):
        obj = release_object(reg, entry)
        folder = out / "content" / "channels" / entry.channel
        if not folder.exists():
            folder.mkdir(parents=True)
            (folder / "_index.md").write_text(
                json.dumps({"title": f"Channel {entry.channel}"}) + "\n"
            )
            pages += 1
        front = {"title": obj["tag"], **obj}
        (folder / f"{entry.tag}.md").write_text(json.dumps(front) + "\n")
        pages += 1
    return pages
