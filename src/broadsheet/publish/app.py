"""The web app: FastAPI serving the site's pages, feeds, the JSON API and static files.

Rendered pages and feeds are cached in memory, keyed by URL, for as long as the store's
content stays the same (checked at most every ``VERSION_TTL_S``), and served with an ETag;
a build that changes anything changes the version and so empties the cache.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from broadsheet.publish.api import make_api_router
from broadsheet.publish.feeds import FORMATS
from broadsheet.publish.render import STATIC
from broadsheet.publish.security import SecurityHeaders
from broadsheet.publish.site import NotFound, Redirect, Site, SiteConfig
from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, StoryRow

VERSION_TTL_S = 2.0
PAGE: dict = {
    "methods": ["GET", "HEAD"], "response_class": HTMLResponse, "include_in_schema": False,
}
FEED: dict = {"methods": ["GET", "HEAD"], "include_in_schema": False}
CACHE_ENTRIES = 4096


class PageCache:
    """Rendered responses by URL, valid for one version of the store's content."""

    def __init__(self, store: Store, entries: int = CACHE_ENTRIES) -> None:
        self.store = store
        self.entries = entries
        self._items: OrderedDict[str, tuple[int, bytes, str, str]] = OrderedDict()
        self._version: tuple = ()
        self._checked = 0.0
        self._lock = threading.Lock()

    def stale(self) -> bool:
        return time.monotonic() - self._checked > VERSION_TTL_S

    def version(self) -> tuple:
        now = time.monotonic()
        if now - self._checked > VERSION_TTL_S:
            with self.store.session() as session:
                version = (
                    session.scalar(select(func.count()).select_from(StoryRow)),
                    str(session.scalar(select(func.max(StoryRow.updated_at)))),
                    str(session.scalar(select(func.max(BriefingRow.built_at)))),
                )
            with self._lock:
                if version != self._version:
                    self._items.clear()
                    self._version = version
                self._checked = now
        return self._version

    def get(self, key: str) -> tuple[int, bytes, str, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(
        self, key: str, status: int, body: bytes, media_type: str
    ) -> tuple[int, bytes, str, str]:
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        item = (status, body, media_type, etag)
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return item


def create_app(store: Store, config: SiteConfig | None = None) -> FastAPI:
    site = Site(config)
    cache = PageCache(store)
    app = FastAPI(
        title=f"{site.config.title} API", version="1",
        description="Stories, briefings, outlets and search, read-only and paginated.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.state.site = site
    app.state.cache = cache
    app.include_router(make_api_router(store), prefix="/api/v1")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def render_page(produce: Callable[..., str | bytes]) -> tuple[int, bytes, str]:
        with store.session() as session:
            try:
                body = produce(session)
                return 200, body if isinstance(body, bytes) else body.encode(), "text/html"
            except NotFound as exc:
                html = site.message(session, "/", "Not found", f"Sorry: {exc}.")
                return 404, html.encode(), "text/html"

    async def cached(
        request: Request, produce: Callable[..., str | bytes], media_type: str = "text/html"
    ) -> Response:
        if cache.stale():
            await run_in_threadpool(cache.version)
        key = str(request.url.path) + "?" + str(request.url.query)
        item = cache.get(key)
        if item is None:
            try:
                status, body, kind = await run_in_threadpool(render_page, produce)
            except Redirect as move:
                return RedirectResponse(move.location, status_code=301)
            item = cache.put(key, status, body, media_type if status == 200 else kind)
        status, body, kind, etag = item
        if status == 200 and request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"etag": etag})
        textual = kind.startswith("text/") or "json" in kind or "xml" in kind
        return Response(body, status_code=status, headers={"etag": etag},
                        media_type=f"{kind}; charset=utf-8" if textual else kind)

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

    app.add_middleware(SecurityHeaders)
    return app
