"""Turn the bytes of a fetched page into text.

Order of evidence: a byte-order mark, then the charset the server declared, then the
page's own ``<meta charset>``, then statistical detection (charset_normalizer). Declared
charsets are often wrong in one specific way: a page that says ``iso-8859-1`` (or sends no
charset at all) but is really UTF-8. Bytes outside ASCII that form valid UTF-8 almost never
come from a single-byte encoding, so a strict UTF-8 decode that succeeds wins over a
declared single-byte charset.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# How much of the page to scan for <meta charset> and to feed the detector.
_META_SCAN_BYTES = 16_384
_DETECT_BYTES = 262_144
# Multi-byte UTF-8 characters needed before a page with stray bad bytes counts as UTF-8.
_MIN_UTF8_EVIDENCE = 20

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# <meta charset="x">, and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)

# WHATWG: browsers decode these labels as windows-1252, a superset that maps 0x80-0x9F
# to printable characters instead of C1 controls.
_WINDOWS_1252_ALIASES = frozenset(
    {
        "latin1",
        "latin-1",
        "iso-8859-1",
        "iso8859-1",
        "l1",
        "ascii",
        "us-ascii",
        "iso_8859-1",
        "cp819",
        "ibm819",
    }
)


def _normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when unknown or unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if label in {"x-user-defined", "unicode-1-1-utf-7", "utf-7"}:
        return None  # never honour these: they are spoofing vectors, not real encodings
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data[:_META_SCAN_BYTES])
    if not match:
        return None
    return _normalize_charset(match.group(1).decode("ascii", "ignore"))


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_wide(encoding: str) -> bool:
    return encoding.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML document to ``str``; never raises.

    ``declared_charset`` is the ``charset`` parameter of the HTTP Content-Type header, if
    any. Undecodable bytes end up as U+FFFD only when no candidate decodes cleanly.
    """
    if not data:
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")

    declared = _normalize_charset(declared_charset)
    meta = _meta_charset(data)
    candidates = [c for c in (declared, meta) if c]

    # A UTF-16/32 declaration is rare and deliberate: trust it before the UTF-8 check,
    # which would otherwise accept ASCII text interleaved with NUL bytes.
    for encoding in candidates:
        if _is_wide(encoding) and (text := _strict(data, encoding)) is not None:
            return text

    # Valid UTF-8 beyond ASCII is overwhelming evidence for UTF-8 whatever was declared.
    if (text := _strict(data, "utf-8")) is not None:
        return text

    # Mostly-valid UTF-8 with a few stray bytes (a template in one encoding, an ad snippet
    # in another): a single-byte decode would garble every multi-byte character instead.
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    good = sum(1 for ch in lossy if ch > "\x7f") - bad
    if good >= _MIN_UTF8_EVIDENCE and bad * 20 <= good:
        return lossy

    for encoding in candidates:
        if (
            not _is_wide(encoding)
            and encoding != "utf-8"
            and (text := _strict(data, encoding)) is not None
        ):
            return text

    try:
        best = from_bytes(data[:_DETECT_BYTES]).best()
    except Exception:  # the detector is heuristic code: a bug there must not lose the page
        best = None
    if best is not None and best.encoding:
        encoding = _normalize_charset(best.encoding) or best.encoding
        try:
            return data.decode(encoding, errors="replace")
        except LookupError:
            pass
    # The last resort keeps every ASCII byte (all of the markup) and flags the rest.
    return data.decode(candidates[0] if candidates else "utf-8", errors="replace")
