"""Domain types shared by the pipeline stages.

Plain dataclasses: every stage is a function over these, so they carry no database or
network state. The store maps them to tables (see ``broadsheet.store``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Lean = Literal["left", "lean-left", "center", "lean-right", "right", "unknown"]
LEANS: tuple[str, ...] = ("left", "lean-left", "center", "lean-right", "right", "unknown")
Edition = Literal["us", "uk", "world"]
EDITIONS: tuple[str, ...] = ("us", "uk", "world")


@dataclass(slots=True)
class FeedSpec:
    """A feed an outlet publishes: its URL and the section it covers."""

    url: str
    section: str = "news"
    enabled: bool = True


@dataclass(slots=True)
class Outlet:
    """A news outlet in the registry."""

    slug: str
    name: str
    domains: list[str]
    country: str
    edition: str
    lean: str = "unknown"
    lean_source: str | None = None
    owner: str | None = None
    typology: str | None = None
    feeds: list[FeedSpec] = field(default_factory=list)
    enabled: bool = True


@dataclass(slots=True)
class RelatedLink:
    """An item from a page's related-items rail (or a link found in the body)."""

    title: str
    teaser: str | None = None
    byline: str | None = None
    edition: str | None = None
    kicker: str | None = None
    url: str | None = None


@dataclass(slots=True)
class ExtractedArticle:
    """What the extractor recovers from one page.

    ``text`` is the paragraphs joined by blank lines; ``error`` is set (and the rest may
    be empty) when the page could not be read, so a batch never loses track of an input.
    """

    url: str | None = None
    title: str | None = None
    standfirst: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    outlet: str | None = None
    language: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    error: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """The ``broadsheet extract --json`` record (CLI contract in docs/cli.md)."""
        return {
            "path": path,
            "url": self.url,
            "title": self.title,
            "standfirst": self.standfirst,
            "authors": list(self.authors),
            "published": self.published,
            "outlet": self.outlet,
            "language": self.language,
            "text": self.text,
            "paragraphs": list(self.paragraphs),
            "related": [asdict(link) for link in self.related],
            "error": self.error,
        }


@dataclass(slots=True)
class FeedEntry:
    """One item of a parsed feed."""

    url: str
    title: str | None = None
    summary: str | None = None
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    guid: str | None = None
