"""The static edition: every page and feed written as files that any static host serves.

Pages are rendered by the same ``Site`` as the web app, with relative link prefixes, and
written as ``PATH/index.html`` so that ``/story/ID/`` works as a folder URL. Search needs
the server, so the static copy leaves its form out. The copy is written to a temporary
folder next to ``out_dir`` and swapped in at the end, so a failed export never leaves a
half-written site where a good one was.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from broadsheet.publish import queries
from broadsheet.publish.feeds import FORMATS
from broadsheet.publish.puzzle_pages import PuzzlePages
from broadsheet.publish.render import STATIC
from broadsheet.publish.site import NotFound, Site, SiteConfig
from broadsheet.puzzles.daily import puzzle_day
from broadsheet.puzzles.sudoku import DIFFICULTIES
from broadsheet.store import Store
from broadsheet.store.schema import OutletRow, StoryRow

PUZZLE_DAYS = 7  # the static copy keeps the last week of puzzles


@dataclass(slots=True)
class ExportReport:
    pages: int = 0
    feeds: int = 0
    out_dir: Path | None = None


def _root_for(path: str) -> str:
    """The relative prefix back to the site root from the folder page at ``path``."""
    depth = len([p for p in path.strip("/").split("/") if p])
    return "../" * depth if depth else "./"


def export_site(
    store: Store, out_dir: Path, config: SiteConfig | None = None,
    *, on_page: Callable[[str], None] | None = None,
) -> ExportReport:
    site = Site(config, static=True)
    out_dir = out_dir.resolve()
    staging = out_dir.with_name(out_dir.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    report = ExportReport(out_dir=out_dir)

    def page(path: str, render: Callable[[str], str]) -> None:
        root = _root_for(path)
        try:
            html = render(root)
        except NotFound:
            return
        target = staging / path.strip("/") / "index.html" if path != "/" else staging / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        report.pages += 1
        if on_page:
            on_page(path)

    def feed(path: str, produce: Callable[[], bytes]) -> None:
        target = staging / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(produce())
        report.feeds += 1

    with store.session() as s:
        page("/", lambda r: site.front(s, r))
        for edition in queries.EDITIONS:
            page(f"/edition/{edition}/", lambda r, e=edition: site.front(s, r, e))
        for section in queries.known_sections(s):
            page(f"/section/{section}/", lambda r, sec=section: site.section(s, r, sec))
        page("/archive/", lambda r: site.archive(s, r))
        for day, _count in queries.archive_days(s):
            page(f"/day/{day.isoformat()}/", lambda r, d=day: site.day(s, r, d))
        page("/blindspot/", lambda r: site.blindspot(s, r))
        page("/outlets/", lambda r: site.outlets(s, r))
        for (slug,) in s.execute(select(OutletRow.slug)):
            page(f"/outlet/{slug}/", lambda r, sl=slug: site.outlet(s, r, sl))
        today = puzzle_day(s)
        puzzles = PuzzlePages(store, site, oldest=today - timedelta(days=PUZZLE_DAYS - 1))
        page("/puzzles/", lambda r: puzzles.index(s, r))
        for back in range(PUZZLE_DAYS):
            day = today - timedelta(days=back)
            d = day.isoformat()
            page(f"/puzzles/{d}/", lambda r, day=day: puzzles.index(s, r, day))
            for level in DIFFICULTIES:
                page(f"/puzzles/{d}/sudoku/{level}/",
                     lambda r, day=day, level=level: puzzles.sudoku(s, r, day, level))
            for kind in ("crossword", "mini"):
                page(f"/puzzles/{d}/{kind}/",
                     lambda r, day=day, kind=kind: puzzles.grid(s, r, day, kind))
        for (story_id,) in s.execute(select(StoryRow.id).order_by(StoryRow.id)):
            page(f"/story/{story_id}/", lambda r, sid=story_id: site.story(s, r, sid))
        for fmt in FORMATS:
            feed(f"/feed.{fmt}", lambda f=fmt: site.feed(s, f))
            for edition in queries.EDITIONS:
                feed(f"/edition/{edition}/feed.{fmt}",
                     lambda f=fmt, e=edition: site.feed(s, f, edition=e))
            for section in queries.known_sections(s):
                feed(f"/section/{section}/feed.{fmt}",
                     lambda f=fmt, sec=section: site.feed(s, f, section=sec))
    shutil.copytree(STATIC, staging / "static")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return report
