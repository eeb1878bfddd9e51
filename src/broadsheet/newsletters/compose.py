"""Composing newsletter issues from the stories and briefings in the store.

An issue is composed once per newsletter, date and edition and kept
(``newsletter_issues``): every send of it, the browser preview and the archive read the
same text. Per-subscriber links are placeholders (``%%UNSUBSCRIBE_URL%%``,
``%%PREFERENCES_URL%%``) filled in at send time. CSS is inlined by css-inline, since
many mail clients drop ``<style>`` blocks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadsheet.dates import as_utc
from broadsheet.newsletters.catalogue import newsletter
from broadsheet.publish.queries import EDITIONS, Card, cards_for, day_bounds
from broadsheet.publish.render import plain_text
from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, NewsletterIssueRow, StoryRow
from broadsheet.stories.top import top_stories

UNSUBSCRIBE = "%%UNSUBSCRIBE_URL%%"
PREFERENCES = "%%PREFERENCES_URL%%"
MORNING_ITEMS = 10
GOOD_NEWS_ITEMS = 8
GOOD_TONE = 0.15  # VADER compound above this reads as clearly positive
BEST_BRIEFINGS = 5
MOST_CITED = 5

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True)


@dataclass(slots=True)
class Item:
    title: str
    url: str
    teaser: str = ""
    meta: str = ""
    kicker: str = ""


@dataclass(slots=True)
class Group:
    heading: str
    items: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class Issue:
    newsletter: str
    issue_date: date
    edition: str
    subject: str
    html: str
    text: str
    story_ids: list[str]


def _story_item(card: Card, site_url: str, kicker: str = "") -> Item:
    meta = f"{card.outlet_count} outlet{'s' if card.outlet_count != 1 else ''} · {card.section}"
    return Item(title=plain_text(card.headline), url=f"{site_url}/story/{card.id}/",
                teaser=plain_text(card.standfirst), meta=meta, kicker=kicker)


def _morning(session: Session, day: date, edition: str, site_url: str) -> tuple[list[Group], str]:
    ranked = top_stories(session, limit=MORNING_ITEMS, edition=edition, as_of=day_bounds(day)[1])
    cards = cards_for(session, [r.story.id for r in ranked])
    items = [_story_item(c, site_url, kicker=str(n)) for n, c in enumerate(cards, 1)]
    intro = (f"The {len(items)} things you need to know this morning, each in two lines."
             if items else "A quiet night: no new stories since the last briefing.")
    return [Group("", items)], intro


def _good_news(session: Session, day: date, edition: str, site_url: str) -> tuple[list[Group], str]:
    end = day_bounds(day)[1]
    rows = list(session.scalars(
        select(StoryRow).where(StoryRow.last_published >= end - timedelta(days=7),
                               StoryRow.last_published < end, StoryRow.tone >= GOOD_TONE)
    ))
    if edition != "world":
        rows = [s for s in rows if edition in (s.editions or [])]
    rows.sort(key=lambda s: (-(s.tone * (0.5 + s.importance)), s.id))
    cards = cards_for(session, [s.id for s in rows[:GOOD_NEWS_ITEMS]])
    items = [_story_item(c, site_url) for c in cards]
    intro = ("The week's most positive stories, picked by the tone of their reporting."
             if items else "No clearly positive story was reported this week.")
    return [Group("", items)], intro


def _best(session: Session, day: date, edition: str, site_url: str) -> tuple[list[Group], str]:
    start, end = day_bounds(day)
    stories = list(session.scalars(
        select(StoryRow).where(StoryRow.last_published >= start, StoryRow.last_published < end)
    ))
    if edition != "world":
        stories = [s for s in stories if edition in (s.editions or [])]
    briefings = {b.story_id: b for b in session.scalars(
        select(BriefingRow).where(BriefingRow.story_id.in_([s.id for s in stories]))
    )}

    def strength(story: StoryRow) -> tuple:
        b = briefings.get(story.id)
        facts = (b.record.get("facts") or []) if b else []
        supported = sum(1 for f in facts if len(f.get("citations") or []) > 1)
        return (bool(b and b.faithful), supported, story.outlet_count, story.id)

    strongest = sorted(stories, key=strength, reverse=True)[:BEST_BRIEFINGS]
    cited: Counter[tuple[str, str, str]] = Counter()
    for b in briefings.values():
        sources = b.record.get("sources") or []
        for fact in b.record.get("facts") or []:
            for n in fact.get("citations") or []:
                if 1 <= n <= len(sources) and sources[n - 1].get("url"):
                    s = sources[n - 1]
                    cited[(s["url"], s.get("title") or "", s.get("outlet") or "")] += 1
    strongest_cards = cards_for(session, [s.id for s in strongest])
    groups = [Group("The strongest briefings", [_story_item(c, site_url) for c in strongest_cards])]
    pieces = [
        Item(title=plain_text(title) or url, url=url,
             meta=f"{plain_text(outlet)} · cited {n} times")
        for (url, title, outlet), n in cited.most_common(MOST_CITED)
        if url.startswith(("http://", "https://"))
    ]
    if pieces:
        groups.append(Group("The most-cited pieces", pieces))
    intro = ("The day's best-sourced briefings, and the reporting they lean on most."
             if strongest else "No stories were briefed today.")
    return groups, intro


_COMPOSERS = {"morning-briefing": _morning, "good-news": _good_news, "best-articles": _best}


def compose_issue(session: Session, key: str, day: date, *, edition: str = "world",
                  site_url: str = "http://127.0.0.1:8000",
                  site_title: str = "Broadsheet") -> Issue:
    spec = newsletter(key)
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    site_url = site_url.rstrip("/")
    groups, intro = _COMPOSERS[key](session, day, edition, site_url)
    day_label = (f"week to {day:%-d %B %Y}" if spec.cadence == "weekly"
                 else f"{day:%A %-d %B %Y}")
    subject = f"{spec.title}: {day:%-d %B %Y}"
    lead = next((i.title for g in groups for i in g.items), None)
    if lead:
        subject = f"{spec.title}: {lead}"[:150]
    web_url = f"{site_url}/newsletters/{key}/{day.isoformat()}/{edition}/"
    body_html = _env.get_template("email.html").render(
        subject=subject, title=spec.title, site_url=site_url, site_title=site_title,
        day_label=day_label, edition_label=EDITIONS[edition] if edition != "world" else "",
        intro=intro, groups=groups, web_url=web_url,
    )
    body_html = css_inline.inline(body_html)
    text = _text_part(spec.title, site_title, day_label, intro, groups, web_url)
    story_ids = [i.url.rstrip("/").rsplit("/", 1)[-1] for g in groups for i in g.items
                 if i.url.startswith(f"{site_url}/story/")]
    return Issue(key, day, edition, subject, body_html, text, story_ids)


def _text_part(title: str, site_title: str, day_label: str, intro: str, groups: list[Group],
               web_url: str) -> str:
    lines = [f"{site_title}: {title}", day_label, "", intro, ""]
    for group in groups:
        if group.heading:
            lines += [group.heading.upper(), ""]
        for item in group.items:
            head = f"{item.kicker}. " if item.kicker else "* "
            lines.append(f"{head}{item.title}")
            if item.teaser:
                lines.append(f"   {item.teaser}")
            lines.append(f"   {item.url}")
            lines.append("")
    lines += ["--", f"Read in your browser: {web_url}",
              f"Change your preferences: {PREFERENCES}", f"Unsubscribe: {UNSUBSCRIBE}", ""]
    return "\n".join(lines)


def issue_for(store: Store, key: str, day: date, *, edition: str = "world",
              site_url: str = "http://127.0.0.1:8000",
              site_title: str = "Broadsheet") -> NewsletterIssueRow:
    """The stored issue, composed and kept the first time it is asked for."""
    with store.session() as session:
        row = session.scalar(select(NewsletterIssueRow).where(
            NewsletterIssueRow.newsletter == key, NewsletterIssueRow.issue_date == day.isoformat(),
            NewsletterIssueRow.edition == edition))
        if row is not None:
            return row
        issue = compose_issue(session, key, day, edition=edition, site_url=site_url,
                              site_title=site_title)
    try:
        with store.session() as session:
            row = NewsletterIssueRow(
                newsletter=key, issue_date=day.isoformat(), edition=edition,
                subject=issue.subject, html=issue.html, text=issue.text, story_ids=issue.story_ids,
            )
            session.add(row)
        return row
    except IntegrityError:  # composed concurrently by another process: use theirs
        with store.session() as session:
            return session.scalars(select(NewsletterIssueRow).where(
                NewsletterIssueRow.newsletter == key,
                NewsletterIssueRow.issue_date == day.isoformat(),
                NewsletterIssueRow.edition == edition)).one()


def latest_day(session: Session) -> date | None:
    newest = as_utc(session.scalar(select(StoryRow.last_published)
                                   .order_by(StoryRow.last_published.desc()).limit(1)))
    return newest.date() if newest else None


def describe(row: NewsletterIssueRow) -> dict[str, Any]:
    return {"newsletter": row.newsletter, "date": row.issue_date, "edition": row.edition,
            "subject": row.subject, "stories": len(row.story_ids)}
