"""Rendered pages kept in memory, gzip-compressed, for one version of the store.

A page is rendered once per build and then served from here: a reader's browser gets the
gzip bytes as they are, a client that does not accept gzip gets them inflated. The
cache holds about ``max_bytes`` of compressed pages (least recently used out first).
When the store's content changes (``version`` checks at most every ``ttl_s`` seconds
with three cheap aggregate queries) its pages become *stale*: ``get`` no longer returns
them, but ``get_stale`` does (successful pages only) until each is rendered again or
evicted, so the app can serve a page of the previous build at once while it renders the
new one (stale-while-revalidate) instead of making every reader wait after a build.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import queue
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, StoryRow

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CachedPage:
    status: int
    gzipped: bytes
    media_type: str
    etag: str
    # Renders the page again and caches it (used once it is stale); None: not known.
    refresh: Callable[[], None] | None = field(default=None, compare=False, repr=False)

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
        self._stale: OrderedDict[str, CachedPage] = OrderedDict()  # the previous version's
        self._stale_bytes = 0
        self._version: tuple = ()
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def stale_pages(self) -> int:
        """Pages of the previous version still kept (served until rendered again)."""
        return len(self._stale)

    @property
    def size_bytes(self) -> int:
        """Bytes of the current version's pages (stale ones give way to them)."""
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
                    # Pages of the version before the previous one are dropped: a page
                    # two builds old is not served.
                    self._stale = OrderedDict(
                        (key, page) for key, page in self._items.items() if page.status == 200
                    )
                    self._stale_bytes = sum(len(p.gzipped) for p in self._stale.values())
                    self._items = OrderedDict()
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

    def get_stale(self, key: str) -> CachedPage | None:
        """The previous version's page for ``key`` (a successful one), if still kept."""
        with self._lock:
            return self._stale.get(key)

    def drop_stale(self, key: str) -> None:
        """Forget the previous version's page (it has no successor: a redirect now)."""
        with self._lock:
            page = self._stale.pop(key, None)
            if page is not None:
                self._stale_bytes -= len(page.gzipped)

    def put(self, key: str, status: int, body: bytes, media_type: str,
            version: tuple | None = None,
            refresh: Callable[[], None] | None = None) -> CachedPage:
        """Keep a rendered page; one rendered for an older version is returned, not kept.
        ``refresh`` renders it again once it is stale."""
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        # mtime=0 keeps the bytes (and so any ETag a proxy derives) the same on every render.
        page = CachedPage(status, gzip.compress(body, compresslevel=6, mtime=0), media_type,
                          etag, refresh)
        with self._lock:
            if version is not None and version != self._version:
                return page
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.gzipped)
            replaced = self._stale.pop(key, None)
            if replaced is not None:
                self._stale_bytes -= len(replaced.gzipped)
            self._items[key] = page
            self._bytes += len(page.gzipped)
            while self._bytes + self._stale_bytes > self.max_bytes and self._stale:
                _, evicted = self._stale.popitem(last=False)
                self._stale_bytes -= len(evicted.gzipped)
            while self._bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.gzipped)
        return page


class Revalidator:
    """Runs page re-renders in one background (daemon) thread, each key at most once at a
    time: a stale page is served at once and rendered again here. One thread is enough:
    renders share one interpreter lock, and the readers' own renders come first."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[str, Callable[[], None]]] = queue.SimpleQueue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def submit(self, key: str, job: Callable[[], None]) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="broadsheet-revalidate", daemon=True
                )
                self._thread.start()
        self._jobs.put((key, job))

    def stale_page(self, cache: PageCache, key: str) -> CachedPage | None:
        """The previous version's page for ``key``, to be served now while it is rendered
        again here; None when there is none, or no way to render it again."""
        page = cache.get_stale(key)
        if page is None or page.refresh is None:
            return None
        self.submit(key, page.refresh)
        return page

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until nothing is pending (tests, benchmarks); False on time-out."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout_s)

    def _run(self) -> None:
        while True:
            key, job = self._jobs.get()
            try:
                job()
            except Exception:  # the stale page stays; the next request tries again
                log.exception("re-rendering %s failed", key)
            finally:
                with self._idle:
                    self._pending.discard(key)
                    self._idle.notify_all()


class CacheFront:
    """ASGI middleware that answers GET and HEAD requests for cached pages itself.

    A hit never reaches the framework's routing, request parsing or dependency machinery,
    which is most of the cost of a cached page. With a ``revalidator``, a page of the
    previous version is a hit too, and is handed to it to be rendered again. Misses, a
    due version check and every other request go on to the app, which renders and caches
    as usual.
    """

    def __init__(self, app, cache: PageCache,  # type: ignore[no-untyped-def]
                 revalidator: Revalidator | None = None) -> None:
        self.app = app
        self.cache = cache
        self.revalidator = revalidator  # None: stale pages are not served

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or self.cache.stale()):
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        page = self.cache.get(key)
        if page is None and self.revalidator is not None:
            page = self.revalidator.stale_page(self.cache, key)
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
