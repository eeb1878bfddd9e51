"""PoliteFetcher against a real loopback HTTP server."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
import tracemalloc
import zlib
from dataclasses import replace

import brotli
import pytest

from broadsheet.fetch.feeds import FeedError, parse_feed
from broadsheet.fetch.http import (
    DEFAULT_USER_AGENT,
    FetchPolicy,
    FetchResult,
    PoliteFetcher,
    _BrotliDecoder,
    _Decoder,
    _decoders_for,
    _finish,
    _pump,
)
from tests.support.http_server import (
    LoopbackServer,
    Request,
    Response,
    redirect,
)

FAST = FetchPolicy(allow_private_networks=True, per_host_delay_s=0.0, backoff_s=0.01, timeout_s=5.0)
RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback</title><link>http://example.com/</link>
<item><title>One</title><link>http://example.com/1</link></item>
</channel></rss>"""
LAST_MODIFIED = "Tue, 10 Jun 2025 08:00:00 GMT"


async def _fetch_async(url: str, policy: FetchPolicy, **kwargs: object) -> FetchResult:
    async with PoliteFetcher(policy) as fetcher:
        return await fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]


def fetch(url: str, policy: FetchPolicy = FAST, **kwargs: object) -> FetchResult:
    return asyncio.run(_fetch_async(url, policy, **kwargs))


def fetch_many(urls: list[str], policy: FetchPolicy) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with PoliteFetcher(policy) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    return asyncio.run(go())


def zeros_compressed(encoding: str, megabytes: int) -> bytes:
    """``megabytes`` MiB of zeros, compressed without ever holding them all."""
    chunk = bytes(1 << 20)
    if encoding == "gzip":
        z = zlib.compressobj(1, zlib.DEFLATED, 31)
        return b"".join([*(z.compress(chunk) for _ in range(megabytes)), z.flush()])
    b = brotli.Compressor(quality=1)
    return b"".join([*(b.process(chunk) for _ in range(megabytes)), b.finish()])


def test_200_returns_body_headers_and_sends_polite_headers(http_server: LoopbackServer) -> None:
    http_server.route(
        "/feed.xml",
        Response(
            RSS,
            content_type="application/rss+xml; charset=UTF-8",
            etag='"v1"',
            last_modified=LAST_MODIFIED,
        ),
    )
    r = fetch(http_server.url("/feed.xml"))
    assert r.error is None and r.error_kind is None
    assert r.status == 200 and r.content == RSS
    assert (r.content_type, r.charset) == ("application/rss+xml", "utf-8")
    assert (r.etag, r.last_modified) == ('"v1"', LAST_MODIFIED)
    assert r.final_url == r.url == http_server.url("/feed.xml")
    assert r.attempts == 1 and not r.not_modified and r.elapsed_s > 0
    (req,) = http_server.requests_for("/feed.xml")
    assert req.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("Broadsheet/")
    assert req.headers["Accept-Encoding"] == "gzip, deflate, br"


def test_conditional_get_with_etag_gives_304(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(RSS, etag='"v1"', last_modified=LAST_MODIFIED))
    first = fetch(http_server.url("/feed.xml"))
    again = fetch(http_server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert again.error is None
    assert again.not_modified and again.status == 304 and again.content is None
    assert (again.etag, again.last_modified) == ('"v1"', LAST_MODIFIED)
    second_request = http_server.requests_for("/feed.xml")[1]
    assert second_request.headers["If-None-Match"] == '"v1"'
    assert second_request.headers["If-Modified-Since"] == LAST_MODIFIED
    changed = fetch(http_server.url("/feed.xml"), etag='"v0"')
    assert changed.status == 200 and not changed.not_modified and changed.content == RSS


def test_conditional_get_with_last_modified_only(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(RSS, last_modified=LAST_MODIFIED))
    r = fetch(http_server.url("/feed.xml"), last_modified=LAST_MODIFIED)
    assert r.not_modified and r.status == 304
    assert r.last_modified == LAST_MODIFIED


def test_redirect_chain_is_followed_and_validators_reach_the_last_hop(
    http_server: LoopbackServer,
) -> None:
    http_server.route("/a", redirect("/b", status=301))
    http_server.route("/b", redirect(http_server.url("/c"), status=307))
    http_server.route("/c", redirect("feed.xml#frag", status=308))
    http_server.route("/feed.xml", Response(RSS, etag='"v2"'))
    r = fetch(http_server.url("/a"))
    assert r.error is None and r.status == 200 and r.content == RSS
    assert r.final_url == http_server.url("/feed.xml")
    assert r.attempts == 4
    assert [http_server.count(p) for p in ("/a", "/b", "/c", "/feed.xml")] == [1, 1, 1, 1]
    cached = fetch(http_server.url("/a"), etag='"v2"')
    assert cached.not_modified and cached.final_url == http_server.url("/feed.xml")


def test_redirect_loop(http_server: LoopbackServer) -> None:
    http_server.route("/x", redirect("/y"))
    http_server.route("/y", redirect("/x"))
    r = fetch(http_server.url("/x"))
    assert r.error_kind == "redirect_loop" and r.content is None
    assert "loop" in (r.error or "")
    assert http_server.count("/x") == 1 and http_server.count("/y") == 1


def test_too_many_redirects(http_server: LoopbackServer) -> None:
    for i in range(8):
        http_server.route(f"/r{i}", redirect(f"/r{i + 1}"))
    r = fetch(http_server.url("/r0"), replace(FAST, max_redirects=3))
    assert r.error_kind == "redirect_loop" and "too many redirects" in (r.error or "")
    assert http_server.count("/r3") == 1 and http_server.count("/r4") == 0


def test_redirect_to_other_scheme_is_bad_url(http_server: LoopbackServer) -> None:
    http_server.route("/x", redirect("file:///etc/passwd"))
    r = fetch(http_server.url("/x"))
    assert r.error_kind == "bad_url"


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "streamed"])
def test_html_over_size_cap_is_too_large(http_server: LoopbackServer, with_length: bool) -> None:
    page = b"<html><body>" + b"<p>filler</p>" * 200_000 + b"</body></html>"  # ~2.6 MB
    http_server.route(
        "/big.html", Response(page, content_type="text/html", content_length=with_length)
    )
    policy = replace(FAST, max_bytes=1_000_000)
    r = fetch(http_server.url("/big.html"), policy)
    assert r.error_kind == "too_large" and r.content is None
    assert "1000000" in (r.error or "")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_decompression_bomb_is_stopped_quickly_with_bounded_memory(
    http_server: LoopbackServer, encoding: str
) -> None:
    bomb = zeros_compressed(encoding, 64)  # 64 MiB of zeros in a few hundred KB or less
    http_server.route(
        "/bomb.xml",
        Response(bomb, content_type="application/xml", headers={"Content-Encoding": encoding}),
    )
    policy = replace(FAST, max_decompressed_bytes=1_000_000)
    tracemalloc.start()
    try:
        started = time.monotonic()
        r = fetch(http_server.url("/bomb.xml"), policy)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.error_kind == "decompression_bomb", r.error
    assert r.content is None and r.attempts == 1
    assert elapsed < 3.0
    assert peak < 6_000_000, f"peak traced memory {peak} bytes"


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "raw-deflate"])
def test_compressed_bodies_are_decoded(http_server: LoopbackServer, encoding: str) -> None:
    http_server.route("/feed.xml", Response(RSS * 50, encoding=encoding))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error is None and r.content == RSS * 50


def test_truncated_gzip_is_an_http_error(http_server: LoopbackServer) -> None:
    body = zlib.compress(RSS * 100, wbits=31)[:-40]
    http_server.route("/feed.xml", Response(body, headers={"Content-Encoding": "gzip"}))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error_kind == "http" and "truncated gzip" in (r.error or "")


def test_unsupported_content_encoding(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(b"????", headers={"Content-Encoding": "zstd"}))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error_kind == "http" and "zstd" in (r.error or "")


def test_binary_junk_fetches_but_does_not_parse(http_server: LoopbackServer) -> None:
    junk = bytes((i * 7919 + 13) % 256 for i in range(4096))
    http_server.route("/feed.xml", Response(junk, content_type="application/octet-stream"))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error is None and r.content == junk
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(r.content, url=r.final_url, content_type=r.content_type)


def test_empty_body(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(b"", content_type="application/rss+xml"))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error is None and r.status == 200 and r.content == b""
    with pytest.raises(FeedError, match="empty body"):
        parse_feed(r.content, url=r.final_url)


def test_retries_503_then_succeeds(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", [Response(status=503), Response(status=503), Response(RSS)])
    r = fetch(http_server.url("/feed.xml"))
    assert r.error is None and r.status == 200 and r.content == RSS
    assert r.attempts == 3 and http_server.count("/feed.xml") == 3


def test_retries_exhausted_reports_last_status(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(status=502))
    r = fetch(http_server.url("/feed.xml"))
    assert r.error_kind == "http" and r.status == 502 and r.error == "HTTP 502 Bad Gateway"
    assert r.attempts == 3 and http_server.count("/feed.xml") == 3


def test_no_retry_on_404(http_server: LoopbackServer) -> None:
    r = fetch(http_server.url("/missing"))
    assert r.error_kind == "http" and r.status == 404 and r.attempts == 1
    assert http_server.count("/missing") == 1


def test_429_honours_short_retry_after_and_gives_up_on_long_one(
    http_server: LoopbackServer,
) -> None:
    http_server.route("/short", [Response(status=429, headers={"Retry-After": "0"}), Response(RSS)])
    http_server.route("/long", Response(status=429, headers={"Retry-After": "3600"}))
    short = fetch(http_server.url("/short"))
    assert short.status == 200 and short.attempts == 2
    started = time.monotonic()
    long = fetch(http_server.url("/long"))
    assert long.status == 429 and long.error_kind == "http" and long.attempts == 1
    assert time.monotonic() - started < 2


def test_timeout(http_server: LoopbackServer) -> None:
    http_server.route("/slow", Response(RSS, delay_s=3.0))
    policy = replace(FAST, timeout_s=0.3, retries=1)
    started = time.monotonic()
    r = fetch(http_server.url("/slow"), policy)
    assert r.error_kind == "timeout" and "timeout" in (r.error or "")
    assert r.attempts == 2 and http_server.count("/slow") == 2
    assert time.monotonic() - started < 2.0


def test_connection_refused_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = replace(FAST, retries=1)
    r = fetch(f"http://127.0.0.1:{port}/feed.xml", policy)
    # robots.txt is unreachable first, so the page is never tried; the cause is reported.
    assert r.error_kind == "network" and r.status is None and r.attempts == 0
    assert "robots.txt unreachable" in (r.error or "")
    no_robots = fetch(f"http://127.0.0.1:{port}/feed.xml", policy, check_robots=False)
    assert no_robots.error_kind == "network" and no_robots.attempts == 2


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "not a url", "", "http:///nohost"])
def test_bad_urls(url: str) -> None:
    r = fetch(url)
    assert r.error_kind == "bad_url" and r.attempts == 0


def _tracking(in_flight: list[int], peak: list[int], lock: threading.Lock, hold_s: float):
    def handler(req: Request) -> Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(hold_s)
        with lock:
            in_flight[0] -= 1
        return Response(RSS)

    return handler


def test_per_host_concurrency_limit(http_server: LoopbackServer) -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()
    http_server.route("/p", _tracking(in_flight, peak, lock, 0.1))
    policy = replace(FAST, per_host_concurrency=1)
    results = fetch_many([http_server.url(f"/p?i={i}") for i in range(4)], policy)
    assert all(r.status == 200 for r in results)
    assert peak[0] == 1


def test_global_concurrency_limit_across_hosts(http_server: LoopbackServer) -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()
    http_server.route("/p", _tracking(in_flight, peak, lock, 0.1))
    # "127.0.0.1" and "localhost" are two hosts to the fetcher, one server to us.
    urls = [
        f"http://{h}:{http_server.port}/p?i={i}"
        for h in ("127.0.0.1", "localhost")
        for i in range(2)
    ]
    policy = replace(FAST, global_concurrency=1)
    results = fetch_many(urls, policy)
    assert all(r.status == 200 for r in results), [r.error for r in results]
    assert peak[0] == 1


def test_per_host_delay_spaces_requests(http_server: LoopbackServer) -> None:
    http_server.route("/p", Response(RSS))
    policy = replace(FAST, per_host_delay_s=0.2)
    fetch_many([http_server.url(f"/p?i={i}") for i in range(3)], policy)
    times = sorted(r.time for r in http_server.requests_for("/p"))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 3 and min(gaps) >= 0.18, gaps


def test_unsendable_stored_validators_are_dropped(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", Response(RSS, etag='"v1"'))
    r = fetch(http_server.url("/feed.xml"), etag='"caf\u00e9"', last_modified="bad\r\nX: y")
    assert r.error is None and r.status == 200
    (req,) = http_server.requests_for("/feed.xml")
    assert req.headers.get("If-None-Match") is None
    assert req.headers.get("If-Modified-Since") is None


def _decode_all(decoders: list[_Decoder], data: bytes, step: int = 7) -> bytes:
    out = b""
    for i in range(0, len(data), step):
        out += b"".join(_pump(decoders, data[i : i + step]))
    return out + b"".join(_finish(decoders))


def test_decoder_edge_cases() -> None:
    text = RSS * 20
    multi_member = zlib.compress(text, wbits=31) + zlib.compress(text, wbits=31)
    assert _decode_all(_decoders_for("gzip"), multi_member) == text * 2
    stacked = brotli.compress(zlib.compress(text, wbits=31))  # "gzip, br": br applied last
    assert _decode_all(_decoders_for("gzip, br"), stacked) == text
    old_brotli = _BrotliDecoder()
    old_brotli._limited = False  # brotli < 1.2 has no output_buffer_limit
    assert _decode_all([old_brotli], brotli.compress(text)) == text
