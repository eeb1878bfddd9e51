"""The site's pages as functions of the store: the web app and the static export share them.

Every page takes ``root``, the prefix of internal links: "/" when served, and a relative
"../../" style prefix in the static export, so an exported copy works from any folder of
any static host.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadsheet.publish import queries
from broadsheet.publish.feeds import render_feed
from broadsheet.publish.render import SIDES, make_environment
from broadsheet.publish.search import search
from broadsheet.store.schema import OutletRow
from broadsheet.stories.sections import SECTIONS
from broadsheet.stories.top import edition_time

PER_PAGE = 20
NAV_TTL_S = 30.0
SIDE_ORDER = ("left", "center", "right", "unknown")


@dataclass(slots=True)
class SiteConfig:
    title: str = "Broadsheet"
    base_url: str = "http://127.0.0.1:8000"
    default_edition: str = "world"


class NotFound(Exception):
    """The page does not exist (unknown story, section, outlet or day)."""


@dataclass(slots=True)
class Redirect(Exception):
    location: str


def perspectives_by_side(perspectives: list[dict[str, Any]]) -> list[tuple[str, list[dict]]]:
    grouped: dict[str, list[dict]] = {side: [] for side in SIDE_ORDER}
    for p in perspectives:
        grouped[SIDES.get(p.get("lean") or "unknown", "unknown")].append(p)
    return [(side, grouped[side]) for side in SIDE_ORDER if grouped[side]]


def key_players(record: dict[str, Any], limit: int = 8) -> list[str]:
    if record.get("key_players"):
        return list(record["key_players"])[:limit]
    counts: Counter[str] = Counter()
    for p in record.get("perspectives") or []:
        if p.get("speaker"):
            counts[p["speaker"]] += len(p.get("statements") or []) or 1
    for q in record.get("quotes") or []:
        if q.get("speaker"):
            counts[q["speaker"]] += 1
    return [name for name, _ in counts.most_common(limit)]


class Site:
    def __init__(self, config: SiteConfig | None = None, *, static: bool = False) -> None:
        self.config = config or SiteConfig()
        self.static = static
        self.env = make_environment()
        self._nav: tuple[float, list[str], int] | None = None

    # ------------------------------------------------------------------ helpers
    def _navigation(self, session: Session) -> tuple[list[str], int]:
        """The section bar and outlet count: the same on every page, so read twice a minute."""
        now = time.monotonic()
        if self._nav is None or now - self._nav[0] > NAV_TTL_S:
            outlet_total = session.scalar(
                select(func.count()).select_from(OutletRow).where(OutletRow.enabled.is_(True))
            ) or 0
            sections = queries.known_sections(session) or list(SECTIONS[:8])
            self._nav = (now, sections, int(outlet_total))
        return self._nav[1], self._nav[2]

    def _render(self, session: Session, template: str, root: str, **context: Any) -> str:
        sections, outlet_total = self._navigation(session)
        base = {
            "root": root, "site_title": self.config.title, "site_url": self.config.base_url,
            "sections": sections,
            "static": self.static, "outlet_total": outlet_total, "edition": None,
            "section": None, "page": None, "query": None,
        }
        base.update(context)
        return self.env.get_template(template).render(**base)

    def render_template(self, session: Session, template: str, root: str, **context: Any) -> str:
        """Any template with the site's navigation around it (for routes outside ``Site``)."""
        return self._render(session, template, root, **context)

    def _edition(self, edition: str | None) -> str:
        edition = edition or self.config.default_edition
        if edition not in queries.EDITIONS:
            raise NotFound(f"no edition {edition!r}")
        return edition

    # ------------------------------------------------------------------ pages
    def front(self, session: Session, root: str, edition: str | None = None) -> str:
        edition = self._edition(edition)
        groups = queries.front_page(session, edition=edition)
        as_of = edition_time(session)
        return self._render(
            session, "front.html", root, groups=groups, edition=edition,
            heading=f"Today's briefing: {queries.EDITIONS[edition]} edition",
            subheading=f"As of {as_of:%A %-d %B %Y}" if as_of else "",
            feed_base=f"edition/{edition}/" if edition != self.config.default_edition else "",
            generated=as_of,
        )

    def day(self, session: Session, root: str, day: date, edition: str | None = None) -> str:
        edition = self._edition(edition)
        groups = queries.front_page(session, edition=edition, day=day)
        if not groups:
            raise NotFound(f"no edition for {day.isoformat()}")
        return self._render(
            session, "front.html", root, groups=groups, edition=edition, page="archive",
            heading=f"The edition of {day:%A %-d %B %Y}",
            subheading=f"{queries.EDITIONS[edition]} edition, as it stood at the end of the day",
            feed_base="",
        )

    def story(self, session: Session, root: str, story_id: str) -> str:
        page = queries.story_page(session, story_id)
        if page is None:
            resolved = queries.resolve_story(session, story_id)
            if resolved and resolved != story_id:
                raise Redirect(f"{root}story/{resolved}/")
            raise NotFound(f"no story {story_id!r}")
        record = page.briefing or {}
        return self._render(
            session, "story.html", root, card=page.card, briefing=page.briefing,
            faithful=page.faithful, timeline=page.timeline, related=page.related,
            countries=page.countries, outlets_by_lean=page.outlets_by_lean,
            perspectives_by_side=perspectives_by_side(record.get("perspectives") or []),
            key_players=key_players(record), format=record.get("format_label"),
            section=page.card.section,
        )

    def section(self, session: Session, root: str, name: str) -> str:
        if name not in SECTIONS:
            raise NotFound(f"no section {name!r}")
        cards = queries.section_cards(session, name)
        return self._render(
            session, "list.html", root, heading=name.capitalize(), section=name,
            groups=[("", cards)], feed_base=f"section/{name}/",
            empty="No stories in this section yet.",
        )

    def blindspot(self, session: Session, root: str) -> str:
        grouped = queries.blindspot_cards(session)
        groups = [(f"Barely covered by the {side}", cards) for side, cards in grouped.items()]
        return self._render(
            session, "list.html", root, heading="Blindspot", page="blindspot", groups=groups,
            intro=("Stories that one side of the spectrum barely covered: fewer than one in "
                   "five of the rated outlets reporting them lean that way."),
            empty="No blindspots right now: every story was covered across the spectrum.",
        )

    def archive(self, session: Session, root: str) -> str:
        return self._render(session, "archive.html", root, page="archive",
                            days=queries.archive_days(session))

    def outlets(self, session: Session, root: str) -> str:
        return self._render(session, "outlets.html", root, outlets=queries.outlet_list(session))

    def outlet(self, session: Session, root: str, slug: str) -> str:
        found = queries.outlet_page(session, slug)
        if found is None:
            raise NotFound(f"no outlet {slug!r}")
        outlet, cards, count = found
        return self._render(session, "outlet.html", root, outlet=outlet, cards=cards,
                            article_count=count)

    def search(self, session: Session, root: str, query: str, page: int = 1) -> str:
        query = query.strip()[:200]
        hits = search(session, query, page=page, per_page=PER_PAGE) if query else None
        total = hits.total if hits else 0
        cards = queries.cards_for(session, hits.ids) if hits else []
        return self._render(
            session, "search.html", root, query=query, cards=cards, total=total, page=page,
            pages=max(1, math.ceil(total / PER_PAGE)),
            pager_base=f"{root}search/?q={quote_plus(query)}&",
        )

    def message(self, session: Session, root: str, heading: str, message: str) -> str:
        return self._render(session, "message.html", root, heading=heading, message=message)

    def api_docs(self, session: Session, root: str, openapi: dict[str, Any]) -> str:
        endpoints = []
        for path, methods in openapi.get("paths", {}).items():
            for method, op in methods.items():
                params = [
                    {"name": p["name"], "in": p["in"],
                     "type": (p.get("schema") or {}).get("type", ""),
                     "description": p.get("description", "")}
                    for p in op.get("parameters", [])
                ]
                endpoints.append({"method": method.upper(), "path": path,
                                  "summary": op.get("description") or op.get("summary", ""),
                                  "params": params})
        return self._render(session, "api.html", root, endpoints=endpoints)

    # ------------------------------------------------------------------ feeds
    def feed(
        self, session: Session, fmt: str, *, edition: str | None = None,
        section: str | None = None,
    ) -> bytes:
        if section is not None:
            if section not in SECTIONS:
                raise NotFound(f"no section {section!r}")
            cards = queries.section_cards(session, section)
            title, page = f"{self.config.title}: {section.capitalize()}", f"/section/{section}/"
            path = f"/section/{section}/feed.{fmt}"
        else:
            edition = self._edition(edition)
            groups = queries.front_page(session, edition=edition)
            cards = [c for _, group in groups for c in group]
            if edition == self.config.default_edition:
                title, page, path = self.config.title, "/", f"/feed.{fmt}"
            else:
                title = f"{self.config.title}: {queries.EDITIONS[edition]} edition"
                page, path = f"/edition/{edition}/", f"/edition/{edition}/feed.{fmt}"
        return render_feed(
            cards, fmt=fmt, title=title, site_url=self.config.base_url, feed_path=path,
            page_path=page, description="The facts behind the news, plus what every side says.",
        )
