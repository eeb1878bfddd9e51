"""Rendered pages kept in memory, gzip-compressed, for one version of the store.

A page is rendered once per build and then served from here: a reader's browser gets the
gzip bytes as they are, a client that does not accept gzip gets them inflated. The
cache holds about ``max_bytes`` of compressed pages (least recently used out first) and
is emptied whenever the store's content changes, which ``version`` checks at most every
``ttl_s`` seconds with three cheap aggregate queries.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select

from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, StoryRow

DEFAULT_MAX_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedPage:
    status: int
    gzipped: bytes
    media_type: str
    etag: str

    def body(self) -> bytes:
        return zlib.decompress(self.gzipped, wbits=31)


class PageCache:
    def __init__(self, store: Store, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 ttl_s: float = 2.0) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._items: OrderedDict[str, CachedPage] = OrderedDict()
        self._bytes = 0
        self._version: tuple = ()
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def stale(self) -> bool:
        return time.monotonic() - self._checked > self.ttl_s

    def version(self) -> tuple:
        """The store's content version, re-read when older than ``ttl_s``; a change
        empties the cache."""
        if self.stale():
            # Single flight: mark the check done before running it, so the requests that
            # arrive meanwhile keep using the current version instead of all re-checking.
            with self._lock:
                if not self.stale():
                    return self._version
                self._checked = time.monotonic()
            with self.store.session() as session:
                version = (
                    session.scalar(select(func.count()).select_from(StoryRow)),
                    str(session.scalar(select(func.max(StoryRow.updated_at)))),
                    str(session.scalar(select(func.max(BriefingRow.built_at)))),
                )
            with self._lock:
                if version != self._version:
                    self._items.clear()
                    self._bytes = 0
                    self._version = version
                self._checked = time.monotonic()
        return self._version

    def get(self, key: str) -> CachedPage | None:
        with self._lock:
            page = self._items.get(key)
            if page is not None:
                self._items.move_to_end(key)
            return page

    def put(self, key: str, status: int, body: bytes, media_type: str,
            version: tuple | None = None) -> CachedPage:
        """Keep a rendered page; one rendered for an older version is returned, not kept."""
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        # mtime=0 keeps the bytes (and so any ETag a proxy derives) the same on every render.
        page = CachedPage(status, gzip.compress(body, compresslevel=6, mtime=0), media_type, etag)
        with self._lock:
            if version is not None and version != self._version:
                return page
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.gzipped)
            self._items[key] = page
            self._bytes += len(page.gzipped)
            while self._bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.gzipped)
        return page


class CacheFront:
    """ASGI middleware that answers GET and HEAD requests for cached pages itself.

    A hit never reaches the framework's routing, request parsing or dependency machinery,
    which is most of the cost of a cached page; misses, stale versions and every other
    request go on to the app, which renders and caches as usual.
    """

    def __init__(self, app, cache: PageCache) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.cache = cache

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or self.cache.stale()):
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        page = self.cache.get(key)
        if page is None:
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope["headers"])
        headers = [(b"etag", page.etag.encode()), (b"vary", b"Accept-Encoding")]
        if page.status == 200 and request_headers.get(b"if-none-match") == page.etag.encode():
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        kind = page.media_type
        textual = kind.startswith("text/") or "json" in kind or "xml" in kind
        media = f"{kind}; charset=utf-8" if textual else kind
        headers.append((b"content-type", media.encode()))
        if b"gzip" in request_headers.get(b"accept-encoding", b""):
            body = page.gzipped
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = page.body()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else body})
