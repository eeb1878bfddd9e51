"""Re-extracting stored articles from their kept raw pages, without fetching again.

Useful after the extractor improves: every article that has a raw page is extracted anew
and updated in place when the result differs (same id, same URL, same permalink).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from broadsheet.extract import extract_document
from broadsheet.store import Store
from broadsheet.store.articles import fill_article, raw_page_body
from broadsheet.store.schema import ArticleRow, RawPageRow


@dataclass(slots=True)
class ReextractReport:
    checked: int = 0
    changed: int = 0
    failed: int = 0


def reextract(
    store: Store, *, on_article: Callable[[], None] | None = None, batch: int = 200
) -> ReextractReport:
    report = ReextractReport()
    with store.session() as session:
        ids = list(
            session.scalars(
                select(ArticleRow.id).where(ArticleRow.raw_page_id.is_not(None)).order_by(
                    ArticleRow.id
                )
            )
        )
    for start in range(0, len(ids), batch):
        # One transaction per batch: an interrupted run keeps what it finished.
        with store.session() as session:
            for article_id in ids[start : start + batch]:
                row = session.get(ArticleRow, article_id)
                raw = session.get(RawPageRow, row.raw_page_id)
                report.checked += 1
                article = extract_document(
                    raw_page_body(raw), url=raw.url or row.url, content_type=raw.content_type,
                    charset=raw.charset,
                )
                if article.error or not article.paragraphs:
                    report.failed += 1
                elif list(article.paragraphs) != list(row.paragraphs) or (
                    article.title != row.title
                ):
                    fill_article(row, article, raw_page_id=raw.id)
                    report.changed += 1
                if on_article:
                    on_article()
    return report


__all__ = ["ReextractReport", "reextract"]
