"""The web app: FastAPI serving the site's pages, feeds, the JSON API and static files.

Rendered pages and feeds are cached in memory, keyed by URL, for as long as the store's
content stays the same (checked at most every ``VERSION_TTL_S``), and served with an ETag.
A build that changes anything changes the version: a page of the previous build is then
still served at once (stale-while-revalidate) while a background thread renders it
again, so a build does not make every reader wait for renders.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from broadsheet.newsletters.mailer import SmtpSettings
from broadsheet.publish.api import make_api_router
from broadsheet.publish.cache import (
    DEFAULT_MAX_BYTES,
    CachedPage,
    CacheFront,
    PageCache,
    Revalidator,
)
from broadsheet.publish.feeds import FORMATS
from broadsheet.publish.newsletters_web import RateLimiter, make_newsletter_router
from broadsheet.publish.puzzle_pages import PuzzlePages, parse_day
from broadsheet.publish.queries import EDITIONS
from broadsheet.publish.render import STATIC
from broadsheet.publish.security import SecurityHeaders
from broadsheet.publish.site import NotFound, Redirect, Site, SiteConfig
from broadsheet.store import Store
from broadsheet.store.schema import StoryRow

VERSION_TTL_S = 2.0
# While stale pages are served, background renders take at most 1 / (1 + this) of the
# time, leaving the rest to readers: a re-warm takes three times as long (estimated 4.5
# minutes for 10,000 stories) but no reader waits for it (docs/benchmarks.md, "Serving").
BACKGROUND_PAUSE = 2.0
PAGE: dict = {
    "methods": ["GET", "HEAD"], "response_class": HTMLResponse, "include_in_schema": False,
}
FEED: dict = {"methods": ["GET", "HEAD"], "include_in_schema": False}
def create_app(
    store: Store, config: SiteConfig | None = None, *, cache_bytes: int = DEFAULT_MAX_BYTES,
    secret: bytes | None = None, smtp: SmtpSettings | None = None,
    limiter: RateLimiter | None = None, send_confirmation: Callable[..., None] | None = None,
    serve_stale: bool = True,
) -> FastAPI:
    """The site. ``secret`` signs CSRF tokens and subscriber links (a random one when not
    given, so links then last only as long as the process); ``smtp`` sends confirmation
    emails (sign-ups are still recorded without it). ``serve_stale``: after a build, serve
    each page's previous render at once while it is rendered again (otherwise a reader
    waits for the render)."""
    site = Site(config)
    cache = PageCache(store, max_bytes=cache_bytes)
    app = FastAPI(
        title=f"{site.config.title} API", version="1",
        description="Stories, briefings, outlets and search, read-only and paginated.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.state.site = site
    app.state.cache = cache
    app.include_router(make_api_router(store), prefix="/api/v1")
    app.include_router(make_newsletter_router(
        store, site, secret=secret or secrets.token_bytes(32), smtp=smtp, limiter=limiter,
        send_confirmation=send_confirmation,
    ))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def render_page(produce: Callable[..., str | bytes]) -> tuple[int, bytes, str]:
        with store.session() as session:
            try:
                body = produce(session)
                return 200, body if isinstance(body, bytes) else body.encode(), "text/html"
            except NotFound as exc:
                html = site.message(session, "/", "Not found", f"Sorry: {exc}.")
                return 404, html.encode(), "text/html"

    revalidator = Revalidator() if serve_stale else None
    app.state.revalidator = revalidator
    background = threading.Lock()

    def render_in_background(produce: Callable[..., str | bytes]) -> tuple[int, bytes, str]:
        """``render_page`` for the warmer and the revalidator: one such render at a time,
        and while stale pages stand in for fresh ones, each is followed by a pause of
        ``BACKGROUND_PAUSE`` times its length, so readers' requests get most of the
        interpreter (renders hold its lock; two background renderers without pauses left
        the event loop a third of it)."""
        with background:
            started = time.perf_counter()
            result = render_page(produce)
            spent = time.perf_counter() - started
        if cache.stale_pages:
            time.sleep(spent * BACKGROUND_PAUSE)
        return result

    def keep(
        key: str, produce: Callable[..., str | bytes], media_type: str, version: tuple,
        rendered: tuple[int, bytes, str],
    ) -> CachedPage:
        """Cache a rendered page with the way to render it again (for when it is stale)."""
        status, body, kind = rendered
        return cache.put(
            key, status, body, media_type if status == 200 else kind, version,
            refresh=lambda: render_again(key, produce, media_type),
        )

    def render_again(key: str, produce: Callable[..., str | bytes], media_type: str) -> None:
        version = cache.version()
        try:
            rendered = render_in_background(produce)
        except Redirect:  # merged away since: the next request gets the redirect
            cache.drop_stale(key)
            return
        keep(key, produce, media_type, version, rendered)

    async def cached(
        request: Request, produce: Callable[..., str | bytes], media_type: str = "text/html"
    ) -> Response:
        version = await run_in_threadpool(cache.version) if cache.stale() else cache.version()
        key = request.url.path + "?" + request.url.query
        page = cache.get(key)
        if page is None and revalidator is not None:
            page = revalidator.stale_page(cache, key)
        if page is None:
            try:
                rendered = await run_in_threadpool(render_page, produce)
            except Redirect as move:
                return RedirectResponse(move.location, status_code=301)
            page = keep(key, produce, media_type, version, rendered)
        headers = {"etag": page.etag, "vary": "Accept-Encoding"}
        if page.status == 200 and request.headers.get("if-none-match") == page.etag:
            return Response(status_code=304, headers=headers)
        kind = page.media_type
        textual = kind.startswith("text/") or "json" in kind or "xml" in kind
        media = f"{kind}; charset=utf-8" if textual else kind
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["content-encoding"] = "gzip"
            return Response(page.gzipped, status_code=page.status, headers=headers,
                            media_type=media)
        return Response(page.body(), status_code=page.status, headers=headers, media_type=media)

    def warm_once(stop: threading.Event | None = None) -> int:
        """Render the front pages and every story page not yet cached, newest first, until
        the cache is full; returns how many pages were rendered."""
        version = cache.version()
        paths: list[tuple[str, Callable[..., str | bytes]]] = [
            ("/", lambda s: site.front(s, "/")),
            *((f"/edition/{e}/", lambda s, e=e: site.front(s, "/", e)) for e in EDITIONS),
        ]
        with store.session() as session:
            story_ids = list(session.scalars(
                select(StoryRow.id).order_by(StoryRow.last_published.desc())
            ))
        paths += [(f"/story/{sid}/", lambda s, sid=sid: site.story(s, "/", sid))
                  for sid in story_ids]
        rendered = 0
        for path, produce in paths:
            if (stop is not None and stop.is_set()) or cache.version() != version:
                break
            if cache.size_bytes > cache.max_bytes * 0.9:
                break
            if cache.get(path + "?") is not None:
                continue
            keep(path + "?", produce, "text/html", version, render_in_background(produce))
            rendered += 1
        return rendered

    app.state.warm_once = warm_once

    @app.get("/api/v1/status", tags=["api"])
    async def status() -> dict[str, object]:
        """The server's page cache: how many rendered pages it holds, and their size."""
        return {"cached_pages": len(cache), "stale_pages": cache.stale_pages,
                "cache_bytes": cache.size_bytes, "cache_limit_bytes": cache.max_bytes}

    puzzles = PuzzlePages(store, site)

    @app.api_route("/puzzles/", **PAGE)
    async def puzzles_today(request: Request) -> Response:
        return await cached(request, lambda s: puzzles.index(s, "/"))

    @app.api_route("/puzzles/{day}/", **PAGE)
    async def puzzles_day(request: Request, day: str) -> Response:
        return await cached(request, lambda s: puzzles.index(s, "/", parse_day(day)))

    @app.api_route("/puzzles/{day}/sudoku/", **PAGE)
    async def sudoku_default(day: str) -> Response:
        return RedirectResponse(f"/puzzles/{day[:10]}/sudoku/hard/", status_code=302)

    @app.api_route("/puzzles/{day}/sudoku/{level}/", **PAGE)
    async def sudoku_page(request: Request, day: str, level: str) -> Response:
        return await cached(request, lambda s: puzzles.sudoku(s, "/", parse_day(day), level))

    @app.api_route("/puzzles/{day}/{kind}/", **PAGE)
    async def grid_page(request: Request, day: str, kind: str) -> Response:
        return await cached(request, lambda s: puzzles.grid(s, "/", parse_day(day), kind))

    @app.get("/api/v1/puzzles/{day}", tags=["api"])
    async def puzzles_api(day: str) -> JSONResponse:
        """A day's puzzles (sudoku at four levels, crossword, mini); solutions only for
        days before today's."""
        def work() -> JSONResponse:
            with store.session() as session:
                try:
                    return JSONResponse(puzzles.api(session, parse_day(day)))
                except NotFound as exc:
                    return JSONResponse({"detail": str(exc)}, status_code=404)

        return await run_in_threadpool(work)

    @app.api_route("/", **PAGE)
    async def front(request: Request) -> Response:
        return await cached(request, lambda s: site.front(s, "/"))

    @app.api_route("/edition/{edition}/", **PAGE)
    async def edition_front(request: Request, edition: str) -> Response:
        return await cached(request, lambda s: site.front(s, "/", edition))

    @app.api_route("/story/{story_id}/", **PAGE)
    async def story(request: Request, story_id: str) -> Response:
        return await cached(request, lambda s: site.story(s, "/", story_id[:64]))

    @app.api_route("/section/{name}/", **PAGE)
    async def section(request: Request, name: str) -> Response:
        return await cached(request, lambda s: site.section(s, "/", name))

    @app.api_route("/day/{day}/", **PAGE)
    async def day_edition(request: Request, day: str) -> Response:
        def produce(s):  # type: ignore[no-untyped-def]
            try:
                parsed = date.fromisoformat(day)
            except ValueError:
                raise NotFound(f"{day!r} is not a date (YYYY-MM-DD)") from None
            return site.day(s, "/", parsed)

        return await cached(request, produce)

    @app.api_route("/archive/", **PAGE)
    async def archive(request: Request) -> Response:
        return await cached(request, lambda s: site.archive(s, "/"))

    @app.api_route("/blindspot/", **PAGE)
    async def blindspot(request: Request) -> Response:
        return await cached(request, lambda s: site.blindspot(s, "/"))

    @app.api_route("/outlets/", **PAGE)
    async def outlets(request: Request) -> Response:
        return await cached(request, lambda s: site.outlets(s, "/"))

    @app.api_route("/outlet/{slug}/", **PAGE)
    async def outlet(request: Request, slug: str) -> Response:
        return await cached(request, lambda s: site.outlet(s, "/", slug[:100]))

    @app.api_route("/search/", **PAGE)
    async def search_page(request: Request, q: str = "", page: int = 1) -> Response:
        page = max(1, min(page, 500))
        return await cached(request, lambda s: site.search(s, "/", q, page))

    @app.api_route("/api/", **PAGE)
    async def api_docs(request: Request) -> Response:
        return await cached(request, lambda s: site.api_docs(s, "/", app.openapi()))

    @app.api_route("/feed.{fmt}", **FEED)
    async def front_feed(request: Request, fmt: str) -> Response:
        if fmt not in FORMATS:
            return Response("unknown feed format", status_code=404, media_type="text/plain")
        return await cached(request, lambda s: site.feed(s, fmt), FORMATS[fmt])

    @app.api_route("/edition/{edition}/feed.{fmt}", **FEED)
    async def edition_feed(request: Request, edition: str, fmt: str) -> Response:
        if fmt not in FORMATS:
            return Response("unknown feed format", status_code=404, media_type="text/plain")
        return await cached(request, lambda s: site.feed(s, fmt, edition=edition), FORMATS[fmt])

    @app.api_route("/section/{name}/feed.{fmt}", **FEED)
    async def section_feed(request: Request, name: str, fmt: str) -> Response:
        if fmt not in FORMATS:
            return Response("unknown feed format", status_code=404, media_type="text/plain")
        return await cached(request, lambda s: site.feed(s, fmt, section=name), FORMATS[fmt])

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": getattr(exc, "detail", "Not Found")}, status_code=404)

        def produce() -> bytes:
            with store.session() as s:
                return site.message(
                    s, "/", "Not found", "Sorry: there is no page at this address."
                ).encode()

        return HTMLResponse(await run_in_threadpool(produce), status_code=404)

    app.add_middleware(CacheFront, cache=cache, revalidator=revalidator)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so cached hits get it too
    return app
