"""Sudoku generator benchmark: speed, clues, techniques and checks per difficulty.

``benchmark_sudoku(n, seed)`` generates ``n`` puzzles of each difficulty with
``generate(difficulty, f"{seed}:{i}")``, timing each call, and ``n`` daily-style sets with
``generate_set(f"{seed}:{i}")`` (one search, one puzzle of each difficulty). Every puzzle is
re-checked after timing: the solver counts its solutions (must be 1) and the grader re-grades
it (must be the difficulty asked for). ``render_sudoku_markdown`` turns the report into the
tables for docs/benchmarks.md.

Times are wall-clock seconds (what a caller waits) and process CPU seconds (less disturbed
by other load on a shared machine).
"""

from __future__ import annotations

import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from broadsheet.eval.timing import timing_summary
from broadsheet.puzzles.sudoku import (
    DIFFICULTIES,
    TECHNIQUES,
    Sudoku,
    count_solutions,
    generate,
    generate_set,
    grade,
)


def _timed(make: Callable[[], Any]) -> tuple[Any, float, float]:
    wall = time.perf_counter()
    cpu = time.process_time()
    out = make()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _summary(puzzles: list[Sudoku], difficulty: str) -> dict[str, Any]:
    """Clues, techniques and the two re-checks for puzzles of one difficulty."""
    used: Counter[str] = Counter()
    hardest: Counter[str] = Counter()
    for p in puzzles:
        used.update(p.techniques.keys())
        hardest[p.hardest or "none"] += 1
    order = [name for name, _ in TECHNIQUES]
    clues = [p.clues for p in puzzles]
    return {
        "count": len(puzzles),
        "mean_clues": statistics.fmean(clues) if clues else 0.0,
        "min_clues": min(clues, default=0),
        "max_clues": max(clues, default=0),
        "mean_attempts": statistics.fmean(p.attempts for p in puzzles) if puzzles else 0.0,
        # puzzles whose solve used each technique (a puzzle counts once per technique)
        "techniques": {name: used[name] for name in order if used[name]},
        "hardest": dict(hardest.most_common()),
        "unique": sum(count_solutions(p.puzzle) == 1 for p in puzzles),
        "graded_as_asked": sum(grade(p.puzzle).difficulty == difficulty for p in puzzles),
    }


def benchmark_sudoku(count_per_difficulty: int = 200, seed: str = "bench") -> dict[str, Any]:
    """Generate and time ``count_per_difficulty`` puzzles per difficulty, and as many sets."""
    if count_per_difficulty < 1:
        raise ValueError("count_per_difficulty must be at least 1")
    started = time.perf_counter()
    rows: dict[str, dict[str, Any]] = {}
    for difficulty in DIFFICULTIES:
        puzzles: list[Sudoku] = []
        wall: list[float] = []
        cpu: list[float] = []
        for i in range(count_per_difficulty):
            puzzle, w, c = _timed(lambda d=difficulty, i=i: generate(d, f"{seed}:{i}"))
            puzzles.append(puzzle)
            wall.append(w)
            cpu.append(c)
        rows[difficulty] = {**timing_summary(wall, cpu), **_summary(puzzles, difficulty)}

    set_wall: list[float] = []
    set_cpu: list[float] = []
    by_difficulty: dict[str, list[Sudoku]] = {d: [] for d in DIFFICULTIES}
    for i in range(count_per_difficulty):
        found, w, c = _timed(lambda i=i: generate_set(f"{seed}:{i}"))
        set_wall.append(w)
        set_cpu.append(c)
        for difficulty, puzzle in found.items():
            by_difficulty[difficulty].append(puzzle)
    sets = {
        "count": count_per_difficulty,
        **timing_summary(set_wall, set_cpu),
        "per_difficulty": {d: _summary(ps, d) for d, ps in by_difficulty.items()},
    }
    return {
        "seed": seed,
        "count_per_difficulty": count_per_difficulty,
        "difficulties": rows,
        "sets": sets,
        "seconds": time.perf_counter() - started,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def render_sudoku_markdown(report: dict[str, Any]) -> str:
    """The report as markdown: timing and checks per difficulty, then technique counts."""
    n = report["count_per_difficulty"]
    lines = [
        f"{n} puzzles per difficulty, seeds `{report['seed']}:0` .. `{report['seed']}:{n - 1}` "
        f"(Python {report['python']}, {report['seconds']:.0f} s in all).",
        "",
        "| generator | difficulty | puzzles | median s | p90 s | max s | median CPU s "
        "| mean clues | clues min-max | mean grids | unique | graded as asked |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(generator: str, difficulty: str, timing: dict[str, Any], s: dict[str, Any]) -> str:
        return (
            f"| {generator} | {difficulty} | {s['count']} | {timing['median_s']:.3f} "
            f"| {timing['p90_s']:.3f} | {timing['max_s']:.3f} | {timing['median_cpu_s']:.3f} "
            f"| {s['mean_clues']:.1f} | {s['min_clues']}-{s['max_clues']} "
            f"| {s['mean_attempts']:.1f} | {s['unique']} | {s['graded_as_asked']} |"
        )

    for difficulty, stats in report["difficulties"].items():
        lines.append(row("`generate`", difficulty, stats, stats))
    sets = report["sets"]
    for difficulty, stats in sets["per_difficulty"].items():
        lines.append(row("`generate_set`", difficulty, sets, stats))
    lines += [
        "",
        "`generate_set` times are per set of four puzzles. \"mean grids\" is the number of "
        "solved grids dug before the grade turned up.",
        "",
        "Puzzles whose solve used each technique (`generate`):",
        "",
        "| technique | " + " | ".join(report["difficulties"]) + " |",
        "|---|" + "---:|" * len(report["difficulties"]),
    ]
    for name, _tier in TECHNIQUES:
        counts = [s["techniques"].get(name, 0) for s in report["difficulties"].values()]
        if any(counts):
            lines.append(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")
    lines += [
        "",
        "Hardest technique needed (`generate`):",
        "",
        "| technique | " + " | ".join(report["difficulties"]) + " |",
        "|---|" + "---:|" * len(report["difficulties"]),
    ]
    names = [name for name, _ in TECHNIQUES] + ["none"]
    for name in names:
        counts = [s["hardest"].get(name, 0) for s in report["difficulties"].values()]
        if any(counts):
            lines.append(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")
    return "\n".join(lines) + "\n"
