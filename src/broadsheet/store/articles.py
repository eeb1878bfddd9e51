"""Storing articles: deduplication by canonical URL and by content hash."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from broadsheet.dates import as_utc, parse_published
from broadsheet.models import ExtractedArticle
from broadsheet.store.schema import (
    ArticleAliasRow,
    ArticleRow,
    BriefingRow,
    RawPageRow,
    RelatedLinkRow,
    StoryArticleRow,
)
from broadsheet.urls import canonical_url

SaveStatus = Literal["new", "duplicate", "known", "upgraded"]
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class SaveResult:
    status: SaveStatus
    article_id: int


def content_hash(text: str) -> str:
    """A hash of the text that ignores case, whitespace and Unicode spelling differences,
    so the same wire story served with different markup hashes the same."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    normal = _SPACE.sub(" ", normal).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def find_known(session: Session, url: str) -> int | None:
    """The id of the stored article behind ``url`` (directly or via an alias), if any."""
    canon = canonical_url(url)
    found = session.scalar(select(ArticleRow.id).where(ArticleRow.canonical_url == canon))
    if found is not None:
        return found
    return session.scalar(
        select(ArticleAliasRow.article_id).where(ArticleAliasRow.canonical_url == canon)
    )


def store_raw_page(
    session: Session, body: bytes, *, url: str | None, content_type: str | None,
    charset: str | None,
) -> int:
    digest = hashlib.sha256(body).hexdigest()
    existing = session.scalar(select(RawPageRow.id).where(RawPageRow.sha256 == digest))
    if existing is not None:
        return existing
    row = RawPageRow(
        sha256=digest, url=url, content_type=content_type, charset=charset, size=len(body),
        body=zlib.compress(body, 6),
    )
    session.add(row)
    session.flush()
    return row.id


def raw_page_body(row: RawPageRow) -> bytes:
    return zlib.decompress(row.body)


def _add_alias(
    session: Session, canon: str, article_id: int, outlet_id: int | None, reason: str
) -> None:
    if session.scalar(select(ArticleAliasRow.id).where(ArticleAliasRow.canonical_url == canon)):
        return
    if session.scalar(select(ArticleRow.id).where(ArticleRow.canonical_url == canon)):
        return
    session.add(ArticleAliasRow(
        canonical_url=canon, article_id=article_id, outlet_id=outlet_id, reason=reason
    ))


def related_rows(article: ExtractedArticle) -> list[RelatedLinkRow]:
    return [
        RelatedLinkRow(
            position=i, title=link.title, teaser=link.teaser, byline=link.byline,
            edition=link.edition, kicker=link.kicker, url=link.url,
        )
        for i, link in enumerate(article.related)
    ]


def fill_article(row: ArticleRow, article: ExtractedArticle, *, raw_page_id: int | None) -> None:
    """Replace an article's extracted content in place (id and URL stay): a summary-only
    article once its page could be read, or any article re-extracted from its raw page."""
    row.title = article.title or row.title
    row.standfirst = article.standfirst
    row.authors = list(article.authors) or row.authors
    row.published = parse_published(article.published) or row.published
    row.language = article.language
    row.text = article.text
    row.paragraphs = list(article.paragraphs)
    row.content_hash = content_hash(article.text)
    row.summary_only = False
    row.extraction_error = None
    row.raw_page_id = raw_page_id
    row.related = related_rows(article)
    _briefing_is_stale(row)


def _briefing_is_stale(row: ArticleRow) -> None:
    """The briefing of the article's story was written from its old text: an article count
    of -1 (never a story's) makes the next build write it again. The story itself keeps
    the article: clustering decisions are not revisited."""
    session = object_session(row)
    if session is None or row.id is None:
        return
    story = (
        select(StoryArticleRow.story_id)
        .where(StoryArticleRow.article_id == row.id)
        .scalar_subquery()
    )
    session.execute(
        update(BriefingRow).where(BriefingRow.story_id == story).values(article_count=-1)
    )


def summary_only_retry_due(row: ArticleRow, *, now: datetime, window: timedelta) -> bool:
    """A summary-only article is worth another page fetch while it is recent."""
    return row.summary_only and now - as_utc(row.created_at) < window


def save_article(
    session: Session,
    article: ExtractedArticle,
    *,
    url: str,
    final_url: str | None = None,
    outlet_id: int | None = None,
    feed_id: int | None = None,
    section: str | None = None,
    raw_page_id: int | None = None,
    origin: str = "feed",
    summary_only: bool = False,
    extraction_error: str | None = None,
) -> SaveResult:
    """Insert the article unless its URL or its exact text is already stored.

    A URL seen before returns ``known``; identical text under a new URL (syndicated copy)
    becomes an alias of the stored article and returns ``duplicate``. Near-duplicates
    (lightly edited rewrites) are the story stage's business, not the store's.
    """
    canon = canonical_url(url)
    known = find_known(session, canon)
    if known is not None:
        row = session.get(ArticleRow, known)
        if row is not None and row.summary_only and not summary_only and article.paragraphs:
            fill_article(row, article, raw_page_id=raw_page_id)
            return SaveResult("upgraded", known)
        return SaveResult("known", known)
    text = article.text
    digest = content_hash(text or (article.title or "") + canon)
    if text.strip() and not summary_only:
        same = session.scalar(
            select(ArticleRow.id).where(
                ArticleRow.content_hash == digest, ArticleRow.summary_only.is_(False)
            )
        )
        if same is not None:
            _add_alias(session, canon, same, outlet_id, "content_hash")
            return SaveResult("duplicate", same)
    row = ArticleRow(
        canonical_url=canon,
        url=url,
        outlet_id=outlet_id,
        feed_id=feed_id,
        title=article.title,
        standfirst=article.standfirst,
        authors=list(article.authors),
        published=parse_published(article.published),
        language=article.language,
        section=section,
        text=text,
        paragraphs=list(article.paragraphs),
        content_hash=digest,
        summary_only=summary_only,
        extraction_error=extraction_error,
        origin=origin,
        raw_page_id=raw_page_id,
    )
    row.related = related_rows(article)
    session.add(row)
    session.flush()
    if final_url:
        final_canon = canonical_url(final_url)
        if final_canon != canon:
            _add_alias(session, final_canon, row.id, outlet_id, "redirect")
    return SaveResult("new", row.id)
