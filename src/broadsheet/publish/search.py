"""Full-text search over briefings: SQLite FTS5 by default, a plain LIKE elsewhere.

The index is a contentless-style side table kept outside the SQLAlchemy models (FTS5
virtual tables cannot be declared there): it is created on first use and refreshed from
the briefings built since the last refresh, so refreshing is cheap and idempotent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 12


@dataclass(slots=True)
class SearchHits:
    ids: list[str]
    total: int


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _body(record: dict) -> str:
    parts = [record.get("summary") or ""]
    parts += [f.get("text", "") for f in record.get("facts") or []]
    for quote in record.get("quotes") or []:
        parts += [quote.get("text") or "", quote.get("speaker") or ""]
    parts += [s.get("title") or "" for s in record.get("sources") or []]
    parts += [s.get("outlet") or "" for s in record.get("sources") or []]
    return "\n".join(parts)


def _rowid(story_id: str) -> int:
    """A story's row in the index, derived from its id so that replacing it is a rowid
    lookup (FTS5 cannot index an UNINDEXED column, and a scan per story is quadratic)."""
    return int.from_bytes(hashlib.blake2b(story_id.encode(), digest_size=7).digest(), "big")


def _write(session: Session, batch: list[dict]) -> None:
    session.execute(text("DELETE FROM story_search WHERE rowid = :rowid"), batch)
    session.execute(
        text("INSERT INTO story_search (rowid, story_id, headline, body, built_at) "
             "VALUES (:rowid, :id, :headline, :body, :built)"),
        batch,
    )


def refresh_index(store: Store) -> int:
    """Index every briefing built since the last refresh; returns how many were indexed."""
    with store.session() as session:
        if not _is_sqlite(session):
            return 0
        session.execute(text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS story_search USING fts5("
            "story_id UNINDEXED, headline, body, built_at UNINDEXED, tokenize='porter unicode61')"
        ))
        # Stories merged away took their briefings with them: their rows go too, or a
        # search would list the surviving story twice.
        session.execute(text(
            "DELETE FROM story_search WHERE story_id NOT IN (SELECT story_id FROM briefings)"
        ))
        last = session.execute(text("SELECT max(built_at) FROM story_search")).scalar()
        query = select(BriefingRow)
        if last:
            query = query.where(BriefingRow.built_at > datetime.fromisoformat(last))
        count = 0
        batch: list[dict] = []
        for row in session.scalars(query.execution_options(yield_per=500)):
            batch.append({
                "rowid": _rowid(row.story_id), "id": row.story_id, "headline": row.headline,
                "body": _body(row.record or {}),
                "built": row.built_at.isoformat(sep=" ") if row.built_at else None,
            })
            if len(batch) >= 500:
                _write(session, batch)
                count += len(batch)
                batch = []
        if batch:
            _write(session, batch)
            count += len(batch)
    return count


def fts_query(query: str) -> str | None:
    """The user's words as an FTS5 query: each word a quoted prefix term, all required.

    Quoting every term means no user input is ever read as FTS5 syntax (no injection of
    NEAR, column filters or unbalanced quotes), and a malformed query cannot raise.
    """
    terms = _WORD.findall(query)[:MAX_QUERY_TERMS]
    if not terms:
        return None
    return " ".join(f'"{t}"*' for t in terms)


def search(session: Session, query: str, *, page: int = 1, per_page: int = 20) -> SearchHits:
    match = fts_query(query)
    if match is None:
        return SearchHits([], 0)
    offset = (page - 1) * per_page
    if _is_sqlite(session):
        exists = session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='story_search'"
        )).first()
        if exists:
            total = session.execute(
                text("SELECT count(*) FROM story_search WHERE story_search MATCH :q"),
                {"q": match},
            ).scalar() or 0
            ids = session.execute(
                text("SELECT story_id FROM story_search WHERE story_search MATCH :q "
                     "ORDER BY bm25(story_search, 0.0, 5.0, 1.0) LIMIT :n OFFSET :o"),
                {"q": match, "n": per_page, "o": offset},
            ).scalars().all()
            return SearchHits(list(ids), int(total))
    # Portable fallback (PostgreSQL or an unindexed store): every word in the headline.
    words = _WORD.findall(query)[:MAX_QUERY_TERMS]
    condition = [BriefingRow.headline.ilike(f"%{t}%") for t in words]
    total = session.scalar(select(func.count()).select_from(BriefingRow).where(*condition)) or 0
    ids = session.scalars(
        select(BriefingRow.story_id).where(*condition).order_by(BriefingRow.built_at.desc())
        .offset(offset).limit(per_page)
    ).all()
    return SearchHits(list(ids), int(total))
