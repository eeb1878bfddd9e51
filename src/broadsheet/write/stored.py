"""Briefings in the store: composed for every story whose articles changed, and checked.

Runs after the story stage in `broadsheet build`. A story's briefing is stale when it is
missing or was composed from a different number of articles; each briefing commits on its
own, so an interrupted run simply leaves the rest stale for the next one. The faithfulness
check runs on every briefing composed, and its verdict is stored with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from broadsheet.store import Store
from broadsheet.store.schema import (
    ArticleRow,
    BriefingRow,
    OutletRow,
    StoryArticleRow,
    StoryRow,
)
from broadsheet.write.briefing import BriefArticle, compose_briefing
from broadsheet.write.faithfulness import check_briefing
from broadsheet.write.sentences import split_sentences

# A briefing draws on at most this many articles (the earliest ones, then the newest), so
# a story with hundreds of articles costs the same as one with forty.
MAX_ARTICLES = 40


STANDFIRST_WORDS = 45


def standfirst_of(summary: str, words: int = STANDFIRST_WORDS) -> str:
    """One or two sentences of the summary: the first, plus the second if both are short."""
    sentences = [s.text.strip() for s in split_sentences(summary) if s.text.strip()]
    if not sentences:
        return ""
    out = sentences[0]
    if len(sentences) > 1 and len(out.split()) + len(sentences[1].split()) <= words:
        out = f"{out} {sentences[1]}"
    return out


@dataclass(slots=True)
class BriefingsReport:
    composed: int = 0
    unfaithful: int = 0


def stale_story_ids(store: Store) -> list[str]:
    with store.session() as session:
        rows = session.execute(
            select(StoryRow.id, StoryRow.article_count, BriefingRow.article_count)
            .join(BriefingRow, BriefingRow.story_id == StoryRow.id, isouter=True)
            .order_by(StoryRow.id)
        ).all()
    return [sid for sid, count, briefed in rows if briefed is None or briefed != count]


def _articles(session, story_id: str) -> tuple[list[int], list[BriefArticle]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(ArticleRow, OutletRow)
        .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .join(OutletRow, ArticleRow.outlet_id == OutletRow.id, isouter=True)
        .where(StoryArticleRow.story_id == story_id)
        .order_by(ArticleRow.id)
    ).all()
    if len(rows) > MAX_ARTICLES:
        half = MAX_ARTICLES // 2
        rows = rows[:half] + rows[-half:]
    ids = [article.id for article, _ in rows]
    articles = [
        BriefArticle(
            id=str(article.id), outlet=outlet.name if outlet else "", lean=outlet.lean if
            outlet else "unknown", title=article.title or "", text=article.text or "",
            url=article.url, published=article.published.isoformat() if article.published
            else None,
        )
        for article, outlet in rows
    ]
    return ids, articles


def build_briefings(
    store: Store, *, on_story: Callable[[], None] | None = None
) -> BriefingsReport:
    report = BriefingsReport()
    for story_id in stale_story_ids(store):
        with store.session() as session:
            story = session.get(StoryRow, story_id)
            ids, articles = _articles(session, story_id)
            briefing = compose_briefing(articles, story_id=story_id)
            problems = check_briefing(briefing, articles)
            row = session.get(BriefingRow, story_id) or BriefingRow(story_id=story_id)
            row.headline = briefing.headline
            row.standfirst = standfirst_of(briefing.summary)
            row.record = briefing.to_json()
            row.article_ids = ids
            row.article_count = story.article_count
            row.faithful = not problems
            row.problems = [f"{p.part}[{p.index}]: {p.reason}: {p.text[:120]}" for p in problems]
            session.add(row)
        report.composed += 1
        report.unfaithful += bool(problems)
        if on_story:
            on_story()
    return report
