"""Article text -> sparse weighted terms for story clustering.

No model: words of the title and the lead, stop words dropped, a light plural folding,
and *name-like* terms boosted (capitalised words, hence every word of "Kim Jong Un" or
"North Korea"; acronyms; numbers), because the people, places and figures of an event are
what different outlets' reports of it share, while their wording differs.

Weights are TF-IDF with document frequencies counted as the stream goes, in a fixed-size
hashed table (``HashedIdf``): its size never grows, it snapshots as one byte string, and
a collision only blurs the rarity of two rare terms.

Everything here is on the clusterer's hot path (profiled: tokenising dominated), so
per-word Python work is avoided: the text is capped first; it is split on whitespace in
C; each distinct token ("Korea's", "(Reuters)", "DPRK") is analysed once by precompiled
regexes and memoised (its term key and whether it looks like a name), so a warm stream
maps tokens to keys with ``map(dict.get)`` and counts them with ``Counter``, both in C.
Python loops only over tokens never seen before. Multi-word name phrases were tried as
extra features and measured no better on giveme-newscluster, at ~100 µs per article.
Chinese and Japanese text, written without spaces between words, is split into
overlapping character pairs first (``stories.unspaced``).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from typing import NamedTuple

import numpy as np

from broadsheet.stories.languages import foreign_stop_keys
from broadsheet.stories.unspaced import character_pairs

# sklearn's English list plus words every news report uses whatever the event is.
_STOP_TEXT = """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst amoungst amount an and another any anyhow anyone
    anything anyway anywhere are around as at back be became because become becomes
    becoming been before beforehand behind being below beside besides between beyond bill
    both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even
    ever every everyone everything everywhere except few fifteen fifty fill find fire first
    five for former formerly forty found four from front full further get give go had has
    hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself
    his how however hundred ie if in inc indeed interest into is it its itself keep last
    latter latterly least less ltd made many may me meanwhile might mill mine more moreover
    most mostly move much must my myself name namely neither never nevertheless next nine
    no nobody none noone nor not nothing now nowhere of off often on once one only onto or
    other others otherwise our ours ourselves out over own part per perhaps please put
    rather re same see seem seemed seeming seems serious several she should show side since
    sincere six sixty so some somehow someone something sometime sometimes somewhere still
    such system take ten than that the their them themselves then thence there thereafter
    thereby therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while whither
    who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    said says say saying told tell tells according reported reports report reporting news
    just like told asked added including new year years day days week weeks month months
    time times people thing things way going want wants make makes did does don didn doesn
    isn wasn aren won ll ve re got get gets took told think know says mr mrs ms dr
    photo photos image images getty copyright reserved rights updated update advertisement
    read click share email subscribe follow video watch story stories article sign
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_TEXT.split())


_WORD_RE = re.compile(r"[^\W\d_]+|\d[\d,.]*\d|\d")
_CAPITAL_RE = re.compile(r"\W*[A-Z]")  # a token whose first letter is a capital

_MEMO_LIMIT = 200_000  # bounded memos (cleared when full): a stream's vocabulary is open
# Share of English stop words (with punctuation and single letters) below which an
# article's language is looked for (``stories.languages``): every article of giveme-
# newscluster and allsides-roundups has at least 27 %, and 11 of their 1,763 less than
# this; the non-English pages of the extraction benchmark have 0-31 %. From this many
# tokens up: fewer say too little about the language.
ENGLISH_SHARE = 0.35
FOREIGN_MIN_TOKENS = 20
# The story stage and the briefings read at most this much of an article (cut at a word):
# about 16,000 words, more than a long read. A longer "article" (a book, a log file, a
# hostile page) cost seconds and hundreds of megabytes of shingles and sentences per
# 5 MB, for nothing a story or a briefing can use; the store keeps the whole text.
MAX_ARTICLE_CHARS = 100_000
# Headlines run to 200 characters at most; a longer "title" is a page whose text landed in
# it, and read whole it would cost seconds (a hostile or broken page).
TITLE_CHARS = 300


def lead(text: str, max_chars: int) -> str:
    """The first ``max_chars`` characters of ``text``, cut back to a word boundary."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars // 2, max_chars)
    return text[: cut if cut > 0 else max_chars]


def _fold(word: str) -> str:
    """A deliberately tiny plural folding: missiles -> missile, countries -> country."""
    n = len(word)
    if n > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    # Not "-ss", "-us", "-is": glass, status, crisis, Paris are not plurals.
    if n > 3 and word[-1] == "s" and word[-2] not in "siu'" and not word[0].isdigit():
        return word[:-1]
    return word


class TermNormaliser:
    """Whitespace token -> term key ("" for none): lower-cased, stop words dropped, plurals
    folded, possessives and surrounding punctuation stripped ("Korea's" -> "korea").

    Memoised per distinct token (bounded), so a warm stream pays no Python per word.
    """

    __slots__ = ("_memo", "_named", "_words")

    def __init__(self) -> None:
        self._memo: dict[str, str] = {}
        self._named: set[str] = set()  # memoised tokens that look like names ("Korea's")
        self._words: dict[str, str] = {}

    def word(self, word: str) -> str:
        """The term key of one lower-case word ("" for a stop word or a single letter)."""
        key = self._words.get(word)
        if key is None:
            if word[0].isdigit():  # "2,000" -> "2000": numbers are all digits
                key = word.replace(",", "").replace(".", "")
                key = key if len(key) > 1 else ""
            else:
                key = "" if len(word) < 2 or word in STOP_WORDS else _fold(word)
                if key in STOP_WORDS:
                    key = ""
            if len(self._words) >= _MEMO_LIMIT:
                self._words.clear()
            self._words[word] = key
        return key

    def token(self, token: str) -> str:  # for callers outside the hot path
        """The term key of one whitespace-separated token (memoised)."""
        key = self._memo.get(token)
        if key is None:
            self.learn({token})
            key = self._memo[token]
        return key

    def learn(self, tokens: set[str]) -> None:
        """Analyse and memoise ``tokens`` (all of them are in the memo afterwards)."""
        memo = self._memo
        if len(memo) + len(tokens) > _MEMO_LIMIT:
            memo.clear()
            self._named.clear()
        named = self._named
        for token in tokens:
            lower = token.lower()
            if lower.isalpha():  # most tokens: one plain word (what the regex would find)
                key = self.word(lower)
                memo[token] = key
                if key and "A" <= token[0] <= "Z":
                    named.add(token)
                continue
            parts = _WORD_RE.findall(lower)
            if not parts:
                key = ""
            elif len(parts) == 1:
                key = self.word(parts[0])
            elif all(len(p) == 1 for p in parts):  # u.s., u.k.
                key = self.word("".join(parts))
            else:  # "korea's", "missile—a": the longest word carries the meaning
                key = self.word(max(parts, key=len))
            memo[token] = key
            if key and not key.isdigit() and _CAPITAL_RE.match(token):
                named.add(token)

    def count(self, tokens: list[str]) -> Counter[str]:
        """Term key -> count over whitespace-split tokens ("" collects dropped ones).

        Keys come in text order (first occurrence) whatever the memo holds, so the result
        is a pure function of ``tokens``: a restored clusterer, or a worker process with
        its own memo, weighs ties exactly as an uninterrupted one.
        """
        memo = self._memo
        counts = Counter(map(memo.get, tokens))  # one C-level pass on a warm memo
        if None in counts:  # new tokens: analyse them once, then count again in order
            new = set(tokens).difference(memo)
            if len(memo) + len(new) > _MEMO_LIMIT:
                memo.clear()
                self._named.clear()
                new = set(tokens)
            self.learn(new)
            counts = Counter(map(memo.__getitem__, tokens))
        return counts  # type: ignore[return-value]


def term_counts(
    title: str,
    text: str,
    normalise: TermNormaliser,
    *,
    title_weight: float,
    lead_chars: int,
) -> tuple[dict[str, float], set[str], dict[str, int]]:
    """Weighted term counts of one article, its name-like term keys, its title's terms.

    The title counts ``title_weight`` times (it states the event in a few words); the body
    contributes its first ``lead_chars`` characters (news is written lead-first: what
    happened, who and where come first; background and unrelated rails come later).
    """
    return _term_counts(
        title, text, normalise, title_weight=title_weight, lead_chars=lead_chars
    )[:3]


def _term_counts(
    title: str,
    text: str,
    normalise: TermNormaliser,
    *,
    title_weight: float,
    lead_chars: int,
) -> tuple[dict[str, float], set[str], dict[str, int], bool]:
    """``term_counts``, and whether its names are the title's (the body had none)."""
    body = character_pairs(lead(text, lead_chars))
    tokens = body.replace("-", " ").split()
    counts: dict[str, float] = normalise.count(tokens)  # type: ignore[assignment]
    # Few English stop words ("" counts them, with punctuation and single letters): maybe
    # another language, whose own function words would look rare and name-like here.
    foreign: frozenset[str] = frozenset()
    if len(tokens) >= FOREIGN_MIN_TOKENS and counts.get("", 0) < ENGLISH_SHARE * len(tokens):
        foreign = foreign_stop_keys(tokens)
    # Name-like: tokens whose first letter is a capital ("Korea's", "DPRK", "Jong"), so
    # every word of a multi-word name ("Kim Jong Un", "North Korea"); sentence-initial
    # words mostly are stop words. Taken before the title is analysed (a memo reset there
    # must not change the body's names).
    memo = normalise._memo
    names = set(map(memo.__getitem__, normalise._named.intersection(tokens)))
    title_tokens = character_pairs(lead(title, TITLE_CHARS)).replace("-", " ").split()
    title_terms: dict[str, int] = normalise.count(title_tokens) if title else Counter()
    title_names = not names
    if title_names:
        # No body to find names in (a headline-only record, a feed item without a
        # summary): the title's capitalised words stand in. Without names such an article
        # had no name boost, and no remembered story could ever be found for it.
        named = normalise._named.intersection(title_tokens)
        names.update(map(normalise._memo.__getitem__, named))
    title_terms.pop("", None)
    get = counts.get
    for key, n in title_terms.items():
        counts[key] = get(key, 0) + n * title_weight
    counts.pop("", None)
    names.discard("")
    if foreign:
        for key in foreign.intersection(counts):
            del counts[key]
        for key in foreign.intersection(title_terms):
            del title_terms[key]
        names -= foreign
    # Numbers of two or more digits are name-like too ("284 billion", "12 killed").
    names.update(filter(str.isdigit, counts))
    return counts, names, title_terms, title_names


class Features(NamedTuple):
    """One article tokenised: everything the clusterer takes from its text.

    A pure function of the title, the text and the settings (``featurise``), so worker
    processes can compute it for the clusterer (``stories.workers`` sends it across).
    """

    terms: list[str]  # term keys in text order (first occurrence)
    tf: np.ndarray  # 1 + ln(weighted count) of each term
    buckets: np.ndarray  # each term's document-frequency bucket
    named: np.ndarray  # whether each term is name-like
    title_terms: list[str]  # the title's term keys
    title_tf: np.ndarray
    title_buckets: np.ndarray
    title_named: np.ndarray
    # The body had no names (a headline-only record): the title's capitalised words
    # stood in, and the clusterer's name tests ask for fewer of them.
    title_names: bool = False


_NO_FLOATS = np.zeros(0)
_NO_INTS = np.zeros(0, np.int64)
_NO_FLAGS = np.zeros(0, bool)
EMPTY_FEATURES = Features([], _NO_FLOATS, _NO_INTS, _NO_FLAGS, [], _NO_FLOATS, _NO_INTS, _NO_FLAGS)


def featurise(
    title: str,
    text: str,
    normalise: TermNormaliser,
    *,
    title_weight: float,
    lead_chars: int,
    bucket_mask: int,
) -> Features:
    """``term_counts`` as arrays, with each term's bucket in a ``HashedIdf`` of that mask."""
    counts, names, title_counts, title_names = _term_counts(
        title, text, normalise, title_weight=title_weight, lead_chars=lead_chars
    )
    if not counts:
        return EMPTY_FEATURES
    terms = list(counts)
    n = len(terms)
    title_terms = list(title_counts)
    m = len(title_terms)
    return Features(
        terms,
        1.0 + np.log(np.fromiter(counts.values(), float, n)),
        term_buckets(terms, bucket_mask),
        np.fromiter(map(names.__contains__, terms), bool, n),
        title_terms,
        1.0 + np.log(np.fromiter(title_counts.values(), float, m)),
        term_buckets(title_terms, bucket_mask) if m else _NO_INTS,
        np.fromiter(map(names.__contains__, title_terms), bool, m),
        title_names,
    )


def term_buckets(terms: list[str], mask: int) -> np.ndarray:
    """crc32 of each term's UTF-8 bytes, masked: the same in every process, unlike
    ``hash`` (C-level maps: no Python per term)."""
    crcs = np.fromiter(map(zlib.crc32, map(str.encode, terms)), np.int64, len(terms))
    return crcs & mask


class HashedIdf:
    """Running document frequencies in ``2**bits`` hashed counters (uint32, numpy).

    ``idf(df) = ln((1 + n) / (1 + df)) + 1`` (the smoothed form scikit-learn uses), so a
    term never seen before is as rare as a term can be and a term in every document still
    keeps a small positive weight.
    """

    __slots__ = ("_mask", "counts", "n_docs")

    def __init__(self, bits: int = 20) -> None:
        self._mask = (1 << bits) - 1
        self.counts = np.zeros(1 << bits, dtype=np.uint32)
        self.n_docs = 0

    @property
    def mask(self) -> int:
        return self._mask

    def buckets(self, terms: list[str]) -> np.ndarray:
        """Each term's bucket (see ``term_buckets``)."""
        return term_buckets(terms, self._mask)

    def add_document(self, buckets: np.ndarray) -> np.ndarray:
        """Count one document (each bucket once) and return the updated frequencies."""
        self.counts[buckets] += 1  # fancy assignment: a repeated bucket counts once
        self.n_docs += 1
        return self.counts[buckets]

    def idf(self, df: np.ndarray) -> np.ndarray:
        return np.log((1.0 + self.n_docs) / (1.0 + df)) + 1.0

    def to_bytes(self) -> bytes:
        return self.counts.astype("<u4", copy=False).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, n_docs: int) -> HashedIdf:
        counts = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        size = len(counts)
        if size < 2 or size & (size - 1):
            raise ValueError("document-frequency table size is not a power of two")
        idf = cls.__new__(cls)
        idf._mask = size - 1
        idf.counts = counts
        idf.n_docs = n_docs
        return idf
