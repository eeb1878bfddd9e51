"""Briefings stored by `broadsheet build`: composed when stale, checked, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from broadsheet.store import Store
from broadsheet.store.schema import ArticleRow, BriefingRow, StoryArticleRow, StoryRow
from broadsheet.stories.build import build_stories
from broadsheet.write.stored import build_briefings, stale_story_ids
from tests.test_stories_build import built_store, populate


def test_briefings_are_written_checked_and_not_rewritten(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    populate(store, events=4, per_event=3, only=lambda f: f.outlet != "right-post")
    build_stories(store)
    first = build_briefings(store)
    assert first.composed == 4 and first.unfaithful == 0
    assert stale_story_ids(store) == []
    assert build_briefings(store).composed == 0  # nothing new: nothing rewritten

    with store.session() as session:
        row = session.scalar(select(BriefingRow))
        story = session.get(StoryRow, row.story_id)
        assert row.faithful and row.problems == []
        assert row.record["headline"] and row.record["sources"]
        assert row.article_count == story.article_count == 2
        assert len(row.article_ids) == 2

    # A third outlet's article arrives for every story: each briefing is rewritten.
    populate(store, events=4, per_event=3, only=lambda f: f.outlet == "right-post")
    build_stories(store)
    assert len(stale_story_ids(store)) == 4
    again = build_briefings(store)
    assert again.composed == 4
    with store.session() as session:
        assert all(r.article_count == 3 for r in session.scalars(select(BriefingRow)))


def test_two_builds_writing_the_same_briefing_at_once_both_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second `broadsheet build` with no new articles goes straight to the briefings,
    # which the running build may be writing: the same story's briefing inserted twice.
    from broadsheet.write import stored

    store = built_store(tmp_path / "b.db", events=3, per_event=2)
    standfirst = stored.standfirst_of
    calls: list[str] = []

    def other_build_writes_first(summary: str, *args: object) -> str:
        calls.append(summary)
        if len(calls) == 1:  # after this build looked for the row, before it inserts it
            assert build_briefings(store).composed == 3
        return standfirst(summary, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stored, "standfirst_of", other_build_writes_first)
    report = build_briefings(store)
    assert report.composed == 2 and report.already_written == 1
    assert stale_story_ids(store) == []
    with store.session() as session:
        assert len(session.scalars(select(BriefingRow)).all()) == 3


def test_an_enormous_article_is_read_only_as_far_as_stories_and_briefings_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1.2 MB "article" (a log, a book) cost seconds and hundreds of megabytes of
    # shingles and sentences per few MB; the store keeps it whole, the build reads a cap.
    from broadsheet.models import ExtractedArticle
    from broadsheet.store.articles import save_article
    from broadsheet.stories.neardup import NearDuplicateIndex
    from broadsheet.stories.text import MAX_ARTICLE_CHARS
    from broadsheet.write import stored

    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    paragraph = "The tide rose over the harbour wall as the council met again. " * 20
    with store.session() as session:
        save_article(session, ExtractedArticle(title="Harbour log", paragraphs=[paragraph] * 1000),
                     url="https://harbour.example/log")
    read: list[int] = []
    signature, compose = NearDuplicateIndex.signature, stored.compose_briefing

    def signing(self: NearDuplicateIndex, text: str) -> object:
        read.append(len(text))
        return signature(self, text)

    def composing(articles: list, **kwargs: object) -> object:  # type: ignore[type-arg]
        read.extend(len(a.text) for a in articles)
        return compose(articles, **kwargs)

    monkeypatch.setattr(NearDuplicateIndex, "signature", signing)
    monkeypatch.setattr(stored, "compose_briefing", composing)
    build_stories(store, processes=1)
    assert build_briefings(store).composed == 1
    assert len(read) == 2 and all(MAX_ARTICLE_CHARS - 100 < n <= MAX_ARTICLE_CHARS for n in read)
    with store.session() as session:
        assert len(session.scalar(select(ArticleRow.text))) > 10 * MAX_ARTICLE_CHARS


def _a_member_known_only_by_its_summary(store: Store) -> tuple[str, str]:
    """Mark one clustered article as a feed summary whose page is still to come; returns
    its story and URL (saving the page under that URL fills it in)."""
    with store.session() as session:
        story_id, article_id = session.execute(
            select(StoryArticleRow.story_id, StoryArticleRow.article_id).limit(1)
        ).one()
        article = session.get(ArticleRow, article_id)
        article.summary_only = True
        return story_id, article.url


def test_an_article_filled_in_after_its_briefing_makes_the_briefing_stale(
    tmp_path: Path,
) -> None:
    # A feed gave only a summary; the page came later. The briefing was written from the
    # summary and must be written again from the article.
    from broadsheet.models import ExtractedArticle
    from broadsheet.store.articles import save_article

    store = built_store(tmp_path / "b.db", events=2, per_event=2)
    story_id, url = _a_member_known_only_by_its_summary(store)
    assert build_briefings(store).composed == 2 and stale_story_ids(store) == []
    filled = "The harbour master confirmed the new timetable would start on Monday."
    with store.session() as session:
        saved = save_article(session, ExtractedArticle(paragraphs=[filled]), url=url)
        assert saved.status == "upgraded"
    assert stale_story_ids(store) == [story_id]
    assert build_briefings(store).composed == 1
    with store.session() as session:
        assert session.get(BriefingRow, story_id).article_count == 2


def test_a_rewritten_briefing_is_searched_as_rewritten(tmp_path: Path) -> None:
    # The search index re-reads briefings built since its last refresh: a briefing
    # written again (its story grew, or an article was filled in) must count as built.
    from broadsheet.models import ExtractedArticle
    from broadsheet.publish.search import refresh_index, search
    from broadsheet.store.articles import save_article

    store = built_store(tmp_path / "b.db", events=2, per_event=2)
    assert build_briefings(store).composed == 2
    assert refresh_index(store) == 2
    story_id, url = _a_member_known_only_by_its_summary(store)
    with store.session() as session:
        save_article(session, ExtractedArticle(paragraphs=[
            "Quarrymen at Brindlecombe said the zephyrine lantern would be lit at dusk."
        ]), url=url)
    assert build_briefings(store).composed == 1
    assert refresh_index(store) == 1  # the rewritten one, and only it
    with store.session() as session:
        assert search(session, "zephyrine lantern").ids == [story_id]


def test_stories_briefed_by_an_earlier_build_can_still_merge(tmp_path: Path) -> None:
    # A later build's article may bridge two stories that already have briefings: the
    # merge failed on the briefing's foreign key, in every rerun of that build.
    from broadsheet.publish.search import refresh_index, search
    from broadsheet.stories.build import _refresh_stories, merge_stories

    store = built_store(tmp_path / "b.db", events=2, per_event=2)
    assert build_briefings(store).composed == 2
    refresh_index(store)
    with store.session() as session:
        survivor, merged = sorted(session.scalars(select(StoryRow.id)))
        headline = session.get(BriefingRow, merged).headline
        merge_stories(session, merged, survivor)  # as the build does for a bridging article
        _refresh_stories(session, [survivor])
    assert stale_story_ids(store) == [survivor]
    assert build_briefings(store).composed == 1
    refresh_index(store)
    with store.session() as session:
        assert list(session.scalars(select(BriefingRow.story_id))) == [survivor]
        assert search(session, " ".join(headline.split()[:3])).ids == [survivor]
