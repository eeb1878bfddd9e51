"""Canonical URLs: one spelling per article, so the same page is stored once."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import courlan


def canonical_url(url: str) -> str:
    """Normalise with courlan (case, default ports, sorted query, tracking parameters
    removed) and drop the fragment, which never names a different article.

    courlan's ``strict`` mode is not used: it drops query parameters that some outlets
    use as the article id.
    """
    url = url.strip()
    try:
        normalised = courlan.normalize_url(url)
    except (ValueError, TypeError):
        normalised = url
    parts = urlsplit(normalised)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """The lower-cased host name of a URL ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def publisher_of(source: str) -> str:
    """The registered domain of a host name ("africa.example.com.cn" -> "example.com.cn",
    by the public suffix list, through courlan), so that an outlet's regional sites are one
    outlet; any other source ("Reuters") unchanged."""
    if "." not in source or " " in source or "/" in source:
        return source
    return courlan.extract_domain(f"http://{source}") or source
