"""The verifier for rephrased sentences: nothing may appear that the sources do not say.

A rewrite of an extractive sentence is accepted only when

* every name-like term (a capitalised word or run of them, an acronym) it contains occurs in
  one of the cited articles;
* every number it contains occurs in a cited article, and it keeps every number of the
  original sentence (dropping "40" from "40 boats" loses the fact);
* every quoted passage in it occurs verbatim in a cited article;
* it keeps the original's negation (a "not" gained or lost flips the meaning);
* it is not empty and not much longer than the original.

These are the checks the issue names (names, numbers and quotes); the negation and length
rules are cheap guards against the commonest ways a fluent rewrite goes wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from broadsheet.write.sentences import normalise

_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without)\b|n't\b",
                       re.IGNORECASE)
# Capitalised only because a sentence starts with them.
_SENTENCE_WORDS_TEXT = (
    "a an the this that these those it its he she they we i in on at by for from to of and  "
    "but or so as after before when while if although though since with without however  "
    "meanwhile also still yet there here according under over about"
)
_SENTENCE_WORDS = frozenset(_SENTENCE_WORDS_TEXT.split())
MAX_GROWTH = 1.5


@dataclass(slots=True)
class Verdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)


def _names(text: str) -> set[str]:
    out = set()
    for match in _NAME.finditer(text):
        words = match.group(0).rstrip(".").split()
        while words and words[0].lower() in _SENTENCE_WORDS:
            words = words[1:]
        if words:
            out.add(" ".join(words))
    return out


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def verify_rewrite(original: str, rewrite: str | None, sources: Sequence[str]) -> Verdict:
    """Whether ``rewrite`` may replace ``original``, judged against the cited ``sources``."""
    if rewrite is None or not rewrite.strip():
        return Verdict(False, ["empty rewrite"])
    reasons: list[str] = []
    corpus = normalise(" ".join(sources))
    corpus_numbers = _numbers(corpus)
    text = normalise(rewrite)
    if len(text.split()) > MAX_GROWTH * len(original.split()) + 5:
        reasons.append("much longer than the original")
    for name in sorted(_names(text)):
        if name not in corpus:
            reasons.append(f"name not in the sources: {name}")
    for number in sorted(_numbers(text) - corpus_numbers):
        reasons.append(f"number not in the sources: {number}")
    for number in sorted(_numbers(normalise(original)) - _numbers(text)):
        reasons.append(f"drops the number {number}")
    for quoted in _QUOTED.findall(rewrite):
        if normalise(quoted) not in corpus:
            reasons.append(f"quote not in the sources: {quoted[:60]}")
    if bool(_NEGATION.search(original)) != bool(_NEGATION.search(rewrite)):
        reasons.append("negation added or removed")
    return Verdict(not reasons, reasons)
