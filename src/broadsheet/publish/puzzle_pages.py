"""The puzzle pages: a day's index, the sudoku at each level, the crossword and the mini.

Each page shows the previous day's solution below the puzzle. Puzzles are made on first
request and kept (``puzzles/daily.py``), so pages and the static export agree.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from broadsheet.publish.site import NotFound, Site
from broadsheet.puzzles.daily import PuzzleUnavailable, get_or_make, puzzle_day, stored_puzzle
from broadsheet.puzzles.sudoku import DIFFICULTIES
from broadsheet.store import Store

TITLES = {"crossword": "The crossword", "mini": "The mini crossword"}


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NotFound(f"{value!r} is not a date (YYYY-MM-DD)") from None


def grid_numbers(puzzle: dict[str, Any]) -> dict[tuple[int, int], int]:
    return {(e["row"], e["col"]): e["number"] for e in puzzle.get("entries", [])}


def with_cells(puzzle: dict[str, Any]) -> dict[str, Any]:
    """Each entry with the grid indexes of its cells, for the player's clue highlighting."""
    size = puzzle["size"]
    out = dict(puzzle)
    entries = []
    for e in puzzle.get("entries", []):
        dr, dc = (0, 1) if e["direction"] == "across" else (1, 0)
        cells = [(e["row"] + dr * k) * size + e["col"] + dc * k for k in range(len(e["answer"]))]
        entries.append({**e, "cells": ",".join(map(str, cells))})
    out["entries"] = entries
    return out


class PuzzlePages:
    def __init__(self, store: Store, site: Site, *, oldest: date | None = None) -> None:
        self.store = store
        self.site = site
        # The static export keeps a week of puzzles: no link to a day before ``oldest``.
        self.oldest = oldest

    def today(self, session: Session) -> date:
        return puzzle_day(session)

    def _check_day(self, session: Session, day: date) -> None:
        if day > self.today(session):
            raise NotFound("that day's puzzles are not out yet")

    def index(self, session: Session, root: str, day: date | None = None) -> str:
        day = day or self.today(session)
        self._check_day(session, day)
        previous = day - timedelta(days=1)
        if self.oldest is not None and previous < self.oldest:
            previous = None
        return self.site.render_template(session, "puzzles.html", root, day=day,
                                         levels=DIFFICULTIES, previous=previous, page="puzzles")

    def sudoku(self, session: Session, root: str, day: date, level: str) -> str:
        if level not in DIFFICULTIES:
            raise NotFound(f"no sudoku level {level!r}")
        self._check_day(session, day)
        puzzle = get_or_make(self.store, day, "sudoku")[level]
        previous_day = day - timedelta(days=1)
        previous = get_or_make(self.store, previous_day, "sudoku")[level]  # shown, not linked
        return self.site.render_template(
            session, "sudoku.html", root, day=day, level=level, levels=DIFFICULTIES,
            puzzle=puzzle, previous=previous, previous_day=previous_day, page="puzzles")

    def grid(self, session: Session, root: str, day: date, kind: str) -> str:
        if kind not in TITLES:
            raise NotFound(f"no puzzle {kind!r}")
        self._check_day(session, day)
        try:
            puzzle = with_cells(get_or_make(self.store, day, kind))
            unavailable = ""
        except PuzzleUnavailable as exc:
            puzzle, unavailable = None, f"No {TITLES[kind].lower()} for this day: {exc}."
        previous_day = day - timedelta(days=1)
        previous = stored_puzzle(session, previous_day, kind)
        solution = "".join(puzzle["grid"]) if puzzle else ""
        return self.site.render_template(
            session, "crossword.html", root, day=day, kind=kind, title=TITLES[kind],
            puzzle=puzzle, numbers=grid_numbers(puzzle) if puzzle else {}, solution=solution,
            unavailable=unavailable, previous=previous, previous_day=previous_day,
            page="puzzles")

    def api(self, session: Session, day: date) -> dict[str, Any]:
        """The day's puzzles; solutions only for days before today's."""
        self._check_day(session, day)
        show = day < self.today(session)
        out: dict[str, Any] = {"date": day.isoformat(), "solutions": show}
        sudoku = get_or_make(self.store, day, "sudoku")
        out["sudoku"] = {level: {k: v for k, v in p.items() if show or k != "solution"}
                         for level, p in sudoku.items()}
        for kind in TITLES:
            try:
                grid = get_or_make(self.store, day, kind)
            except PuzzleUnavailable as exc:
                out[kind] = {"unavailable": str(exc)}
                continue
            if not show:
                size = grid["size"]
                grid = {**grid, "grid": ["".join("#" if ch == "#" else "." for ch in row)
                                         for row in grid["grid"]][:size],
                        "entries": [{k: v for k, v in e.items() if k != "answer"}
                                    | {"length": len(e["answer"])} for e in grid["entries"]]}
            out[kind] = grid
        return out
