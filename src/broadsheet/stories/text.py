"""Article text -> sparse weighted terms for story clustering.

No model: words of the title and the lead, stop words dropped, a light plural folding,
and *name-like* terms (runs of capitalised words such as "Kim Jong Un" or "North Korea",
acronyms, numbers) boosted, because the people, places and figures of an event are what
different outlets' reports of it share, while their wording differs.

Weights are TF-IDF with document frequencies counted as the stream goes, in a fixed-size
hashed table (``HashedIdf``): its size never grows, it snapshots as one byte string, and
a collision only blurs the rarity of two rare terms.

Everything here is on the clusterer's hot path, so per-word Python work is avoided: the
text is capped first; it is split on whitespace and counted in C; each distinct token
("Korea's", "(Reuters)") is analysed once by regex and memoised, so a warm stream maps
tokens to term keys with ``map(dict.__getitem__)``, also in C; one precompiled regex
finds the capitalised runs. Python loops only over new tokens and the per-term weights
(numpy).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter

import numpy as np

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

# Leading words stripped from a name-like phrase ("The White House", "President Joe Biden").
_NAME_PREFIX_TEXT = """
    the a an in on at of for and but or as by to from with after before when while if
    this that these those his her their its our my your we he she they it there here
    mr mrs ms dr sir president prime minister sen senator rep gov governor secretary
    king queen prince princess pope judge general gen chief former new said says
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
"""
_NAME_PREFIX_WORDS: frozenset[str] = frozenset(_NAME_PREFIX_TEXT.split())

_WORD_RE = re.compile(r"[^\W\d_]+|\d[\d,.]*\d|\d")
# Runs of capitalised words (and acronyms): "Kim Jong-un", "North Korea", "DPRK", "The".
_CAPS_RE = re.compile(r"[A-Z][A-Za-z]*(?:[ -][A-Z][A-Za-z]*)*")

_MEMO_LIMIT = 200_000  # bounded memos (cleared when full): a stream's vocabulary is open


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
    if n > 3 and word[-1] == "s" and word[-2] not in "su'" and not word[0].isdigit():
        return word[:-1]
    return word


class TermNormaliser:
    """Whitespace token -> term key ("" for none): lower-cased, stop words dropped, plurals
    folded, possessives and surrounding punctuation stripped ("Korea's" -> "korea").

    Memoised per distinct token (bounded), so a warm stream pays no Python per word.
    """

    __slots__ = ("_memo", "_runs", "_words")

    def __init__(self) -> None:
        self._memo: dict[str, str] = {}
        self._words: dict[str, str] = {}
        self._runs: dict[str, tuple[str, tuple[str, ...]]] = {}

    def word(self, word: str) -> str:
        """The term key of one lower-case word ("" for a stop word or a single letter)."""
        key = self._words.get(word)
        if key is None:
            key = "" if len(word) < 2 or word in STOP_WORDS else _fold(word)
            if key in STOP_WORDS:
                key = ""
            if len(self._words) >= _MEMO_LIMIT:
                self._words.clear()
            self._words[word] = key
        return key

    def token(self, token: str) -> str:
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
        for token in tokens:
            parts = _WORD_RE.findall(token.lower())
            if not parts:
                memo[token] = ""
            elif len(parts) == 1:
                memo[token] = self.word(parts[0])
            elif all(len(p) == 1 for p in parts):  # u.s., u.k.
                memo[token] = self.word("".join(parts))
            else:  # "korea's", "missile—a": the longest word carries the meaning
                memo[token] = self.word(max(parts, key=len))

    def keys(self, text: str) -> list[str]:
        """Term keys of ``text``'s tokens, in order ("" for dropped ones)."""
        tokens = text.replace("-", " ").split()
        memo = self._memo
        keys = list(map(memo.get, tokens))
        if None in keys:  # new tokens: analyse them once
            new = {tok for tok, key in zip(tokens, keys, strict=True) if key is None}
            if len(memo) + len(new) > _MEMO_LIMIT:
                memo.clear()
                new = set(tokens)
            self.learn(new)
            keys = list(map(memo.__getitem__, tokens))
        return keys  # type: ignore[return-value]

    def run(self, run: str) -> tuple[str, tuple[str, ...]]:
        """A run of capitalised words -> (name phrase or "", its words' term keys)."""
        found = self._runs.get(run)
        if found is not None:
            return found
        parts = run.replace("-", " ").lower().split()
        start = 0
        while start < len(parts) and parts[start] in _NAME_PREFIX_WORDS:
            start += 1
        parts = parts[start:]
        phrase = " ".join(parts) if len(parts) >= 2 else ""
        keys = tuple(k for k in map(self.word, parts) if k)
        found = (phrase, keys)
        if len(self._runs) >= _MEMO_LIMIT:
            self._runs.clear()
        self._runs[run] = found
        return found


def name_terms(text: str, normalise: TermNormaliser) -> tuple[list[str], set[str]]:
    """Name-like terms of ``text``: multi-word name phrases ("kim jong un", sorted) and
    single name-like words (capitalised or acronyms, stop words excluded), as term keys."""
    phrases: set[str] = set()
    words: set[str] = set()
    run = normalise.run
    for found in set(_CAPS_RE.findall(text)):
        phrase, keys = run(found)
        if phrase:
            phrases.add(phrase)
        words.update(keys)
    return sorted(phrases), words  # sorted: set order differs between processes


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
    body = lead(text, lead_chars)
    counts: dict[str, float] = Counter(normalise.keys(body))  # type: ignore[assignment]
    title_terms: dict[str, int] = Counter(normalise.keys(title)) if title else Counter()
    title_terms.pop("", None)
    get = counts.get
    for key, n in title_terms.items():
        counts[key] = get(key, 0) + n * title_weight
    counts.pop("", None)
    phrases, names = name_terms(body, normalise)
    for phrase in phrases:
        counts[phrase] = get(phrase, 0) + 1
    names.update(phrases)
    # Numbers of two or more digits are name-like too ("284 billion", "12 killed").
    names.update(k for k in counts if k[0].isdigit())
    names.intersection_update(counts)
    return counts, names, title_terms


def term_bucket(term: str, mask: int) -> int:
    """Stable bucket of a term (crc32: the same in every process, unlike ``hash``)."""
    return zlib.crc32(term.encode("utf-8")) & mask


class HashedIdf:
    """Running document frequencies in ``2**bits`` hashed counters (uint32, numpy).

    ``idf(df) = ln((1 + n) / (1 + df)) + 1`` (the smoothed form scikit-learn uses), so a
    term never seen before is as rare as a term can be and a term in every document still
    keeps a small positive weight.
    """

    __slots__ = ("_bucket_memo", "_mask", "counts", "n_docs")

    def __init__(self, bits: int = 20) -> None:
        self._mask = (1 << bits) - 1
        self.counts = np.zeros(1 << bits, dtype=np.uint32)
        self.n_docs = 0
        self._bucket_memo: dict[str, int] = {}

    def buckets(self, terms: list[str]) -> np.ndarray:
        memo = self._bucket_memo
        found = list(map(memo.get, terms))
        if None in found:
            if len(memo) + len(terms) > _MEMO_LIMIT:
                memo.clear()
            mask = self._mask
            for i, b in enumerate(found):
                if b is None:
                    found[i] = memo[terms[i]] = term_bucket(terms[i], mask)
        return np.array(found, dtype=np.int64)

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
        idf._bucket_memo = {}
        return idf
