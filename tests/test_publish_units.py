"""Small parts of publishing: durations, the refresher, CSRF tokens, the page cache."""

from __future__ import annotations

import random
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broadsheet.eval.serving import parse_wrk, seed_stories
from broadsheet.publish.cache import PageCache
from broadsheet.publish.security import CsrfTokens, load_or_create_secret
from broadsheet.publish.serve import Refresher, parse_duration
from broadsheet.store import Store
from broadsheet.store.schema import StoryRow


def test_parse_duration() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("1.5h") == 5400
    assert parse_duration("90s") == 90
    assert parse_duration("2") == 120  # a bare number is minutes
    assert parse_duration("1d") == 86400
    for bad in ("", "soon", "-5m", "10s", "3w"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_refresher_keeps_going_after_a_failure() -> None:
    calls: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("feeds unreachable")
        done.set()

    refresher = Refresher(job, 0.01, errors.append)
    refresher.start()
    assert done.wait(5)
    refresher.stop()
    refresher.join(5)
    assert len(calls) >= 2 and isinstance(errors[0], RuntimeError)


def test_csrf_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = load_or_create_secret(tmp_path / "secret.key")
    assert load_or_create_secret(tmp_path / "secret.key") == secret  # made once, then kept
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    tokens = CsrfTokens(secret, max_age_s=60)
    token = tokens.issue(now=1000)
    assert tokens.valid(token, token, now=1030)
    assert not tokens.valid(token, token, now=1061)  # expired
    assert not tokens.valid(token, tokens.issue(now=1000), now=1001)  # cookie != form
    assert not tokens.valid(None, token) and not tokens.valid(token, None)
    forged = token.rsplit(".", 1)[0] + ".0123456789abcdef0123456789abcdef"
    assert not tokens.valid(forged, forged, now=1001)
    other = CsrfTokens(b"another secret that is long enough!!", max_age_s=60)
    assert not other.valid(token, token, now=1001)


@given(st.text(max_size=80))
def test_csrf_never_accepts_junk(junk: str) -> None:
    tokens = CsrfTokens(b"k" * 32)
    assert not tokens.valid(junk, junk)


def test_page_cache_empties_when_the_store_changes(store: Store) -> None:
    seed_stories(store, 12)
    cache = PageCache(store, max_bytes=10_000, ttl_s=0.0)
    version = cache.version()
    page = cache.put("/story/a/?", 200, b"<p>hello</p>" * 50, "text/html", version)
    assert cache.get("/story/a/?") == page and page.body() == b"<p>hello</p>" * 50
    assert page.etag == cache.put("/x?", 200, b"<p>hello</p>" * 50, "text/html").etag
    with store.session() as s:
        s.get(StoryRow, "s000000000000").headline = "Changed"
        story = s.get(StoryRow, "s000000000000")
        story.updated_at = story.updated_at.replace(year=2031)
    assert cache.version() != version
    assert cache.get("/story/a/?") is None
    # A page rendered for the old version is not kept.
    cache.put("/late?", 200, b"old", "text/html", version)
    assert cache.get("/late?") is None
    # The byte budget holds: old entries go first.
    for i in range(100):
        cache.put(f"/p{i}?", 200, bytes(range(256)) * 8, "text/html")
    assert cache.size_bytes <= 10_000 and cache.get("/p99?") is not None


def test_after_a_change_the_previous_pages_are_kept_as_stale(store: Store) -> None:
    seed_stories(store, 12)
    cache = PageCache(store, max_bytes=20_000, ttl_s=0.0)

    def bump(year: int) -> None:
        with store.session() as s:
            story = s.get(StoryRow, "s000000000000")
            story.updated_at = story.updated_at.replace(year=year)

    first = cache.version()
    old = cache.put("/story/a/?", 200, b"<p>old</p>" * 40, "text/html", first)
    cache.put("/missing/?", 404, b"not found", "text/html", first)
    bump(2031)
    second = cache.version()
    assert second != first and cache.get("/story/a/?") is None
    assert cache.get_stale("/story/a/?") == old
    assert cache.get_stale("/missing/?") is None  # an error page is never served stale
    # Rendering the page for the new version replaces its stale copy.
    new = cache.put("/story/a/?", 200, b"<p>new</p>" * 40, "text/html", second)
    assert cache.get("/story/a/?") == new and cache.get_stale("/story/a/?") is None
    # Pages two versions old are not kept.
    cache.put("/story/b/?", 200, b"<p>b</p>" * 40, "text/html", second)
    bump(2032)
    cache.version()
    assert cache.get_stale("/story/b/?") is not None
    bump(2033)
    cache.version()
    assert cache.get_stale("/story/b/?") is None
    # Stale pages give way to current ones within the byte budget.
    cache.put("/story/c/?", 200, bytes(range(256)) * 30, "text/html")
    bump(2034)
    cache.version()
    assert cache.get_stale("/story/c/?") is not None
    noise = random.Random(7)
    for i in range(12):  # incompressible pages, 2 kB each
        cache.put(f"/p{i}?", 200, noise.randbytes(2000), "text/html")
    assert cache.get_stale("/story/c/?") is None and cache.size_bytes <= 20_000


def test_parse_wrk_output() -> None:
    out = """Running 20s test @ http://127.0.0.1:1
  Latency Distribution
     50%    1.20ms
     75%    2.50ms
     90%  800.00us
     99%    1.10s
  43101 requests in 20.03s, 900.00MB read
Requests/sec:   2151.77
"""
    parsed = parse_wrk(out)
    assert parsed["p50_ms"] == 1.2 and parsed["p90_ms"] == 0.8 and parsed["p99_ms"] == 1100.0
    assert parsed["requests"] == 43101 and parsed["requests_per_s"] == 2151.77
    assert parsed["errors"] == "none"
