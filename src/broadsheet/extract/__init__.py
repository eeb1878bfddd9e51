"""Extraction: any news page (HTML or a plain-text dump) -> an ExtractedArticle.

``extract_document`` is the single entry point the CLI, the fetcher and ingest use; it
decides what the bytes are and hands them to ``extract.html`` or ``extract.textdump``.
"""

from __future__ import annotations

import re
import zlib

from broadsheet.models import ExtractedArticle

MAX_DOCUMENT_BYTES = 20_000_000
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|article|div|p|meta|title)\b", re.I)


class ExtractionError(Exception):
    """The input cannot be turned into an article."""


def gunzip_capped(data: bytes, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Decompress gzip data, refusing output over ``limit`` (a gzip bomb stops early)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ExtractionError(f"corrupt gzip data: {exc}") from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise ExtractionError(f"decompressed size exceeds the {limit:,}-byte cap")
    return out


def looks_like_html(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_HTML_SNIFF.search(head[:2048]))


def looks_binary(data: bytes) -> bool:
    """Control bytes in the first few KB mean this is not a text or HTML page."""
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) > 0.05


def extract_document(
    data: bytes,
    *,
    url: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
) -> ExtractedArticle:
    """Extract an article from raw bytes; never raises: problems land in ``.error``."""
    # Imported here so `broadsheet --help` does not pay for lxml/trafilatura start-up.
    from broadsheet.extract.decode import decode_html
    from broadsheet.extract.html import extract_html
    from broadsheet.extract.textdump import extract_text_dump

    name = (filename or "").lower()
    try:
        if name.endswith(".gz") or data[:2] == b"\x1f\x8b":
            data = gunzip_capped(data)
            name = name.removesuffix(".gz")
    except ExtractionError as exc:
        return ExtractedArticle(url=url, error=str(exc))
    if not data.strip():
        return ExtractedArticle(url=url, error="empty document")
    if len(data) > MAX_DOCUMENT_BYTES:
        return ExtractedArticle(
            url=url, error=f"document is {len(data):,} bytes, over the {MAX_DOCUMENT_BYTES:,} cap"
        )
    if looks_binary(data):
        return ExtractedArticle(url=url, error="binary content, not an HTML or text page")

    ctype = (content_type or "").lower()
    is_text_dump = name.endswith(".txt") or (
        "text/plain" in ctype and not looks_like_html(data)
    )
    if not is_text_dump and not name.endswith((".html", ".htm", ".xhtml")) and "html" not in ctype:
        is_text_dump = not looks_like_html(data)
    if is_text_dump:
        text = decode_html(data, charset)
        return extract_text_dump(text, url=url)
    return extract_html(data if charset is None else decode_html(data, charset), url=url)
