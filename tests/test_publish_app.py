"""The web app over a built store: pages, permalinks, security headers and the API."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from broadsheet.publish.app import create_app
from broadsheet.publish.render import clean, safe_url
from broadsheet.publish.site import SiteConfig
from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, StoryAliasRow, StoryRow
from tests.support.site import build_site_store


@pytest.fixture
def built(store: Store) -> Store:
    build_site_store(store)
    return store


@pytest.fixture
def client(built: Store) -> TestClient:
    return TestClient(create_app(built, SiteConfig(base_url="http://news.test")))


def _story_ids(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(StoryRow.id).order_by(StoryRow.importance.desc())))


def test_front_page_lists_stories_with_coverage_and_editions(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "briefing: World edition" in html
    assert html.count('class="card') >= 3
    assert 'class="bar"' in html and "Coverage by lean" in html
    for edition in ("us", "uk", "world"):
        assert f'href="/edition/{edition}/"' in html
        assert client.get(f"/edition/{edition}/").status_code == 200
    assert client.get("/edition/mars/").status_code == 404


def test_story_page_shows_the_briefing_with_linked_citations(
    client: TestClient, built: Store
) -> None:
    story_id = _story_ids(built)[0]
    html = client.get(f"/story/{story_id}/").text
    for heading in ("What happened", "Coverage", "Sources"):
        assert heading in html
    citations = re.findall(r'<sup class="cite"><a href="([^"]+)"', html)
    assert citations and all(c.startswith("https://") and ".example/" in c for c in citations)
    assert 'rel="canonical" href="http://news.test/story/' in html


def test_merged_story_permalink_redirects_to_the_survivor(client: TestClient, built: Store) -> None:
    survivor = _story_ids(built)[0]
    with built.session() as s:
        s.add(StoryAliasRow(old_id="s-merged-away", story_id=survivor))
    moved = client.get("/story/s-merged-away/", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/story/{survivor}/"
    assert client.get("/story/s-never-was/").status_code == 404
    assert client.get("/api/v1/stories/s-merged-away").json()["id"] == survivor


def test_hostile_source_text_is_inert(client: TestClient, built: Store) -> None:
    with built.session() as s:
        hostile = s.scalar(select(StoryRow.id).where(StoryRow.headline.like("%script%")))
    assert hostile is not None
    for path in ("/", f"/story/{hostile}/", "/search/?q=harbour", "/feed.rss"):
        body = client.get(path).text
        assert "<script" not in body.lower(), path
        assert "onerror" not in body.lower(), path
        assert "javascript:" not in body.lower(), path


def test_clean_and_safe_url() -> None:
    assert str(clean('<b onclick="x()">Hi</b> & <script>bad()</script>')) == "Hi &amp; "
    # Safe inside an attribute value as well: no quote survives to close it.
    assert str(clean('x < 3 " onmouseover="y')) == "x &lt; 3 &#34; onmouseover=&#34;y"
    assert str(clean("it's")) == "it&#39;s"
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,hi", "//x", None,
                "http://exa mple.org/\x00"):
        assert safe_url(bad) is None


def test_security_and_cache_headers(client: TestClient, built: Store) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "public, max-age=60"
    assert client.get("/static/style.css").headers["cache-control"] == "public, max-age=86400"
    # No inline script or style anywhere on the site's pages.
    story_id = _story_ids(built)[0]
    for path in ("/", f"/story/{story_id}/", "/archive/", "/outlets/", "/blindspot/", "/api/"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path
    etag = page.headers["etag"]
    # The second request is answered from the page cache, in front of the app: same page,
    # same headers.
    again = client.get("/")
    assert again.text == page.text and again.headers["etag"] == etag
    assert again.headers["content-security-policy"] == csp
    assert again.headers["cache-control"] == "public, max-age=60"
    zipped = client.get("/", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.text == page.text
    assert client.get("/", headers={"if-none-match": etag}).status_code == 304
    assert client.head("/").status_code == 200


def test_after_a_build_the_previous_page_is_served_while_it_renders_again(
    built: Store,
) -> None:
    app = create_app(built, SiteConfig(base_url="http://news.test"))
    app.state.cache.ttl_s = 0.0  # see every change at once
    client = TestClient(app)
    story_id = _story_ids(built)[0]
    before = client.get(f"/story/{story_id}/")
    with built.session() as s:  # what a build that rewrites this briefing does
        briefing = s.get(BriefingRow, story_id)
        briefing.headline = "Harbour ferry back in service"
        briefing.built_at = briefing.built_at.replace(year=briefing.built_at.year + 1)
    stale = client.get(f"/story/{story_id}/")  # the build's change is seen...
    assert stale.text == before.text  # ...but the reader is not kept waiting for a render
    assert app.state.revalidator.wait_idle(30)
    fresh = client.get(f"/story/{story_id}/")
    assert "Harbour ferry back in service" in fresh.text and fresh.text != before.text


def test_without_stale_pages_the_reader_waits_for_the_new_render(built: Store) -> None:
    app = create_app(built, SiteConfig(base_url="http://news.test"), serve_stale=False)
    app.state.cache.ttl_s = 0.0
    client = TestClient(app)
    story_id = _story_ids(built)[0]
    client.get(f"/story/{story_id}/")
    with built.session() as s:
        briefing = s.get(BriefingRow, story_id)
        briefing.headline = "Tram strike called off"
        briefing.built_at = briefing.built_at.replace(year=briefing.built_at.year + 1)
    assert "Tram strike called off" in client.get(f"/story/{story_id}/").text


def test_sections_archive_days_outlets_blindspot_and_search(
    client: TestClient, built: Store
) -> None:
    with built.session() as s:
        section = s.scalar(select(StoryRow.section))
        days = {r.date() for r in s.scalars(select(StoryRow.last_published))}
    assert client.get(f"/section/{section}/").status_code == 200
    assert client.get("/section/astrology/").status_code == 404
    archive = client.get("/archive/").text
    for day in days:
        assert f'href="/day/{day.isoformat()}/"' in archive
        page = client.get(f"/day/{day.isoformat()}/")
        assert page.status_code == 200 and "The edition of" in page.text
    assert client.get("/day/not-a-date/").status_code == 404
    assert client.get(f"/day/{date(1999, 1, 1).isoformat()}/").status_code == 404
    outlets = client.get("/outlets/").text
    assert "Left Daily" in outlets and 'href="/outlet/left-daily/"' in outlets
    outlet = client.get("/outlet/left-daily/").text
    assert "Left Daily Media" in outlet and 'class="card' in outlet
    assert client.get("/outlet/nobody/").status_code == 404
    assert client.get("/blindspot/").status_code == 200
    found = client.get("/search/?q=harbour+vote").text
    assert "1 story found" in found or "stories found" in found
    assert client.get('/search/?q="unbalanced AND (NEAR').status_code == 200  # never FTS syntax


def test_api_pagination_story_briefing_outlets_and_search(client: TestClient, built: Store) -> None:
    first = client.get("/api/v1/stories?per_page=2").json()
    assert first["page"] == 1 and len(first["items"]) == 2 and first["total"] >= 8
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert second["page"] == 2
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    story_id = first["items"][0]["id"]
    story = client.get(f"/api/v1/stories/{story_id}").json()
    assert story["url"] == f"/story/{story_id}/" and story["outlet_count"] >= 1
    briefing = client.get(f"/api/v1/stories/{story_id}/briefing").json()
    assert briefing["faithful"] is True and briefing["briefing"]["sources"]
    assert client.get("/api/v1/stories/nope").status_code == 404
    assert client.get("/api/v1/stories?per_page=1000").status_code == 422
    outlets = client.get("/api/v1/outlets").json()
    assert {o["slug"] for o in outlets["items"]} >= {"left-daily", "centre-wire", "right-post"}
    hits = client.get("/api/v1/search?q=harbour").json()
    assert hits["total"] >= 1
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/stories", "/api/v1/search", "/api/v1/outlets"} <= set(schema["paths"])
    assert "/api/v1/stories" in client.get("/api/").text


def test_an_empty_store_gets_a_friendly_front_page(store: Store) -> None:
    client = TestClient(create_app(store))
    page = client.get("/")
    assert page.status_code == 200 and "No stories yet" in page.text
    assert client.get("/feed.rss").status_code == 200
