"""Storing already-extracted articles from JSON lines.

Two shapes are accepted, one object per line: article records as in the CLI contract
(``{"id","outlet","title","text","published","url"}``) and story-grouped records
(``{"story_id", "date", "docs": [{"doc_id","source","title","text","url","date","lean"}]}``,
the shape of the evaluation sets). Each article yields one outcome, like page ingest, so
a bad line is reported and the rest of the file still goes in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadsheet.dates import parse_published
from broadsheet.ingest import IngestOutcome, IngestReport, OutcomeLog, time_key
from broadsheet.models import ExtractedArticle
from broadsheet.store import Store
from broadsheet.store.articles import save_article
from broadsheet.store.feeds import outlet_for_host
from broadsheet.store.schema import OutletRow
from broadsheet.urls import host_of

_LEANS = {"left", "lean-left", "center", "lean-right", "right"}
_PARAGRAPH_SPLIT = re.compile(r"\n\s*\n|\n")


@dataclass(slots=True)
class Record:
    source: str  # "file.jsonl:LINE[#doc]"
    data: dict[str, Any] | None
    error: str | None = None


def _lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, raw bytes) of each line: read as bytes, so that one line
    in another encoding is one bad line, not the end of the file."""
    with path.open("rb") as handle:
        offset = 0
        for number, raw in enumerate(handle, start=1):
            yield number, offset, raw
            offset += len(raw)


def _line_records(path: Path, number: int, raw: bytes) -> list[Record]:
    """The articles of one line: one record, a story-grouped line's docs, or a failure."""
    where = f"{path}:{number}"
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")  # a byte-order mark
    except UnicodeDecodeError as exc:
        return [Record(where, None, f"not UTF-8 (byte 0x{raw[exc.start]:02x})")]
    if not line.strip():
        return []
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return [Record(where, None, f"not JSON: {exc.msg}")]
    if not isinstance(obj, dict):
        return [Record(where, None, "not a JSON object")]
    if not isinstance(obj.get("docs"), list):
        return [Record(where, obj)]
    out = []
    for doc in obj["docs"]:
        if not isinstance(doc, dict):
            out.append(Record(where, None, "a doc is not a JSON object"))
            continue
        merged = {
            "id": doc.get("doc_id") or doc.get("id"),
            "outlet": doc.get("source") or doc.get("outlet"),
            "title": doc.get("title"),
            "text": doc.get("text"),
            "url": doc.get("url"),
            "published": doc.get("date") or doc.get("published") or obj.get("date"),
            "lean": doc.get("lean"),
        }
        # The id names the record in messages: cut short (a field may be huge).
        out.append(Record(f"{where}#{str(merged['id'])[:60]}", merged))
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:90] or "unknown"


def _outlet(
    session: Session, name: str | None, url: str | None, lean: str | None
) -> OutletRow | None:
    """The registered outlet behind the URL or name, else a new unregistered one."""
    if url and url.startswith("http"):
        row = outlet_for_host(session, url)
        if row is not None:
            return row
    if not name:
        return None
    if "." in name and " " not in name:  # a domain given as the source
        row = outlet_for_host(session, f"https://{name}/")
        if row is not None:
            return row
    slug = _slug(name)
    row = session.scalar(
        select(OutletRow).where(
            (OutletRow.slug == slug) | (func.lower(OutletRow.name) == name.lower())
        )
    )
    if row is None:
        host = host_of(url) if url and url.startswith("http") else None
        row = OutletRow(
            slug=slug, name=name, domains=[host] if host else [],
            lean=lean if lean in _LEANS else "unknown",
            lean_source="ingested record" if lean in _LEANS else None,
        )
        session.add(row)
        session.flush()
    return row


def _ingest_record(store: Store, record: Record, origin_path: Path) -> IngestOutcome:
    data = record.data
    if record.error or data is None:
        return IngestOutcome(record.source, "failed", record.error or "no data")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return IngestOutcome(record.source, "failed", "no article text")
    ident = data.get("id")
    url = data.get("url") if isinstance(data.get("url"), str) else None
    if not url:
        if ident is None:
            return IngestOutcome(record.source, "failed", "neither a url nor an id")
        # Without a URL the record is identified by its file and id, so a rerun is "known".
        url = f"{origin_path.resolve().as_uri()}/{ident}"
    title = data.get("title") if isinstance(data.get("title"), str) else None
    paragraphs = [p.strip() for p in _PARAGRAPH_SPLIT.split(text) if p.strip()]
    if title and paragraphs and paragraphs[0] == title.strip():
        paragraphs = paragraphs[1:] or paragraphs  # the title repeated as the first line
    # ISO text as given; a Unix time (a number) as ISO text, as the store reads it.
    published = data.get("published")
    if not isinstance(published, str):
        moment = parse_published(published)
        published = moment.isoformat() if moment else None
    article = ExtractedArticle(url=url, title=title, published=published, paragraphs=paragraphs)
    outlet_name = data.get("outlet") if isinstance(data.get("outlet"), str) else None
    with store.session() as session:
        outlet = _outlet(session, outlet_name, url, data.get("lean"))
        saved = save_article(
            session, article, url=url, outlet_id=outlet.id if outlet else None, origin="ingest"
        )
    return IngestOutcome(record.source, saved.status, None, title)


def ingest_records(
    store: Store, paths: list[Path], *, on_record: Callable[[IngestOutcome], None] | None = None
) -> IngestReport:
    """Store the articles of JSON-lines files, oldest first; the report lists them in the
    files' order.

    `broadsheet build` clusters articles in the order they were stored, and its stream
    clock only moves forward (``ingest.time_key``; the AllSides roundups are listed newest
    first). So the files are read twice: once for each article's date (only dates and
    byte offsets are kept, not the texts), then in time order (ties in the files' order)
    to store them.
    """
    log = OutcomeLog(on_record)
    # (time key, position, path, line number, offset, index among the line's records)
    pending: list[tuple[float, int, Path, int, int, int]] = []
    position = 0
    for path in paths:
        if not path.exists():
            log.add(position, IngestOutcome(str(path), "failed", "no such file"))
            position += 1
            continue
        try:
            for number, offset, raw in _lines(path):
                for index, record in enumerate(_line_records(path, number, raw)):
                    if record.error or record.data is None:
                        log.add(position, _ingest_record(store, record, path))
                    else:
                        key = time_key(record.data.get("published"))
                        pending.append((key, position, path, number, offset, index))
                    position += 1
        except OSError as exc:
            reason = f"cannot read: {exc.strerror or exc}"
            log.add(position, IngestOutcome(str(path), "failed", reason))
            position += 1
    pending.sort(key=lambda entry: (entry[0], entry[1]))
    handles: dict[Path, Any] = {}
    # The line last parsed: a story-grouped line's docs share its date, so they mostly
    # come one after another.
    parsed: tuple[Path, int, list[Record]] | None = None
    try:
        for _, place, path, number, offset, index in pending:
            if parsed is None or parsed[:2] != (path, number):
                handle = handles.get(path)
                if handle is None:
                    handle = handles[path] = path.open("rb")
                handle.seek(offset)
                parsed = (path, number, _line_records(path, number, handle.readline()))
            records = parsed[2]
            if index >= len(records):  # the file was rewritten between the two passes
                changed = IngestOutcome(f"{path}:{number}", "failed", "the file changed")
                log.add(place, changed)
                continue
            log.add(place, _ingest_record(store, records[index], path))
    finally:
        for handle in handles.values():
            handle.close()
    return log.report()
