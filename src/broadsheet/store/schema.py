"""The store's tables (SQLAlchemy 2 declarative models).

Every change here needs a matching Alembic migration in ``store/migrations/versions``;
``tests/test_store.py`` fails when the two drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class OutletRow(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(100), default="")
    edition: Mapped[str] = mapped_column(String(10), default="world")
    lean: Mapped[str] = mapped_column(String(20), default="unknown")
    lean_source: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(300))
    typology: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    feeds: Mapped[list[FeedRow]] = relationship(back_populates="outlet")


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    section: Mapped[str] = mapped_column(String(50), default="news")
    title: Mapped[str | None] = mapped_column(String(500))
    # registry | config | user | opml: where the feed came from, so a registry sync never
    # deletes what a user added by hand.
    origin: Mapped[str] = mapped_column(String(20), default="registry")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    outlet: Mapped[OutletRow | None] = relationship(back_populates="feeds")


class FetchLogRow(Base):
    """One HTTP fetch (feed or page), kept for diagnosis and health reporting."""

    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # feed | page
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[int | None] = mapped_column(Integer)
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    bytes: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    error_kind: Mapped[str | None] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(Text)


class RawPageRow(Base):
    """The payload an article was extracted from, zlib-compressed, so a page can be
    re-extracted after the extractor improves without fetching it again."""

    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    content_type: Mapped[str | None] = mapped_column(String(200))
    charset: Mapped[str | None] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    standfirst: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    language: Mapped[str | None] = mapped_column(String(20))
    section: Mapped[str | None] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text, default="")
    paragraphs: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # True when the page could not be fetched or extracted and the text is the feed
    # entry's own summary; extraction_error then says why.
    summary_only: Mapped[bool] = mapped_column(Boolean, default=False)
    extraction_error: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20), default="feed")  # feed | ingest
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_pages.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    related: Mapped[list[RelatedLinkRow]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="RelatedLinkRow.position"
    )
    outlet: Mapped[OutletRow | None] = relationship()


class ArticleAliasRow(Base):
    """Another URL under which an already-stored article was seen (a syndicated copy with
    identical text, or a redirecting URL), so later runs skip it without fetching."""

    __tablename__ = "article_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    reason: Mapped[str] = mapped_column(String(20))  # content_hash | redirect
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RelatedLinkRow(Base):
    __tablename__ = "related_links"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    teaser: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    edition: Mapped[str | None] = mapped_column(String(100))
    kicker: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(2000))

    article: Mapped[ArticleRow] = relationship(back_populates="related")


class StoryRow(Base):
    """A story: every outlet's coverage of one event. The id never changes once given."""

    __tablename__ = "stories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(40), index=True)
    headline: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(String(30), default="world")
    tone: Mapped[float] = mapped_column(Float, default=0.0)
    # Importance without recency; recency is applied when stories are listed, so a
    # rebuild with nothing new writes nothing.
    importance: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    outlet_count: Mapped[int] = mapped_column(Integer, default=0)
    coverage: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # lean -> outlets
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    editions: Mapped[list[str]] = mapped_column(JSON, default=list)
    blindspot: Mapped[str | None] = mapped_column(String(10))
    first_published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_published: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Indexed: the site reads max(updated_at) to notice that a build changed something.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class StoryArticleRow(Base):
    """Which story an article belongs to, with what the story stage learnt about it."""

    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    # Set when the text is a near-copy (syndicated wire copy) of an earlier article.
    near_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    section: Mapped[str] = mapped_column(String(30), default="world")
    tone: Mapped[float] = mapped_column(Float, default=0.0)


class StoryAliasRow(Base):
    """A story id absorbed by a merge: it keeps resolving to the surviving story."""

    __tablename__ = "story_aliases"

    old_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(40), index=True)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BuildStateRow(Base):
    """The story stage's resumable state, committed with each batch of assignments."""

    __tablename__ = "build_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_article_id: Mapped[int] = mapped_column(Integer, default=0)
    clusterer: Mapped[bytes | None] = mapped_column(LargeBinary)
    neardup: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BriefingRow(Base):
    """A story's briefing as composed at its last change, with its faithfulness check."""

    __tablename__ = "briefings"

    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    headline: Mapped[str] = mapped_column(Text, default="")
    # Kept beside the record so lists, rails and feeds need not load whole briefings.
    standfirst: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(30), default="")
    # The `broadsheet brief --json` record; article numbers refer to `article_ids`.
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    article_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The story's article count when composed: a different count means it is stale (-1:
    # an article's text changed since, filled in from its page or re-extracted).
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    faithful: Mapped[bool] = mapped_column(Boolean, default=True)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class SubscriberRow(Base):
    """A newsletter subscriber. ``status``: pending (not yet confirmed), confirmed,
    unsubscribed, or bounced (a permanent delivery failure)."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    newsletters: Mapped[list[str]] = mapped_column(JSON, default=list)
    edition: Mapped[str] = mapped_column(String(10), default="world")
    # Changing it invalidates every link issued before (confirm, preferences, unsubscribe).
    token_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class NewsletterIssueRow(Base):
    """One issue of a newsletter, composed once and kept: sends and the archive read it."""

    __tablename__ = "newsletter_issues"
    __table_args__ = (UniqueConstraint("newsletter", "issue_date", "edition"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    newsletter: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    edition: Mapped[str] = mapped_column(String(10), default="world")
    subject: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    story_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SendLogRow(Base):
    """Each subscriber's copy of each issue: ``committing`` just before the end of the
    SMTP data, ``sent`` when the server accepts it (or ``deferred``/``failed``), so a
    restarted send skips every copy already delivered (see newsletters/mailer.py)."""

    __tablename__ = "send_log"

    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issues.id"), primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), primary_key=True)
    # committing | sent | deferred | failed
    status: Mapped[str] = mapped_column(String(20), default="committing")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PuzzleRow(Base):
    """A day's puzzle, made once and kept, so a date always shows the same puzzle even
    after more articles arrive for its week."""

    __tablename__ = "puzzles"
    __table_args__ = (UniqueConstraint("day", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    kind: Mapped[str] = mapped_column(String(20))  # sudoku | crossword | mini
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
