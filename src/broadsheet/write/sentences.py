"""Sentence splitting with character offsets, and the text normalisation the checks share.

A rule splitter (no model, no downloaded data): a sentence ends at ``.``, ``!`` or ``?``
(plus closing quotes/brackets) followed by space and a plausible sentence start, or at a
line break. Common abbreviations and initials do not end a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "STOPWORDS",
    "Sentence",
    "concepts",
    "content_words",
    "normalise",
    "split_sentences",
    "trim_sentence",
    "words",
]

# Abbreviations that end with a dot but rarely end a sentence (lowercased, without the dot).
_ABBREV_TEXT = (
    "mr mrs ms dr prof sen rep gov gen col lt sgt capt st jr sr vs etc inc corp co ltd "
    "jan feb mar apr aug sept sep oct nov dec u.s u.k u.n d.c no vol fig approx est dept "
    "rev hon pres supt cmdr adm maj"
)
_ABBREV = frozenset(_ABBREV_TEXT.split())
_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_START_RE = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9]")
_LEAD_CONJ_RE = re.compile(r"^(?:and|but|so|or|yet|also|meanwhile|however),?\s+", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")

STOPWORDS_TEXT = (
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself said says say told according mr mrs ms new one two would could may might
    must shall us s t"""
)
STOPWORDS = frozenset(STOPWORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text: ``source[start:end] == text``."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` with their character offsets, in order, stripped."""
    out: list[Sentence] = []
    for block in re.finditer(r"[^\n]+", text):  # a line break always ends a sentence
        base = block.start()
        line = block.group()
        cut = 0
        for m in _END_RE.finditer(line):
            end = m.end()
            if not _START_RE.match(line, end):
                continue
            if m.group()[0] == "." and _is_abbreviation(line, m.start()):
                continue
            _add(out, text, base + cut, base + end)
            cut = end
        _add(out, text, base + cut, base + len(line))
    return out


def _is_abbreviation(line: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", line[:dot])
    token = word.group().lower() if word else ""
    # A single capital letter is an initial ("John F. Kennedy").
    return token in _ABBREV or (len(token) == 1 and line[dot - 1].isupper())


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def trim_sentence(sentence: Sentence) -> Sentence:
    """The documented light trim: a leading conjunction ("But", "And", ...) is dropped.

    The result is still a contiguous span of the source, so offsets stay exact.
    """
    m = _LEAD_CONJ_RE.match(sentence.text)
    if not m or len(sentence.text) - m.end() < 20:
        return sentence
    rest = sentence.text[m.end() :]
    rest = rest[0].upper() + rest[1:] if rest[0].islower() else rest
    # Capitalising the first letter is part of the trim; the checker folds case there.
    return Sentence(sentence.start + m.end(), sentence.end, rest)


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'",
                         "—": "-", "–": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    """Folds quotes, dashes, Unicode forms and whitespace, so copies of a text compare equal."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    """Word tokens (lowercased)."""
    return [w.lower().replace("’", "'") for w in _WORD_RE.findall(text)]


def _fold(w: str) -> str:
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def content_words(text: str) -> list[str]:
    """Words that carry content: not stopwords, not one letter; crude plural folding."""
    out = []
    for w in words(text):
        if w in STOPWORDS or len(w) < 2:
            continue
        out.append(_fold(w))
    return out


def concepts(text: str) -> frozenset[str]:
    """The units of information a summary can cover: content words and word bigrams.

    Bigrams are adjacent (folded) words, kept unless both are stopwords, written with a
    space ("city council"); a single content word never contains one, so the two kinds
    cannot collide.
    """
    toks = [_fold(w) for w in words(text)]
    out = {w for w in toks if w not in STOPWORDS and len(w) > 1}
    out.update(f"{a} {b}" for a, b in pairwise(toks)
               if not (a in STOPWORDS and b in STOPWORDS))
    return frozenset(out)
