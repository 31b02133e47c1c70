"""Turn a registry into a Hugo site with the pages and JSON relreg builds (the peer in the
build benchmark).

Two sites can be written. ``full`` (what the build goal compares with) has the files a
relreg build has: a page and a JSON document per release (details, metadata, approvals,
the milestones not reached, the Git history), a page and a JSON list per channel and per
milestone (Hugo taxonomies), the releases page (newest 1,000) with its JSON list of every
release, the channel and milestone indexes, the home page, a JSON index and a news feed,
all under one base layout (header, navigation, footer). The Hugo site is written the way
a Hugo user would write it: one content file per release whose front matter holds the
release object, taxonomies for channels and milestones, ``weight`` for relreg's order.

``bare`` is the earlier, smaller peer: a page per release and a list per channel, without
a base layout, history, milestone pages or JSON; it is kept to show what Hugo costs on
its least work.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from registry_lib.history import collect
from registry_lib.loader import load_directory
from registry_lib.objects import definition_object, release_object
from registry_lib.query import Filters, list_releases

LAYOUTS = Path(__file__).parent / "hugo_layouts"
CONFIG = """baseURL = "http://localhost/"
title = "Synthetic registry"
disablePathToLower = true
disableKinds = ["sitemap", "robotsTXT", "404"]
[taxonomies]
  channel = "channels"
  milestone = "milestones"
[outputs]
  home = ["HTML", "JSON", "RSS"]
  section = ["HTML", "JSON"]
  page = ["HTML", "JSON"]
  taxonomy = ["HTML", "JSON"]
  term = ["HTML", "JSON"]
[services.rss]
  limit = 20
"""
BARE_CONFIG = 'baseURL = "http://localhost/"\ntitle = "Registry"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
BARE_SINGLE = """<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1><dl><dt>kind</dt><dd>{{ .Params.kind }}</dd><dt>channel</dt><dd>{{ .Params.channel }}</dd>
<dt>commit</dt><dd>{{ .Params.commit }}</dd><dt>created</dt><dd>{{ .Params.created_at }}</dd></dl>
<h2>Metadata</h2><dl>{{ range $k, $v := .Params.metadata }}<dt>{{ $k }}</dt><dd>{{ $v }}</dd>{{ end }}</dl>
<h2>Milestones</h2><ul>{{ range .Params.quality_milestones }}<li>{{ .name }} by {{ .approver }} at {{ .approved_at }}</li>{{ end }}</ul>
</body></html>
"""
BARE_LIST = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
<table>{{ range .Pages }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.kind }}</td><td>{{ .Params.created_at }}</td></tr>{{ end }}</table>
</body></html>
"""


def write_hugo_site(registry: Path, out: Path, *, bare: bool = False) -> int:
    """Write a Hugo source tree for ``registry`` into ``out``; return the number of content
    files. ``bare`` writes the earlier, smaller peer (see the module's docstring)."""
    if bare:
        return _write_bare(registry, out)
    reg = load_directory(registry)
    history = collect(registry)
    shutil.copytree(LAYOUTS, out / "layouts")
    (out / "hugo.toml").write_text(CONFIG)
    definitions = {
        slug: definition_object(loaded.record)
        for slug, loaded in sorted(reg.milestones.items())
        if loaded.record is not None
    }
    (out / "data").mkdir()
    _dump(out / "data" / "definitions.json", definitions)
    _dump(
        out / "data" / "milestones.json",
        [{"slug": slug, "name": d["name"]} for slug, d in definitions.items()],
    )
    content = out / "content" / "releases"
    content.mkdir(parents=True)
    _dump(content / "_index.md", {"title": "Releases"})
    entries = list_releases(reg, Filters(include_rejected=True))
    # Newest first, as relreg lists them: weight 1 is the greatest release.
    for weight, entry in enumerate(reversed(entries), start=1):
        obj = release_object(reg, entry)
        reached = {a["slug"]: a for a in obj["quality_milestones"]}
        front = {
            "title": obj["tag"],
            "date": obj["created_at"],
            "weight": weight,
            "channels": [entry.channel],
            "milestones": [] if obj["rejected"] else list(reached),
            "reached": reached,
            "release": obj,
            "history": [dict(e) for e in history.get(entry.tag, [])],
        }
        _dump(content / f"{entry.tag}.md", front)
    return len(entries) + 1


def _dump(path: Path, data: Any) -> None:
    # JSON is valid Hugo front matter, and the fastest to write and to read
    path.write_text(json.dumps(data) + "\n")


def _write_bare(registry: Path, out: Path) -> int:
    reg = load_directory(registry)
    (out / "layouts" / "_default").mkdir(parents=True)
    (out / "hugo.toml").write_text(BARE_CONFIG)
    (out / "layouts" / "_default" / "single.html").write_text(BARE_SINGLE)
    (out / "layouts" / "_default" / "list.html").write_text(BARE_LIST)
    pages = 0
    for entry in list_releases(reg, Filters(include_rejected=True)):
        obj = release_object(reg, entry)
        folder = out / "content" / "channels" / entry.channel
        if not folder.exists():
            folder.mkdir(parents=True)
            _dump(folder / "_index.md", {"title": f"Channel {entry.channel}"})
            pages += 1
        _dump(folder / f"{entry.tag}.md", {"title": obj["tag"], **obj})
        pages += 1
    return pages
