"""Choosing the top stories: stored importance, discounted by age at listing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadsheet.dates import as_utc
from broadsheet.store.schema import StoryRow

# A story's weight halves every this many hours after its latest article.
RECENCY_HALF_LIFE_H = 18.0
# Stories older than this (before the newest story) are not front-page candidates.
LOOKBACK = timedelta(days=3)


@dataclass(slots=True)
class RankedStory:
    story: StoryRow
    score: float


def edition_time(session: Session) -> datetime | None:
    """The time the listing is "as of": the newest story's latest article, so an archive
    of old pages ranks as it would have on its own day."""
    return as_utc(session.scalar(select(func.max(StoryRow.last_published))))


def top_stories(
    session: Session,
    *,
    limit: int = 20,
    section: str | None = None,
    edition: str | None = None,
    as_of: datetime | None = None,
) -> list[RankedStory]:
    as_of = as_of or edition_time(session)
    query = select(StoryRow)
    if as_of is not None:
        query = query.where(
            (StoryRow.last_published >= as_of - LOOKBACK) | StoryRow.last_published.is_(None)
        )
    if section:
        query = query.where(StoryRow.section == section)
    ranked: list[RankedStory] = []
    for story in session.scalars(query):
        if edition and edition != "world" and edition not in (story.editions or []):
            continue
        last = as_utc(story.last_published)
        age_h = max(0.0, (as_of - last).total_seconds() / 3600) if as_of and last else 0.0
        ranked.append(RankedStory(story, story.importance * 0.5 ** (age_h / RECENCY_HALF_LIFE_H)))
    ranked.sort(key=lambda r: (-r.score, r.story.id))
    return ranked[:limit]
