"""Checks that a briefing only shows text its cited articles contain.

A summary or fact sentence must appear verbatim in its source article, at the recorded
span, after normalisation (Unicode forms, curly quotes, dashes, whitespace) and the
documented light trim (a dropped leading conjunction, hence case-folding the first
letter). Every further citation must report it too: a sentence of that article sharing
most of its content words. A quote must appear verbatim in its article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from broadsheet.write.briefing import (
    SUPPORT_OVERLAP,
    BriefArticle,
    Briefing,
    Extract,
    support_overlap,
)
from broadsheet.write.sentences import content_words, normalise, split_sentences, trim_sentence

__all__ = ["Problem", "check_briefing"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One unsupported piece of a briefing."""

    part: str  # "summary", "facts", "quotes" or "perspectives"
    index: int
    text: str
    reason: str


def _norm(text: str) -> str:
    return normalise(text).casefold()


def _check_extract(part: str, k: int, e: Extract, articles: Sequence[BriefArticle],
                   bags: list[list[frozenset[str]]]) -> list[Problem]:
    out: list[Problem] = []
    if not 0 <= e.article < len(articles):
        return [Problem(part, k, e.text, f"source article {e.article + 1} does not exist")]
    text = articles[e.article].text or ""
    want = _norm(e.text)
    if not want:
        return [Problem(part, k, e.text, "empty sentence")]
    if _norm(text[e.start : e.end]) != want:
        out.append(Problem(part, k, e.text, f"not the text at article {e.article + 1} "
                                            f"[{e.start}:{e.end}]"))
    if want not in _norm(text):
        out.append(Problem(part, k, e.text, f"not in article {e.article + 1}"))
    if not e.citations or e.citations[0] != e.article + 1:
        out.append(Problem(part, k, e.text, "the source article is not cited first"))
    bag = frozenset(content_words(e.text))
    for c in e.citations[1:]:
        if not 1 <= c <= len(articles):
            out.append(Problem(part, k, e.text, f"cites missing article {c}"))
        elif not any(support_overlap(bag, b) >= SUPPORT_OVERLAP for b in bags[c - 1]):
            out.append(Problem(part, k, e.text, f"article {c} does not report it"))
    return out


def check_briefing(briefing: Briefing, articles: Sequence[BriefArticle]) -> list[Problem]:
    """Every unsupported sentence, quote or statement of ``briefing``; empty when faithful."""
    # The same trimmed sentences the briefing compared, so support is judged alike.
    bags = [[frozenset(content_words(trim_sentence(s).text)) for s in split_sentences(a.text or "")]
            for a in articles]
    problems: list[Problem] = []
    for k, e in enumerate(briefing.summary_sentences):
        problems += _check_extract("summary", k, e, articles, bags)
    if _norm(briefing.summary) != _norm(" ".join(e.text for e in briefing.summary_sentences)):
        problems.append(Problem("summary", -1, briefing.summary,
                                "summary text differs from its recorded sentences"))
    for k, e in enumerate(briefing.facts):
        problems += _check_extract("facts", k, e, articles, bags)
    spans = [(q, "quotes") for q in briefing.quotes] + [
        (s, "perspectives") for g in briefing.perspectives for s in g["statements"]]
    for k, (item, part) in enumerate(spans):
        i = item["source"]["article"] - 1
        if not 0 <= i < len(articles) or _norm(item["text"]) not in _norm(articles[i].text):
            problems.append(Problem(part, k, item["text"], f"not in article {i + 1}"))
    if briefing.headline_article is not None and _norm(briefing.headline) != _norm(
        articles[briefing.headline_article].title
    ):
        problems.append(Problem("headline", 0, briefing.headline, "not the article's title"))
    return problems
