"""Parse RSS / Atom / RDF feeds from bytes with feedparser.

feedparser is only ever given an in-memory stream: given a ``str`` it would fetch URLs,
and given ``bytes`` it would first try to open them as a *file name*.

Encoding is settled here, before feedparser sees the document, because feeds lie about
it in two common ways that feedparser would turn into mojibake or a fallback guess:

* declared ISO-8859-1 / US-ASCII / windows-1252 but the bytes are UTF-8 ("â€œ" for a
  curly quote). Bytes that decode as UTF-8 and are not pure ASCII are UTF-8 in practice
  (Latin-1 text almost never forms valid multi-byte sequences), so UTF-8 wins.
* declared (or defaulted to) UTF-8 but the bytes are windows-1252. Then the other
  declaration, if any, is tried, and windows-1252 is the last resort (as browsers do).

The decoded text is handed over re-encoded as UTF-8 with a matching HTTP charset, which
feedparser lets override the XML declaration. Either correction is reported in
``ParsedFeed.warning``.
"""

from __future__ import annotations

import codecs
import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser

from broadsheet.models import FeedEntry

__all__ = ["FeedError", "ParsedFeed", "html_to_text", "parse_feed"]


class FeedError(ValueError):
    """The bytes are not a usable feed; the message is one line saying why."""


@dataclass
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str | None = None  # one line; set when something was recovered or skipped


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels that browsers decode as windows-1252 (WHATWG Encoding): "latin-1" feeds that
# use curly quotes at 0x91-0x94 really are windows-1252.
_AS_CP1252 = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
# fmt: off
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
})
# fmt: on


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip()).name.replace("-", "_")
    except LookupError:
        return None


def _charset_param(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _decode_cp1252(data: bytes) -> str:
    # 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned in cp1252; map them as Latin-1.
    return data.decode("cp1252", errors="surrogateescape").translate(
        {0xDC00 + b: b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
    )


def _decode(data: bytes, http_charset: str | None) -> tuple[str, str | None]:
    """Text of ``data`` and a warning if the declared encoding had to be overridden."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), None
    if data.startswith(b"<\x00?\x00"):
        return data.decode("utf-16-le", errors="replace"), None
    if data.startswith(b"\x00<\x00?"):
        return data.decode("utf-16-be", errors="replace"), None
    m = _XML_ENCODING.match(data[:1024])
    xml_label = m.group(1).decode("ascii") if m else None
    declared = [(label, c) for label in (http_charset, xml_label) if (c := _codec(label))]
    if data.isascii():
        return data.decode("ascii"), None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        wrong = [label for label, c in declared if c not in ("utf_8", "utf_8_sig")]
        if wrong:
            return text, f"declared encoding {wrong[0]} but the body is UTF-8; decoded as UTF-8"
        return text, None
    for _label, c in declared:
        if c in ("utf_8", "utf_8_sig"):
            continue
        if c in _AS_CP1252:
            return _decode_cp1252(data), None
        try:
            return data.decode(c), None
        except (UnicodeDecodeError, LookupError):
            continue
    shown = declared[0][0] if declared else "UTF-8 (the default)"
    return _decode_cp1252(data), f"body is not valid {shown}; decoded as windows-1252"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed to single spaces."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _text(value: Any, detail: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    kind = (detail or {}).get("type", "text/html") if isinstance(detail, dict) else "text/html"
    text = " ".join(value.split()) if kind == "text/plain" else html_to_text(value)
    return text or None


def _usable_url(candidate: Any, base: str | None) -> str | None:
    if not candidate or not isinstance(candidate, str):
        return None
    href = candidate.strip()
    if base:
        href = urljoin(base, href)
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return href


def _entry_link(entry: Any, base: str | None) -> str | None:
    link = _usable_url(entry.get("link"), base)
    if link:
        return link
    for candidate in entry.get("links") or []:
        if candidate.get("rel", "alternate") == "alternate":
            link = _usable_url(candidate.get("href"), base)
            if link:
                return link
    # An RSS <guid> is a permalink unless isPermaLink="false"; feedparser keeps it as id.
    guid = entry.get("id")
    if isinstance(guid, str) and guid.strip().lower().startswith(("http://", "https://")):
        return _usable_url(guid, None)
    return None


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                # feedparser normalises every date to UTC before making the struct_time.
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


_EMAIL_THEN_NAME = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^()]+)\)\s*$")  # a@b.c (Name)
_NAME_THEN_EMAIL = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<\S+@\S+>\s*$")  # Name <a@b.c>


def _authors(entry: Any) -> list[str]:
    names: list[str] = []
    raw = entry.get("author")
    details = [a for a in entry.get("authors") or [] if isinstance(a, dict)]
    if isinstance(raw, str) and "@" in raw and len(details) <= 1:
        # feedparser's own split of RSS "email (Name)" truncates TLDs longer than four
        # letters ("desk@news.example" -> name "ple"), so split it here.
        m = _EMAIL_THEN_NAME.match(raw) or _NAME_THEN_EMAIL.match(raw)
        names.append(m.group("name") if m else raw)
    else:
        names.extend(
            str(a.get("name") or a.get("email")) for a in details if a.get("name") or a.get("email")
        )
        if not names and raw:
            names.append(str(raw))
    out: list[str] = []
    for name in names:
        clean = " ".join(html_to_text(name).split())
        if clean and clean not in out:
            out.append(clean)
    return out


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, SAXParseException):  # str() starts with a useless "<unknown>:"
        text = f"{exc.getMessage()} at line {exc.getLineNumber()}"
    else:
        text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _not_a_feed_reason(data: bytes, content_type: str | None, bozo_exc: Any) -> str:
    head = data[:2048]
    if _HTML_START.match(head) or (content_type or "").lower().startswith("text/html"):
        return "not a feed: got an HTML page"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > len(head) // 20:
        return "not a feed: binary data"
    if bozo_exc is not None:
        return f"not a feed: {_one_line(bozo_exc)}"
    return "not a feed: no RSS, Atom or RDF elements found"


def parse_feed(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    charset: str | None = None,
) -> ParsedFeed:
    """Parse feed ``data``; raises :class:`FeedError` if it is not a feed at all.

    ``url`` is the feed's (final) URL, the base for relative links. ``content_type`` may
    carry a ``charset`` parameter; ``charset`` (e.g. ``FetchResult.charset``) wins over it.
    """
    if not data or not data.strip():
        raise FeedError("empty body")
    text, warning = _decode(data, charset or _charset_param(content_type))
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    # A stream, never bytes/str: see the module docstring.
    d = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers=headers,
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    bozo_exc = d.get("bozo_exception") if d.get("bozo") else None
    if not d.entries and not d.get("version"):
        raise FeedError(_not_a_feed_reason(data, content_type, bozo_exc))

    warnings = [warning] if warning else []
    if bozo_exc is not None:
        n = len(d.entries)
        warnings.append(f"malformed XML ({_one_line(bozo_exc)}); recovered {n} entries")

    feed = d.feed
    base = url or None
    entries: list[FeedEntry] = []
    skipped = 0
    for e in d.entries:
        link = _entry_link(e, base)
        if link is None:
            skipped += 1
            continue
        summary_value = e.get("summary")
        summary_detail = e.get("summary_detail")
        if not summary_value and e.get("content"):
            first = e["content"][0]
            summary_value, summary_detail = first.get("value"), first
        entries.append(
            FeedEntry(
                url=link,
                title=_text(e.get("title"), e.get("title_detail")),
                summary=_text(summary_value, summary_detail),
                published=_published(e),
                authors=_authors(e),
                guid=(e.get("id") or "").strip() or None,
            )
        )
    if skipped:
        warnings.append(f"skipped {skipped} entries without a usable link")
    return ParsedFeed(
        title=_text(feed.get("title"), feed.get("title_detail")),
        link=_usable_url(feed.get("link"), base),
        entries=entries,
        warning="; ".join(warnings) or None,
    )
