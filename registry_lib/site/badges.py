"""Shields-style SVG badges "<milestone> | <latest tag>" to embed in READMEs. Pure.

Text widths are estimated from character counts (no font metrics, so no dependencies and
byte-stable output); every value is XML-escaped.
"""

from __future__ import annotations

import unicodedata
from html import escape

from .index import SiteIndex

REACHED = "#4c1"  # shields' "brightgreen"
NONE = "#9f9f9f"  # shields' "lightgrey"
_CHAR = 7.0  # average advance of Verdana 11px, in px
_PAD = 10


def text_width(text: str) -> int:
    """Estimated width of ``text`` in px: narrow punctuation counts less, wide glyphs more."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 2 * _CHAR
        elif ch in ".,:;|!'ilj()[] ":
            width += _CHAR / 2
        else:
            width += _CHAR
    return round(width)


def badge_svg(label: str, message: str, color: str) -> str:
    """A flat two-part badge; ``label`` on grey, ``message`` on ``color``."""
    lw = text_width(label) + _PAD
    mw = text_width(message) + _PAD
    total = lw + mw
    lab, msg, col = escape(label), escape(message), escape(color)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{lab}: {msg}">\n'
        f"  <title>{lab}: {msg}</title>\n"
        '  <linearGradient id="s" x2="0" y2="100%">\n'
        '    <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\n'
        '    <stop offset="1" stop-opacity=".1"/>\n'
        "  </linearGradient>\n"
        f'  <clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>\n'
        '  <g clip-path="url(#r)">\n'
        f'    <rect width="{lw}" height="20" fill="#555"/>\n'
        f'    <rect x="{lw}" width="{mw}" height="20" fill="{col}"/>\n'
        f'    <rect width="{total}" height="20" fill="url(#s)"/>\n'
        "  </g>\n"
        '  <g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">\n'
        f'    <text x="{lw / 2:g}" y="15" fill="#010101" fill-opacity=".3">{lab}</text>\n'
        f'    <text x="{lw / 2:g}" y="14">{lab}</text>\n'
        f'    <text x="{lw + mw / 2:g}" y="15" fill="#010101" fill-opacity=".3">{msg}</text>\n'
        f'    <text x="{lw + mw / 2:g}" y="14">{msg}</text>\n'
        "  </g>\n"
        "</svg>\n"
    )


def _badge(index: SiteIndex, slug: str, channel: str | None) -> bytes:
    definition = index.reg.definition(slug)
    assert definition is not None
    found = index.select(milestone=slug, channel=channel)
    if found:
        svg = badge_svg(definition.name, found[-1].tag, REACHED)
    else:
        svg = badge_svg(definition.name, "none", NONE)
    return svg.encode("utf-8")


def badge_files(index: SiteIndex) -> dict[str, bytes]:
    """``badges/<slug>.svg`` and ``badges/channels/<channel>/<slug>.svg`` for every pair."""
    slugs = index.slugs
    files = {f"badges/{slug}.svg": _badge(index, slug, None) for slug in slugs}
    for channel in index.channels:
        for slug in slugs:
            files[f"badges/channels/{channel}/{slug}.svg"] = _badge(index, slug, channel)
    return files
