"""The fetch job: feeds -> entries -> article pages -> extracted articles in the store.

Crash safety: each article is committed on its own, and a feed's ETag / Last-Modified are
saved only after all its entries were handled. A run killed part-way therefore refetches
the feed next time (no 304), skips the articles already stored, and stores the rest.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from broadsheet.config import FetchSettings
from broadsheet.extract import extract_document
from broadsheet.fetch.feeds import FeedError, parse_feed
from broadsheet.fetch.http import FetchPolicy, FetchResult, PoliteFetcher
from broadsheet.models import ExtractedArticle, FeedEntry
from broadsheet.store import Store
from broadsheet.store.articles import (
    find_known,
    save_article,
    store_raw_page,
    summary_only_retry_due,
)
from broadsheet.store.feeds import record_feed_failure, record_feed_success
from broadsheet.store.schema import ArticleRow, FeedRow, FetchLogRow, OutletRow

# A page whose extracted body is shorter than this is not an article (a video page, a
# paywall stub, a gallery); the feed summary is kept instead and marked.
MIN_ARTICLE_CHARS = 200
# How long a page that could not be read is tried again on later runs (its feed summary
# is stored meanwhile); after that the outlet has most likely moved on.
SUMMARY_RETRY_WINDOW = timedelta(days=2)


@dataclass(slots=True)
class FeedOutcome:
    feed_id: int
    url: str
    outlet: str
    section: str
    status: str = "ok"  # ok | not_modified | failed
    reason: str | None = None
    entries: int = 0
    new: int = 0
    duplicate: int = 0
    known: int = 0
    upgraded: int = 0
    summary_only: int = 0
    failed: int = 0
    page_errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FetchReport:
    feeds: list[FeedOutcome] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.feeds)

    @property
    def feeds_ok(self) -> int:
        return sum(1 for f in self.feeds if f.status != "failed")

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if f.status == "failed")


@dataclass(slots=True)
class Callbacks:
    """Progress hooks for the CLI; all optional."""

    feed_started: Callable[[str], None] | None = None
    feed_done: Callable[[FeedOutcome], None] | None = None
    pages_queued: Callable[[int], None] | None = None
    page_done: Callable[[], None] | None = None


def policy_from_settings(settings: FetchSettings) -> FetchPolicy:
    """The fetcher's policy from the user's [fetch] settings: every setting of the same
    name carries over; ``user_agent`` only when the user set one."""
    names = {f.name for f in dataclasses.fields(FetchPolicy)}
    values = {
        name: value
        for name, value in dataclasses.asdict(settings).items()
        if name in names and value is not None
    }
    return FetchPolicy(**values)


def _log(store: Store, result: FetchResult, *, kind: str, feed_id: int | None) -> None:
    with store.session() as session:
        session.add(
            FetchLogRow(
                url=result.url,
                feed_id=feed_id,
                kind=kind,
                status=result.status,
                not_modified=result.not_modified,
                bytes=len(result.content) if result.content is not None else None,
                elapsed_s=result.elapsed_s,
                error_kind=result.error_kind,
                error=result.error,
            )
        )


def _summary_article(entry: FeedEntry) -> ExtractedArticle:
    paragraphs = [entry.summary] if entry.summary else []
    return ExtractedArticle(
        url=entry.url,
        title=entry.title,
        authors=list(entry.authors),
        published=entry.published.isoformat() if entry.published else None,
        paragraphs=paragraphs,
    )


def _merge_entry_metadata(article: ExtractedArticle, entry: FeedEntry) -> ExtractedArticle:
    """The feed knows the title, authors and date reliably; fill what the page lacked."""
    if not article.title and entry.title:
        article.title = entry.title
    if not article.authors and entry.authors:
        article.authors = list(entry.authors)
    if not article.published and entry.published:
        article.published = entry.published.isoformat()
    return article


class FetchJob:
    def __init__(
        self,
        store: Store,
        settings: FetchSettings,
        *,
        callbacks: Callbacks | None = None,
        fetcher: PoliteFetcher | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.callbacks = callbacks or Callbacks()
        self._fetcher = fetcher

    async def run(self, feed_ids: list[int] | None = None) -> FetchReport:
        with self.store.session() as session:
            query = (
                select(FeedRow.id, FeedRow.url, FeedRow.section, OutletRow.name)
                .join(OutletRow, FeedRow.outlet_id == OutletRow.id, isouter=True)
                .where(FeedRow.enabled.is_(True))
                .order_by(FeedRow.id)
            )
            if feed_ids is not None:
                query = query.where(FeedRow.id.in_(feed_ids))
            feeds = [
                FeedOutcome(feed_id=fid, url=url, outlet=name or "", section=section)
                for fid, url, section, name in session.execute(query)
            ]
        report = FetchReport(feeds=feeds)
        fetcher = self._fetcher or PoliteFetcher(policy_from_settings(self.settings))
        async with fetcher:
            self._active = fetcher
            await asyncio.gather(*(self._run_feed(outcome) for outcome in feeds))
        return report

    async def _run_feed(self, outcome: FeedOutcome) -> None:
        if self.callbacks.feed_started:
            self.callbacks.feed_started(outcome.url)
        try:
            await self._fetch_feed(outcome)
        except Exception as exc:  # one bad feed must never stop the others
            outcome.status = "failed"
            outcome.reason = f"internal error: {type(exc).__name__}: {exc}"
            with self.store.session() as session:
                feed = session.get(FeedRow, outcome.feed_id)
                if feed is not None:
                    record_feed_failure(feed, outcome.reason)
        if self.callbacks.feed_done:
            self.callbacks.feed_done(outcome)

    async def _fetch_feed(self, outcome: FeedOutcome) -> None:
        with self.store.session() as session:
            feed = session.get(FeedRow, outcome.feed_id)
            assert feed is not None
            etag, last_modified, outlet_id = feed.etag, feed.last_modified, feed.outlet_id
        result = await self._active.fetch(outcome.url, etag=etag, last_modified=last_modified)
        _log(self.store, result, kind="feed", feed_id=outcome.feed_id)

        if result.error:
            outcome.status, outcome.reason = "failed", result.error
            with self.store.session() as session:
                record_feed_failure(session.get(FeedRow, outcome.feed_id), result.error)
            return
        if result.not_modified:
            outcome.status = "not_modified"
            with self.store.session() as session:
                record_feed_success(
                    session.get(FeedRow, outcome.feed_id), etag=etag, last_modified=last_modified
                )
            return
        try:
            parsed = parse_feed(
                result.content or b"", url=result.final_url,
                content_type=result.content_type, charset=result.charset,
            )
        except FeedError as exc:
            outcome.status, outcome.reason = "failed", str(exc)
            with self.store.session() as session:
                record_feed_failure(session.get(FeedRow, outcome.feed_id), str(exc))
            return
        if parsed.warning:
            outcome.reason = parsed.warning

        entries = parsed.entries[: self.settings.max_entries_per_feed]
        outcome.entries = len(entries)
        fresh: list[FeedEntry] = []
        seen: set[str] = set()
        now = datetime.now(UTC)
        with self.store.session() as session:
            for entry in entries:
                if entry.url in seen:
                    continue
                seen.add(entry.url)
                known = find_known(session, entry.url)
                if known is not None and not summary_only_retry_due(
                    session.get(ArticleRow, known), now=now, window=SUMMARY_RETRY_WINDOW
                ):
                    outcome.known += 1
                    continue
                fresh.append(entry)
        if self.callbacks.pages_queued and fresh:
            self.callbacks.pages_queued(len(fresh))
        await asyncio.gather(*(self._fetch_page(entry, outcome, outlet_id) for entry in fresh))
        with self.store.session() as session:
            feed = session.get(FeedRow, outcome.feed_id)
            if outcome.failed or outcome.summary_only:
                # Some pages could not be read: keep the old validators so the next run
                # gets the feed again (no 304) and retries exactly those entries.
                record_feed_success(feed, etag=etag, last_modified=last_modified)
            else:
                record_feed_success(feed, etag=result.etag, last_modified=result.last_modified)
            if parsed.title and not feed.title:
                feed.title = parsed.title[:500]

    async def _fetch_page(
        self, entry: FeedEntry, outcome: FeedOutcome, outlet_id: int | None
    ) -> None:
        try:
            result = await self._active.fetch(entry.url)
            _log(self.store, result, kind="page", feed_id=outcome.feed_id)
            article: ExtractedArticle | None = None
            error: str | None = result.error
            if result.error is None and result.content is not None:
                article = extract_document(
                    result.content,
                    url=result.final_url,
                    content_type=result.content_type,
                    charset=result.charset,
                )
                if article.error:
                    error = f"extraction failed: {article.error}"
                elif len(article.text) < MIN_ARTICLE_CHARS:
                    error = f"page has only {len(article.text)} characters of article text"
            self._save(entry, outcome, outlet_id, result, article, error)
        except Exception as exc:  # keep the run going; the entry is retried next run
            outcome.failed += 1
            outcome.page_errors.append(f"{entry.url}: {type(exc).__name__}: {exc}")
        finally:
            if self.callbacks.page_done:
                self.callbacks.page_done()

    def _save(
        self,
        entry: FeedEntry,
        outcome: FeedOutcome,
        outlet_id: int | None,
        result: FetchResult,
        article: ExtractedArticle | None,
        error: str | None,
    ) -> None:
        with self.store.session() as session:
            if error is None and article is not None:
                raw_id = store_raw_page(
                    session,
                    result.content or b"",
                    url=result.final_url,
                    content_type=result.content_type,
                    charset=result.charset,
                )
                saved = save_article(
                    session,
                    _merge_entry_metadata(article, entry),
                    url=entry.url,
                    final_url=result.final_url,
                    outlet_id=outlet_id,
                    feed_id=outcome.feed_id,
                    section=outcome.section,
                    raw_page_id=raw_id,
                )
            elif entry.summary or entry.title:
                # The page is out of reach, but the feed's own summary is worth keeping;
                # it is marked so later stages know it is not the full text.
                outcome.page_errors.append(f"{entry.url}: {error}")
                saved = save_article(
                    session,
                    _summary_article(entry),
                    url=entry.url,
                    outlet_id=outlet_id,
                    feed_id=outcome.feed_id,
                    section=outcome.section,
                    summary_only=True,
                    extraction_error=error,
                )
            else:
                outcome.failed += 1
                outcome.page_errors.append(f"{entry.url}: {error}")
                return
        if saved.status == "new":
            outcome.new += 1
            if error is not None:
                outcome.summary_only += 1
        elif saved.status == "duplicate":
            outcome.duplicate += 1
        elif saved.status == "upgraded":
            outcome.upgraded += 1
        else:
            outcome.known += 1
