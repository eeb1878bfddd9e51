"""The fetch job end to end against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from broadsheet.config import FetchSettings
from broadsheet.fetch import run as run_module
from broadsheet.fetch.run import FetchJob
from broadsheet.models import FeedSpec, Outlet
from broadsheet.store import Store
from broadsheet.store.feeds import sync_outlets
from broadsheet.store.schema import ArticleAliasRow, ArticleRow, FeedRow, FetchLogRow
from tests.support.http_server import LoopbackServer, Response, redirect

SETTINGS = FetchSettings(
    allow_private_networks=True, per_host_delay_s=0.0, backoff_s=0.01, retries=1, timeout_s=5.0
)

TOPICS = {
    "bridge": ("Rail bridge reopens after two-year rebuild", "engineers", "river crossing"),
    "orchard": ("Orchard growers report record apple harvest", "growers", "cider presses"),
    "museum": ("Museum returns carved panels to island community", "curators", "elders"),
    "wind": ("Offshore wind farm connects first turbines to grid", "operators", "substation"),
}


def article_page(slug: str) -> str:
    title, who, thing = TOPICS[slug]
    paras = "".join(
        f"<p>Paragraph {i} of the {slug} report: the {who} said the work on the {thing} had "
        f"taken longer than planned, but that the result would serve the region for decades. "
        f"Officials added detail number {i} about costs, timing and what happens next.</p>"
        for i in range(1, 6)
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body><nav>Home News</nav>"
        f"<article><h1>{title}</h1>{paras}</article><footer>Copyright</footer></body></html>"
    )


def rss(server: LoopbackServer, items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{server.url(path)}</link>"
        f"<description>{summary}</description>"
        f"<pubDate>Sat, 28 Nov 2026 06:00:00 GMT</pubDate></item>"
        for title, path, summary in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Loopback News</title><link>{server.url('/')}</link>{body}</channel></rss>"
    )


@pytest.fixture
def site(http_server: LoopbackServer) -> LoopbackServer:
    s = http_server
    s.route("/robots.txt", Response("User-agent: *\nDisallow: /private/\n"))
    s.route("/news/bridge", Response(article_page("bridge"), content_type="text/html"))
    s.route("/news/orchard", Response(article_page("orchard"), content_type="text/html",
                                      encoding="gzip"))
    s.route("/news/museum", Response(article_page("museum"), content_type="text/html"))
    # The same text as the bridge story under another URL: syndicated copy.
    s.route("/wire/bridge-copy", Response(article_page("bridge"), content_type="text/html"))
    s.route("/news/broken", Response(status=500))
    s.route("/news/moved", redirect("/news/museum", status=301))
    s.route("/private/secret", Response(article_page("wind"), content_type="text/html"))
    s.route("/feed.xml", Response(
        rss(s, [
            ("Bridge", "/news/bridge", "A bridge reopens."),
            ("Orchard", "/news/orchard", "Apples."),
            ("Museum", "/news/moved", "Panels return."),
            ("Bridge copy", "/wire/bridge-copy", "Same bridge."),
            ("Broken page", "/news/broken", "The summary of a page that fails."),
            ("Private", "/private/secret", "Disallowed by robots.txt."),
        ]),
        content_type="application/rss+xml", etag='"feed-v1"',
    ))
    s.route("/garbage.xml", Response(b"\x00\x9f\x13 not a feed \xff" * 50,
                                     content_type="application/rss+xml"))
    s.route("/loop-a", redirect("/loop-b"))
    s.route("/loop-b", redirect("/loop-a"))
    return s


def _sync(store: Store, server: LoopbackServer, paths: list[str]) -> None:
    outlet = Outlet(
        slug="loopback", name="Loopback News", domains=["127.0.0.1"], country="US",
        edition="us", lean="center", feeds=[FeedSpec(url=server.url(p)) for p in paths],
    )
    with store.session() as session:
        sync_outlets(session, [outlet])


def _count(store: Store, table, *where) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(table).where(*where))


def test_fetch_stores_articles_and_a_second_run_fetches_nothing_new(
    store: Store, site: LoopbackServer
) -> None:
    _sync(store, site, ["/feed.xml", "/garbage.xml", "/loop-a"])
    report = asyncio.run(FetchJob(store, SETTINGS).run())
    by_url = {f.url.rsplit("/", 1)[-1]: f for f in report.feeds}

    feed = by_url["feed.xml"]
    assert feed.status == "ok"
    assert (feed.new, feed.duplicate) == (5, 1)  # 3 full, 2 summary-only; bridge copy dup
    assert feed.summary_only == 2  # the 500 page and the robots-disallowed page
    assert by_url["garbage.xml"].status == "failed"
    assert by_url["garbage.xml"].reason
    assert by_url["loop-a"].status == "failed"
    assert "redirect" in by_url["loop-a"].reason
    assert site.count("/private/secret") == 0

    with store.session() as s:
        rows = {r.url.rsplit("/", 1)[-1]: r for r in s.scalars(select(ArticleRow))}
        assert set(rows) == {"bridge", "orchard", "moved", "broken", "secret"}
        assert rows["bridge"].title == "Rail bridge reopens after two-year rebuild"
        assert len(rows["orchard"].paragraphs) == 5  # gzip-encoded page decoded
        assert rows["moved"].title.startswith("Museum returns")
        assert rows["broken"].summary_only
        assert rows["broken"].text == "The summary of a page that fails."
        assert "500" in rows["broken"].extraction_error
        assert rows["secret"].summary_only and "robots" in rows["secret"].extraction_error
        assert not rows["bridge"].summary_only and rows["bridge"].raw_page_id
        health = {f.url.rsplit("/", 1)[-1]: f for f in s.scalars(select(FeedRow))}
        # Two pages were unreadable: the validators are held back so they are retried.
        assert health["feed.xml"].etag is None
        assert health["feed.xml"].consecutive_failures == 0
        assert health["garbage.xml"].consecutive_failures == 1
        assert health["garbage.xml"].last_error
    assert _count(store, ArticleAliasRow) == 2  # the syndicated copy, the redirect target

    articles_before = _count(store, ArticleRow)
    page_hits = site.count("/news/bridge")
    again = asyncio.run(FetchJob(store, SETTINGS).run())
    feed2 = next(f for f in again.feeds if f.url.endswith("/feed.xml"))
    assert feed2.status == "ok"
    assert (feed2.new, feed2.duplicate, feed2.upgraded) == (0, 0, 0)
    assert site.count("/news/bridge") == page_hits  # stored pages are never refetched
    assert site.count("/private/secret") == 0

    third = asyncio.run(FetchJob(store, SETTINGS).run())
    feed3 = next(f for f in third.feeds if f.url.endswith("/feed.xml"))
    assert feed3.status == "not_modified"
    assert third.total("new") == 0 and third.total("duplicate") == 0
    assert _count(store, ArticleRow) == articles_before
    assert _count(store, FetchLogRow, FetchLogRow.not_modified.is_(True)) == 1
    with store.session() as s:
        garbage = s.scalar(select(FeedRow).where(FeedRow.url.endswith("/garbage.xml")))
        assert garbage.consecutive_failures == 3
        assert s.scalar(select(FeedRow).where(FeedRow.url.endswith("/feed.xml"))).etag


def test_private_feed_refused_without_the_setting(store: Store, site: LoopbackServer) -> None:
    _sync(store, site, ["/feed.xml"])
    report = asyncio.run(FetchJob(store, replace(SETTINGS, allow_private_networks=False)).run())
    (feed,) = report.feeds
    assert feed.status == "failed"
    assert "127.0.0.1" in feed.reason and "allow_private_networks" in feed.reason
    assert site.requests == []


def test_a_crash_in_one_page_loses_nothing(
    store: Store, site: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sync(store, site, ["/feed.xml"])
    real = run_module.extract_document

    def flaky(data, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("url", "").endswith("/news/orchard"):
            raise RuntimeError("extractor crashed")
        return real(data, **kwargs)

    monkeypatch.setattr(run_module, "extract_document", flaky)
    first = asyncio.run(FetchJob(store, SETTINGS).run())
    assert first.feeds[0].failed == 1
    assert any("extractor crashed" in e for e in first.feeds[0].page_errors)
    # The feed's validators were not saved, so the next run gets the feed again and
    # stores exactly the article that was missing.
    monkeypatch.setattr(run_module, "extract_document", real)
    second = asyncio.run(FetchJob(store, SETTINGS).run())
    assert second.feeds[0].status == "ok"
    assert (second.feeds[0].new, second.feeds[0].failed) == (1, 0)
    assert _count(store, ArticleRow) == 5
    third = asyncio.run(FetchJob(store, SETTINGS).run())
    assert third.feeds[0].status == "not_modified"


def test_a_page_that_failed_is_retried_and_upgraded(
    store: Store, http_server: LoopbackServer
) -> None:
    s = http_server
    s.route("/news/flaky", [Response(status=503), Response(status=503),
                            Response(article_page("wind"), content_type="text/html")])
    s.route("/feed.xml", Response(rss(s, [("Wind", "/news/flaky", "Turbines connected.")]),
                                  content_type="application/rss+xml", etag='"w1"'))
    _sync(store, s, ["/feed.xml"])
    first = asyncio.run(FetchJob(store, SETTINGS).run())
    assert (first.feeds[0].new, first.feeds[0].summary_only) == (1, 1)
    second = asyncio.run(FetchJob(store, SETTINGS).run())
    assert second.feeds[0].status == "ok"  # validators were held back to retry the page
    assert second.feeds[0].upgraded == 1
    with store.session() as session:
        (row,) = session.scalars(select(ArticleRow))
        assert not row.summary_only and row.extraction_error is None
        assert row.title == "Offshore wind farm connects first turbines to grid"
        assert len(row.paragraphs) == 5
    third = asyncio.run(FetchJob(store, SETTINGS).run())
    assert third.feeds[0].status == "not_modified"
    assert _count(store, ArticleRow) == 1
