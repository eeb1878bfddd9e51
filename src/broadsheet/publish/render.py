"""The Jinja2 environment: templates, and the filters that make source text safe to show.

Everything that came from a source (titles, sentences, names, outlet names, URLs) goes
through ``clean`` or ``safe_url``: nh3 strips any markup (script and style contents
included) and autoescaping does the rest, so a hostile article cannot put a tag, an event
handler or a ``javascript:`` URL on a page.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from broadsheet.models import LEANS
from broadsheet.publish.queries import EDITIONS, LEAN_LABELS

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SIDES: dict[str, str] = {"left": "left", "lean-left": "left", "center": "center",
                         "lean-right": "right", "right": "right", "unknown": "unknown"}
SIDE_LABELS = {"left": "From the left", "center": "From the centre", "right": "From the right",
               "unknown": "From unrated outlets"}


def clean(value: Any) -> Markup:
    """Source text as safe HTML text: all tags removed, entities escaped.

    Text with no "<" and no "&" cannot hold markup or entities, so plain escaping gives
    exactly what nh3 would; skipping nh3 there keeps page rendering fast.
    """
    if value is None:
        return Markup("")
    text = str(value)
    if "<" not in text and "&" not in text:
        return escape(text)
    # nh3 leaves quotes alone; escape them so the result is safe inside attributes too.
    cleaned = nh3.clean(text, tags=set(), attributes={})
    return Markup(cleaned.replace('"', "&#34;").replace("'", "&#39;"))


def plain_text(value: str | None) -> str:
    """Source text with any markup removed, as plain text (for feeds and emails, where it
    is escaped again by their own serialiser)."""
    return html.unescape(nh3.clean(value or "", tags=set(), attributes={}))


def safe_url(value: Any) -> str | None:
    """The URL when it is plain http(s), else None (so no link is drawn)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(ch) < 33 for ch in url):
        return None
    return url


def when(value: datetime | str | None, fmt: str = "%-d %b %Y, %H:%M UTC") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(fmt)


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def coverage_segments(coverage: dict[str, int]) -> list[dict[str, Any]]:
    """The coverage bar: one segment per lean with outlets, widths in percent."""
    total = sum(coverage.get(lean, 0) for lean in LEANS)
    if total == 0:
        return []
    return [
        {"lean": lean, "label": LEAN_LABELS[lean], "count": coverage[lean],
         "width": round(100 * coverage[lean] / total, 2)}
        for lean in LEANS if coverage.get(lean)
    ]


def coverage_text(coverage: dict[str, int]) -> str:
    parts = [f"{LEAN_LABELS[lean]} {coverage[lean]}" for lean in LEANS if coverage.get(lean)]
    return "Coverage by lean: " + (", ".join(parts) if parts else "no rated outlets")


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(clean=clean, safe_url=safe_url, when=when, iso=iso,
                       coverage_segments=coverage_segments, coverage_text=coverage_text)
    env.globals.update(EDITIONS=EDITIONS, LEAN_LABELS=LEAN_LABELS, SIDES=SIDES,
                       SIDE_LABELS=SIDE_LABELS, LEANS=LEANS)
    return env
