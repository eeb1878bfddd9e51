"""The crossword's vocabulary: real words and names from stored articles and briefings, each
with a sentence to clue it from.

**Real words.** A lower-case word is real when the public-domain Webster's Second word list
(``web2``, shipped by the ``english-words`` package; MIT code, public-domain list) has it, or
has its stem under a small set of English inflection rules (``votes``, ``voted``, ``voting``,
``taxes``, ``cities``, ``bigger``), because web2 lists headwords only; web2 spells the
American way, so a British spelling counts when its American form does (``harbour``,
``organise``, ``centre``). Only web2 is used: the package's other list (GCIDE) is GPL. A
capitalised word is a name when the sources themselves write it capitalised in mid-sentence
(in at least two articles, or once when web2 lists it as a proper noun); an all-capital
abbreviation (``NATO``, ``FBI``) is a name when at least two articles use it. A capitalised
token followed by a dot inside a sentence ("Sen.", "Ore.", "Aug.") is taken for an
abbreviation and ignored, and so are weekdays and months as names. Words on a small
blocklist are never used. Nothing is downloaded: the word list is read from the installed
package.

**Fill words** are the real words and names of stored articles, each with the best sentence
that contains it (a sentence of medium length, that uses the word once, preferably from the
puzzle's week). The article window starts with the week (the seven days ending on the
puzzle's date) and widens to 30, 90 and 365 days, then to every stored article published by
then, then to every stored article, until the vocabulary is big enough for the grid.

**Theme answers** come from the briefings of the week's stories: the key players (the whole
name, and a person's surname), proper names used in mid-sentence (places, bodies) and the
terms a briefing repeats. Each is clued from a briefing sentence (summary or fact) that
contains it.

**Clues** are the source sentence with the answer blanked (``___``); a long sentence is cut
to a window of words around the blank. Every clue keeps its source: ``{"kind": "article",
"article_id", "sentence"}`` or ``{"kind": "briefing", "story_id", "sentence"}``, where
``sentence`` is an exact substring of the stored article text or briefing record.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadsheet.store.schema import ArticleRow, BriefingRow, StoryRow
from broadsheet.write.sentences import STOPWORDS, split_sentences

__all__ = [
    "FUNCTION_WORDS",
    "Vocabulary",
    "WordInfo",
    "blank_clue",
    "briefing_sentences",
    "is_blocked",
    "is_dictionary_word",
    "load_vocabulary",
]

# ---------------------------------------------------------------------------------------
# The dictionary


@lru_cache(maxsize=1)
def _web2() -> tuple[frozenset[str], frozenset[str]]:
    """(lower-case headwords, proper nouns lower-cased) of the web2 list."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], alpha=True)
    lower = frozenset(w for w in words if w.isalpha() and w.isascii() and w.islower())
    proper = frozenset(
        w.lower() for w in words if w.isalpha() and w.isascii() and w[:1].isupper()
    )
    return lower, proper


_VOWELS = set("aeiouy")


def _stems(word: str) -> Iterable[str]:
    """Candidate stems of an inflected form (plural, past, -ing, comparative)."""
    n = len(word)
    if n > 3 and word.endswith("s") and not word.endswith("ss"):
        yield word[:-1]
        if word.endswith("ies") and n > 4:
            yield word[:-3] + "y"
        if word.endswith("es"):
            yield word[:-2]
    for suffix in ("ed", "er", "est", "ing"):
        if n - len(suffix) < 3 or not word.endswith(suffix):
            continue
        base = word[: -len(suffix)]
        yield base
        yield base + "e"
        if base.endswith("i"):
            yield base[:-1] + "y"
        if len(base) > 3 and base[-1] == base[-2] and base[-1] not in _VOWELS:
            yield base[:-1]


_BRITISH = (
    (re.compile(r"our(s|ed|ing|ite|ites|able)?$"), r"or\1"),  # harbour, favourite
    (re.compile(r"is(e|es|ed|ing|ation|ations)$"), r"iz\1"),  # organise, organisation
    (re.compile(r"tre(s)?$"), r"ter\1"),  # centre, theatres
    (re.compile(r"([aeiou])ll(ed|ing|er|ers)$"), r"\1l\2"),  # travelled, cancelling
    (re.compile(r"ogue(s)?$"), r"og\1"),  # catalogue
)


@lru_cache(maxsize=200_000)
def is_dictionary_word(word: str) -> bool:
    """Whether a lower-case word is in web2 or inflects a web2 headword (web2 spells the
    American way: a British spelling counts when its American form does)."""
    lower, _ = _web2()
    for form in _spellings(word):
        if form in lower or any(stem in lower for stem in _stems(form)):
            return True
    return False


def _spellings(word: str) -> list[str]:
    out = [word]
    for pattern, american in _BRITISH:
        changed = pattern.sub(american, word)
        if changed != word and len(changed) >= 3:
            out.append(changed)
    return out


def is_proper_noun(word: str) -> bool:
    """Whether web2 lists ``word`` (any case) as a proper noun."""
    return word.lower() in _web2()[1]


# Offensive words are never answers (ROT13, so the source does not spell them out). A word
# counts as blocked when it is listed, or is a listed word plus s/es/ed/ing/er.
_BLOCKED_ROT13 = (
    "shpx fuvg phag qvpx pbpx chffl onfgneq ovgpu jnax junpx gjng fyhg jubefr snt snttbg "
    "avttre avttn xvxr fcvp puvax tbbx jrgonpx ergneq fcnfgvp qlxr genaal unyrenl fdhnj "
    "erqfxva pbba qnexvr fnzob wvc tlc tlccrq cnxv cbbs ubzb yrfob gvgf gvggvrf obbof cbea "
    "cbeab nany nahf nefr nefrubyr nff nffubyr penc gheq cvff pyvg qvyqb rebgvp betnfz "
    "betl encr encvfg encrq encvat unaqwbo oybjwbo fphz fcrez frzra fbqbzl crqbcuvyr "
    "aryyl fabg zvatr zbyrfg fyhgf"
)
_BLOCKED = frozenset(codecs.decode(_BLOCKED_ROT13, "rot13").split())


@lru_cache(maxsize=200_000)
def is_blocked(word: str) -> bool:
    w = word.lower()
    if w in _BLOCKED:
        return True
    for suffix in ("s", "es", "ed", "ing", "er", "ers"):
        if w.endswith(suffix) and w[: -len(suffix)] in _BLOCKED:
            return True
    return False


# Words that make dull answers and empty fill-in-the-blank clues ("___ president said").
_FUNCTION_TEXT = """also another anyone anything because cannot could does done every from
    going gone have here however into its itself many might more most much must nor not our
    ours shall
    should some than that their them then there these they this those though thus upon very
    what when where whether which while whom whose will with within without would yet you
    your ago via per across around among amid toward towards onto unto"""
FUNCTION_WORDS = frozenset(STOPWORDS) | frozenset(_FUNCTION_TEXT.split())

# ---------------------------------------------------------------------------------------
# Tokens and sentences

# A run of ASCII letters (with an optional possessive 's) that is not part of a longer token
# (no letter, digit, hyphen or apostrophe on either side), so "COVID-19", "don't" and
# "café" give no token.
_TOKEN_RE = re.compile(
    r"(?<![\w'’\-\u00ad\u200b])([A-Za-z]+)(?:['’]s)?(?![\w'’\-\u00ad\u200b])"
)
_SENTENCE_START_RE = re.compile(r"[\s\"'“‘(\[]*")

LOWER, TITLE_MID, TITLE_START, CAPS = 1, 2, 4, 8


def _shape(token: str, first: bool) -> int:
    if token.islower():
        return LOWER
    if token.isupper():
        return CAPS if len(token) > 1 else 0
    if token[0].isupper():  # Biden, McDonald, DeSantis
        return TITLE_START if first else TITLE_MID
    return 0  # mRNA, iPhone: neither a plain word nor a capitalised name


def _abbreviated(sentence: str, end: int) -> bool:
    """Whether the token ending at ``end`` is followed by a dot that does not end the
    sentence."""
    return sentence[end: end + 1] == "." and end + 1 < len(sentence)


def _sentence_score(sentence: str, count: int) -> float:
    """How good a sentence is as a fill-in-the-blank clue (higher is better)."""
    n = len(sentence)
    score = -abs(n - 110) / 80.0
    if n < 35:
        score -= 2.0
    if n > 240:
        score -= 1.0
    if count > 1:
        score -= 1.5 * (count - 1)
    if "http" in sentence or "@" in sentence or "www." in sentence:
        score -= 6.0
    if sentence[:1].islower():
        score -= 1.0
    if sentence[-1:] not in ".!?\"”’'":
        score -= 2.0  # captions and headlines caught in the text have no full stop
    if sentence.isupper():
        score -= 3.0
    if "|" in sentence or _LABEL_RE.match(sentence):
        score -= 2.0  # "READ MORE: ...", "Photos: ...", "Updated | ...": page furniture
    if _CREDIT_RE.search(sentence):
        score -= 6.0  # "(Reporting by ...; Editing by ...)", "(Jane Roe/AP)", "© AFP"
    return score


_LABEL_RE = re.compile(r"^(?:[A-Z][A-Z ]{2,}|Photos?|Video|Watch|Updated|Related|[A-Z][a-z]+):\s")
# Wire and photo credits: a copyright sign, a byline credit, or a closing parenthesis that
# names an agency or has a photographer/agency slash.
_CREDIT_RE = re.compile(
    r"©|\b(?:Reporting|Writing|Editing|Edited|Additional reporting) by\b"
    r"|\([^()]*(?:/|\b(?:AP|AFP|PA|Reuters|Getty|EPA|Shutterstock)\b)[^()]*\)\W*$"
)


@dataclass(slots=True)
class _Seen:
    """One word in one text: its shapes, and the best sentence for a clue where it is
    written in lower case (``best[0]``) and capitalised (``best[1]``), as (score, text)."""

    shapes: int
    best: list[tuple[float, str] | None]


def _analyse(text: str) -> dict[str, _Seen]:
    out: dict[str, _Seen] = {}
    for sentence in split_sentences(text):
        s = sentence.text
        if len(s) < 12:
            continue
        tokens = list(_TOKEN_RE.finditer(s))
        counts: dict[str, int] = {}
        for m in tokens:
            key = m.group(1).lower()
            counts[key] = counts.get(key, 0) + 1
        lead = _SENTENCE_START_RE.match(s)
        start = lead.end() if lead else 0
        for m in tokens:
            token = m.group(1)
            if len(token) < 3 or len(token) > 21:
                continue
            shape = _shape(token, m.start(1) <= start)
            if not shape:
                continue
            if shape != LOWER and _abbreviated(s, m.end()):
                continue  # "Sen.", "Ore.", "Aug.": an abbreviation, not a word or name
            key = token.lower()
            score = _sentence_score(s, counts[key])
            # A capitalised sentence start is no evidence of a name, and a lower-case word
            # reads best where it is written in lower case.
            slot = 0 if shape & (LOWER | TITLE_START) else 1
            if shape == TITLE_START:
                score -= 0.5
            seen = out.get(key)
            if seen is None:
                seen = out[key] = _Seen(0, [None, None])
            seen.shapes |= shape
            best = seen.best[slot]
            if best is None or score > best[0]:
                seen.best[slot] = (score, s)
    return out


_CACHE: dict[bytes, dict[str, _Seen]] = {}
# Analyses kept (about 20 kB each); the whole memo is dropped when full.
_CACHE_LIMIT = 5_000


def _analysed(text: str) -> dict[str, _Seen]:
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        hit = _CACHE[key] = _analyse(text)
    return hit


# ---------------------------------------------------------------------------------------
# Clues


def _phrase_re(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words: no letter, digit or hyphen on either side."""
    parts = [re.escape(p) for p in phrase.split()]
    return re.compile(r"(?<![\w\-])" + r"\s+".join(parts) + r"(?![\w\-])", re.IGNORECASE)


def _blank_re(phrase: str, within_word: str = "") -> re.Pattern[str]:
    """The phrase wherever no letter touches it ("Biden-led", "don't" included), so a
    clue never shows the answer; ``within_word``: a pattern also allowed between two
    letters of a word."""
    parts = [within_word.join(map(re.escape, p)) if within_word else re.escape(p)
             for p in phrase.split()]
    return re.compile(r"(?<![^\W\d_])" + r"\s+".join(parts) + r"(?![^\W\d_])",
                      re.IGNORECASE)


def mention_re(phrase: str) -> re.Pattern[str]:
    """``phrase`` wherever no letter touches it, in any case: what a clue must not show,
    also split by an apostrophe or a hyphen ("shot's" shows SHOTS, "e-mail" EMAIL)."""
    return _blank_re(phrase, "[-'’]?")


def blank_clue(sentence: str, phrase: str, *, window: int = 14, max_chars: int = 170) -> str:
    """``sentence`` with every occurrence of ``phrase`` that no letter touches replaced by
    ``___`` (any case), cut to about ``window`` words either side of the first blank when
    it is long."""
    blanked = _blank_re(phrase).sub("___", sentence)
    blanked = re.sub(r"\s+", " ", blanked).strip()
    if len(blanked) > max_chars:
        words = blanked.split(" ")
        at = next((i for i, w in enumerate(words) if "___" in w), 0)
        lo, hi = max(0, at - window), min(len(words), at + window + 1)
        while hi - lo > 3 and len(" ".join(words[lo:hi])) > max_chars:
            if at - lo > hi - 1 - at:
                lo += 1
            else:
                hi -= 1
        lead = "…" if lo > 0 else ""
        tail = "…" if hi < len(words) else ""
        blanked = lead + " ".join(words[lo:hi]) + tail
    return blanked


def briefing_sentences(record: dict[str, Any]) -> list[str]:
    """The sentences of a briefing record that theme clues may quote: the summary
    sentences and the facts, in order, without repeats."""
    out: list[str] = []
    for part in ("summary_sentences", "facts"):
        for item in record.get(part) or []:
            text = (item or {}).get("text") if isinstance(item, dict) else None
            if isinstance(text, str) and text.strip() and text not in out:
                out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# The vocabulary


@dataclass(slots=True)
class WordInfo:
    """A candidate answer: its letters, how it is written, its clue source and its tier
    (0 = theme name, 1 = theme term, 2 = a word of the week's articles, 3 = a word of the
    wider window, 4 = a function word)."""

    answer: str  # upper-case letters
    phrase: str  # as the sentence writes it ("NBC News", "Biden", "harbour")
    kind: str  # "name" | "word"
    tier: int
    source: dict[str, Any]

    def clue(self) -> str:
        text = blank_clue(self.source["sentence"], self.phrase)
        words = len(self.phrase.split())
        if words > 1:
            text += f" ({words} wds.)"
        return text


@dataclass(slots=True)
class Vocabulary:
    words: dict[str, WordInfo] = field(default_factory=dict)  # answer -> info
    # The article window used: "7 days", "30 days", "90 days", "365 days", "to date" (all
    # published by the day) or "all" (every stored article).
    window: str = ""
    story_window_days: int | None = None
    article_count: int = 0
    story_ids: list[str] = field(default_factory=list)

    def by_length(self, low: int, high: int) -> dict[int, list[WordInfo]]:
        out: dict[int, list[WordInfo]] = {n: [] for n in range(low, high + 1)}
        for info in self.words.values():
            if low <= len(info.answer) <= high:
                out[len(info.answer)].append(info)
        return out


WINDOWS: tuple[int | None, ...] = (7, 30, 90, 365, None)


def _day_bounds(day: date, days: int | None) -> tuple[datetime | None, datetime]:
    end = datetime.combine(day + timedelta(days=1), time.min)
    start = None if days is None else end - timedelta(days=days)
    return start, end


def _articles(session: Session, start: datetime | None, end: datetime | None,
              before: datetime | None) -> list[tuple[int, str, datetime | None]]:
    """(id, text, published) of the stored articles published in [start, end), and before
    ``before`` when given; each bound may be None (no bound; with no ``end`` undated
    articles count too)."""
    query = select(ArticleRow.id, ArticleRow.text, ArticleRow.published)
    if end is not None:
        query = query.where(ArticleRow.published.is_not(None), ArticleRow.published < end)
    if start is not None:
        query = query.where(ArticleRow.published >= start)
    if before is not None:
        query = query.where(ArticleRow.published < before)
    return [(i, t or "", p) for i, t, p in session.execute(query.order_by(ArticleRow.id))]


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@dataclass(slots=True)
class _Agg:
    shapes: int
    caps_docs: int
    title_docs: int
    in_week: bool
    # The best clue sentence where the word is written in lower case, and capitalised:
    # (score, -article id, sentence), so ties go to the earliest stored article.
    best: list[tuple[float, int, str] | None]


_MIN_CLUE_SCORE = -4.0


class _Aggregate:
    """Fill-word statistics over a growing set of articles (the windows are nested, so each
    wider window only adds the articles the narrower one lacked)."""

    def __init__(self, week: tuple[datetime, datetime], max_len: int) -> None:
        self.week = week
        self.max_len = max_len
        self.seen_ids: set[int] = set()
        self.agg: dict[str, _Agg] = {}
        self._kinds: dict[str, str | None] = {}

    def add(self, rows: Sequence[tuple[int, str, datetime | None]]) -> None:
        lo, hi = self.week
        agg = self.agg
        max_len = self.max_len
        self._kinds.clear()
        for article_id, text, published in rows:
            if article_id in self.seen_ids:
                continue
            self.seen_ids.add(article_id)
            when = _naive_utc(published)
            in_week = when is not None and lo <= when < hi
            bonus = 1.0 if in_week else 0.0
            for key, seen in _analysed(text).items():
                if len(key) > max_len:
                    continue
                a = agg.get(key)
                if a is None:
                    a = agg[key] = _Agg(0, 0, 0, False, [None, None])
                a.shapes |= seen.shapes
                a.caps_docs += 1 if seen.shapes & CAPS else 0
                a.title_docs += 1 if seen.shapes & TITLE_MID else 0
                a.in_week = a.in_week or in_week
                for slot in (0, 1):
                    found = seen.best[slot]
                    if found is None:
                        continue
                    candidate = (found[0] + bonus, -article_id, found[1])
                    best = a.best[slot]
                    if best is None or candidate[:2] > best[:2]:
                        a.best[slot] = candidate

    def kind(self, key: str) -> str | None:
        kind = self._kinds.get(key, "")
        if kind == "":
            kind = self._kinds[key] = self._kind(key)
        return kind

    def _kind(self, key: str) -> str | None:
        a = self.agg[key]
        if is_blocked(key):
            return None
        lower, capital = a.best
        if (a.shapes & LOWER and lower is not None and lower[0] >= _MIN_CLUE_SCORE
                and is_dictionary_word(key)):
            return "word"
        if key in _CALENDAR or capital is None or capital[0] < _MIN_CLUE_SCORE:
            return None
        if a.shapes & LOWER and is_dictionary_word(key):
            return None  # a common word whose lower-case sentences are all poor
        if a.title_docs >= 2 or (a.title_docs >= 1 and is_proper_noun(key)):
            return "name"
        if a.caps_docs >= 2 and len(key) <= 6:
            return "name"
        return None

    def count(self) -> int:
        return sum(1 for key in self.agg if self.kind(key))

    def words(self) -> dict[str, WordInfo]:
        out: dict[str, WordInfo] = {}
        for key in sorted(self.agg):
            kind = self.kind(key)
            if kind is None:
                continue
            a = self.agg[key]
            best = a.best[0 if kind == "word" else 1]
            assert best is not None
            tier = 4 if key in FUNCTION_WORDS else (2 if a.in_week else 3)
            source = {"kind": "article", "article_id": -best[1], "sentence": best[2]}
            out[key.upper()] = WordInfo(key.upper(), key, kind, tier, source)
        return out


_CALENDAR_TEXT = """monday tuesday wednesday thursday friday saturday sunday january february
    march april     may june july august september october november december"""
_CALENDAR = frozenset(_CALENDAR_TEXT.split())


def _phrase_in(sentence: str, key: str) -> str | None:
    m = _phrase_re(key).search(sentence)
    return m.group(0) if m else None


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", text).upper()


_NAME_TOKEN_RE = re.compile(r"^[A-Z][A-Za-z]*$")


def _is_name_token(token: str) -> bool:
    """A capitalised token that is a name rather than a capitalised common word: an
    abbreviation, a web2 proper noun, or no lower-case dictionary word; never a weekday or
    month."""
    low = token.lower()
    if low in _CALENDAR or low in FUNCTION_WORDS or len(token) < 3:
        return False
    return token.isupper() or is_proper_noun(token) or not is_dictionary_word(low)


def _theme_words(
    session: Session, day: date, max_len: int, story_limit: int,
) -> tuple[dict[str, WordInfo], list[str], int | None]:
    """Theme answers from the briefings of the stories of the week (widening the window
    when the week has fewer than three briefed stories)."""
    briefings: list[tuple[StoryRow, BriefingRow]] = []
    used_days: int | None = None
    for days in WINDOWS:
        start, end = _day_bounds(day, days)
        query = (
            select(StoryRow, BriefingRow)
            .join(BriefingRow, BriefingRow.story_id == StoryRow.id)
            .where(StoryRow.first_published.is_not(None), StoryRow.first_published < end)
        )
        if start is not None:
            query = query.where(StoryRow.last_published >= start)
        query = query.order_by(StoryRow.importance.desc(), StoryRow.id).limit(story_limit)
        briefings = [(s, b) for s, b in session.execute(query).all()]
        used_days = days
        if len(briefings) >= 3:
            break
    out: dict[str, WordInfo] = {}

    def add(answer: str, phrase: str, kind: str, tier: int, story_id: str,
            sentences: list[str]) -> None:
        if not 3 <= len(answer) <= max_len or answer in out or is_blocked(answer):
            return
        pattern = _phrase_re(phrase)
        for s in sentences:
            m = pattern.search(s)
            if m is None:
                continue
            if kind == "name" and not m.group(0)[:1].isupper():
                continue
            source = {"kind": "briefing", "story_id": story_id, "sentence": s}
            out[answer] = WordInfo(answer, m.group(0), kind, tier, source)
            return

    for story, row in briefings:
        record = row.record or {}
        sentences = sorted(briefing_sentences(record),
                           key=lambda s: -_sentence_score(s, 1))
        # Key players: the whole name, and a surname.
        for name in record.get("key_players") or []:
            if not isinstance(name, str):
                continue
            tokens = name.split()
            if not tokens or not all(_NAME_TOKEN_RE.match(t) for t in tokens):
                continue
            if any(t.lower() in FUNCTION_WORDS for t in tokens):
                continue
            if len(tokens) == 1 and not _is_name_token(tokens[0]):
                continue
            if len(tokens) > 1 and all(is_dictionary_word(t.lower()) for t in tokens):
                continue  # "Disease Control": words, not a name
            add(_letters(name), name, "name", 0, story.id, sentences)
            person = 2 <= len(tokens) <= 3 and not any(t.isupper() for t in tokens)
            if person and _is_name_token(tokens[-1]):
                add(_letters(tokens[-1]), tokens[-1], "name", 0, story.id, sentences)
        # Places, bodies and other names written capitalised in mid-sentence; terms that
        # the briefing repeats.
        counts: dict[str, int] = {}
        names: dict[str, int] = {}
        for s in sentences:
            lead = _SENTENCE_START_RE.match(s)
            start = lead.end() if lead else 0
            seen_here: set[str] = set()
            for m in _TOKEN_RE.finditer(s):
                token = m.group(1)
                if len(token) < 3 or _abbreviated(s, m.end()):
                    continue
                if token[0].isupper() and not token.isupper() and m.start(1) > start:
                    names[token] = names.get(token, 0) + 1
                elif token.islower() and token not in seen_here:
                    seen_here.add(token)
                    counts[token] = counts.get(token, 0) + 1
        for token in sorted(names):
            if token.lower() in FUNCTION_WORDS or not _is_name_token(token):
                continue
            if is_proper_noun(token) or names[token] >= 2:
                add(token.upper(), token, "name", 0, story.id, sentences)
        for token in sorted(counts):
            if (counts[token] >= 2 and len(token) >= 4 and token not in FUNCTION_WORDS
                    and is_dictionary_word(token)):
                add(token.upper(), token, "word", 1, story.id, sentences)
    return out, [s.id for s, _ in briefings], used_days


def load_vocabulary(
    session: Session, day: date, *, max_len: int, min_words: int = 9000,
    story_limit: int = 40,
) -> Vocabulary:
    """The theme answers of ``day``'s week and the fill words of the narrowest article
    window (see ``WINDOWS``) with at least ``min_words`` words of 3 to ``max_len`` letters."""
    themes, story_ids, story_days = _theme_words(session, day, max_len, story_limit)
    week = _day_bounds(day, 7)
    assert week[0] is not None
    aggregate = _Aggregate((week[0], week[1]), max_len)
    used = ""
    previous: datetime | None = None  # the start of the last window read
    for days in WINDOWS:
        start, end = _day_bounds(day, days)
        # Only the ring the narrower window lacked: [start, previous start).
        aggregate.add(_articles(session, start, end, previous))
        previous = start
        used = f"{days} days" if days else "to date"
        if aggregate.count() >= min_words:
            break
    else:
        # Every stored article, also those with no date or published after the day.
        aggregate.add(_articles(session, None, None, None))
        used = "all"
    vocab = Vocabulary(window=used, story_window_days=story_days,
                       article_count=len(aggregate.seen_ids), story_ids=story_ids)
    vocab.words.update(themes)
    for answer, info in aggregate.words().items():
        vocab.words.setdefault(answer, info)
    return vocab
