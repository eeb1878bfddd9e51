"""The site in a real browser (headless Debian chromium): desktop and phone, citations,
a past day's edition, and hostile source text that must not run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from broadsheet.publish.app import create_app
from broadsheet.store import Store
from broadsheet.store.schema import ArticleRow, StoryRow
from tests.support.browser import chromium, chromium_paths, screenshot, serve_app
from tests.support.http_server import LoopbackServer, Response
from tests.support.site import build_site_store

pytestmark = pytest.mark.browser


@pytest.fixture
def site(store: Store, http_server: LoopbackServer) -> Iterator[tuple[str, Store]]:
    chromium_paths()  # skip early, before building anything, when there is no browser
    build_site_store(store, source_base=http_server.base_url)
    with store.session() as session:
        for article in session.scalars(select(ArticleRow)):
            path = article.url.removeprefix(http_server.base_url)
            http_server.route(path, Response(
                f"<!doctype html><title>Source {article.id}</title><h1>Source page</h1>",
                content_type="text/html; charset=utf-8",
            ))
    with serve_app(create_app(store)) as url:
        yield url, store


def _no_horizontal_scroll(driver) -> bool:  # type: ignore[no-untyped-def]
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def test_front_story_citation_and_past_edition(
    site: tuple[str, Store], http_server: LoopbackServer
) -> None:
    from selenium.webdriver.common.by import By

    url, _store = site
    with chromium(1280, 900) as driver:
        driver.get(url + "/")
        assert "Broadsheet" in driver.title
        cards = driver.find_elements(By.CSS_SELECTOR, ".card h3 a")
        assert len(cards) >= 3
        screenshot(driver, "front-desktop")
        headline = cards[0].text
        cards[0].click()
        assert driver.find_element(By.TAG_NAME, "h1").text == headline
        assert driver.find_element(By.ID, "h-sources").is_displayed()
        screenshot(driver, "story-desktop")

        citation = driver.find_element(By.CSS_SELECTOR, "sup.cite a")
        target = citation.get_attribute("href")
        assert target.startswith(http_server.base_url)
        citation.click()
        assert driver.current_url == target
        assert driver.title.startswith("Source ")

        driver.get(url + "/archive/")
        day_link = driver.find_element(By.CSS_SELECTOR, ".days a")
        day_link.click()
        assert "/day/" in driver.current_url
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("The edition of")
        assert driver.find_elements(By.CSS_SELECTOR, ".card")
        screenshot(driver, "past-edition-desktop")


def test_phone_width_fits_without_sideways_scrolling(site: tuple[str, Store]) -> None:
    from selenium.webdriver.common.by import By

    url, store = site
    with store.session() as session:
        story_id = session.scalar(select(StoryRow.id).order_by(StoryRow.importance.desc()))
    with chromium(390, 844) as driver:
        driver.get(url + "/")
        assert _no_horizontal_scroll(driver)
        screenshot(driver, "front-phone")
        driver.get(f"{url}/story/{story_id}/")
        assert _no_horizontal_scroll(driver)
        assert driver.find_element(By.TAG_NAME, "h1").is_displayed()
        screenshot(driver, "story-phone")


def test_hostile_payloads_never_execute(site: tuple[str, Store]) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    url, store = site
    with store.session() as session:
        hostile = session.scalar(select(StoryRow.id).where(StoryRow.headline.like("%script%")))
    assert hostile is not None
    with chromium(1280, 900) as driver:
        for path in (f"/story/{hostile}/", "/", "/search/?q=harbour"):
            driver.get(url + path)
            assert driver.execute_script("return window.__xss === undefined"), path
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert.text  # noqa: B018 - raises when no alert is open
            assert not driver.find_elements(By.CSS_SELECTOR, "main script, main img[onerror]")
            assert not driver.find_elements(By.CSS_SELECTOR, 'a[href^="javascript:"]')
        screenshot(driver, "hostile-story")
