from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from broadsheet.ingest import ingest
from broadsheet.store import Store
from broadsheet.store.schema import ArticleAliasRow, ArticleRow, RawPageRow
from tests.conftest import FIXTURES

PAGE = FIXTURES / "pages" / "harbour-ferry.html"


def _write_warc(path: Path, records: list[tuple[str, bytes, str]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for uri, body, ctype in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)


def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_ingest_files_gz_dirs_and_warc(store: Store, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    html = PAGE.read_bytes()
    (pages / "ferry.html").write_bytes(html)
    # The same text syndicated under another URL, compressed, in a subdirectory.
    (pages / "sub").mkdir()
    syndicated = html.replace(
        b"https://coastal-ledger.example/news/harbour-ferry-resumes",
        b"https://syndicator.example/ferry",
    )
    (pages / "sub" / "ferry-copy.html.gz").write_bytes(gzip.compress(syndicated))
    (pages / "junk.html").write_bytes(bytes(range(256)) * 40)
    (pages / "empty.html").write_bytes(b"")
    other = html.replace(b"harbour-ferry-resumes", b"ferry-other").replace(
        b"thirty minutes", b"twenty minutes"
    )
    warc = tmp_path / "crawl.warc.gz"
    _write_warc(warc, [
        ("https://coastal-ledger.example/news/ferry-other", other, "text/html; charset=utf-8"),
        ("https://coastal-ledger.example/logo.png", b"\x89PNG....", "image/png"),
    ])

    report = ingest(store, [pages, warc, tmp_path / "missing.html"])
    statuses = {Path(o.source.split("#")[0]).name: o.status for o in report.outcomes}
    assert statuses["ferry.html"] == "new"
    assert statuses["ferry-copy.html.gz"] == "duplicate"
    assert statuses["junk.html"] == "failed"
    assert statuses["empty.html"] == "failed"
    assert statuses["missing.html"] == "failed"
    assert statuses["crawl.warc.gz"] == "new"
    reasons = {o.reason for o in report.outcomes if o.status == "failed"}
    assert "no such file" in reasons
    assert _count(store, ArticleRow) == 2
    assert _count(store, ArticleAliasRow) == 1

    # Ingesting everything again stores nothing new.
    again = ingest(store, [pages, warc])
    assert again.count("new") == 0
    assert _count(store, ArticleRow) == 2
    with store.session() as s:
        titles = set(s.scalars(select(ArticleRow.title)))
        assert titles == {"Harbour ferry service to resume after storm repairs"}
        assert s.scalar(select(func.count()).select_from(RawPageRow)) >= 2


def test_corrupt_warc_is_reported(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"WARC/1.0\r\nthis is not really a warc\r\n")
    report = ingest(store, [bad])
    assert [o.status for o in report.outcomes] == ["failed"]


def test_reextract_rebuilds_articles_from_kept_raw_pages(store: Store, tmp_path: Path) -> None:
    from broadsheet.reextract import reextract

    page = tmp_path / "ferry.html"
    page.write_bytes(PAGE.read_bytes())
    ingest(store, [page])
    with store.session() as s:
        row = s.scalar(select(ArticleRow))
        original = list(row.paragraphs)
        row.paragraphs = ["stale text from an older extractor"]
        row.title = "stale"
    report = reextract(store)
    assert (report.checked, report.changed, report.failed) == (1, 1, 0)
    with store.session() as s:
        row = s.scalar(select(ArticleRow))
        assert row.paragraphs == original
        assert row.title == "Harbour ferry service to resume after storm repairs"
    assert reextract(store).changed == 0


def _dated_page(title: str, date: str) -> bytes:
    body = (
        f"The council said on {date} that {title.lower()} after a long week of repairs, "
        "and crews would keep working on the harbour walls until the spring tides."
    )
    return (
        f'<!doctype html><html><head><title>{title}</title><meta property='
        f'"article:published_time" content="{date}"></head><body><article><h1>{title}</h1>'
        f"<p>{body}</p><p>{body} More details followed later in the day.</p></article>"
        "</body></html>"
    ).encode()


def test_pages_are_stored_oldest_first_in_windows(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `build` clusters in storing order with a forward-only clock: a folder whose names
    # list the newest page first must still be stored oldest first. The report keeps the
    # order the pages were read in.
    import broadsheet.ingest as module

    folder = tmp_path / "saved"
    folder.mkdir()
    for name, title, date in [
        ("a.html", "Ferry fares rise", "2026-03-03T09:00:00Z"),
        ("b.html", "Ferry timetable changes", "2026-03-02T09:00:00Z"),
        ("c.html", "Ferry service resumes", "2026-03-01T09:00:00Z"),
        ("d.html", "Ferry crews honoured", "2026-02-01T09:00:00Z"),
    ]:
        (folder / name).write_bytes(_dated_page(title, date))

    def stored_titles(s: Store) -> list[str]:
        with s.session() as session:
            return list(session.scalars(select(ArticleRow.title).order_by(ArticleRow.id)))

    report = ingest(store, [folder])
    assert [Path(o.source).name for o in report.outcomes] == ["a.html", "b.html", "c.html",
                                                            "d.html"]
    assert stored_titles(store) == [
        "Ferry crews honoured", "Ferry service resumes", "Ferry timetable changes",
        "Ferry fares rise",
    ]
    # A large archive is sorted window by window (what is held before storing is bounded).
    monkeypatch.setattr(module, "ORDER_WINDOW_PAGES", 2)
    windowed = Store(f"sqlite:///{tmp_path / 'windowed.db'}")
    ingest(windowed, [folder])
    assert stored_titles(windowed) == [
        "Ferry timetable changes", "Ferry fares rise", "Ferry crews honoured",
        "Ferry service resumes",
    ]
    windowed.close()
