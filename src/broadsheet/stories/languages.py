"""Stop words of articles not written in English.

The clusterer drops English stop words only. In a stream that is mostly English, the
function words of another language ("le", "der", "que") are rare, so its IDF weighs them
like names, and every sentence-initial "Le" or "Die" even looks like a name: three French
articles about a bridge closure, a factory and a football final shared enough of them to
be one story. An article whose words are mostly not English stop words is therefore matched
against the curated stop-word lists of the ``stop-words`` package (33 languages), and the
list it covers best is dropped from its terms.

Finding the language by its stop words is the classic method for paragraphs of text
(the most frequent words of a language are its function words), needs no model, and is
a pure function of the article, so worker processes agree with the main one. English
articles never get here (``term_counts`` checks their share of English stop words first),
and their terms are exactly as before.
"""

from __future__ import annotations

import string
from collections import Counter
from functools import cache

# A text is taken for a language when this share of its words are that language's stop
# words. On the non-English pages of the extraction benchmark (ScrapingHub AEB) the best
# list covered 26-53 % of the words of German, Indonesian, Italian, Portuguese and Russian
# articles (23 % of a Portuguese race calendar); Korean, whose particles are written onto
# the words, 10-11 %.
MIN_COVERAGE = 0.2
_PUNCTUATION = string.punctuation + "«»“”‘’„‚–—…¿¡"
# Chinese and Japanese are split into character pairs instead (``stories.unspaced``).
_NOT_MATCHED = frozenset({"english", "chinese", "japanese"})


@cache
def _lists() -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The languages, and each stop word -> the languages (indexes) whose list has it."""
    from stop_words import AVAILABLE_LANGUAGES, get_stop_words

    names = tuple(sorted(set(AVAILABLE_LANGUAGES)))
    languages_of: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        for word in get_stop_words(name):
            languages_of.setdefault(word.strip().lower(), []).append(index)
    return names, {word: tuple(found) for word, found in languages_of.items() if word}


def detect_language(tokens: list[str]) -> str | None:
    """The language whose stop words make up the largest share (at least
    ``MIN_COVERAGE``) of these whitespace-split tokens, or None."""
    words = Counter(word for word in (t.strip(_PUNCTUATION).lower() for t in tokens) if word)
    total = sum(words.values())
    if not total:
        return None
    names, languages_of = _lists()
    hits = [0] * len(names)
    for word, n in words.items():
        for index in languages_of.get(word, ()):
            hits[index] += n
    best = max(range(len(names)), key=lambda i: (hits[i], names[i]))
    return names[best] if hits[best] >= MIN_COVERAGE * total else None


@cache
def stop_keys(language: str) -> frozenset[str]:
    """The term keys (as ``TermNormaliser`` makes them) of the language's stop words, but
    never a number (numbers are name-like: the figures of an event)."""
    from stop_words import get_stop_words

    from broadsheet.stories.text import TermNormaliser  # text imports this module

    normalise = TermNormaliser()
    keys = {normalise.token(word) for word in get_stop_words(language)}
    return frozenset(key for key in keys if key and not key[0].isdigit())


def foreign_stop_keys(tokens: list[str]) -> frozenset[str]:
    """The term keys to drop from an article of these tokens: its language's stop words,
    when that language is not English (nothing otherwise)."""
    language = detect_language(tokens)
    if language is None or language in _NOT_MATCHED:
        return frozenset()
    return stop_keys(language)
