"""Feeds parse cleanly with stable GUIDs; the static export is complete and link-clean."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import feedparser
import pytest
from fastapi.testclient import TestClient

from broadsheet.publish.app import create_app
from broadsheet.publish.export import export_site
from broadsheet.publish.site import SiteConfig
from broadsheet.store import Store
from tests.support.site import build_site_store

CONFIG = SiteConfig(base_url="http://news.test")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}")
    build_site_store(store, events=10)
    return store


def _feed_paths(client: TestClient) -> list[str]:
    html = client.get("/").text
    sections = sorted(set(re.findall(r'href="/section/([a-z]+)/"', html)))
    paths = ["/"] + [f"/edition/{e}/" for e in ("us", "uk", "world")]
    paths += [f"/section/{s}/" for s in sections]
    return [f"{p}feed.{fmt}" for p in paths for fmt in ("rss", "atom", "json")]


def test_every_feed_parses_without_bozo_and_has_stable_guids(built: Store) -> None:
    client = TestClient(create_app(built, CONFIG))
    paths = _feed_paths(client)
    assert len(paths) >= 15
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".json"):
            _check_json_feed(response.content, path)
            continue
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        if path.startswith(("/feed", "/edition/world")):
            assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.id.startswith("http://news.test/story/") and entry.id.endswith("/")
            assert entry.link == entry.id
            assert entry.get("published_parsed") or entry.get("updated_parsed"), path
    # The same request twice gives the same GUIDs in the same order.
    again = feedparser.parse(client.get("/feed.rss").content)
    first = feedparser.parse(client.get("/feed.rss").content)
    assert [e.id for e in again.entries] == [e.id for e in first.entries]
    media = {"rss": "application/rss+xml", "atom": "application/atom+xml",
             "json": "application/feed+json"}
    for fmt, kind in media.items():
        assert client.get(f"/feed.{fmt}").headers["content-type"].startswith(kind)
    doc = json.loads(client.get("/feed.json").content)
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["items"]


def _check_json_feed(data: bytes, path: str) -> None:
    """JSON Feed 1.1's required fields and date format.

    feedparser 6.0.14, the newest release, does not read JSON Feed at all, so this checks
    the spec's rules directly instead.
    """
    doc = json.loads(data)
    assert doc["version"] == "https://jsonfeed.org/version/1.1", path
    assert isinstance(doc["title"], str) and doc["title"], path
    assert doc["feed_url"].startswith("http://news.test/"), path
    ids = [item["id"] for item in doc["items"]]
    assert len(ids) == len(set(ids)), path
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["url"] == item["id"]
        assert "content_text" in item or "content_html" in item
        for key in ("date_published", "date_modified"):
            datetime.fromisoformat(item[key])  # RFC 3339 with an offset
            assert item[key].endswith("+00:00"), item[key]


def _internal_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', html)


def test_static_export_has_no_broken_internal_link(built: Store, tmp_path: Path) -> None:
    out = tmp_path / "public"
    report = export_site(built, out, CONFIG)
    assert report.pages >= 20 and report.feeds >= 15
    pages = sorted(out.rglob("*.html"))
    assert (out / "index.html").exists() and (out / "static" / "style.css").exists()
    checked = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<form" not in html  # search and sign-up need the server: no form in the copy
        for link in _internal_links(html):
            if re.match(r"^[a-z]+:", link) or link.startswith("#"):
                continue  # external (http, https, mailto) or same-page
            base = "http://export.test/" + page.relative_to(out).as_posix()
            resolved = urldefrag(urljoin(base, link)).url
            assert resolved.startswith("http://export.test/"), f"{link} leaves the site"
            target_url = resolved.removeprefix("http://export.test/")
            target = out / target_url
            if target_url.endswith("/") or target_url == "":
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(out)} links to missing {link}"
            checked += 1
    assert checked > 200
    for feed in out.rglob("feed.rss"):
        assert not feedparser.parse(feed.read_bytes()).bozo
    # Exporting again replaces the copy wholesale and leaves no partial folder behind.
    export_site(built, out, CONFIG)
    assert not (tmp_path / "public.partial").exists()
