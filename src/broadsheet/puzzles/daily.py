"""Each day's puzzles, made once and kept in the store.

The sudoku set (easy to expert) depends only on the date. The crossword and the mini are
built from the week's stories, which keep arriving, so a day's grids are stored when first
made and never remade: the same date always shows the same puzzle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadsheet.puzzles.sudoku import daily_set
from broadsheet.store import Store
from broadsheet.store.schema import PuzzleRow
from broadsheet.stories.top import edition_time

KINDS = ("sudoku", "crossword", "mini")


class PuzzleUnavailable(Exception):
    """This puzzle cannot be made for that day (e.g. no stories that week)."""


def puzzle_day(session: Session) -> date:
    """Today's puzzle date: the current edition's day (the newest stories), else today."""
    newest = edition_time(session)
    return newest.date() if newest else datetime.now(UTC).date()


def _make_sudoku(session: Session, day: date) -> dict[str, Any]:
    return {level: puzzle.to_dict() for level, puzzle in daily_set(day).items()}


def _make_grid(kind: str) -> Callable[[Session, date], dict[str, Any]]:
    def make(session: Session, day: date) -> dict[str, Any]:
        try:
            from broadsheet.puzzles import crossword
        except ImportError as exc:  # pragma: no cover - the module ships with the package
            raise PuzzleUnavailable(f"crosswords are not available: {exc}") from exc
        maker = crossword.make_crossword if kind == "crossword" else crossword.make_mini
        failure = getattr(crossword, "CrosswordError", ValueError)
        try:
            return maker(session, day).to_json()
        except (ValueError, failure) as exc:
            raise PuzzleUnavailable(str(exc)) from exc

    return make


MAKERS: dict[str, Callable[[Session, date], dict[str, Any]]] = {
    "sudoku": _make_sudoku, "crossword": _make_grid("crossword"), "mini": _make_grid("mini"),
}


def stored_puzzle(session: Session, day: date, kind: str) -> dict[str, Any] | None:
    row = session.scalar(select(PuzzleRow).where(PuzzleRow.day == day.isoformat(),
                                                 PuzzleRow.kind == kind))
    return row.data if row is not None else None


def get_or_make(store: Store, day: date, kind: str) -> dict[str, Any]:
    """The day's puzzle of this kind, made and stored the first time it is asked for."""
    if kind not in MAKERS:
        raise ValueError(f"unknown puzzle {kind!r}: use {', '.join(KINDS)}")
    with store.session() as session:
        found = stored_puzzle(session, day, kind)
        if found is not None:
            return found
        data = MAKERS[kind](session, day)
    try:
        with store.session() as session:
            session.add(PuzzleRow(day=day.isoformat(), kind=kind, data=data))
    except IntegrityError:  # made concurrently elsewhere: theirs is the day's puzzle
        with store.session() as session:
            return stored_puzzle(session, day, kind) or data
    return data


def make_day(store: Store, day: date, kinds: tuple[str, ...] = KINDS) -> dict[str, str]:
    """Make (or find) each kind for ``day``; kind -> "made", "kept" or the reason it failed."""
    out: dict[str, str] = {}
    for kind in kinds:
        with store.session() as session:
            existed = stored_puzzle(session, day, kind) is not None
        try:
            get_or_make(store, day, kind)
            out[kind] = "kept" if existed else "made"
        except PuzzleUnavailable as exc:
            out[kind] = f"not made: {exc}"
    return out
