"""The polite HTTP fetcher: one ``fetch(url)`` that never raises for network/HTTP trouble.

Politeness: a descriptive User-Agent, robots.txt (see :mod:`.robots`), at most
``per_host_concurrency`` requests in flight per host with ``per_host_delay_s`` (or the
site's Crawl-delay, whichever is larger) between request starts, ``global_concurrency``
overall, and retries with exponential backoff + jitter that honour ``Retry-After``.

Safety: every hop passes :mod:`.netguard` (no private networks), the body is capped on
the wire (``max_bytes``) and after decompression (``max_decompressed_bytes``).

Two things httpx could do for us are done by hand, deliberately:

* Redirects. httpx's ``follow_redirects`` sends the next request itself, so we could not
  run the SSRF pre-flight and the robots.txt check for each hop *before* it is sent,
  could not tell a loop from a long chain, and would not control which headers the next
  hop gets. :meth:`PoliteFetcher.fetch` follows 301/302/303/307/308 itself.
* Decompression. httpx's decoders inflate each network chunk completely, so a few KB of
  gzip can become gigabytes in memory before our code sees a byte. We read the raw
  stream (``aiter_raw``) and inflate with an output limit per step (zlib ``max_length``,
  brotli ``output_buffer_limit``), so we stop within ~one 64 KiB piece of the cap.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol

import anyio
import brotli
import httpx

from broadsheet import __version__
from broadsheet.fetch import netguard
from broadsheet.fetch.netguard import FetchError
from broadsheet.fetch.robots import RobotsCache, RobotsResponse

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "PoliteFetcher",
]

DEFAULT_USER_AGENT = (
    f"Broadsheet/{__version__} (+https://github.com/broadsheet/broadsheet; self-hosted news reader)"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Largest piece the decompressors emit per step; bounds the overshoot past the cap.
PIECE = 64 * 1024
_MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    timeout_s: float = 20.0  # per attempt, from sending the request to the last body byte
    max_bytes: int = 5_000_000  # on the wire (compressed)
    max_decompressed_bytes: int = 20_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay_s: float = 1.0  # between request starts to one host
    global_concurrency: int = 16
    retries: int = 2  # extra attempts after the first, for retryable failures only
    backoff_s: float = 0.5  # first retry waits backoff_s..2*backoff_s, then doubles
    allow_private_networks: bool = False
    respect_robots: bool = True
    #: A longer Retry-After is not waited for: the fetch fails now and a later run retries.
    max_retry_after_s: float = 30.0


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None  # last HTTP status received (None if none was)
    content: bytes | None = None  # decoded body (Content-Encoding removed); None on error
    content_type: str | None = None  # media type only, lower case ("application/rss+xml")
    charset: str | None = None  # from the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None  # one line
    #: "network", "timeout", "http", "too_large", "decompression_bomb", "robots",
    #: "refused_private", "redirect_loop", "bad_url"
    error_kind: str | None = None
    elapsed_s: float = 0.0
    attempts: int = 0  # requests sent for this fetch: all hops and retries (not robots.txt)

    @property
    def ok(self) -> bool:
        return self.error is None


class TooLargeError(FetchError):
    kind = "too_large"


class DecompressionBombError(FetchError):
    kind = "decompression_bomb"


class RedirectLoopError(FetchError):
    kind = "redirect_loop"


class RobotsDisallowedError(FetchError):
    kind = "robots"


class BadEncodingError(FetchError):
    """Corrupt, truncated or unsupported Content-Encoding: an unusable HTTP response."""

    kind = "http"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- decompression -------------------------------------------------------------------


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...
    def finish(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip (incl. multi-member) or deflate (zlib-wrapped or raw, as servers send both)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        self._head = b""  # deflate: bytes held back until the wrapper can be recognised
        self._seen_input = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            self._seen_input = True
        if self._d is None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            cmf, flg = data[0], data[1]
            # RFC 1950 header: CM=8 and the 16-bit header a multiple of 31. Otherwise the
            # server sent raw RFC 1951 deflate (old IIS and friends).
            zlib_wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        yield from self._inflate(data)

    def _inflate(self, buf: bytes) -> Iterator[bytes]:
        assert self._d is not None
        while True:
            try:
                out = self._d.decompress(buf, PIECE)
            except zlib.error as exc:
                raise BadEncodingError(f"corrupt {self.encoding} body: {exc}") from None
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if self.encoding == "gzip" and rest.strip(b"\0"):
                    self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next gzip member
                    buf = rest
                    continue
                return  # trailing junk after the end of the stream is ignored
            buf = self._d.unconsumed_tail
            # A full piece may leave output pending inside zlib even with no input left.
            if not buf and len(out) < PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        if self._head:
            raise BadEncodingError(f"truncated {self.encoding} body")
        if self._seen_input and self._d is not None and not self._d.eof:
            raise BadEncodingError(f"truncated {self.encoding} body")
        return iter(())


class _BrotliDecoder:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()
        # brotli >= 1.2 can cap each output step; older versions cannot, so feed them
        # tiny input pieces (weaker: one byte of brotli can still expand a lot).
        self._limited = hasattr(self._d, "can_accept_more_data")
        self._seen_input = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._seen_input = True
        try:
            if not self._limited:
                for i in range(0, len(data), 64):
                    out = self._d.process(data[i : i + 64])
                    if out:
                        yield out
                return
            out = self._d.process(data, output_buffer_limit=PIECE)
            if out:
                yield out
            stalls = 0
            # Drain: pending output comes out only through calls with empty input.
            while True:
                out = self._d.process(b"", output_buffer_limit=PIECE)
                if out:
                    stalls = 0
                    yield out
                    continue
                if self._d.can_accept_more_data():
                    return
                stalls += 1
                if stalls > 3:
                    raise BadEncodingError("brotli decoder stalled")
        except brotli.error as exc:
            raise BadEncodingError(f"corrupt br body: {exc}") from None

    def finish(self) -> Iterator[bytes]:
        if self._seen_input and not self._d.is_finished():
            raise BadEncodingError("truncated br body")
        return iter(())


def _decoders_for(content_encoding: str | None) -> list[_Decoder]:
    """Decoders in the order to apply them (the reverse of the header's order)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    decoders: list[_Decoder] = []
    for name in reversed(names):
        if name in ("", "identity"):
            continue
        if name in ("gzip", "x-gzip"):
            decoders.append(_ZlibDecoder("gzip"))
        elif name == "deflate":
            decoders.append(_ZlibDecoder("deflate"))
        elif name == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise BadEncodingError(f"unsupported Content-Encoding {name!r}")
    return decoders


def _pump(decoders: list[_Decoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from _pump(decoders[1:], piece)


def _finish(decoders: list[_Decoder]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        for piece in decoder.finish():
            yield from _pump(decoders[i + 1 :], piece)


# --- fetching -------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    headers: httpx.Headers
    content: bytes | None = None


@dataclass
class _HostGate:
    sem: anyio.Semaphore
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    delay_s: float = 0.0
    next_start: float = 0.0


def _retry_after_s(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _header_safe(value: str) -> bool:
    """Stored validators go back out as headers; skip any that would break the request."""
    return value.isascii() and value.isprintable()


def _strip_fragment(url: str) -> str:
    return str(httpx.URL(url).copy_with(fragment=None))


class PoliteFetcher:
    """Async context manager around one ``httpx.AsyncClient``.

    ``transport`` replaces the network (tests pass ``httpx.MockTransport``); the
    connection-time SSRF check lives in the default transport, so with a custom one
    only the pre-flight check applies. ``resolver`` replaces DNS for the SSRF checks
    (``async (host, port) -> [ip, ...]``), for tests.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),  # frozen, so one shared default is safe
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: netguard.Resolver | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        limits = httpx.Limits(
            max_connections=policy.global_concurrency,
            max_keepalive_connections=policy.global_concurrency,
        )
        if transport is None:
            transport = netguard.GuardedTransport(
                allow_private=policy.allow_private_networks, resolver=resolver, limits=limits
            )
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(policy.timeout_s),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            follow_redirects=False,
            trust_env=False,  # env proxies would bypass the connection-time SSRF check
        )
        self.robots = RobotsCache(self._fetch_robots, user_agent=policy.user_agent)
        self._gates: dict[str, _HostGate] = {}
        self._global: anyio.Semaphore | None = None

    async def __aenter__(self) -> PoliteFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """GET ``url`` following redirects; problems are reported in the result."""
        started = time.monotonic()
        result = FetchResult(url=url, final_url=url)
        try:
            await self._fetch_into(
                result, url, etag, last_modified, check_robots and self.policy.respect_robots
            )
        except FetchError as exc:
            result.content = None
            result.error = _one_line(str(exc))
            result.error_kind = exc.kind
        result.elapsed_s = time.monotonic() - started
        return result

    async def _fetch_into(
        self,
        result: FetchResult,
        url: str,
        etag: str | None,
        last_modified: str | None,
        check_robots: bool,
    ) -> None:
        # Validators go to every hop: callers store them from the final response, but the
        # next run starts again at the (possibly redirecting) original URL.
        headers: dict[str, str] = {}
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        chain: list[str] = []  # hops so far, without fragments, for loop detection
        current = url
        while True:
            result.final_url = current
            try:
                with anyio.fail_after(self.policy.timeout_s):  # a hung DNS lookup
                    parsed = await netguard.check_url(
                        current,
                        allow_private=self.policy.allow_private_networks,
                        resolver=self._resolver,
                    )
            except TimeoutError:
                raise FetchError(f"timeout resolving the host of {current}", "timeout") from None
            if not chain:
                chain.append(str(parsed.copy_with(fragment=None)))
            if check_robots:
                decision = await self.robots.check(current)
                if decision.crawl_delay is not None:
                    gate = self._gate(parsed.host)
                    gate.delay_s = max(self.policy.per_host_delay_s, decision.crawl_delay)
                if not decision.allowed:
                    raise RobotsDisallowedError(
                        decision.reason or f"robots: disallowed {current}", decision.error_kind
                    )
            resp = await self._request(current, headers, result)
            result.status = resp.status
            location = resp.headers.get("location")
            if resp.status in REDIRECT_STATUSES and location:
                try:
                    target = _strip_fragment(str(httpx.URL(current).join(location.strip())))
                except (httpx.InvalidURL, ValueError) as exc:
                    raise netguard.BadURLError(
                        f"bad redirect Location {location!r}: {exc}"
                    ) from None
                if target in chain:
                    raise RedirectLoopError("redirect loop: " + " -> ".join([*chain, target]))
                if len(chain) > self.policy.max_redirects:
                    raise RedirectLoopError(
                        f"too many redirects (more than {self.policy.max_redirects}) from {url}"
                    )
                chain.append(target)
                current = target
                continue
            self._fill(result, resp, etag, last_modified)
            return

    def _fill(
        self, result: FetchResult, resp: _Response, etag: str | None, last_modified: str | None
    ) -> None:
        h = resp.headers
        ctype = h.get("content-type")
        if ctype:
            result.content_type = ctype.split(";", 1)[0].strip().lower() or None
            for param in ctype.split(";")[1:]:
                key, _, value = param.partition("=")
                if key.strip().lower() == "charset" and value.strip().strip("\"'"):
                    result.charset = value.strip().strip("\"'").lower()
        result.etag = h.get("etag")
        result.last_modified = h.get("last-modified")
        if resp.status == 304:
            result.not_modified = True
            # A 304 need not repeat the validators; keep the caller's so they persist.
            result.etag = result.etag or etag
            result.last_modified = result.last_modified or last_modified
            return
        if resp.status >= 300:
            reason = httpx.codes.get_reason_phrase(resp.status)
            raise FetchError(f"HTTP {resp.status} {reason}".rstrip(), "http")
        result.content = resp.content if resp.content is not None else b""

    async def _request(self, url: str, headers: dict[str, str], result: FetchResult) -> _Response:
        """One hop, with retries on connect errors, timeouts, 429 and 5xx."""
        policy = self.policy
        host = httpx.URL(url).host
        for attempt in range(policy.retries + 1):
            last = attempt == policy.retries
            result.attempts += 1
            error: FetchError
            try:
                async with self._slot(host):
                    with anyio.fail_after(policy.timeout_s):
                        resp = await self._once(url, headers)
            except (TimeoutError, httpx.TimeoutException):
                error = FetchError(f"timeout after {policy.timeout_s:g}s: {url}", "timeout")
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                error = FetchError(f"network error: {_describe(exc)}: {url}", "network")
            except httpx.HTTPError as exc:  # unsupported protocol, bad header, ...: no retry
                raise FetchError(f"network error: {_describe(exc)}: {url}", "network") from None
            else:
                if not _retryable_status(resp.status) or last:
                    return resp
                wait = self._backoff(attempt)
                retry_after = _retry_after_s(resp.headers)
                if retry_after is not None:
                    if retry_after > policy.max_retry_after_s:
                        return resp  # the server asks for longer than we wait: give up now
                    wait = max(wait, retry_after)
                await anyio.sleep(wait)
                continue
            if last:
                raise error
            await anyio.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        base = self.policy.backoff_s * (2**attempt)
        return base + random.uniform(0, base)  # jitter: retries from many fetches spread out

    async def _once(self, url: str, headers: dict[str, str]) -> _Response:
        request = self._client.build_request("GET", url, headers=headers)
        resp = await self._client.send(request, stream=True)
        try:
            if resp.status_code >= 300:
                return _Response(resp.status_code, resp.headers)  # body not needed
            return _Response(resp.status_code, resp.headers, await self._read_body(url, resp))
        finally:
            await resp.aclose()

    async def _read_body(self, url: str, resp: httpx.Response) -> bytes:
        max_wire = self.policy.max_bytes
        cap = self.policy.max_decompressed_bytes
        length = resp.headers.get("content-length")
        if length and length.strip().isdigit() and int(length) > max_wire:
            raise TooLargeError(
                f"too large: {url} has Content-Length {int(length)} (limit {max_wire} bytes)"
            )
        decoders = _decoders_for(resp.headers.get("content-encoding"))
        encoding = resp.headers.get("content-encoding", "").strip().lower()
        out = bytearray()
        wire = 0

        def take(pieces: Iterator[bytes]) -> None:
            for piece in pieces:
                out.extend(piece)
                if len(out) > cap:
                    if decoders:
                        raise DecompressionBombError(
                            f"decompression bomb: {url} ({encoding}) expands past "
                            f"{cap} bytes after {wire} bytes on the wire"
                        )
                    raise TooLargeError(f"too large: {url} is over {cap} bytes")

        async for chunk in resp.aiter_raw():
            wire += len(chunk)
            if wire > max_wire:
                raise TooLargeError(f"too large: {url} sent more than {max_wire} bytes")
            take(_pump(decoders, chunk))
        take(_finish(decoders))
        return bytes(out)

    def _gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = _HostGate(
                sem=anyio.Semaphore(self.policy.per_host_concurrency),
                delay_s=self.policy.per_host_delay_s,
            )
            self._gates[host] = gate
        return gate

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Hold a per-host and a global slot, starting no sooner than the host delay."""
        gate = self._gate(host)
        if self._global is None:
            self._global = anyio.Semaphore(self.policy.global_concurrency)
        async with gate.sem:
            async with gate.lock:  # reserve a start time so concurrent requests space out
                now = time.monotonic()
                start = max(now, gate.next_start)
                gate.next_start = start + gate.delay_s
            if start > now:
                await anyio.sleep(start - now)
            async with self._global:
                yield

    async def _fetch_robots(self, robots_url: str) -> RobotsResponse:
        res = await self.fetch(robots_url, check_robots=False)
        status = res.status if res.error_kind in (None, "http") else None
        return RobotsResponse(
            status=status, body=res.content, error=res.error, error_kind=res.error_kind
        )
