"""Briefings in the store: composed for every story whose articles changed, and checked.

Runs after the story stage in `broadsheet build`. A story's briefing is stale when it is
missing or was composed from a different number of articles; each briefing commits on its
own, so an interrupted run simply leaves the rest stale for the next one. The faithfulness
check runs on every briefing composed, and its verdict is stored with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from broadsheet.store import Store
from broadsheet.store.schema import (
    ArticleRow,
    BriefingRow,
    OutletRow,
    StoryArticleRow,
    StoryRow,
)
from broadsheet.stories.text import MAX_ARTICLE_CHARS, lead
from broadsheet.write.briefing import BriefArticle, compose_briefing
from broadsheet.write.faithfulness import Problem, check_briefing
from broadsheet.write.formats import StoryFeatures, apply_format, choose_format
from broadsheet.write.rewrite import Rewriter, rewrite_record
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
    # Briefings another build running at the same time stored first (theirs are kept).
    already_written: int = 0


def stale_story_ids(store: Store, format_overrides: dict[str, str] | None = None) -> list[str]:
    """Stories with no briefing, one composed from another article count (-1 once an
    article's text was filled in or re-extracted), or one whose format differs from the
    one the configuration now fixes for it."""
    overrides = format_overrides or {}
    with store.session() as session:
        rows = session.execute(
            select(StoryRow.id, StoryRow.article_count, BriefingRow.article_count,
                   BriefingRow.format)
            .join(BriefingRow, BriefingRow.story_id == StoryRow.id, isouter=True)
            .order_by(StoryRow.id)
        ).all()
    return [
        sid for sid, count, briefed, fmt in rows
        if briefed is None or briefed != count or (sid in overrides and overrides[sid] != fmt)
    ]


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
            outlet else "unknown", title=article.title or "",
            text=lead(article.text or "", MAX_ARTICLE_CHARS),
            url=article.url, published=article.published.isoformat() if article.published
            else None,
        )
        for article, outlet in rows
    ]
    return ids, articles


def _story_features(session, story: StoryRow, articles: list[BriefArticle],  # type: ignore[no-untyped-def]
                    headline: str) -> StoryFeatures:
    thread_size = session.scalar(
        select(func.count()).select_from(StoryRow).where(StoryRow.thread_id == story.thread_id)
    ) or 1
    sections = list(session.scalars(
        select(StoryArticleRow.section).where(StoryArticleRow.story_id == story.id)
    ))
    opinion = sum(1 for s in sections if s == "opinion") / len(sections) if sections else 0.0
    return StoryFeatures(headline=headline, titles=[a.title for a in articles],
                         outlets=story.outlet_count, thread_size=int(thread_size),
                         opinion_share=opinion)


def _timeline(session, story: StoryRow) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(StoryRow.id, StoryRow.headline, StoryRow.first_published)
        .where(StoryRow.thread_id == story.thread_id)
        .order_by(StoryRow.first_published, StoryRow.id).limit(20)
    ).all()
    if len(rows) < 2:
        return []
    return [{"story": sid, "headline": headline,
             "date": first.isoformat() if first else None} for sid, headline, first in rows]


def build_briefings(
    store: Store, *, on_story: Callable[[], None] | None = None,
    rewriter: Rewriter | None = None, format_overrides: dict[str, str] | None = None,
) -> BriefingsReport:
    """Compose, check and store the briefing of every stale story.

    The faithfulness check runs on the extractive briefing; the format then selects and
    orders its parts, and the optional rewriter rephrases only what its verifier accepts.
    """
    report = BriefingsReport()
    overrides = format_overrides or {}
    for story_id in stale_story_ids(store, overrides):
        try:
            problems = _write_briefing(store, story_id, overrides.get(story_id), rewriter)
        except IntegrityError:
            # A second `broadsheet build` with nothing new to cluster comes straight here,
            # maybe while the first one writes briefings: it inserted this one first, from
            # the same articles. Each briefing commits on its own, so nothing else is lost.
            report.already_written += 1
        else:
            report.composed += 1
            report.unfaithful += bool(problems)
        if on_story:
            on_story()
    return report


def _write_briefing(
    store: Store, story_id: str, fmt: str | None, rewriter: Rewriter | None
) -> list[Problem]:
    """Compose, check and store one story's briefing; returns the check's problems."""
    with store.session() as session:
        story = session.get(StoryRow, story_id)
        ids, articles = _articles(session, story_id)
        briefing = compose_briefing(articles, story_id=story_id)
        problems = check_briefing(briefing, articles)
        record = briefing.to_json()
        record["summary_sentences"] = [e.to_json() for e in briefing.summary_sentences]
        record["key_players"] = list(briefing.key_players)
        record["timeline"] = _timeline(session, story)
        features = _story_features(session, story, articles, briefing.headline)
        fmt = fmt or choose_format(record, features)
        apply_format(record, fmt, features)
        if rewriter is not None:
            rewrite_record(briefing, record, articles, rewriter)
        row = session.get(BriefingRow, story_id) or BriefingRow(story_id=story_id)
        row.headline = briefing.headline
        row.standfirst = standfirst_of(record["summary"])
        row.format = fmt
        row.record = record
        row.article_ids = ids
        row.article_count = story.article_count
        row.faithful = not problems
        row.problems = [f"{p.part}[{p.index}]: {p.reason}: {p.text[:120]}" for p in problems]
        # Every write, not only the first: the search index re-reads briefings built
        # since its last refresh, and the page cache's version is the newest of these.
        row.built_at = datetime.now(UTC)
        session.add(row)
    return problems
