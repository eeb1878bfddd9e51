"""A loopback HTTP server for tests: real sockets, canned responses, request log.

Usage as a pytest fixture (import it into the test module, or into a conftest)::

    from tests.support.http_server import LoopbackServer, Response, http_server, redirect

    def test_feed(http_server: LoopbackServer) -> None:
        http_server.route("/feed.xml", Response(RSS, content_type="application/rss+xml",
                                                etag='"v1"', encoding="gzip"))
        http_server.route("/old", redirect("/feed.xml", status=301))
        url = http_server.url("/old")           # "http://127.0.0.1:<port>/old"
        ...
        assert http_server.count("/feed.xml") == 1

or without pytest: ``with serve({"/": Response(b"hi")}) as server: ...``.

The server binds 127.0.0.1 on an ephemeral port (port 0), runs in a background thread
(one thread per connection, HTTP/1.1 keep-alive) and is shut down at fixture teardown.
Fetchers under test must set ``allow_private_networks=True`` to reach it.

API
---
``Response(body=b"", status=200, headers={}, content_type=None, encoding=None, etag=None,
last_modified=None, location=None, delay_s=0.0, content_length=True)``
    * ``body``: bytes, or str (encoded as UTF-8).
    * ``content_type``: sets Content-Type (unless ``headers`` has one).
    * ``encoding``: "gzip", "br", "deflate" (zlib-wrapped) or "raw-deflate": the server
      compresses ``body`` and sends Content-Encoding. To serve bytes that are *already*
      encoded (a gzip bomb), leave this None and pass
      ``headers={"Content-Encoding": "gzip"}`` instead.
    * ``etag`` / ``last_modified`` (an HTTP date string): sent as ETag / Last-Modified; a
      request whose If-None-Match matches (or, without If-None-Match, whose
      If-Modified-Since is not older) gets ``304 Not Modified`` with no body.
    * ``location``: sent as Location (see :func:`redirect`).
    * ``delay_s``: sleep before answering (timeouts); cut short when the server stops.
    * ``content_length=False``: no Content-Length; the body ends when the connection
      closes (exercises streaming size limits).

Routes (``server.route(path, route)`` or ``server.routes[path] = route``); ``route`` is
    * a ``Response``;
    * a callable ``(Request) -> Response`` for dynamic answers;
    * a list of those: the n-th request to the path gets the n-th item, the last repeats
      (``[Response(status=503), Response(status=503), Response(FEED)]``).
  A path is matched with its query string first, then without it. Unrouted paths get
  404 (so ``/robots.txt`` is "absent", i.e. allow-all, unless routed).

Inspection
    * ``server.url(path="/")``, ``server.base_url``, ``server.host``, ``server.port``.
    * ``server.requests``: every ``Request(method, path, headers, time)`` in arrival order
      (``headers`` is case-insensitive; ``time`` is ``time.monotonic()``).
    * ``server.count(path)``, ``server.requests_for(path)``: by path (query ignored
      unless ``path`` has one); ``server.reset()`` clears the log.

Helpers: ``redirect(to, status=302)`` builds a redirect ``Response``;
``serve(routes=None)`` is the context manager behind the ``http_server`` fixture.
"""

from __future__ import annotations

import email.message
import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli
import pytest

__all__ = [
    "LoopbackServer",
    "Request",
    "Response",
    "Route",
    "http_server",
    "redirect",
    "serve",
]


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    delay_s: float = 0.0
    content_length: bool = True


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    headers: email.message.Message  # case-insensitive .get()
    time: float


Handler = Callable[[Request], Response]
Route = Response | Handler | list[Response | Handler]


def redirect(to: str, status: int = 302) -> Response:
    """A redirect to ``to`` (absolute, or a path on this server)."""
    return Response(status=status, location=to, body=b"")


def _encode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body, mtime=0)
    if encoding == "br":
        return brotli.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "raw-deflate":
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return c.compress(body) + c.flush()
    raise ValueError(f"unknown encoding {encoding!r}")


_CODING_NAMES = {"gzip": "gzip", "br": "br", "deflate": "deflate", "raw-deflate": "deflate"}


def _not_modified(req: Request, resp: Response) -> bool:
    inm = req.headers.get("If-None-Match")
    if inm is not None:  # RFC 9110 §13.1.3: If-Modified-Since is ignored then
        if resp.etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or resp.etag.removeprefix("W/") in tags
    ims = req.headers.get("If-Modified-Since")
    if ims and resp.last_modified:
        try:
            return parsedate_to_datetime(ims) >= parsedate_to_datetime(resp.last_modified)
        except (TypeError, ValueError):
            return False
    return False


class LoopbackServer:
    """See the module docstring."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # -- set-up and inspection ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            log = list(self.requests)
        if "?" in path:
            return [r for r in log if r.path == path]
        return [r for r in log if r.path.split("?", 1)[0] == path]

    def count(self, path: str) -> int:
        return len(self.requests_for(path))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        server = self

        class _Handler(_RequestHandler):
            owner = server

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True  # a handler stuck in delay_s must not block stop()
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- request handling (server threads) ---------------------------------------------

    def _record(self, req: Request) -> int:
        """Log ``req``; return how many earlier requests had the same path (for lists)."""
        with self._lock:
            earlier = sum(1 for r in self.requests if r.path == req.path)
            self.requests.append(req)
        return earlier

    def _resolve(self, req: Request, index: int) -> Response:
        route = self.routes.get(req.path)
        if route is None:
            route = self.routes.get(req.path.split("?", 1)[0])
        if route is None:
            return Response(b"not found", status=404, content_type="text/plain")
        if isinstance(route, list):
            route = route[min(index, len(route) - 1)]
        return route if isinstance(route, Response) else route(req)


class _RequestHandler(BaseHTTPRequestHandler):
    owner: LoopbackServer
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle + delayed
    # ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        owner = self.owner
        req = Request(self.command, self.path, self.headers, time.monotonic())
        index = owner._record(req)
        resp = owner._resolve(req, index)
        if resp.delay_s and owner._stopping.wait(resp.delay_s):
            self.close_connection = True
            return
        body = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
        headers = dict(resp.headers)
        lower = {k.lower() for k in headers}
        status = resp.status
        if _not_modified(req, resp):
            status, body = 304, b""
        elif resp.encoding:
            body = _encode(body, resp.encoding)
            headers["Content-Encoding"] = _CODING_NAMES[resp.encoding]
        if resp.content_type and "content-type" not in lower:
            headers["Content-Type"] = resp.content_type
        if resp.etag:
            headers["ETag"] = resp.etag
        if resp.last_modified:
            headers["Last-Modified"] = resp.last_modified
        if resp.location:
            headers["Location"] = resp.location
        close_delimited = not resp.content_length and status != 304
        if status == 304:
            headers.pop("Content-Encoding", None)
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if close_delimited:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and status != 304:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (size cap, timeout)

    def handle(self) -> None:
        with suppress(ConnectionError, TimeoutError):
            super().handle()


@contextmanager
def serve(routes: dict[str, Route] | None = None) -> Iterator[LoopbackServer]:
    """Run a :class:`LoopbackServer` for the duration of the ``with`` block."""
    server = LoopbackServer(routes)
    with server:
        yield server


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A started :class:`LoopbackServer` with no routes; stopped at teardown."""
    with serve() as server:
        yield server
