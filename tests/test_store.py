from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from broadsheet.models import ExtractedArticle, FeedSpec, Outlet, RelatedLink
from broadsheet.store import Store
from broadsheet.store.articles import content_hash, find_known, save_article
from broadsheet.store.feeds import add_feed, remove_feed, sync_outlets
from broadsheet.store.schema import ArticleRow, Base, FeedRow, RelatedLinkRow


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_reopening_a_migrated_store_is_a_no_op(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store(url).close()
    again = Store(url)
    with again.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None


def _article(text: str, title: str = "A title") -> ExtractedArticle:
    return ExtractedArticle(
        title=title, paragraphs=[text], authors=["Ann Writer"], published="2026-01-02",
        related=[RelatedLink(title="Another story", teaser="More", byline="By B")],
    )


def test_same_url_is_stored_once(store: Store) -> None:
    with store.session() as s:
        first = save_article(s, _article("Body one."), url="https://ex.com/a?utm_source=x")
        again = save_article(s, _article("Body one, edited."), url="https://EX.com/a#frag")
    assert first.status == "new"
    assert again.status == "known"
    assert again.article_id == first.article_id


def test_same_text_under_another_url_becomes_an_alias(store: Store) -> None:
    with store.session() as s:
        first = save_article(s, _article("Wire copy text."), url="https://one.example/x")
        dup = save_article(s, _article("  wire   COPY text. "), url="https://two.example/y")
        assert dup.status == "duplicate"
        assert dup.article_id == first.article_id
        assert find_known(s, "https://two.example/y") == first.article_id
        assert s.scalar(select(func.count()).select_from(ArticleRow)) == 1
        assert s.scalar(select(func.count()).select_from(RelatedLinkRow)) == 1


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert content_hash("Hello  World\n") == content_hash("hello world")
    assert content_hash("Hello World") != content_hash("Hello Word")


def test_registry_sync_keeps_user_choices(store: Store) -> None:
    outlet = Outlet(
        slug="ex", name="Example", domains=["ex.com"], country="US", edition="us",
        feeds=[FeedSpec(url="https://ex.com/rss"), FeedSpec(url="https://ex.com/world")],
    )
    with store.session() as s:
        sync_outlets(s, [outlet])
        assert remove_feed(s, "https://ex.com/rss")
        sync_outlets(s, [outlet])  # a later sync must not bring the removed feed back
        feed = s.scalar(select(FeedRow).where(FeedRow.url == "https://ex.com/rss"))
        assert feed.enabled is False
        user_feed, is_new = add_feed(s, "https://feeds.ex.com/extra", section="sport")
        assert is_new and user_feed.outlet.slug == "ex"
        other, _ = add_feed(s, "https://unknown.example.org/feed.xml")
        assert other.outlet.slug == "unknown-example-org"
        # Dropping a feed from the registry disables it.
        outlet.feeds = [FeedSpec(url="https://ex.com/rss")]
        sync_outlets(s, [outlet])
        world = s.scalar(select(FeedRow).where(FeedRow.url == "https://ex.com/world"))
        assert world.enabled is False


def test_published_dates_are_read_from_iso_text_or_unix_times() -> None:
    from datetime import UTC, datetime

    from broadsheet.dates import parse_published

    moment = datetime(2026, 11, 30, 8, 53, 20, tzinfo=UTC)
    assert parse_published("2026-11-30T08:53:20Z") == moment
    assert parse_published(1_796_028_800) == datetime(2026, 11, 30, 8, 53, 20, tzinfo=UTC)
    assert parse_published(1_796_028_800_000) == moment  # milliseconds
    assert parse_published(1_796_028_800.0) == moment
    assert parse_published("1796028800") == moment  # a Unix time written as text
    assert parse_published("Mon, 30 Nov 2026 08:53:20 GMT") == moment  # RFC 2822
    assert parse_published("November 30, 2026 8:53:20") == moment
    for unreadable in (None, "", "soon", "2026-13-45", True, float("nan"), 1e30, ["2026"],
                       "2026", "Monday", "November 2026", "12",  # no day: not a date
                       "November 30, 2026 " * 10_000):  # no date is that long
        assert parse_published(unreadable) is None
