"""The read-only JSON API: stories, briefings, outlets and search, with pagination.

Pages are ``?page=N&per_page=M`` (M at most 100); every list answer carries ``total``,
``page``, ``per_page`` and ``next`` (the next page's URL, or null).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from broadsheet.publish import queries
from broadsheet.publish.search import search
from broadsheet.store import Store


class StoryOut(BaseModel):
    id: str
    headline: str
    standfirst: str
    section: str
    outlet_count: int
    article_count: int
    coverage: dict[str, int]
    blindspot: str | None
    thread: str
    tone: float
    first_published: str | None
    last_published: str | None
    url: str


class StoryPageOut(BaseModel):
    total: int
    page: int
    per_page: int
    next: str | None
    items: list[StoryOut]


class OutletOut(BaseModel):
    slug: str
    name: str
    lean: str
    country: str
    edition: str
    owner: str | None
    domains: list[str]
    articles: int


class OutletPageOut(BaseModel):
    total: int
    page: int
    per_page: int
    next: str | None
    items: list[OutletOut]


def _story(card: queries.Card) -> dict[str, Any]:
    out = card.to_json()
    out["url"] = f"/story/{card.id}/"
    return out


def _next(request: Request, page: int, per_page: int, total: int) -> str | None:
    if page * per_page >= total:
        return None
    return str(request.url.include_query_params(page=page + 1, per_page=per_page))


def make_api_router(store: Store) -> APIRouter:
    router = APIRouter(tags=["api"])

    def run(fn):  # type: ignore[no-untyped-def]
        def wrapped():  # type: ignore[no-untyped-def]
            with store.session() as session:
                return fn(session)

        return run_in_threadpool(wrapped)

    @router.get("/stories", response_model=StoryPageOut)
    async def list_stories(
        request: Request,
        page: int = Query(1, ge=1, le=10_000, description="Page number, from 1."),
        per_page: int = Query(20, ge=1, le=100, description="Stories per page."),
        section: str | None = Query(None, description="Only this section (world, politics, ...)."),
        edition: str | None = Query(None, description="Only this edition (us, uk, world)."),
    ) -> dict[str, Any]:
        """Stories, newest first."""
        cards, total = await run(lambda s: queries.story_list(
            s, page=page, per_page=per_page, section=section, edition=edition))
        return {"total": total, "page": page, "per_page": per_page,
                "next": _next(request, page, per_page, total),
                "items": [_story(c) for c in cards]}

    @router.get("/stories/{story_id}", response_model=StoryOut)
    async def get_story(story_id: str) -> dict[str, Any]:
        """One story (a merged story's old id answers with the surviving story)."""
        def fetch(s):  # type: ignore[no-untyped-def]
            resolved = queries.resolve_story(s, story_id[:64])
            cards = queries.cards_for(s, [resolved]) if resolved else []
            return cards[0] if cards else None

        card = await run(fetch)
        if card is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return _story(card)

    @router.get("/stories/{story_id}/briefing")
    async def get_briefing(story_id: str) -> dict[str, Any]:
        """The story's briefing: the `broadsheet brief --json` record, plus its check."""
        def fetch(s):  # type: ignore[no-untyped-def]
            from broadsheet.store.schema import BriefingRow

            resolved = queries.resolve_story(s, story_id[:64])
            row = s.get(BriefingRow, resolved) if resolved else None
            if row is None:
                return None
            return {"story": resolved, "faithful": row.faithful,
                    "built_at": row.built_at.isoformat() if row.built_at else None,
                    "briefing": row.record}

        found = await run(fetch)
        if found is None:
            raise HTTPException(404, f"no briefing for story {story_id!r}")
        return found

    @router.get("/outlets", response_model=OutletPageOut)
    async def list_outlets(
        request: Request,
        page: int = Query(1, ge=1, le=10_000, description="Page number, from 1."),
        per_page: int = Query(50, ge=1, le=100, description="Outlets per page."),
    ) -> dict[str, Any]:
        """Outlets read, with lean, country, owner and how many articles are stored."""
        rows = await run(lambda s: [
            {"slug": o.slug, "name": o.name, "lean": o.lean, "country": o.country,
             "edition": o.edition, "owner": o.owner, "domains": list(o.domains or []),
             "articles": n}
            for o, n in queries.outlet_list(s)
        ])
        start = (page - 1) * per_page
        return {"total": len(rows), "page": page, "per_page": per_page,
                "next": _next(request, page, per_page, len(rows)),
                "items": rows[start:start + per_page]}

    @router.get("/search", response_model=StoryPageOut)
    async def search_stories(
        request: Request,
        q: str = Query(..., min_length=1, max_length=200, description="Words to find."),
        page: int = Query(1, ge=1, le=500, description="Page number, from 1."),
        per_page: int = Query(20, ge=1, le=100, description="Stories per page."),
    ) -> dict[str, Any]:
        """Full-text search over headlines, summaries, quotes and sources."""
        def fetch(s):  # type: ignore[no-untyped-def]
            hits = search(s, q, page=page, per_page=per_page)
            return queries.cards_for(s, hits.ids), hits.total

        cards, total = await run(fetch)
        return {"total": total, "page": page, "per_page": per_page,
                "next": _next(request, page, per_page, total),
                "items": [_story(c) for c in cards]}

    return router
