"""OPML import and export of feed lists.

``parse_opml`` reads the subscription lists that feed readers export; ``write_opml`` writes
Broadsheet's registry out in the same form. OPML comes from users and other programs, so it
is parsed with defusedxml: a DOCTYPE (and with it entity expansion, "billion laughs", and
external entities) is refused with :class:`OpmlError` before anything is expanded.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import defusedxml
import defusedxml.ElementTree as DET

from broadsheet.models import Outlet

__all__ = ["MAX_OPML_BYTES", "OpmlError", "OpmlFeed", "parse_opml", "write_opml"]

# Real subscription lists are kilobytes; the cap bounds memory on hostile or mistaken input.
MAX_OPML_BYTES = 10 * 1024 * 1024

_FEED_TYPES = frozenset({"rss", "atom"})


class OpmlError(ValueError):
    """The document is not OPML we will read. The message is one line."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed from an OPML document.

    ``category`` is the path of the enclosing outlines' titles joined by "/" ("" for a feed
    at the top level). ``section`` is the feed outline's own ``category`` attribute, where
    Broadsheet's export records the feed's section.
    """

    url: str
    title: str | None = None
    category: str = ""
    html_url: str | None = None
    section: str | None = None


def parse_opml(data: bytes | str) -> list[OpmlFeed]:
    """The feeds in an OPML document, in document order, first occurrence of each URL kept.

    A feed is an ``<outline>`` with an ``xmlUrl`` attribute, or one with ``type="rss"`` or
    ``type="atom"`` and a ``url`` attribute. Only http(s) feed URLs are kept: an imported
    ``file:`` or other URL must not reach the fetcher. Raises :class:`OpmlError` for
    malformed XML, a DOCTYPE/entities, a non-OPML root, or an over-large document.

    ``data`` should be the file's bytes, so the parser honours its encoding declaration;
    already-decoded text is accepted too (its declaration is then ignored).
    """
    if not data.strip():
        raise OpmlError("empty document")
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"document is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise OpmlError("DOCTYPE declarations are not allowed in OPML") from None
    except defusedxml.EntitiesForbidden:
        raise OpmlError("entity declarations are not allowed in OPML") from None
    except defusedxml.ExternalReferenceForbidden:
        raise OpmlError("external references are not allowed in OPML") from None
    except defusedxml.DefusedXmlException as exc:
        raise OpmlError(f"unsafe XML refused: {type(exc).__name__}") from None
    except ET.ParseError as exc:
        raise OpmlError(f"malformed XML: {exc}") from None

    if _local(root.tag) != "opml":
        raise OpmlError(f"not an OPML document: root element is <{_local(root.tag)}>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError("not an OPML document: no <body> element")

    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    # Iterative pre-order walk: nesting depth comes from the input, so there is no recursion
    # limit to trip, and feeds come out in document order.
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [
        (child, ()) for child in reversed(_outlines(body))
    ]
    while stack:
        outline, path = stack.pop()
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        title = _clean(attrs.get("title")) or _clean(attrs.get("text"))
        url = _feed_url(attrs)
        if url is None:
            # A folder: its title extends the category path (untitled folders add nothing).
            inner = (*path, title) if title else path
        else:
            inner = path
            if url not in seen and _is_http(url):
                seen.add(url)
                feeds.append(
                    OpmlFeed(
                        url=url,
                        title=title,
                        category="/".join(inner),
                        html_url=_clean(attrs.get("htmlurl")),
                        section=_clean(attrs.get("category")),
                    )
                )
        stack.extend((child, inner) for child in reversed(_outlines(outline)))
    return feeds


def write_opml(
    outlets: Iterable[Outlet],
    title: str = "Broadsheet feeds",
    *,
    include_disabled: bool = False,
    created: datetime | None = None,
) -> str:
    """An OPML 2.0 document: one outline per outlet, holding one outline per feed.

    Each feed outline carries ``type="rss"``, ``xmlUrl``, ``htmlUrl`` (the outlet's first
    domain) and the feed's section as its ``category``. Disabled outlets and feeds are left
    out unless ``include_disabled``; an outlet left with no feed is omitted. ``created``
    fixes ``dateCreated`` (for reproducible output); it defaults to now.
    """
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    when = created if created is not None else datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ET.SubElement(head, "dateCreated").text = format_datetime(when.astimezone(UTC), usegmt=True)
    body = ET.SubElement(opml, "body")
    for outlet in outlets:
        if not (outlet.enabled or include_disabled):
            continue
        feeds = [f for f in outlet.feeds if f.enabled or include_disabled]
        if not feeds:
            continue
        group = ET.SubElement(body, "outline", text=outlet.name, title=outlet.name)
        html_url = f"https://{outlet.domains[0]}/" if outlet.domains else None
        for feed in feeds:
            label = f"{outlet.name}: {feed.section}"
            attrs = {"type": "rss", "text": label, "title": label, "xmlUrl": feed.url}
            if html_url:
                attrs["htmlUrl"] = html_url
            attrs["category"] = feed.section
            ET.SubElement(group, "outline", attrs)
    ET.indent(opml, space="  ")
    # ElementTree escapes &, <, > and quotes in attributes and text, so names and URLs
    # with query strings survive the round trip.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"


def _outlines(element: ET.Element) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == "outline"]


def _feed_url(attrs: dict[str, str]) -> str | None:
    url = _clean(attrs.get("xmlurl"))
    if url is None and (attrs.get("type") or "").strip().lower() in _FEED_TYPES:
        url = _clean(attrs.get("url"))
    return url


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())  # attribute values may carry newlines and tabs
    return value or None


def _local(tag: object) -> str:
    # Some exporters put OPML in a namespace; compare local names only.
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
