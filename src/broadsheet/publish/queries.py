"""What the pages, feeds and API read from the store, as plain cards and pages.

Every reader goes through here, so the site, the feeds, the API and the static export show
the same headline and standfirst for a story (the briefing's, when one is stored).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from broadsheet.dates import as_utc
from broadsheet.models import LEANS
from broadsheet.store.schema import (
    ArticleRow,
    BriefingRow,
    OutletRow,
    StoryAliasRow,
    StoryArticleRow,
    StoryRow,
)
from broadsheet.stories.sections import SECTIONS
from broadsheet.stories.top import top_stories
from broadsheet.write.formats import FORMATS
from broadsheet.write.stored import standfirst_of

EDITIONS: dict[str, str] = {"us": "US", "uk": "UK", "world": "World"}
LEAN_LABELS: dict[str, str] = {
    "left": "Left", "lean-left": "Lean left", "center": "Centre", "lean-right": "Lean right",
    "right": "Right", "unknown": "Unrated",
}


@dataclass(slots=True)
class Card:
    """A story as a list, rail or feed shows it."""

    id: str
    headline: str
    standfirst: str
    section: str
    outlet_count: int
    article_count: int
    coverage: dict[str, int]
    blindspot: str | None
    first_published: datetime | None
    last_published: datetime | None
    updated_at: datetime | None
    thread_id: str
    tone: float = 0.0
    kicker: str = ""
    format_label: str = ""

    @property
    def coverage_total(self) -> int:
        return sum(self.coverage.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "headline": self.headline, "standfirst": self.standfirst,
            "section": self.section, "outlet_count": self.outlet_count,
            "article_count": self.article_count, "coverage": self.coverage,
            "blindspot": self.blindspot, "thread": self.thread_id, "tone": round(self.tone, 4),
            "first_published": _iso(self.first_published),
            "last_published": _iso(self.last_published),
        }


@dataclass(slots=True)
class StoryPage:
    card: Card
    story: StoryRow
    briefing: dict[str, Any] | None
    faithful: bool
    timeline: list[Card]
    related: list[Card]
    countries: list[str]
    outlets_by_lean: dict[str, list[str]] = field(default_factory=dict)


def _iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


def card(
    story: StoryRow, headline: str | None, standfirst: str | None, fmt: str | None = None
) -> Card:
    coverage = {lean: int((story.coverage or {}).get(lean, 0)) for lean in LEANS}
    return Card(
        id=story.id, headline=headline or story.headline or "Untitled story",
        standfirst=standfirst or "", section=story.section,
        outlet_count=story.outlet_count, article_count=story.article_count, coverage=coverage,
        blindspot=story.blindspot, first_published=as_utc(story.first_published),
        last_published=as_utc(story.last_published), updated_at=as_utc(story.updated_at),
        thread_id=story.thread_id, tone=story.tone, kicker=story.section.capitalize(),
        format_label=FORMATS.get(fmt or "", ""),
    )


def _cards(session: Session, stories: list[StoryRow]) -> list[Card]:
    """Cards with the briefings' headlines and standfirsts (only those columns are read)."""
    ids = [s.id for s in stories]
    texts: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(
            select(BriefingRow.story_id, BriefingRow.headline, BriefingRow.standfirst,
                   BriefingRow.format)
            .where(BriefingRow.story_id.in_(chunk))
        )
        texts.update((sid, (headline, standfirst, fmt)) for sid, headline, standfirst, fmt in rows)
    return [card(s, *texts.get(s.id, (None, None, None))) for s in stories]


def resolve_story(session: Session, story_id: str) -> str | None:
    """The id a permalink points to now (a merged story's old id resolves to the survivor)."""
    if session.get(StoryRow, story_id) is not None:
        return story_id
    seen = {story_id}
    current = story_id
    while True:
        alias = session.get(StoryAliasRow, current)
        if alias is None or alias.story_id in seen:
            return None
        current = alias.story_id
        if session.get(StoryRow, current) is not None:
            return current
        seen.add(current)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def front_page(
    session: Session, *, edition: str = "world", day: date | None = None, per_section: int = 6,
    limit: int = 48,
) -> list[tuple[str, list[Card]]]:
    """Today's (or that day's) top stories grouped by section, best section first."""
    as_of = day_bounds(day)[1] if day else None
    ranked = top_stories(session, limit=limit * 3, edition=edition, as_of=as_of)
    if day is not None:
        start, end = day_bounds(day)
        ranked = [
            r for r in ranked
            if r.story.first_published is None
            or (as_utc(r.story.first_published) < end
            and (r.story.last_published is None or as_utc(r.story.last_published) >= start))
        ]
    cards = _cards(session, [r.story for r in ranked[:limit]])
    grouped: dict[str, list[Card]] = defaultdict(list)
    for c in cards:
        if len(grouped[c.section]) < per_section:
            grouped[c.section].append(c)
    return list(grouped.items())


def section_cards(
    session: Session, section: str, *, edition: str = "world", limit: int = 30
) -> list[Card]:
    ranked = top_stories(session, limit=limit, section=section, edition=edition)
    if len(ranked) < limit:  # a quiet section still shows its latest stories
        seen = {r.story.id for r in ranked}
        older = session.scalars(
            select(StoryRow).where(StoryRow.section == section)
            .order_by(StoryRow.last_published.desc()).limit(limit)
        )
        extra = [s for s in older if s.id not in seen][: limit - len(ranked)]
        return _cards(session, [r.story for r in ranked] + extra)
    return _cards(session, [r.story for r in ranked])


_CARD_COLUMNS = (
    StoryRow.id, StoryRow.headline, StoryRow.section, StoryRow.outlet_count,
    StoryRow.article_count, StoryRow.coverage, StoryRow.blindspot, StoryRow.first_published,
    StoryRow.last_published, StoryRow.updated_at, StoryRow.thread_id, StoryRow.tone,
    BriefingRow.headline, BriefingRow.standfirst, BriefingRow.format,
)


def _card_rows(session: Session, *where: Any, order: tuple, limit: int) -> list[Card]:
    """Cards straight from one column query (no ORM objects): the story page's hot path."""
    rows = session.execute(
        select(*_CARD_COLUMNS).outerjoin(BriefingRow, BriefingRow.story_id == StoryRow.id)
        .where(*where).order_by(*order).limit(limit)
    )
    cards = []
    for (sid, story_headline, section, outlets, articles, coverage, blindspot, first, last,
         updated, thread, tone, headline, standfirst, fmt) in rows:
        cards.append(Card(
            id=sid, headline=headline or story_headline or "Untitled story",
            standfirst=standfirst or "", section=section, outlet_count=outlets,
            article_count=articles,
            coverage={lean: int((coverage or {}).get(lean, 0)) for lean in LEANS},
            blindspot=blindspot, first_published=as_utc(first), last_published=as_utc(last),
            updated_at=as_utc(updated), thread_id=thread, tone=tone, kicker=section.capitalize(),
            format_label=FORMATS.get(fmt or "", ""),
        ))
    return cards


def thread_stories(session: Session, story: StoryRow, limit: int = 12) -> list[Card]:
    """The developing matter's stories in time order (the story itself included)."""
    return _card_rows(
        session, StoryRow.thread_id == story.thread_id,
        order=(StoryRow.first_published, StoryRow.id), limit=limit,
    )


def related_rail(
    session: Session, story: StoryRow, thread: list[Card] | None = None, limit: int = 8
) -> list[Card]:
    """Other stories of the same thread (newest first), then the same section around the
    same time, most important first."""
    mates = thread if thread is not None else thread_stories(session, story)
    picked = sorted(
        (c for c in mates if c.id != story.id),
        key=lambda c: c.last_published or datetime.min.replace(tzinfo=UTC), reverse=True,
    )[:limit]
    if len(picked) < limit and story.last_published is not None:
        ids = {story.id} | {c.id for c in picked}
        near = _card_rows(
            session, StoryRow.section == story.section,
            StoryRow.last_published <= story.last_published + timedelta(days=2),
            StoryRow.last_published >= story.last_published - timedelta(days=2),
            order=(StoryRow.importance.desc(),), limit=limit * 2,
        )
        picked += [c for c in near if c.id not in ids][: limit - len(picked)]
    return picked


def story_page(session: Session, story_id: str) -> StoryPage | None:
    story = session.get(StoryRow, story_id)
    if story is None:
        return None
    briefing = session.get(BriefingRow, story_id)
    outlets = session.execute(
        select(OutletRow.name, OutletRow.lean)
        .join(ArticleRow, ArticleRow.outlet_id == OutletRow.id)
        .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .where(StoryArticleRow.story_id == story_id).distinct()
    ).all()
    thread = thread_stories(session, story)
    by_lean: dict[str, list[str]] = {lean: [] for lean in LEANS}
    for name, lean in sorted(outlets):
        by_lean.setdefault(lean or "unknown", []).append(name)
    return StoryPage(
        card=card(story, briefing.headline if briefing else None,
                  (briefing.standfirst or standfirst_of(briefing.record.get("summary") or ""))
                  if briefing else None),
        story=story,
        briefing=briefing.record if briefing is not None else None,
        faithful=briefing.faithful if briefing is not None else True,
        timeline=thread if len(thread) > 1 else [],
        related=related_rail(session, story, thread),
        countries=list(story.countries or []), outlets_by_lean=by_lean,
    )


def archive_days(session: Session, limit: int = 400) -> list[tuple[date, int]]:
    """Days that have an edition, newest first, with how many stories ended on each."""
    day = func.date(StoryRow.last_published)
    rows = session.execute(
        select(day, func.count()).where(StoryRow.last_published.is_not(None))
        .group_by(day).order_by(day.desc()).limit(limit)
    ).all()
    out = []
    for value, count in rows:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        out.append((parsed, int(count)))
    return out


def blindspot_cards(session: Session, *, limit: int = 40) -> dict[str, list[Card]]:
    """Stories one side barely covered, by the side that missed them."""
    rows = list(session.scalars(
        select(StoryRow).where(StoryRow.blindspot.is_not(None))
        .order_by(StoryRow.last_published.desc()).limit(limit)
    ))
    out: dict[str, list[Card]] = defaultdict(list)
    for c in _cards(session, rows):
        out[c.blindspot or ""].append(c)
    return dict(out)


def outlet_list(session: Session) -> list[tuple[OutletRow, int]]:
    counts = dict(session.execute(
        select(ArticleRow.outlet_id, func.count()).group_by(ArticleRow.outlet_id)
    ).all())
    outlets = session.scalars(select(OutletRow).order_by(OutletRow.name))
    return [(o, int(counts.get(o.id, 0))) for o in outlets if counts.get(o.id) or o.enabled]


def outlet_page(
    session: Session, slug: str, *, limit: int = 40
) -> tuple[OutletRow, list[Card], int] | None:
    outlet = session.scalar(select(OutletRow).where(OutletRow.slug == slug))
    if outlet is None:
        return None
    article_count = session.scalar(
        select(func.count()).select_from(ArticleRow).where(ArticleRow.outlet_id == outlet.id)
    ) or 0
    story_ids = select(StoryArticleRow.story_id).join(
        ArticleRow, ArticleRow.id == StoryArticleRow.article_id
    ).where(ArticleRow.outlet_id == outlet.id)
    stories = list(session.scalars(
        select(StoryRow).where(StoryRow.id.in_(story_ids))
        .order_by(StoryRow.last_published.desc()).limit(limit)
    ))
    return outlet, _cards(session, stories), int(article_count)


def story_list(
    session: Session, *, page: int = 1, per_page: int = 20, section: str | None = None,
    edition: str | None = None,
) -> tuple[list[Card], int]:
    """Stories newest first, a page at a time, with the total count (for the API)."""
    query = select(StoryRow)
    count_query = select(func.count()).select_from(StoryRow)
    if section:
        query = query.where(StoryRow.section == section)
        count_query = count_query.where(StoryRow.section == section)
    if edition and edition != "world":
        # Editions are a short JSON list; a LIKE on its text is portable and exact here.
        pattern = f'%"{edition}"%'
        query = query.where(cast(StoryRow.editions, Text).like(pattern))
        count_query = count_query.where(cast(StoryRow.editions, Text).like(pattern))
    total = int(session.scalar(count_query) or 0)
    rows = list(session.scalars(
        query.order_by(StoryRow.last_published.desc(), StoryRow.id)
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return _cards(session, rows), total


def cards_for(session: Session, ids: list[str]) -> list[Card]:
    """Cards for the given story ids, in that order (missing ids skipped)."""
    rows = {s.id: s for s in session.scalars(select(StoryRow).where(StoryRow.id.in_(ids)))}
    return _cards(session, [rows[i] for i in ids if i in rows])


def known_sections(session: Session) -> list[str]:
    used = set(session.scalars(select(StoryRow.section).distinct()))
    return [s for s in SECTIONS if s in used]
