"""Outlets and feeds in the store: registry sync, user additions, health records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadsheet.models import Outlet
from broadsheet.store.schema import FeedRow, OutletRow, utcnow
from broadsheet.urls import host_of

# Origins a registry sync owns; anything else (user, opml, removed) it leaves alone.
SYNCED_ORIGINS = ("registry", "config")


@dataclass(slots=True)
class SyncReport:
    outlets: int
    feeds_added: int
    feeds_enabled: int


def sync_outlets(session: Session, outlets: Iterable[Outlet]) -> SyncReport:
    """Make the store's outlets and registry feeds match the (registry + config) list."""
    by_slug = {row.slug: row for row in session.scalars(select(OutletRow))}
    feeds_by_url = {row.url: row for row in session.scalars(select(FeedRow))}
    count = added = 0
    wanted_urls: set[str] = set()
    for outlet in outlets:
        count += 1
        row = by_slug.get(outlet.slug)
        if row is None:
            row = OutletRow(slug=outlet.slug)
            session.add(row)
            by_slug[outlet.slug] = row
        row.name = outlet.name
        row.domains = list(outlet.domains)
        row.country = outlet.country
        row.edition = outlet.edition
        row.lean = outlet.lean
        row.lean_source = outlet.lean_source
        row.owner = outlet.owner
        row.typology = outlet.typology
        row.enabled = outlet.enabled
        session.flush()
        for spec in outlet.feeds:
            wanted_urls.add(spec.url)
            feed = feeds_by_url.get(spec.url)
            if feed is None:
                feed = FeedRow(url=spec.url, origin="registry", consecutive_failures=0)
                session.add(feed)
                feeds_by_url[spec.url] = feed
                added += 1
            if feed.origin not in SYNCED_ORIGINS:
                continue
            feed.outlet_id = row.id
            feed.section = spec.section
            feed.enabled = spec.enabled and outlet.enabled
    # Feeds the registry no longer lists (or the config removed) stop being fetched.
    for url, feed in feeds_by_url.items():
        if feed.origin in SYNCED_ORIGINS and url not in wanted_urls:
            feed.enabled = False
    session.flush()
    enabled = sum(1 for f in feeds_by_url.values() if f.enabled)
    return SyncReport(outlets=count, feeds_added=added, feeds_enabled=enabled)


def outlet_for_host(session: Session, url: str) -> OutletRow | None:
    host = host_of(url)
    best: int | None = None
    best_len = -1
    # Columns only: this runs once per ingested article over every outlet, and building
    # ORM objects for all of them was most of the cost of JSON-lines ingest.
    for outlet_id, domains in session.execute(select(OutletRow.id, OutletRow.domains)):
        for domain in domains or ():
            domain = domain.lower()
            if (host == domain or host.endswith("." + domain)) and len(domain) > best_len:
                best, best_len = outlet_id, len(domain)
    return None if best is None else session.get(OutletRow, best)


def _slug_for_host(host: str) -> str:
    host = host.removeprefix("www.").removeprefix("feeds.").removeprefix("rss.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "unknown"


def add_feed(
    session: Session,
    url: str,
    *,
    outlet_slug: str | None = None,
    section: str = "news",
    title: str | None = None,
    origin: str = "user",
) -> tuple[FeedRow, bool]:
    """Add (or re-enable) a feed; returns the row and whether it was new.

    Without an outlet, the feed goes to the registered outlet owning its domain, or to a
    new outlet named after the host (lean unknown) so its articles are still credited.
    """
    outlet: OutletRow | None
    if outlet_slug:
        outlet = session.scalar(select(OutletRow).where(OutletRow.slug == outlet_slug))
        if outlet is None:
            raise ValueError(f"no outlet with slug {outlet_slug!r}")
    else:
        outlet = outlet_for_host(session, url)
        if outlet is None:
            host = host_of(url)
            slug = _slug_for_host(host)
            outlet = session.scalar(select(OutletRow).where(OutletRow.slug == slug))
            if outlet is None:
                outlet = OutletRow(
                    slug=slug, name=title or host, domains=[host.removeprefix("www.")],
                    country="", edition="world", lean="unknown", enabled=True,
                )
                session.add(outlet)
                session.flush()
    feed = session.scalar(select(FeedRow).where(FeedRow.url == url))
    is_new = feed is None
    if feed is None:
        feed = FeedRow(url=url, consecutive_failures=0)
        session.add(feed)
    feed.outlet_id = outlet.id
    feed.section = section
    feed.title = title or feed.title
    feed.origin = origin
    feed.enabled = True
    session.flush()
    return feed, is_new


def remove_feed(session: Session, url: str) -> bool:
    """Stop fetching a feed. The row stays (marked removed) so its history and the
    articles that cite it survive, and a registry sync does not bring it back."""
    feed = session.scalar(select(FeedRow).where(FeedRow.url == url))
    if feed is None:
        return False
    feed.origin = "removed"
    feed.enabled = False
    return True


def record_feed_success(feed: FeedRow, *, etag: str | None, last_modified: str | None) -> None:
    now = utcnow()
    feed.last_fetched_at = now
    feed.last_success_at = now
    feed.consecutive_failures = 0
    feed.etag = etag
    feed.last_modified = last_modified


def record_feed_failure(feed: FeedRow, reason: str) -> None:
    now = utcnow()
    feed.last_fetched_at = now
    feed.last_error = reason
    feed.last_error_at = now
    feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
