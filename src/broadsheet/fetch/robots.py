"""robots.txt checks (RFC 9309), cached per origin.

robots.txt is fetched through the same :class:`~broadsheet.fetch.http.PoliteFetcher`
as everything else (same User-Agent, SSRF guard, size caps, per-host politeness), via the
``fetch`` callable given to :class:`RobotsCache`. Status handling follows RFC 9309 §2.3.1:

* 2xx: parse the rules (only the first 500 KiB, the minimum the RFC asks parsers to read).
* more than five redirects: "unavailable" (§2.3.1.2), so allow everything.
* 4xx "unavailable" (§2.3.1.3): the crawler MAY access any resource, so allow everything.
  429 is the exception: it means "slow down", so it is treated like a server error.
* 5xx or unreachable (network error, timeout, refused address) (§2.3.1.4): the crawler
  MUST assume complete disallow. That verdict is cached for ``failure_ttl_s`` (10 minutes
  by default), i.e. it lasts for the rest of a typical run and is retried on the next.
  The page's result says ``robots`` (HTTP 5xx) or, when robots.txt could not be reached
  at all, the underlying ``network`` / ``timeout`` kind, so a dead host reads as one.

Rules are cached for ``ttl_s`` (1 hour by default; §2.4 says not to use a cached copy for
more than 24 hours). ``Crawl-delay`` is reported so the fetcher can use it as a lower
bound on the per-host delay.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import httpx
from protego import Protego

MAX_ROBOTS_BYTES = 500 * 1024
#: Largest Crawl-delay honoured; a site asking for more would stall a whole run.
MAX_CRAWL_DELAY_S = 60.0


@dataclass(frozen=True)
class RobotsResponse:
    """What fetching a robots.txt gave: ``status`` None means it was unreachable."""

    status: int | None
    body: bytes | None = None
    error: str | None = None
    error_kind: str | None = None


#: ``async fetch(robots_url) -> RobotsResponse``; must not raise for network problems.
RobotsFetch = Callable[[str], Awaitable[RobotsResponse]]


@dataclass(frozen=True)
class RobotsDecision:
    allowed: bool
    reason: str | None = None  # one line, set when not allowed
    crawl_delay: float | None = None
    #: When robots.txt was unreachable because of a network error or timeout, that
    #: kind ("network"/"timeout"): the page is not fetched, but the cause is reported.
    error_kind: str | None = None


@dataclass
class _Rules:
    parser: Protego | None  # None: the verdict below applies to every path
    allow_all: bool
    note: str  # why there are no rules ("robots.txt returned HTTP 503", ...)
    expires: float
    error_kind: str | None = None


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url`` (robots.txt applies per origin)."""
    u = httpx.URL(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    host = f"[{u.host}]" if ":" in u.host else u.host
    return f"{u.scheme}://{host}:{port}"


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against ("Broadsheet")."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """Per-origin robots.txt rules with a TTL; one fetch per origin at a time."""

    def __init__(
        self,
        fetch: RobotsFetch,
        *,
        user_agent: str,
        ttl_s: float = 3600.0,
        failure_ttl_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._token = product_token(user_agent)
        self.ttl_s = ttl_s
        self.failure_ttl_s = failure_ttl_s
        self._clock = clock
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def check(self, url: str) -> RobotsDecision:
        """May ``url`` be fetched? Fetches the origin's robots.txt if not cached."""
        origin = origin_of(url)
        rules = await self._get(origin)
        if rules.parser is None:
            if rules.allow_all:
                return RobotsDecision(True)
            return RobotsDecision(
                False,
                f"robots: {rules.note}; treating as disallowed",
                error_kind=rules.error_kind,
            )
        delay = rules.parser.crawl_delay(self._token)
        delay = min(float(delay), MAX_CRAWL_DELAY_S) if delay is not None else None
        if rules.parser.can_fetch(url, self._token):
            return RobotsDecision(True, crawl_delay=delay)
        return RobotsDecision(
            False, f"robots: {origin}/robots.txt disallows {url}", crawl_delay=delay
        )

    async def _get(self, origin: str) -> _Rules:
        lock = self._locks.setdefault(origin, anyio.Lock())
        async with lock:  # concurrent fetches for one origin share one robots.txt request
            cached = self._rules.get(origin)
            if cached is not None and cached.expires > self._clock():
                return cached
            rules = self._interpret(await self._fetch(f"{origin}/robots.txt"))
            self._rules[origin] = rules
            return rules

    def _interpret(self, resp: RobotsResponse) -> _Rules:
        now = self._clock()
        status = resp.status
        if status is not None and 200 <= status < 300:
            text = (resp.body or b"")[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
            return _Rules(Protego.parse(text), True, "", now + self.ttl_s)
        if resp.error_kind == "redirect_loop":
            return _Rules(None, True, "robots.txt redirects too often", now + self.ttl_s)
        if status is not None and status != 429 and status < 500:
            # 4xx (and a 3xx without a usable Location): "unavailable", nothing to obey.
            return _Rules(None, True, f"robots.txt returned HTTP {status}", now + self.ttl_s)
        expires = now + min(self.failure_ttl_s, self.ttl_s)
        if status is not None:
            return _Rules(None, False, f"robots.txt returned HTTP {status}", expires)
        note = f"robots.txt unreachable ({resp.error or 'no response'})"
        kind = resp.error_kind if resp.error_kind in ("network", "timeout") else None
        return _Rules(None, False, note, expires, kind)
