"""Storing local pages: files, directories, ``.html.gz`` and WARC archives.

Every input yields one outcome (new, duplicate, known or failed with a reason), so a batch
never drops a file silently. Articles are stored oldest first (``time_key``), in windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.dates import parse_published
from broadsheet.extract import MAX_DOCUMENT_BYTES, extract_document
from broadsheet.models import ExtractedArticle
from broadsheet.store import Store
from broadsheet.store.articles import save_article, store_raw_page
from broadsheet.store.feeds import outlet_for_host

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".txt", ".txt.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


@dataclass(slots=True)
class Document:
    """One page to ingest: its bytes and where it came from."""

    source: str  # file path, or "archive.warc.gz#<record uri>"
    data: bytes | None
    url: str | None = None
    filename: str | None = None
    content_type: str | None = None
    error: str | None = None


@dataclass(slots=True)
class IngestOutcome:
    source: str
    status: str  # new | duplicate | known | failed
    reason: str | None = None
    title: str | None = None


@dataclass(slots=True)
class IngestReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


class OutcomeLog:
    """Outcomes told as they happen (to ``on_outcome``: progress, ``--json`` lines) and
    reported in input order, though articles are stored oldest first (``time_key``)."""

    def __init__(self, on_outcome: Callable[[IngestOutcome], None] | None) -> None:
        self._on_outcome = on_outcome
        self._outcomes: list[tuple[int, IngestOutcome]] = []

    def add(self, position: int, outcome: IngestOutcome) -> None:
        """The outcome of the input at ``position`` (its place in input order)."""
        self._outcomes.append((position, outcome))
        if self._on_outcome:
            self._on_outcome(outcome)

    def report(self) -> IngestReport:
        return IngestReport([outcome for _, outcome in sorted(self._outcomes, key=_first)])


def _first(pair: tuple[int, IngestOutcome]) -> int:
    return pair[0]


def _is_page(path: Path) -> bool:
    return path.name.lower().endswith(PAGE_SUFFIXES)


def _is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files as given; directories walked in sorted order for pages and archives."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and (_is_page(child) or _is_warc(child)):
                    yield child
        else:
            yield path


def read_warc(path: Path) -> Iterator[Document]:
    # warcio is imported lazily: most runs never see an archive.
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    pages = 0
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type not in ("response", "resource"):
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                ctype = None
                if record.http_headers is not None:
                    ctype = record.http_headers.get_header("Content-Type")
                    status = record.http_headers.get_statuscode()
                    if status and not status.startswith("2"):
                        continue
                else:
                    ctype = record.rec_headers.get_header("Content-Type")
                if ctype and "html" not in ctype.lower() and "text/plain" not in ctype.lower():
                    continue
                data = record.content_stream().read(MAX_DOCUMENT_BYTES + 1)
                pages += 1
                yield Document(source=f"{path}#{uri}", data=data, url=uri, content_type=ctype)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        yield Document(source=str(path), data=None, error=f"unreadable WARC: {exc}")
        return
    if pages == 0:
        # An archive with nothing usable must still show up in the report.
        yield Document(source=str(path), data=None, error="no HTML pages in this WARC archive")


def read_documents(paths: list[Path]) -> Iterator[Document]:
    for path in expand_paths(paths):
        if not path.exists():
            yield Document(source=str(path), data=None, error="no such file")
            continue
        if _is_warc(path):
            yield from read_warc(path)
            continue
        try:
            if path.stat().st_size > MAX_DOCUMENT_BYTES * 2:
                yield Document(source=str(path), data=None, error="file over the size cap")
                continue
            data = path.read_bytes()
        except OSError as exc:
            yield Document(source=str(path), data=None, error=f"cannot read: {exc.strerror}")
            continue
        yield Document(source=str(path), data=data, filename=path.name)


# Pages are stored oldest first within windows of this many pages or bytes: `build`
# clusters articles in the order they were stored, with a clock that only moves forward
# (see ``time_key``). A window bounds what is held before storing (a kill loses only
# the extraction of the window, nothing stored); a folder of saved pages is sorted whole.
ORDER_WINDOW_PAGES = 2_000
ORDER_WINDOW_BYTES = 200_000_000


def time_key(published: object) -> float:
    """Where an article goes in the storing order: by publication time, undated first (as
    ``cluster_documents`` orders them). An archive listed newest first, stored as listed,
    would set the build's stream clock to its last day at once, and no story would close
    while its years went by."""
    moment = parse_published(published)
    return -math.inf if moment is None else moment.timestamp()


def ingest(
    store: Store, paths: list[Path], *, on_document: Callable[[IngestOutcome], None] | None = None
) -> IngestReport:
    """Extract and store every page; the report lists them in the order they were read."""
    log = OutcomeLog(on_document)
    window: list[tuple[float, int, Document, ExtractedArticle]] = []
    held = 0

    def store_window() -> None:
        for _, position, doc, article in sorted(window, key=lambda w: (w[0], w[1])):
            log.add(position, _store_one(store, doc, article))
        window.clear()

    for position, doc in enumerate(read_documents(paths)):
        article, failure = _extract_one(doc)
        if article is None:
            log.add(position, failure)  # type: ignore[arg-type]
            continue
        window.append((time_key(article.published), position, doc, article))
        held += len(doc.data or b"")
        if len(window) >= ORDER_WINDOW_PAGES or held >= ORDER_WINDOW_BYTES:
            store_window()
            held = 0
    store_window()
    return log.report()


def _extract_one(doc: Document) -> tuple[ExtractedArticle | None, IngestOutcome | None]:
    """The page's article, or the outcome that says why there is none."""
    if doc.error or doc.data is None:
        return None, IngestOutcome(doc.source, "failed", doc.error or "no data")
    article = extract_document(
        doc.data, url=doc.url, filename=doc.filename, content_type=doc.content_type
    )
    if article.error:
        return None, IngestOutcome(doc.source, "failed", article.error)
    if not article.paragraphs:
        return None, IngestOutcome(doc.source, "failed", "no article text found")
    return article, None


def _store_one(store: Store, doc: Document, article: ExtractedArticle) -> IngestOutcome:
    assert doc.data is not None
    url = doc.url or article.url
    if not url:
        # A local file with no canonical link of its own is identified by its path.
        url = Path(doc.source).resolve().as_uri()
    with store.session() as session:
        outlet = outlet_for_host(session, url) if url.startswith("http") else None
        raw_id = store_raw_page(
            session, doc.data, url=url, content_type=doc.content_type, charset=None
        )
        saved = save_article(
            session, article, url=url, outlet_id=outlet.id if outlet else None,
            raw_page_id=raw_id, origin="ingest",
        )
    return IngestOutcome(doc.source, saved.status, None, article.title)
