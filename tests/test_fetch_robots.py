"""robots.txt handling (RFC 9309) through PoliteFetcher, plus the cache on its own."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from broadsheet.fetch.http import FetchPolicy, FetchResult, PoliteFetcher
from broadsheet.fetch.robots import RobotsCache, RobotsResponse, origin_of, product_token
from tests.support.http_server import LoopbackServer, Response, redirect

FAST = FetchPolicy(allow_private_networks=True, per_host_delay_s=0.0, backoff_s=0.01, timeout_s=5.0)
RSS = b'<rss version="2.0"><channel><title>t</title></channel></rss>'
ROBOTS = """User-agent: *
Disallow: /private/

User-agent: Broadsheet
Disallow: /no-broadsheet/
Disallow: /private/
"""


def fetch_all(urls: list[str], policy: FetchPolicy = FAST, **kw: object) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with PoliteFetcher(policy) as fetcher:
            return [await fetcher.fetch(u, **kw) for u in urls]  # type: ignore[arg-type]

    return asyncio.run(go())


def test_disallowed_page_is_never_requested(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response(ROBOTS, content_type="text/plain"))
    http_server.route("/private/feed.xml", Response(RSS))
    (r,) = fetch_all([http_server.url("/private/feed.xml")])
    assert r.error_kind == "robots" and r.content is None and r.attempts == 0
    assert "robots.txt disallows" in (r.error or "")
    assert http_server.count("/private/feed.xml") == 0


def test_group_for_our_product_token_applies(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response(ROBOTS))
    http_server.route("/no-broadsheet/feed.xml", Response(RSS))
    http_server.route("/ok/feed.xml", Response(RSS))
    blocked, allowed = fetch_all(
        [http_server.url("/no-broadsheet/feed.xml"), http_server.url("/ok/feed.xml")]
    )
    assert blocked.error_kind == "robots"
    assert allowed.error is None and allowed.content == RSS
    # One robots.txt request serves every fetch to the origin.
    assert http_server.count("/robots.txt") == 1


def test_robots_is_checked_on_each_redirect_hop(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response(ROBOTS))
    http_server.route("/feed", redirect("/private/feed.xml"))
    http_server.route("/private/feed.xml", Response(RSS))
    (r,) = fetch_all([http_server.url("/feed")])
    assert r.error_kind == "robots" and r.final_url == http_server.url("/private/feed.xml")
    assert http_server.count("/private/feed.xml") == 0


def test_missing_robots_allows_everything(http_server: LoopbackServer) -> None:
    http_server.route("/private/feed.xml", Response(RSS))  # /robots.txt is a 404
    (r,) = fetch_all([http_server.url("/private/feed.xml")])
    assert r.error is None and r.content == RSS


def test_robots_server_error_means_disallow(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response(status=503))
    http_server.route("/feed.xml", Response(RSS))
    r1, r2 = fetch_all([http_server.url("/feed.xml"), http_server.url("/feed.xml")])
    assert r1.error_kind == "robots" and "HTTP 503" in (r1.error or "")
    assert r2.error_kind == "robots"
    assert http_server.count("/feed.xml") == 0
    # robots.txt was retried like any fetch (1 + 2 retries), then the verdict was cached.
    assert http_server.count("/robots.txt") == 3


def test_robots_redirect_is_followed(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", redirect("/real-robots.txt", status=301))
    http_server.route("/real-robots.txt", Response("User-agent: *\nDisallow: /\n"))
    http_server.route("/feed.xml", Response(RSS))
    (r,) = fetch_all([http_server.url("/feed.xml")])
    assert r.error_kind == "robots"


def test_compressed_robots(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response(ROBOTS, encoding="gzip"))
    http_server.route("/private/x", Response(RSS))
    (r,) = fetch_all([http_server.url("/private/x")])
    assert r.error_kind == "robots"


def test_check_robots_false_and_policy_switch_bypass(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response("User-agent: *\nDisallow: /\n"))
    http_server.route("/feed.xml", Response(RSS))
    (direct,) = fetch_all([http_server.url("/feed.xml")], check_robots=False)
    assert direct.error is None
    (ignoring,) = fetch_all([http_server.url("/feed.xml")], replace(FAST, respect_robots=False))
    assert ignoring.error is None
    assert http_server.count("/robots.txt") == 0


def test_crawl_delay_is_a_lower_bound_on_the_host_delay(http_server: LoopbackServer) -> None:
    http_server.route("/robots.txt", Response("User-agent: *\nCrawl-delay: 0.3\n"))
    http_server.route("/feed.xml", Response(RSS))
    fetch_all([http_server.url("/feed.xml?a"), http_server.url("/feed.xml?b")])
    first, second = (r.time for r in http_server.requests_for("/feed.xml"))
    assert second - first >= 0.28


def test_cache_ttl_and_failure_handling() -> None:
    now = [0.0]
    calls: list[str] = []
    answers = [
        RobotsResponse(status=200, body=b"User-agent: *\nDisallow: /a\n"),
        RobotsResponse(status=None, error="network error: refused", error_kind="network"),
        RobotsResponse(status=404),
    ]

    async def fake_fetch(url: str) -> RobotsResponse:
        calls.append(url)
        return answers[len(calls) - 1]

    cache = RobotsCache(
        fake_fetch, user_agent="Broadsheet/0.1", ttl_s=100, failure_ttl_s=10, clock=lambda: now[0]
    )

    async def go() -> None:
        assert not (await cache.check("https://news.example/a/1")).allowed
        assert (await cache.check("https://news.example/b")).allowed
        assert calls == ["https://news.example:443/robots.txt"]
        now[0] = 101  # rules expired: refetch, which fails -> disallow, kind kept
        decision = await cache.check("https://news.example/b")
        assert not decision.allowed and decision.error_kind == "network"
        assert "unreachable" in (decision.reason or "")
        now[0] = 105  # failure still cached
        assert not (await cache.check("https://news.example/b")).allowed
        assert len(calls) == 2
        now[0] = 112  # failure expired sooner: refetch gives 404 -> allow all
        assert (await cache.check("https://news.example/a/1")).allowed
        assert len(calls) == 3

    asyncio.run(go())


def test_concurrent_checks_share_one_fetch() -> None:
    calls: list[str] = []

    async def slow_fetch(url: str) -> RobotsResponse:
        calls.append(url)
        await asyncio.sleep(0.05)
        return RobotsResponse(status=200, body=b"")

    cache = RobotsCache(slow_fetch, user_agent="Broadsheet/0.1")

    async def go() -> None:
        results = await asyncio.gather(*(cache.check(f"http://a.example/{i}") for i in range(5)))
        assert all(d.allowed for d in results)

    asyncio.run(go())
    assert calls == ["http://a.example:80/robots.txt"]


def test_helpers() -> None:
    assert origin_of("HTTPS://News.Example/x?y") == "https://news.example:443"
    assert origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    assert product_token("Broadsheet/0.1.0 (+https://x; y)") == "Broadsheet"
