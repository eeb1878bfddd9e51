"""Solving the day's sudoku by typing in headless chromium, and the puzzle pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from broadsheet.publish.app import create_app
from broadsheet.puzzles.daily import get_or_make, puzzle_day
from broadsheet.store import Store
from tests.support.browser import chromium, chromium_paths, screenshot, serve_app
from tests.support.site import build_site_store


@pytest.fixture
def built(store: Store) -> Store:
    build_site_store(store, events=4, hostile=False)
    return store


def test_puzzle_pages_and_api(built: Store) -> None:
    client = TestClient(create_app(built))
    with built.session() as s:
        day = puzzle_day(s)
    index = client.get("/puzzles/").text
    assert f"/puzzles/{day.isoformat()}/sudoku/hard/" in index
    page = client.get(f"/puzzles/{day.isoformat()}/sudoku/hard/")
    assert page.status_code == 200 and 'data-kind="sudoku"' in page.text
    assert '<script src="/static/puzzles.js" defer></script>' in page.text
    assert "Yesterday's solution" in page.text
    assert client.get(f"/puzzles/{day.isoformat()}/sudoku/").status_code == 200  # -> hard
    assert client.get(f"/puzzles/{day.isoformat()}/sudoku/impossible/").status_code == 404
    assert client.get("/puzzles/2999-01-01/").status_code == 404  # not out yet
    today = client.get(f"/api/v1/puzzles/{day.isoformat()}").json()
    assert today["solutions"] is False and "solution" not in today["sudoku"]["hard"]
    yesterday = (day.toordinal() - 1)
    from datetime import date

    past = client.get(f"/api/v1/puzzles/{date.fromordinal(yesterday).isoformat()}").json()
    assert past["solutions"] is True and len(past["sudoku"]["hard"]["solution"]) == 81
    # The same date always gives the same puzzle.
    assert get_or_make(built, day, "sudoku") == get_or_make(built, day, "sudoku")


@pytest.fixture
def served(built: Store) -> Iterator[str]:
    chromium_paths()
    with serve_app(create_app(built)) as url:
        yield url


@pytest.mark.browser
def test_solve_the_sudoku_by_typing(served: str, built: Store) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def solved(d) -> bool:  # type: ignore[no-untyped-def]
        return "is-solved" in d.find_element(By.CSS_SELECTOR, ".puzzle").get_attribute("class")

    with built.session() as s:
        day = puzzle_day(s)
    solution = get_or_make(built, day, "sudoku")["hard"]["solution"]
    with chromium(1000, 1100) as driver:
        driver.get(f"{served}/puzzles/{day.isoformat()}/sudoku/hard/")
        cells = driver.find_elements(By.CSS_SELECTOR, "input.cell")
        assert 20 < len(cells) < 81
        first = cells[0]
        first.send_keys("0")  # not a digit 1-9: refused
        assert first.get_attribute("value") == ""
        for cell in cells:
            cell.send_keys(solution[int(cell.get_attribute("data-index"))])
        WebDriverWait(driver, 5).until(solved)
        status = driver.find_element(By.CSS_SELECTOR, ".puzzle-status").text
        assert status.startswith("Solved")
        screenshot(driver, "sudoku-solved")
        # Progress is kept in the browser: a reload shows the solved grid again.
        driver.refresh()
        WebDriverWait(driver, 5).until(solved)
        # Check marks a wrong digit; Clear empties the grid.
        cell = driver.find_elements(By.CSS_SELECTOR, "input.cell")[0]
        right = solution[int(cell.get_attribute("data-index"))]
        cell.send_keys(Keys.BACKSPACE, str(int(right) % 9 + 1))
        driver.find_element(By.CSS_SELECTOR, "[data-action=check]").click()
        assert "wrong" in cell.get_attribute("class")
        assert driver.find_element(By.CSS_SELECTOR, ".puzzle-status").text.startswith("1 wrong")
