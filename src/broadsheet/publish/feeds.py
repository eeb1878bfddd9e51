"""RSS 2.0, Atom and JSON Feed for the front page, each section and each edition.

RSS and Atom come from feedgen; JSON Feed 1.1 is plain JSON, written here because feedgen
does not produce it. GUIDs are the story permalinks, which never change, so a reader never
sees a story twice; an item's date is its latest article's time, so an updated story
moves up in a reader that sorts by date.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import nh3
from feedgen.feed import FeedGenerator

from broadsheet.publish.queries import Card
from broadsheet.publish.render import plain_text

FORMATS = {"rss": "application/rss+xml", "atom": "application/atom+xml",
           "json": "application/feed+json"}


def _when(card: Card) -> datetime:
    return card.last_published or card.updated_at or datetime(1970, 1, 1, tzinfo=UTC)


def _html(value: str) -> str:
    return nh3.clean(value, tags=set(), attributes={})


def _summary(card: Card) -> str:
    parts = [_html(card.standfirst)] if card.standfirst else []
    parts.append(f"{card.outlet_count} outlets · {card.section}")
    return " — ".join(parts)


def render_feed(
    cards: Sequence[Card], *, fmt: str, title: str, site_url: str, feed_path: str,
    page_path: str, description: str,
) -> bytes:
    """One feed document; ``site_url`` has no trailing slash, paths start with "/"."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown feed format {fmt!r} (rss, atom or json)")
    site_url = site_url.rstrip("/")
    items = sorted(cards, key=lambda c: (_when(c), c.id), reverse=True)
    updated = max((_when(c) for c in items), default=datetime(1970, 1, 1, tzinfo=UTC))
    if fmt == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title, "home_page_url": site_url + page_path,
            "feed_url": site_url + feed_path, "description": description,
            "items": [
                {"id": f"{site_url}/story/{c.id}/", "url": f"{site_url}/story/{c.id}/",
                 "title": plain_text(c.headline), "content_text": html.unescape(_summary(c)),
                 "date_published": (c.first_published or _when(c)).isoformat(),
                 "date_modified": _when(c).isoformat(), "tags": [c.section]}
                for c in items
            ],
        }
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    gen = FeedGenerator()
    gen.id(site_url + page_path)
    gen.title(title)
    gen.description(description) if fmt == "rss" else gen.subtitle(description)
    gen.link(href=site_url + page_path, rel="alternate")
    gen.link(href=site_url + feed_path, rel="self")
    gen.language("en")
    gen.updated(updated)
    gen.lastBuildDate(updated) if fmt == "rss" else None
    # feedgen prepends entries; adding oldest first leaves the newest at the top.
    for c in reversed(items):
        entry = gen.add_entry()
        link = f"{site_url}/story/{c.id}/"
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(_html(c.headline))
        entry.link(href=link)
        entry.description(_summary(c)) if fmt == "rss" else entry.summary(_summary(c))
        entry.published(c.first_published or _when(c))
        entry.updated(_when(c))
        entry.category(term=c.section)
    return gen.rss_str(pretty=True) if fmt == "rss" else gen.atom_str(pretty=True)
