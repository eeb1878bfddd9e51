"""Crossword benchmark: fill success, time and content per grid over a run of days.

``benchmark_crosswords(store_or_session, days, sizes=(11, 5))`` builds each day's
vocabulary once (timed apart: it is shared by every grid of the day), then each grid size
for that day, timing each call in wall-clock and process CPU seconds (CPU time is less
disturbed by other load on a shared machine). Every puzzle made is re-checked with
``check_crossword`` and its clue sources are looked up in the store (the sentence must be in
the stored article or briefing and contain the answer). ``render_crossword_markdown`` turns
the report into tables for docs/benchmarks.md.
"""

from __future__ import annotations

import platform
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from broadsheet.eval.timing import timing_summary
from broadsheet.puzzles.crossword import (
    Crossword,
    CrosswordError,
    check_crossword,
    daily_vocabulary,
    make_crossword,
    make_mini,
)
from broadsheet.puzzles.words import briefing_sentences
from broadsheet.store import Store
from broadsheet.store.schema import ArticleRow, BriefingRow

__all__ = ["benchmark_crosswords", "render_crossword_markdown", "source_problems"]


def source_problems(cw: Crossword, session: Session) -> list[str]:
    """Clues whose source sentence is not in the stored article or briefing it names, or
    does not contain the answer."""
    problems = []
    for e in cw.entries:
        source = e.source
        sentence = source.get("sentence", "")
        where = f"{e.number} {e.direction} {e.answer}"
        if source.get("kind") == "article":
            row = session.get(ArticleRow, source.get("article_id"))
            if row is None or sentence not in (row.text or ""):
                problems.append(f"{where}: sentence not in article {source.get('article_id')}")
        elif source.get("kind") == "briefing":
            brow = session.get(BriefingRow, source.get("story_id"))
            if brow is None or sentence not in briefing_sentences(brow.record or {}):
                problems.append(f"{where}: sentence not in briefing {source.get('story_id')}")
        else:
            continue  # a definition: nothing stored to trace
        letters = re.sub(r"[^A-Z]", "", sentence.upper())
        if e.answer not in letters:
            problems.append(f"{where}: sentence lacks the answer")
    return problems


def _session_of(store_or_session: Store | Session) -> AbstractContextManager[Session]:
    if isinstance(store_or_session, Store):
        return store_or_session.session()
    return nullcontext(store_or_session)


def benchmark_crosswords(
    store_or_session: Store | Session, days: Iterable[date | str], *,
    sizes: Sequence[int] = (11, 5),
) -> dict[str, Any]:
    """Make the crosswords of ``days`` in each of ``sizes`` (11, 13: daily; 5: mini)."""
    day_list = [date.fromisoformat(d) if isinstance(d, str) else d for d in days]
    started = time.perf_counter()
    vocab_wall: list[float] = []
    vocab_cpu: list[float] = []
    rows: dict[int, dict[str, Any]] = {
        size: {"wall": [], "cpu": [], "filled": 0, "failed": [], "problems": [],
               "attempts": [], "placements": [], "blocks": [], "entries": [],
               "theme_entries": [], "week_entries": [], "windows": {}}
        for size in sizes
    }
    with _session_of(store_or_session) as session:
        for day in day_list:
            wall, cpu = time.perf_counter(), time.process_time()
            vocab = daily_vocabulary(session, day)
            vocab_wall.append(time.perf_counter() - wall)
            vocab_cpu.append(time.process_time() - cpu)
            for size in sizes:
                row = rows[size]
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    if size == 5:
                        cw = make_mini(session, day, vocabulary=vocab)
                    else:
                        cw = make_crossword(session, day, size=size, vocabulary=vocab)
                except CrosswordError as exc:
                    row["failed"].append(f"{day.isoformat()}: {exc}")
                    continue
                finally:
                    row["wall"].append(time.perf_counter() - wall)
                    row["cpu"].append(time.process_time() - cpu)
                row["filled"] += 1
                problems = check_crossword(cw) + source_problems(cw, session)
                row["problems"] += [f"{day.isoformat()}: {p}" for p in problems]
                for key in ("attempts", "placements", "blocks", "theme_entries",
                            "week_entries"):
                    row[key].append(cw.stats[key])
                row["entries"].append(len(cw.entries))
                window = cw.stats["article_window"]
                row["windows"][window] = row["windows"].get(window, 0) + 1
    sizes_out: dict[str, Any] = {}
    for size, row in rows.items():
        filled = row["filled"]

        def mean(key: str, row: dict[str, Any] = row) -> float:
            return statistics.fmean(row[key]) if row[key] else 0.0

        sizes_out[str(size)] = {
            "days": len(day_list),
            "filled": filled,
            "failed": row["failed"],
            "problems": row["problems"],
            **timing_summary(row["wall"], row["cpu"]),
            "mean_attempts": mean("attempts"),
            "max_attempts": max(row["attempts"], default=0),
            "mean_placements": mean("placements"),
            "mean_blocks": mean("blocks"),
            "mean_entries": mean("entries"),
            "mean_theme_entries": mean("theme_entries"),
            "grids_with_theme": sum(1 for t in row["theme_entries"] if t),
            "mean_week_entries": mean("week_entries"),
            "article_windows": row["windows"],
        }
    return {
        "days": [d.isoformat() for d in day_list],
        "vocabulary": timing_summary(vocab_wall, vocab_cpu),
        "sizes": sizes_out,
        "seconds": time.perf_counter() - started,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def render_crossword_markdown(report: dict[str, Any]) -> str:
    """The report as markdown: one row per grid size, then any failures or problems."""
    days = report["days"]
    span = f"{days[0]} .. {days[-1]}" if days else "no days"
    v = report["vocabulary"]
    lines = [
        f"{len(days)} days ({span}), Python {report['python']}, "
        f"{report['seconds']:.0f} s in all. Loading a day's vocabulary (shared by its grids): "
        f"median {v['median_s']:.2f} s, max {v['max_s']:.2f} s.",
        "",
        "| grid | filled | median s | p90 s | max s | median CPU s | mean patterns tried "
        "| max | mean blocks | mean entries | theme entries | grids with theme "
        "| week's words | problems |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, s in report["sizes"].items():
        name = "5×5 mini" if size == "5" else f"{size}×{size}"
        lines.append(
            f"| {name} | {s['filled']}/{s['days']} | {s['median_s']:.2f} | {s['p90_s']:.2f} "
            f"| {s['max_s']:.2f} | {s['median_cpu_s']:.2f} | {s['mean_attempts']:.1f} "
            f"| {s['max_attempts']} | {s['mean_blocks']:.1f} | {s['mean_entries']:.1f} "
            f"| {s['mean_theme_entries']:.1f} | {s['grids_with_theme']} "
            f"| {s['mean_week_entries']:.1f} | {len(s['problems'])} |"
        )
    lines += [
        "",
        "Times are per grid, after the day's vocabulary is loaded. \"patterns tried\" counts "
        "block patterns the filler attempted before one filled; \"theme entries\" are answers "
        "from the week's briefings; \"week's words\" are answers (theme or fill) found in the "
        "week's articles.",
    ]
    for size, s in report["sizes"].items():
        for failure in s["failed"]:
            lines.append(f"- {size}×{size} failed: {failure}")
        for problem in s["problems"][:20]:
            lines.append(f"- {size}×{size} problem: {problem}")
    return "\n".join(lines) + "\n"
