"""Sudoku: solver, grader, generator, daily puzzle, and the 1,000-per-difficulty acceptance run.

Uniqueness is always confirmed by ``tests.support.sudoku_dlx``, a dancing-links solver that
shares no code with the package.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadsheet.eval.sudoku import benchmark_sudoku, render_sudoku_markdown
from broadsheet.puzzles import sudoku as S
from broadsheet.puzzles.sudoku import (
    DIFFICULTIES,
    TECHNIQUE_TIER,
    TIER,
    count_solutions,
    daily_set,
    daily_sudoku,
    format_grid,
    generate,
    generate_set,
    grade,
    parse_grid,
    solve,
)
from tests.support import sudoku_dlx

SINGLES = {"naked_single", "hidden_single"}

# A puzzle this generator made once, kept as a literal; both solvers check it below.
CLASSIC = (
    "...2.96.8....1..5.43....9.16...7...3...9.3...1...2...95.4....87.7..8....8.24.7..."
)
CLASSIC_SOLUTION = (
    "715249638926318754438765921659871243247953816183624579564192387371586492892437165"
)


def _valid_grid(grid: str) -> bool:
    """Written here rather than imported, so the check does not trust the package."""
    if len(grid) != 81 or set(grid) - set("123456789"):
        return False
    rows = [grid[r * 9 : r * 9 + 9] for r in range(9)]
    cols = ["".join(grid[r * 9 + c] for r in range(9)) for c in range(9)]
    boxes = [
        "".join(grid[(br * 3 + i) * 9 + bc * 3 + j] for i in range(3) for j in range(3))
        for br in range(3)
        for bc in range(3)
    ]
    return all(len(set(unit)) == 9 for unit in rows + cols + boxes)


# ---------------------------------------------------------------------------------------------
# Acceptance: 1,000 generated puzzles per difficulty.

ACCEPTANCE_SETS = 1000  # generate_set gives one puzzle of each difficulty per call


def _generate_and_check(i: int) -> list[dict[str, Any]]:
    """Generate set i and run the independent checks on it (in a worker process)."""
    out = []
    for difficulty, p in generate_set(f"acceptance:{i}").items():
        tier = TIER[difficulty]
        regrade = grade(p.puzzle)
        out.append(
            {
                **p.to_dict(),
                "dlx": sudoku_dlx.solutions(p.puzzle, limit=2),
                "regrade": regrade.difficulty,
                "regrade_hardest": regrade.hardest,
                # The techniques of the tiers below must stall: the grade is really needed.
                # (Implied by the easiest-first grader; checked on every tenth set for speed.)
                "lower_stalls": tier == 1
                or i % 10 != 0
                or not grade(p.puzzle, max_tier=tier - 1).solved,
            }
        )
    return out


@pytest.fixture(scope="module")
def acceptance() -> list[dict[str, Any]]:
    # Two processes where there are two cores: the work is pure Python and independent.
    workers = min(2, os.cpu_count() or 1)
    if workers == 1:
        chunks = [_generate_and_check(i) for i in range(ACCEPTANCE_SETS)]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            chunks = list(pool.map(_generate_and_check, range(ACCEPTANCE_SETS), chunksize=20))
    return [p for chunk in chunks for p in chunk]


@pytest.mark.slow
def test_acceptance_counts_and_distinct(acceptance: list[dict[str, Any]]) -> None:
    per = Counter(p["difficulty"] for p in acceptance)
    assert per == {d: ACCEPTANCE_SETS for d in DIFFICULTIES}
    assert len({p["puzzle"] for p in acceptance}) == len(acceptance)


@pytest.mark.slow
def test_acceptance_every_puzzle_unique_by_independent_solver(
    acceptance: list[dict[str, Any]],
) -> None:
    bad = [p["key"] for p in acceptance if p["dlx"] != [p["solution"]]]
    assert not bad, f"{len(bad)} puzzles without exactly one solution, e.g. {bad[:3]}"


@pytest.mark.slow
def test_acceptance_solutions_valid_and_consistent(acceptance: list[dict[str, Any]]) -> None:
    for p in acceptance:
        assert _valid_grid(p["solution"]), p["key"]
        assert len(p["puzzle"]) == 81
        givens = [(a, b) for a, b in zip(p["puzzle"], p["solution"], strict=True) if a != "."]
        assert all(a == b for a, b in givens), p["key"]
        assert len(givens) == p["clues"]


@pytest.mark.slow
def test_acceptance_grades_hold(acceptance: list[dict[str, Any]]) -> None:
    for p in acceptance:
        difficulty, tier, used = p["difficulty"], TIER[p["difficulty"]], set(p["techniques"])
        assert p["regrade"] == difficulty, p["key"]
        assert p["regrade_hardest"] == p["hardest"], p["key"]
        assert p["lower_stalls"], p["key"]
        top = max((TECHNIQUE_TIER[t] for t in used), default=1)
        assert top == tier, p["key"]
        if p["hardest"] is not None:
            assert TECHNIQUE_TIER[p["hardest"]] == tier, p["key"]
        if difficulty == "easy":
            assert used <= SINGLES, p["key"]
            assert p["clues"] >= S.EASY_MIN_CLUES, p["key"]
        else:
            assert used - SINGLES, p["key"]  # at least one technique beyond singles


# ---------------------------------------------------------------------------------------------
# The generator, smaller runs.


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_generate_gives_that_difficulty(difficulty: str) -> None:
    for i in range(4):
        p = generate(difficulty, f"unit:{i}")
        assert p.difficulty == difficulty
        assert grade(p.puzzle).difficulty == difficulty
        assert sudoku_dlx.solutions(p.puzzle) == [p.solution]
        assert p.key == f"sudoku:unit:{i}:{difficulty}"
        assert p.clues == 81 - p.puzzle.count(".")
        if difficulty != "easy":
            assert not grade(p.puzzle, max_tier=TIER[difficulty] - 1).solved


def test_puzzles_are_symmetric() -> None:
    # Clues are removed in pairs mirrored through the centre.
    for p in generate_set("symmetry").values():
        assert all((p.puzzle[i] == ".") == (p.puzzle[80 - i] == ".") for i in range(81))


def test_same_seed_same_puzzle_and_seeds_differ() -> None:
    assert generate("hard", "x") == generate("hard", "x")
    assert generate("hard", "x").puzzle != generate("hard", "y").puzzle
    assert generate_set("x") == generate_set("x")


def test_daily_puzzle_is_fixed_by_the_date() -> None:
    day = dt.date(2026, 11, 28)
    first = daily_sudoku(day, "hard")
    assert daily_sudoku("2026-11-28", "hard") == first
    assert daily_sudoku(dt.datetime(2026, 11, 28, 23, 59), "hard") == first
    assert first.key == "sudoku:2026-11-28:all"
    assert first.seed == "2026-11-28"
    assert daily_set(day)["hard"] == first
    others = {daily_sudoku(day + dt.timedelta(days=k), "hard").puzzle for k in range(1, 4)}
    assert first.puzzle not in others and len(others) == 3
    puzzles = daily_set(day)
    assert [p.difficulty for p in puzzles.values()] == list(DIFFICULTIES)
    assert len({p.puzzle for p in puzzles.values()}) == 4


def test_daily_puzzle_does_not_depend_on_python_hash_seed() -> None:
    # SplitMix64 seeded by SHA-256: a fresh interpreter with another hash seed agrees.
    import subprocess
    import sys

    code = (
        "from broadsheet.puzzles.sudoku import daily_sudoku;"
        "print(daily_sudoku('2026-01-01', 'medium').puzzle)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == daily_sudoku("2026-01-01", "medium").puzzle


def test_to_json_round_trips() -> None:
    p = generate("medium", "json")
    data = json.loads(p.to_json())
    assert data["puzzle"] == p.puzzle and data["difficulty"] == "medium"
    assert S.Sudoku(**data) == p
    assert format_grid(p.puzzle).count("\n") == 10


# ---------------------------------------------------------------------------------------------
# Solver and grader on known puzzles, and bad input.


def test_solver_on_a_known_puzzle() -> None:
    assert solve(CLASSIC) == CLASSIC_SOLUTION
    assert count_solutions(CLASSIC) == 1
    assert sudoku_dlx.solutions(CLASSIC) == [CLASSIC_SOLUTION]
    assert grade(CLASSIC).solved and grade(CLASSIC).grid == CLASSIC_SOLUTION


def test_solver_counts_up_to_the_limit() -> None:
    assert count_solutions("." * 81) == 2
    assert count_solutions("." * 81, limit=5) == 5
    assert sudoku_dlx.count_solutions("." * 81) == 2
    # Blanking more and more of a proper puzzle: both solvers agree on 1 or "2 or more".
    grid = list(CLASSIC)
    for i in [i for i, ch in enumerate(CLASSIC) if ch != "."][:12]:
        grid[i] = "."
        text = "".join(grid)
        assert count_solutions(text) == sudoku_dlx.count_solutions(text)
    assert count_solutions("".join(grid)) == 2


def test_no_solution_without_a_visible_clash() -> None:
    # Row 0 needs a 9 in its last cell, but column 8 already has one lower down.
    puzzle = "12345678." + "........9" + "." * 63
    assert count_solutions(puzzle) == 0
    assert sudoku_dlx.count_solutions(puzzle) == 0
    assert solve(puzzle) is None
    assert not grade(puzzle).solved


def test_full_grid_grades_easy_with_no_technique() -> None:
    g = grade(CLASSIC_SOLUTION)
    assert g.solved and g.difficulty == "easy" and g.hardest is None and g.techniques == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1" * 80, "81 cells, got 80"),
        ("." * 82, "81 cells, got 82"),
        ("x" + "." * 80, "invalid character 'x' at cell 1"),
        ("." * 40 + "-" + "." * 40, "row 5, column 5"),
        ("55" + "." * 79, "row 1 has two 5s"),
        ("5" + "." * 8 + "5" + "." * 71, "column 1 has two 5s"),
        ("5" + "." * 9 + "5" + "." * 70, "box 1 has two 5s"),
    ],
)
def test_bad_input_raises_value_error(text: str, message: str) -> None:
    for func in (parse_grid, count_solutions, solve, grade):
        with pytest.raises(ValueError, match=message):
            func(text)


def test_grid_may_use_zeros_and_whitespace() -> None:
    nine_lines = "\n".join(CLASSIC[r * 9 : r * 9 + 9].replace(".", "0") for r in range(9))
    assert parse_grid(nine_lines) == parse_grid(CLASSIC)
    assert parse_grid([0] * 81) == [0] * 81
    with pytest.raises(ValueError, match="invalid value"):
        parse_grid([10] + [0] * 80)


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="unknown difficulty 'fiendish'"):
        generate("fiendish")
    with pytest.raises(ValueError, match="unknown difficulty"):
        daily_sudoku("2026-11-28", "fiendish")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        daily_sudoku("28/11/2026", "easy")
    with pytest.raises(ValueError, match="max_tier"):
        grade(CLASSIC, max_tier=0)
    with pytest.raises(ValueError, match="limit"):
        count_solutions(CLASSIC, limit=0)


# ---------------------------------------------------------------------------------------------
# Techniques on small hand-built candidate positions. Every cell starts with all nine
# candidates; a position restricts a few, so only the pattern under test is present.

ALL = 0x1FF


def _cell(r: int, c: int) -> int:
    return r * 9 + c


def _position(**digits_at: list[tuple[int, int]]) -> list[int]:
    """Candidates with digit d (keyword ``d<digit>``) allowed only in the given cells."""
    cand = [ALL] * 81
    for key, cells in digits_at.items():
        bit = 1 << (int(key[1:]) - 1)
        allowed = {_cell(r, c) for r, c in cells}
        for i in range(81):
            if i not in allowed:
                cand[i] &= ~bit
    return cand


def _apply(name: str, cand: list[int]) -> tuple[bool, list[int]]:
    after = cand[:]
    changed = S._STEP_FUNCTIONS[name](after, [0] * 81, [])
    return changed, after


def _removed(before: list[int], after: list[int]) -> set[tuple[int, int, int]]:
    """(row, column, digit) of every candidate that went."""
    return {
        (i // 9, i % 9, d + 1)
        for i in range(81)
        for d in range(9)
        if before[i] >> d & 1 and not after[i] >> d & 1
    }


def _easier_than(name: str) -> list[str]:
    order = [n for n, _ in S.TECHNIQUES[2:]]
    return order[: order.index(name)]


def test_pointing_pair() -> None:
    # In box 1 the 5s lie in row 1 only, so no other cell of row 1 can be 5.
    rest = [(r, c) for r in range(9) for c in range(9) if r >= 3 or c >= 3]
    cand = _position(d5=[(0, 0), (0, 1), *rest])
    changed, after = _apply("pointing", cand)
    assert changed
    assert _removed(cand, after) == {(0, c, 5) for c in range(3, 9)}


def test_box_line_reduction() -> None:
    # In row 5 the 7s lie in box 4 only, so no other cell of box 4 can be 7.
    cells = [(r, c) for r in range(9) for c in range(9) if r != 4] + [(4, 0), (4, 1)]
    cand = _position(d7=cells)
    assert not _apply("pointing", cand)[0]
    changed, after = _apply("box_line", cand)
    assert changed
    assert _removed(cand, after) == {(r, c, 7) for r in (3, 5) for c in range(3)}


def test_naked_pair() -> None:
    cand = [ALL] * 81
    cand[_cell(0, 0)] = cand[_cell(0, 4)] = 1 << 1 | 1 << 5  # {2, 6}
    changed, after = _apply("naked_pair", cand)
    assert changed
    assert _removed(cand, after) == {
        (0, c, d) for c in range(9) if c not in (0, 4) for d in (2, 6)
    }


def test_hidden_pair() -> None:
    # In column 4 the digits 4 and 8 fit only rows 2 and 7: those cells hold nothing else.
    keep = [(r, c) for r in range(9) for c in range(9) if c != 3] + [(1, 3), (6, 3)]
    cand = _position(d4=keep, d8=keep)
    changed, after = _apply("hidden_pair", cand)
    assert changed
    assert after[_cell(1, 3)] == after[_cell(6, 3)] == 1 << 3 | 1 << 7


def test_x_wing_is_the_only_move() -> None:
    # The 3s of rows 2 and 8 lie in columns 3 and 7 only: those columns lose 3 elsewhere.
    cells = [(r, c) for r in range(9) if r not in (1, 7) for c in range(9)]
    cells += [(1, 2), (1, 6), (7, 2), (7, 6)]
    cand = _position(d3=cells)
    queue: list[int] = []
    assert not S._singles_step(cand[:], [0] * 81, queue, None)
    for easier in _easier_than("x_wing"):
        assert not _apply(easier, cand)[0], easier
    changed, after = _apply("x_wing", cand)
    assert changed
    assert _removed(cand, after) == {
        (r, c, 3) for r in range(9) if r not in (1, 7) for c in (2, 6)
    }


def test_swordfish() -> None:
    cells = [(r, c) for r in range(9) if r not in (0, 3, 6) for c in range(9)]
    cells += [(0, 1), (0, 4), (3, 4), (3, 7), (6, 1), (6, 7)]
    cand = _position(d9=cells)
    assert not _apply("x_wing", cand)[0]
    changed, after = _apply("swordfish", cand)
    assert changed
    assert _removed(cand, after) == {
        (r, c, 9) for r in range(9) if r not in (0, 3, 6) for c in (1, 4, 7)
    }


def test_xy_wing() -> None:
    cand = [ALL] * 81
    cand[_cell(4, 4)] = 0b011  # pivot {1, 2}
    cand[_cell(4, 0)] = 0b101  # pincer {1, 3}, same row
    cand[_cell(0, 4)] = 0b110  # pincer {2, 3}, same column
    changed, after = _apply("xy_wing", cand)
    assert changed
    # Only (1, 1) sees both pincers (besides the pivot, which has no 3).
    assert _removed(cand, after) == {(0, 0, 3)}


def test_no_technique_removes_a_solution_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Soundness on real positions: wrap every technique and check the known solution survives.
    solution: list[int] = []

    def checked(name: str, step: Any) -> Any:
        def run(cand: list[int], vals: list[int], queue: list[int]) -> bool:
            changed = step(cand, vals, queue)
            for i in range(81):
                if not vals[i]:
                    assert cand[i] >> (solution[i] - 1) & 1, f"{name} removed the answer"
            return changed

        return run

    puzzles = [p for i in range(12) for p in generate_set(f"sound:{i}").values()]
    steps = tuple((n, tier, checked(S.TECHNIQUES[n][0], f)) for n, tier, f in S._STEPS)
    monkeypatch.setattr(S, "_STEPS", steps)
    used: Counter[str] = Counter()
    for p in puzzles:
        solution[:] = [int(ch) for ch in p.solution]
        g = grade(p.puzzle)
        assert g.solved and g.grid == p.solution
        used.update(g.techniques)
    assert used["aic"] + used["xy_chain"] + used["x_chain"] > 0  # the chains were exercised


# ---------------------------------------------------------------------------------------------
# Property: relabelling digits (and other symmetries of the grid) keeps uniqueness and grade.


@cache
def _base_puzzles() -> tuple[S.Sudoku, ...]:
    return tuple(p for i in range(2) for p in generate_set(f"property:{i}").values())


def _transform(grid: str, digits: list[int], transpose: bool, bands: list[int]) -> str:
    """Relabel digits, optionally transpose, and permute the bands (row triples)."""
    rows = [r for band in bands for r in range(band * 3, band * 3 + 3)]
    out = []
    for r in range(9):
        for c in range(9):
            src_r, src_c = (c, rows[r]) if transpose else (rows[r], c)
            ch = grid[src_r * 9 + src_c]
            out.append(ch if ch == "." else str(digits[int(ch) - 1]))
    return "".join(out)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=7),
    digits=st.permutations(list(range(1, 10))),
    transpose=st.booleans(),
    bands=st.permutations([0, 1, 2]),
)
def test_relabelling_keeps_uniqueness_and_grade(
    index: int, digits: list[int], transpose: bool, bands: list[int]
) -> None:
    base = _base_puzzles()[index]
    puzzle = _transform(base.puzzle, digits, transpose, bands)
    solution = _transform(base.solution, digits, transpose, bands)
    assert sudoku_dlx.solutions(puzzle) == [solution]
    g = grade(puzzle)
    assert g.solved and g.grid == solution
    assert g.difficulty == base.difficulty


# ---------------------------------------------------------------------------------------------
# The benchmark runner.


def test_benchmark_report_and_markdown() -> None:
    report = benchmark_sudoku(2, "bench-test")
    for difficulty in DIFFICULTIES:
        row = report["difficulties"][difficulty]
        assert row["count"] == row["unique"] == row["graded_as_asked"] == 2
        assert 0 < row["median_s"] <= row["max_s"]
        assert report["sets"]["per_difficulty"][difficulty]["unique"] == 2
    md = render_sudoku_markdown(report)
    assert "| `generate` | hard | 2 |" in md
    assert "| `generate_set` | expert | 2 |" in md
    with pytest.raises(ValueError):
        benchmark_sudoku(0)
