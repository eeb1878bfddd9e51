from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from broadsheet.ingest_records import ingest_records
from broadsheet.store import Store
from broadsheet.store.schema import ArticleRow, OutletRow


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_article_and_story_grouped_records(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "in.jsonl", [
        {"id": "a1", "outlet": "Harbour Gazette", "title": "Ferry fares frozen",
         "text": "Ferry fares frozen\nThe council froze fares on Monday.\nRiders welcomed it.",
         "published": "2026-03-02T09:00:00Z", "url": "https://harbour.example/ferry"},
        {"story_id": 9, "date": "2026-03-02T12:00:00Z", "docs": [
            {"doc_id": "b1", "source": "Valley Times", "lean": "right", "title": "Fares held",
             "text": "The council held ferry fares for a year."},
        ]},
        "{broken json",
        {"id": "c1", "title": "No text here", "text": "  "},
    ])
    report = ingest_records(store, [path])
    assert [o.status for o in report.outcomes] == ["new", "new", "failed", "failed"]
    assert "not JSON" in report.outcomes[2].reason
    assert report.outcomes[3].reason == "no article text"
    with store.session() as s:
        rows = {a.title: a for a in s.scalars(select(ArticleRow))}
        ferry = rows["Ferry fares frozen"]
        # The title repeated as the first line is not kept as a paragraph.
        assert ferry.paragraphs == ["The council froze fares on Monday.", "Riders welcomed it."]
        assert ferry.published.year == 2026
        held = rows["Fares held"]
        assert held.published.hour == 12  # the story's date when the doc has none
        outlet = s.get(OutletRow, held.outlet_id)
        assert (outlet.name, outlet.lean) == ("Valley Times", "right")
        assert held.url.startswith("file://") and held.url.endswith("/b1")
    # A rerun stores nothing twice.
    again = ingest_records(store, [path])
    assert [o.status for o in again.outcomes][:2] == ["known", "known"]


def test_missing_file_is_reported(store: Store, tmp_path: Path) -> None:
    report = ingest_records(store, [tmp_path / "absent.jsonl"])
    assert [(o.status, o.reason) for o in report.outcomes] == [("failed", "no such file")]


def test_a_unix_time_is_kept_as_the_publication_date(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "unix.jsonl", [
        {"id": "u1", "title": "Tide tables", "text": "The tide tables changed.",
         "published": 1_796_028_800},
    ])
    assert [o.status for o in ingest_records(store, [path]).outcomes] == ["new"]
    with store.session() as s:
        row = s.scalar(select(ArticleRow))
        assert (row.published.year, row.published.month, row.published.day) == (2026, 11, 30)
