"""Briefings stored by `broadsheet build`: composed when stale, checked, idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, StoryRow
from broadsheet.stories.build import build_stories
from broadsheet.write.stored import build_briefings, stale_story_ids
from tests.test_stories_build import populate


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
