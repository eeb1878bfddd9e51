"""The extractive briefing for one story: headline, standfirst, facts, perspectives, quotes.

Everything shown is text copied from a source article, and each piece records which
article and character span it came from, so ``faithfulness.check_briefing`` can verify it.
Scoring uses only the story's own articles (no model, no downloaded data): TF-IDF
centrality for the facts and headline; for the standfirst, the whole sentences that best
cover the story's weighted concepts (content words and bigrams; a concept weighs more the
more articles report it and the earlier they do) within the word budget.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from broadsheet.stories.rank import blindspot, coverage_by_lean, normalise_lean
from broadsheet.write.sentences import (
    Sentence,
    concepts,
    content_words,
    split_sentences,
    trim_sentence,
)

try:  # written in parallel; the briefing degrades to no perspectives/quotes without it
    from broadsheet.analyse.attribution import extract_attributions
except ImportError:  # pragma: no cover - only while the module is missing
    extract_attributions = None

__all__ = ["BriefArticle", "Briefing", "Extract", "compose_briefing", "support_overlap"]

FACT_SENTENCES = 30  # sentences per article considered as facts (bounds the pairwise work)
# The standfirst: a budgeted concept-coverage search (after Gillick & Favre's concept ILP).
SUMMARY_SENTENCES = 30  # leading sentences per article the standfirst draws on
SUMMARY_POOL = 20  # best single sentences the search combines (bounds the work)
SUMMARY_BEAM = 20  # partial standfirsts kept at each step of the search
POSITION_DECAY = 0.5  # per article, a concept first met in sentence p counts 1/(1 + 0.5 p)
SINGLE_SOURCE = 0.1  # factor for a concept only one of several articles reports
TITLE_BONUS = 1.0  # added to a concept that some article's title also uses
FILL_VALUE = 1.0  # a standfirst word is worth the candidates' mean concept weight per word
REDUNDANT_COSINE = 0.6  # a candidate this similar to a chosen sentence repeats it
MAX_FACTS = 6
MAX_PERSPECTIVES = 8
MAX_QUOTES = 6
SUPPORT_OVERLAP = 0.5  # share of the shorter sentence's content words found in the other
SUPPORT_MIN_SHARED = 3
DUPLICATE_OVERLAP = 0.5
_SIDES = {"left": "left", "lean-left": "left", "lean-right": "right", "right": "right",
          "center": "center"}
_PRONOUNS_TEXT = (
    "he she it they we i you there this that these those who which one some others"
)
_PRONOUNS = frozenset(_PRONOUNS_TEXT.split())
_NAME_RE = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|of|de|van|von))*(?<![\s.'’-])")
# Capitalised words that are never players.
_NOT_NAMES_TEXT = (
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december jan feb mar apr jun jul aug sep "
    "sept oct nov dec the a an in on at for but and"
)
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


@dataclass(slots=True)
class BriefArticle:
    """One article of a story, as the briefing needs it."""

    id: str
    outlet: str
    lean: str = "unknown"
    title: str = ""
    text: str = ""
    url: str | None = None
    published: str | None = None


@dataclass(slots=True)
class Extract:
    """A sentence shown in the briefing: its text, where it came from, and who reports it.

    ``article`` (0-based) holds the text verbatim at ``[start, end)`` (after the light trim);
    ``citations`` are 1-based article numbers: the source first, then supporting articles.
    """

    text: str
    article: int
    start: int
    end: int
    citations: list[int]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations),
                "source": {"article": self.article + 1, "start": self.start, "end": self.end}}


@dataclass(slots=True)
class Briefing:
    """The briefing for one story (``to_json`` is the CLI contract record)."""

    story: str | None
    headline: str
    headline_article: int | None
    summary: str
    summary_sentences: list[Extract]
    facts: list[Extract]
    perspectives: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    key_players: list[str]
    coverage: dict[str, Any]
    sources: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "headline": self.headline,
            "summary": self.summary,
            "facts": [f.to_json() for f in self.facts],
            "perspectives": self.perspectives,
            "quotes": self.quotes,
            "coverage": self.coverage,
            "sources": self.sources,
        }


@dataclass(slots=True)
class _Sent:
    article: int
    position: int
    sent: Sentence
    terms: list[str]
    bag: frozenset[str]
    n_words: int
    concepts: frozenset[str] = frozenset()


def _tfidf(terms: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(terms)
    vec = {t: (1 + math.log(c)) * idf.get(t, 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _centroid(vecs: Sequence[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for v in vecs:
        for t, x in v.items():
            out[t] += x
    norm = math.sqrt(sum(x * x for x in out.values())) or 1.0
    return {t: x / norm for t, x in out.items()}


def support_overlap(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Share of the smaller bag's content words found in the other (0 when too few shared)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    if shared < min(SUPPORT_MIN_SHARED, len(a), len(b)):
        return 0.0
    return shared / min(len(a), len(b))


def _sentences(articles: Sequence[BriefArticle]) -> list[list[_Sent]]:
    out = []
    for i, art in enumerate(articles):
        sents = []
        for pos, s in enumerate(split_sentences(art.text or "")):
            s = trim_sentence(s)
            terms = content_words(s.text)
            sents.append(_Sent(i, pos, s, terms, frozenset(terms), len(s.text.split()),
                               concepts(s.text) if pos < SUMMARY_SENTENCES else frozenset()))
        out.append(sents)
    return out


def _usable(s: _Sent) -> bool:
    # Datelines, bylines and fragments are too short; run-on boilerplate too long.
    # A lead excerpt cut off with "..." is not a whole statement.
    text = s.sent.text
    return (6 <= s.n_words <= 60 and len(s.bag) >= 3 and text[-1] in ".!?\"'”’)"
            and not text.endswith(("...", "…", "...\"", "…\"")))


def compose_briefing(
    articles: Sequence[BriefArticle], *, words: int = 100, story_id: str | None = None
) -> Briefing:
    """The extractive briefing for one story's articles (summary at most ``words`` words)."""
    sents = _sentences(articles)
    titles = [content_words(a.title or "") for a in articles]
    # IDF over the story's sentences and titles: words every sentence shares weigh little.
    docs = [s.bag for ss in sents for s in ss] + [frozenset(t) for t in titles if t]
    df: Counter[str] = Counter(t for d in docs for t in d)
    n = max(len(docs), 1)
    idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
    vec = {(s.article, s.position): _tfidf(s.terms, idf) for ss in sents for s in ss}
    art_vec = [_centroid([vec[(s.article, s.position)] for s in ss[:FACT_SENTENCES]])
               for ss in sents]

    def centrality(s: _Sent) -> float:
        # Similarity to the other outlets' coverage: what they all report is the story.
        others = [art_vec[j] for j in range(len(articles)) if j != s.article and art_vec[j]]
        v = vec[(s.article, s.position)]
        if not others:
            return _cos(v, art_vec[s.article])
        return sum(_cos(v, o) for o in others) / len(others)

    head_i, headline = _headline(articles, titles, idf, art_vec)
    summary_sents = _summary(articles, sents, vec, words)
    facts = _facts(articles, sents, vec, centrality, summary_sents)
    summary_extracts = [_extract(s, articles, sents) for s in summary_sents]
    perspectives, quotes, speakers = _perspectives(articles)
    leans = [normalise_lean(a.lean) for a in articles]
    return Briefing(
        story=story_id,
        headline=headline,
        headline_article=head_i,
        summary=" ".join(e.text for e in summary_extracts),
        summary_sentences=summary_extracts,
        facts=facts,
        perspectives=perspectives,
        quotes=quotes,
        key_players=_key_players(articles, speakers),
        coverage={"by_lean": coverage_by_lean(leans), "blindspot": blindspot(leans)},
        sources=[{"outlet": a.outlet, "title": a.title, "url": a.url, "lean": leans[i]}
                 for i, a in enumerate(articles)],
    )


def _headline(
    articles: Sequence[BriefArticle],
    titles: list[list[str]],
    idf: dict[str, float],
    art_vec: list[dict[str, float]],
) -> tuple[int | None, str]:
    tvecs = [_tfidf(t, idf) if t else {} for t in titles]
    body = _centroid([v for v in art_vec if v])
    best, best_score = None, -1.0
    for i, tv in enumerate(tvecs):
        if not tv:
            continue
        others = [_cos(tv, o) for j, o in enumerate(tvecs) if j != i and o]
        score = (sum(others) / len(others) if others else 0.0) + _cos(tv, body)
        if score > best_score + 1e-9:
            best, best_score = i, score
    if best is None:
        return None, ""
    return best, " ".join(articles[best].title.split())


def _concept_weights(articles: Sequence[BriefArticle],
                     sents: list[list[_Sent]]) -> dict[str, float]:
    # What several outlets report, early in their articles, is what the story is.
    weight: dict[str, float] = defaultdict(float)
    reported: Counter[str] = Counter()
    for ss in sents:
        first: dict[str, int] = {}
        for s in ss:
            for c in s.concepts:
                first.setdefault(c, s.position)
        reported.update(first.keys())
        for c, p in first.items():
            weight[c] += 1.0 / (1.0 + POSITION_DECAY * p)
    in_titles = frozenset().union(*(concepts(a.title or "") for a in articles))
    for c in in_titles & weight.keys():
        weight[c] += TITLE_BONUS
    if sum(1 for ss in sents if ss) >= 2:
        for c, n in reported.items():
            if n < 2:
                weight[c] *= SINGLE_SOURCE
    return weight


def _summary(articles: Sequence[BriefArticle], sents: list[list[_Sent]],
             vec: dict[tuple[int, int], dict[str, float]], words: int) -> list[_Sent]:
    """Whole sentences, at most ``words`` words, covering the most concept weight.

    The value of a standfirst is the weight of the distinct concepts it covers (so saying
    a thing twice earns nothing) plus a value per word (so the length the reader asked for
    is used: a set that fills the budget beats a shorter one that covers about as much). A
    beam search over sentence sets finds a good one; near-repeats are never combined.
    """
    weight = _concept_weights(articles, sents)

    def gain(s: _Sent) -> float:
        return sum(weight[c] for c in s.concepts)

    pool = sorted((s for ss in sents for s in ss[:SUMMARY_SENTENCES]
                   if _usable(s) and s.n_words <= words),
                  key=lambda s: (-gain(s), s.article, s.position))[:SUMMARY_POOL]
    if not pool:
        return []
    per_word = sum(gain(s) / s.n_words for s in pool) / len(pool) * FILL_VALUE
    vecs = [vec[(s.article, s.position)] for s in pool]
    repeats = [{j for j in range(len(pool)) if j != k and _cos(v, vecs[j]) >= REDUNDANT_COSINE}
               for k, v in enumerate(vecs)]
    # A state: (value, chosen pool indices, covered concepts, words used).
    beam: list[tuple[float, tuple[int, ...], frozenset[str], int]] = [(0.0, (), frozenset(), 0)]
    best: tuple[float, tuple[int, ...]] = (0.0, ())
    seen: set[frozenset[int]] = set()
    while beam:
        grown = []
        for value, chosen, covered, used in beam:
            for k, s in enumerate(pool):
                if k in chosen or used + s.n_words > words or repeats[k].intersection(chosen):
                    continue
                ids = frozenset((*chosen, k))
                if ids in seen:
                    continue
                seen.add(ids)
                new = s.concepts - covered
                grown.append((value + sum(weight[c] for c in new) + per_word * s.n_words,
                              (*chosen, k), covered | new, used + s.n_words))
        grown.sort(key=lambda g: (-g[0], sorted(g[1])))
        beam = grown[:SUMMARY_BEAM]
        if beam and beam[0][0] > best[0] + 1e-9:
            best = (beam[0][0], beam[0][1])
    # Reading order: lead sentences first, then by article.
    return sorted((pool[k] for k in best[1]), key=lambda s: (s.position, s.article))


def _supporters(s: _Sent, sents: list[list[_Sent]]) -> list[int]:
    out = []
    for j, ss in enumerate(sents):
        if j != s.article and any(support_overlap(s.bag, t.bag) >= SUPPORT_OVERLAP for t in ss):
            out.append(j)
    return out


def _extract(s: _Sent, articles: Sequence[BriefArticle], sents) -> Extract:
    supporters = _supporters(s, sents)
    return Extract(_display(s.sent.text), s.article, s.sent.start, s.sent.end,
                   [s.article + 1] + [j + 1 for j in supporters])


def _facts(articles, sents, vec, centrality, summary: list[_Sent]) -> list[Extract]:
    ranked = []
    for ss in sents:
        for s in ss[:FACT_SENTENCES]:
            if not _usable(s):
                continue
            sup = _supporters(s, sents)
            outlets = {articles[j].outlet for j in sup} - {articles[s.article].outlet}
            ranked.append((-len(outlets), -centrality(s), s.article, s.position, s, sup))
    ranked.sort(key=lambda r: r[:4])
    # Facts may repeat the standfirst (a reader may skip it), never each other.
    taken: list[frozenset[str]] = []
    facts: list[Extract] = []
    for *_, s, sup in ranked:
        if len(facts) >= MAX_FACTS:
            break
        if any(support_overlap(s.bag, t) >= DUPLICATE_OVERLAP for t in taken):
            continue  # says what a chosen sentence already says
        taken.append(s.bag)
        facts.append(Extract(_display(s.sent.text), s.article, s.sent.start, s.sent.end,
                             [s.article + 1] + [j + 1 for j in sup]))
    return facts


def _display(text: str) -> str:
    # The documented whitespace trim: runs of spaces, NBSPs and line breaks become one space.
    return " ".join(text.split())


def _speaker(a: Any) -> str | None:
    name = a.speaker or (a.source.text if a.source else None)
    if not name:
        return None
    name = " ".join(name.split())
    if name.casefold() in _PRONOUNS or not any(c.isupper() for c in name):
        return None  # "he", "officials": not a speaker a reader can place
    return name


def _perspectives(
    articles: Sequence[BriefArticle],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Counter[str]]:
    if extract_attributions is None:
        return [], [], Counter()
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    quotes: list[dict[str, Any]] = []
    seen_quotes: set[str] = set()
    speakers: Counter[str] = Counter()
    for i, art in enumerate(articles):
        lean = normalise_lean(art.lean)
        for a in extract_attributions(art.text or ""):
            who = _speaker(a)
            span = a.content
            if who is None or len(span.text.split()) < 5:
                continue
            speakers[who] += 1
            item = {"text": span.text, "kind": a.kind,
                    "source": {"article": i + 1, "start": span.start, "end": span.end}}
            g = groups.setdefault((who.casefold(), i), {
                "speaker": who, "outlet": art.outlet, "lean": lean, "article": i + 1,
                "statements": []})
            g["statements"].append(item)
            key = " ".join(span.text.casefold().split())
            if a.kind == "direct" and key not in seen_quotes and len(quotes) < MAX_QUOTES:
                seen_quotes.add(key)
                quotes.append({"text": span.text, "speaker": who, "outlet": art.outlet,
                               "lean": lean, "source": item["source"]})
    # Most-quoted speakers first; then make sure each side present gets a voice.
    ordered = sorted(groups.values(), key=lambda g: (-speakers[g["speaker"]],
                                                     -len(g["statements"]), g["article"]))
    chosen: list[dict[str, Any]] = []
    for side in ("left", "right", "center"):
        pick = next((g for g in ordered if _SIDES.get(g["lean"]) == side), None)
        if pick is not None:
            chosen.append(pick)
    for g in ordered:
        if len(chosen) >= MAX_PERSPECTIVES:
            break
        if g not in chosen:
            chosen.append(g)
    chosen.sort(key=lambda g: ordered.index(g))
    return chosen, quotes, speakers


def _key_players(articles: Sequence[BriefArticle], speakers: Counter[str]) -> list[str]:
    # Name-like terms counted once per outlet, so one wordy article does not dominate.
    outlets: dict[str, set[str]] = defaultdict(set)
    for art in articles:
        for s in split_sentences(art.text or ""):
            for m in _NAME_RE.finditer(s.text):
                name = m.group()
                if m.start() == 0 and " " not in name:
                    continue  # a capitalised first word is usually just a sentence start
                if name.casefold() in _PRONOUNS | _NOT_NAMES or len(name) < 3:
                    continue
                outlets[name].add(art.outlet)
    score = Counter({k: len(v) for k, v in outlets.items()})
    for who, c in speakers.items():
        score[who] += c
    return [name for name, c in score.most_common(8) if c >= 2]
