"""Online story clustering: articles -> stories, stories -> threads.

One pass, in the order given. Each article becomes a sparse TF-IDF vector (see
``stories.text``) and is compared with the *active* stories that share one of its top
terms or one of its title's rarest terms (an inverted index term -> stories, each list
capped, so the cost per article depends on how many stories are active, never on how many
have been closed; the title's terms find the story even when a boilerplate body outweighs
them). It joins the best one when the similarity passes ``join_threshold`` and the name
gate lets it; otherwise it starts a story.

Name gate: an article with at least ``join_min_names`` name-like terms (capitalised words,
acronyms, numbers) joins only a story it shares that many of them with, or whose titles
agree with its title (``join_title_match``). Reports of one event share its people,
places and figures; two events told in the same words (another takeover, another crash)
share the wording but not the names, and the wording alone can pass the threshold.

Similarity = max(cosine with the story's centroid, ``title_factor`` x cosine of the title
with the story's title centroid), times a time factor
``decay_floor + (1 - decay_floor) * 0.5 ** (gap / half_life_days)``, where the gap is the
distance from the article's time to the story's [first, last] span. Part of the similarity
never decays because real coverage of one event straggles over weeks (follow-ups, late or
misdated pages). When either side has no time at all, only that never-decaying part counts:
without dates nothing tells a story from its sequel, so more textual evidence is needed.

Time is *stream time*: the clock is the latest publication time seen so far, so an old or
misdated article neither rewinds it nor closes anything; an undated article takes the
clock's time. A story closes when the clock has moved ``window_days`` past its last
article; it then leaves the active index for a bounded *memory* of closed stories
(``memory_days``, at most ``memory_max_stories``; oldest forgotten first), used for:

* reopening: an article that matches a closed story as well as joining would
  (``reopen_threshold`` on the undecayed similarity) and whose headline is about it
  rejoins it under its old id: late follow-ups and misdated copies of an event. "About
  it" means at least ``reopen_min_names`` shared name-like terms and a title cosine of
  ``reopen_min_title``, or titles that agree on their own (``reopen_title_match``); a
  title too short for a title channel (``title_min_terms``) still counts here. A
  story that went quiet shares a topic's names with many later events (another launch by
  the same country, another New Year's Eve in the same city); a follow-up of the *same*
  event says so in its headline. An *active* story that passes the same test is joined
  the same way, though time has decayed its similarity below ``join_threshold``: a story
  about to close must not be harder to join than one already closed. With
  ``reopen_as_thread`` (stories as single events) such an article starts a new story in
  that story's thread instead;
* threads: a new story takes the ``thread_id`` of the most similar active or remembered
  story within ``thread_days`` that it resembles at ``thread_threshold`` (undecayed) and
  shares at least ``thread_min_names`` name-like terms with ("talks announced", "talks
  held", "talks collapse"); otherwise its thread id is its own id. With no time on
  either side nothing bounds a thread, so, as for joining, only the never-decaying part
  of the similarity counts there.

Provisional joins: the first report of a new event often resembles a related open story a
little (same place, people, topic words) and joins it weakly, and every later report of
the event would follow it there. So a join or reopening below ``provisional_below`` stays
provisional while the story is open: when a later article that would join the story
resembles such a member at ``reseat_min`` but the rest of the story, without it, at less
than ``reseat_rest`` times that, the member is *re-seated*: it leaves the story's vectors
and starts a new story with the article (``Assignment.moved``). Not for headline-only
articles (a few shared headline words are no evidence), nor for two reports of one outlet
(they share its house words), nor in a story whose rest is under ``reseat_min_rest``
articles (one article is no "rest" to tell a member from).

Recurring features: an outlet's daily puzzle, "Today in History" or morning newsletter
comes back under the same headline words every day over a new text, and the headline
alone (counted twice in the vector, and again in the title channel) strung every issue
into one story that never closed. An article whose outlet already put the same headline
words (numbers aside: ``headline_key``) in a story ``recurring_gap_hours`` or more
earlier, and whose text (title terms left out) is not the same (``recurring_same_text``),
neither joins nor reopens that story. A same-day update and a re-dated copy of the same
article still join.

Story ids are ``"s"`` + 12 hex digits of SHA-1 of the first article's id: stable across
runs and processes (nothing here depends on Python's salted ``hash``: dot products are
exactly rounded sums, term buckets are crc32). When an article matches two active stories
strongly (both above ``merge_threshold``, the two stories themselves above
``join_threshold``) they merge: the older id survives and ``Assignment.merged_from`` lists
the absorbed ids, which callers must keep resolving (as aliases) to the survivor.

The whole state snapshots to bytes (``snapshot``/``restore``); a restored clusterer
continues exactly as an uninterrupted one would.

Sentence embeddings (optional, ``stories.embed``): an article may carry a dense unit
vector (``ClusterDoc.embedding``); a story keeps the sum of its members' vectors. Where
both sides have one, the dense cosine ``d`` enters twice. It is blended into the textual
cosine, ``(1 - dense_weight) * cos + dense_weight * max(0, (d - dense_floor) /
(1 - dense_floor))`` (unrelated news sits at a dense cosine of 0.1-0.4, hence the floor),
and it vetoes: a candidate with ``d`` below ``dense_join_min`` (active stories) or
``dense_reopen_min`` (remembered ones) is not a candidate. Shared names and vocabulary are
what joins two events of one topic (two launches by one country); the embedding of the
whole lead tells what happened. Without vectors nothing of this applies, and the
clusterer is exactly the TF-IDF one.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import os
import struct
import zlib
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from itertools import compress, islice, repeat
from operator import itemgetter, mul

import numpy as np

from broadsheet.stories.text import Features, HashedIdf, TermNormaliser, featurise, lead
from broadsheet.stories.workers import FeatureWorkers

_DAY = 86_400.0
_MAGIC = b"BSCL"
# 2: story vectors and posting lists as packed arrays (restores ~10x faster than 1, which
# parsed millions of JSON floats); 3: the same and the stories' summed sentence
# embeddings; 4: the same and the open stories' provisional members. 1 to 3 are still
# restored (with no provisional members).
_FORMAT = 4
_SEP = "\x00"  # joins term lists: terms and names never contain it
_by_weight = itemgetter(1)
# A scored candidate: (similarity, story seq, undecayed similarity, title cosine).
_Scored = tuple[float, int, float, float]


def _batched(items: Iterable[ClusterDoc], size: int) -> Iterator[list[ClusterDoc]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of the online clusterer. The defaults are the evaluated ones (tuned on
    giveme-newscluster only; see docs/benchmarks.md, "Story clustering")."""

    # Joining, closing, merging.
    join_threshold: float = 0.20  # similarity (time factor included) to join a story
    window_days: float = 3.0  # an active story closes this long after its last article
    half_life_days: float = 3.0  # the time-dependent half of the similarity halves per 3 days
    decay_floor: float = 0.5  # the part that never decays (and all that counts undated)
    join_min_names: int = 2  # shared name-like terms needed to join (see the docstring)
    join_title_match: float = 0.4  # ...unless the titles agree this much (cosine)
    merge_threshold: float = 0.55  # an article this close to two stories may merge them
    # Representation.
    title_weight: float = 2.0  # title words count this many times in the article vector
    lead_chars: int = 1800  # body characters used: the lead, ~300 words (also caps cost)
    name_boost: float = 1.5  # weight multiplier of name-like terms
    novel_weight: float = 1.0  # scoring weight of terms no earlier article had (see docs)
    title_factor: float = 0.8  # weight of the title channel (0 turns it off)
    title_min_terms: int = 3  # titles with fewer content terms have no title channel
    doc_terms: int = 60  # an article vector keeps its top terms
    lookup_terms: int = 12  # its top terms used to find candidate stories
    lookup_title_terms: int = 4  # and this many of its title's terms not among those
    centroid_terms: int = 150  # a story centroid keeps its top terms
    title_centroid_terms: int = 40
    max_candidates: int = 6  # candidates scored in full per article
    posting_cap: int = 256  # a term's posting list keeps its most recent stories
    memory_posting_cap: int = 8  # the same for remembered stories (name-like terms only)
    memory_lookup_terms: int = 8  # an article's heaviest name-like terms that look them up
    idf_bits: int = 20  # document-frequency table of 2**bits uint32 counters (4 MiB)
    # Memory of closed stories: reopening and threads.
    memory_days: float = 3650.0  # closed stories are remembered this long (0: not at all);
    # in a real stream the count cap below binds long before (20,000 stories ~ months)
    memory_max_stories: int = 20_000  # and at most this many (oldest forgotten first)
    memory_terms: int = 40  # a remembered story keeps its top terms
    reopen_threshold: float = 0.20  # undecayed similarity to reopen a closed story (the
    # join threshold: the headline test below, not a higher bar, keeps other events out)
    reopen_min_names: int = 2  # shared name-like terms needed to reopen,
    reopen_min_title: float = 0.2  # and at least this title cosine with the story's titles
    reopen_title_match: float = 0.5  # titles agreeing this much reopen without shared names
    # Stories as single events: an article that passes the reopening test starts a new
    # story in that story's thread instead of rejoining it, so threads, not stories, are
    # the storylines (docs/benchmarks.md, "Stories as events").
    reopen_as_thread: bool = False
    thread_days: float = 14.0  # a story links to stories active this recently
    # Undecayed similarity for a thread. Below a join's: a story's sequel is told in other
    # words ("walkout as shelling resumes" after "talks open"). At 0.12, 12 % of giveme's
    # thread pairs joined two gold storylines (shared dates and topic words: "27",
    # "flight", "Earth"); 0.2 leaves threads almost the stories. docs/benchmarks.md,
    # "Threads".
    thread_threshold: float = 0.16
    thread_min_names: int = 2  # shared name-like terms for a thread
    # An outlet's headline again this much later (the same words, numbers aside) over
    # another text is the next issue of a recurring feature ("Wordle 1,234: hints",
    # "Today in History"), not more news of the same event: it never joins or reopens
    # that story (0: off). The same text again is the same article, re-dated.
    recurring_gap_hours: float = 20.0
    recurring_same_text: float = 0.5  # body cosine (title terms left out) of "the same text"
    # Provisional joins (see the docstring): a join or reopening below this similarity is
    # provisional while the story is open (0: none is), and the story keeps at most
    # ``provisional_max`` such members. A later article that resembles one of them at
    # ``reseat_min`` (the pair's own similarity) while the rest of the story, without it,
    # falls below ``reseat_rest`` x that (or below ``join_threshold``) takes it into a new
    # story, when the rest holds ``reseat_min_rest`` articles or more. Tuned on
    # giveme-newscluster, checked on AllSides with dates (docs/benchmarks.md,
    # "Provisional joins").
    provisional_below: float = 0.3
    provisional_max: int = 8
    reseat_min: float = 0.3
    reseat_rest: float = 0.6
    reseat_min_rest: int = 2
    # Sentence embeddings, used only when articles carry them (see the docstring). Chosen
    # on a coarse grid on giveme-newscluster (docs/benchmarks.md), round values.
    dense_weight: float = 0.3  # share of the dense cosine in the similarity
    dense_floor: float = 0.5  # dense cosines up to this count as 0 in the blend
    dense_join_min: float = 0.3  # an active story with a lower dense cosine is no candidate
    dense_reopen_min: float = 0.4  # nor is a remembered one below this


@dataclass(frozen=True)
class ClusterDoc:
    """An article as the clusterer sees it."""

    id: str
    title: str
    text: str
    published: datetime | None = None
    outlet: str | None = None
    # A sentence embedding of the article (see ``stories.embed``); None: TF-IDF only.
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Assignment:
    """Where one article went.

    ``similarity`` is the similarity to the story it joined (0.0 for a new story; for one
    made by re-seating, the similarity with the re-seated article). Callers
    must record each id of ``merged_from`` as an alias of ``story_id``, and put each
    article of ``moved`` in ``story_id``.
    """

    doc_id: str
    story_id: str
    new_story: bool
    similarity: float
    thread_id: str
    merged_from: tuple[str, ...] = ()
    # Earlier articles re-seated into this (new) story: callers must move them (and their
    # near-duplicate copies) here from the story they were in.
    moved: tuple[str, ...] = ()


class _Article:
    """One article, vectorised: what matching and joining need."""

    __slots__ = (
        "column", "dense", "headline", "lookup", "names", "outlet", "svec", "t", "title_names",
        "tvec", "undated", "vec",
    )

    def __init__(
        self,
        vec: dict[str, float],
        svec: dict[str, float],
        tvec: dict[str, float],
        names: set[str],
        lookup: list[str],
        t: float | None,
        headline: dict[str, float],
        dense: np.ndarray | None = None,
        outlet: str | None = None,
        column: int | None = None,
        title_names: bool = False,
        undated: bool = False,
    ) -> None:
        self.vec = vec  # unit vector, added to the centroid
        self.svec = svec  # the same with never-seen terms damped: used for scoring
        self.tvec = tvec  # unit title vector (empty: no title channel)
        # The title's unit vector however short the title: for the headline tests only.
        self.headline = headline
        self.names = names
        self.lookup = lookup
        self.t = t
        self.dense = dense  # unit sentence embedding, float64, or None
        self.outlet = outlet
        self.column = column  # ``headline_key`` of the title (None: too short to tell)
        # No names in the body: its names are the title's capitalised words, and a
        # headline holds two or three, so the name tests ask it to share only one (two,
        # as a whole article with a dozen is asked, refused most of its own story).
        self.title_names = title_names
        # No date of its own (``t`` is then the clock's): no time evidence either way.
        self.undated = undated

    def name_lookup(self, n: int) -> list[str]:
        """The ``n`` heaviest name-like terms (for the index of remembered stories)."""
        vec = self.vec
        return sorted(self.names, key=lambda term: (-vec[term], term))[:n]


class _Story:
    __slots__ = (
        "centroid", "columns", "dense", "first", "id", "last", "names", "norm", "posted",
        "provisional", "seq", "size", "tcentroid", "thread", "tnorm",
    )

    def __init__(self, seq: int, story_id: str, thread: str, t: float | None) -> None:
        self.seq = seq
        self.id = story_id
        self.thread = thread
        self.centroid: dict[str, float] = {}  # sum of member unit vectors (top terms)
        self.norm = 0.0
        self.tcentroid: dict[str, float] = {}
        self.tnorm = 0.0
        self.size = 0
        self.first = t
        self.last = t
        self.names: set[str] = set()
        self.posted: set[str] = set()  # terms under which the story is in a posting list
        # Sum of the members' sentence embeddings (None until a member carries one).
        self.dense: np.ndarray | None = None
        # (outlet, headline key) -> time of the latest dated member under that headline.
        self.columns: dict[tuple[str, int], float] = {}
        # Members that joined weakly, oldest first, while the story is open: (doc id,
        # article). See ``ClusterConfig.provisional_below``.
        self.provisional: list[tuple[str, _Article]] = []

    @classmethod
    def from_json(cls, row: list) -> _Story:  # a story row of a format-1 snapshot
        seq, sid, thread, size, first, last, centroid, tcentroid, names, posted = row
        story = cls(seq, sid, thread, first)
        story.last = last
        story.size = size
        story.centroid = dict(centroid)
        story.tcentroid = dict(tcentroid)
        story.norm = _norm(story.centroid)
        story.tnorm = _norm(story.tcentroid)
        story.names = set(names)
        story.posted = set(posted)
        return story


def headline_key(title_terms: list[str]) -> int | None:
    """The words of a headline as one number, numbers left out ("Wordle 1,234: hints and
    answer" and "Wordle 1,235: ..." agree), or None for fewer than two words."""
    words = sorted({term for term in title_terms if not term.isdigit()})
    if len(words) < 2:
        return None
    return zlib.crc32(_SEP.join(words).encode("utf-8"))


def story_id_for(doc_id: str, salt: int = 0) -> str:
    """The id of a story first seen with article ``doc_id``: stable in every process."""
    key = doc_id if salt == 0 else f"{doc_id}#{salt}"
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # naive times are taken as UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class OnlineClusterer:
    """Single-pass story clustering with stable ids, threads and snapshots."""

    def __init__(self, config: ClusterConfig = ClusterConfig()) -> None:
        self.config = config
        self._idf = HashedIdf(config.idf_bits)
        self._normalise = TermNormaliser()
        self._clock: float | None = None
        self._seq = 0
        self._closed = 0
        self._active: dict[int, _Story] = {}
        self._postings: dict[str, dict[int, None]] = {}  # term -> active stories (ordered)
        self._expiry: list[tuple[float, int]] = []  # heap of (last time, seq), lazy
        # Closed stories, in order of closing. Ordered so that forgetting the oldest is O(1):
        # a plain dict emptied from the front rescans its deleted slots on every next(iter()).
        self._memory: OrderedDict[int, _Story] = OrderedDict()
        self._mem_postings: dict[str, dict[int, None]] = {}
        self._ids: dict[str, int] = {}  # story id -> seq, for active and remembered stories

    # ----------------------------------------------------------------- public API

    def add(self, doc: ClusterDoc, features: Features | None = None) -> Assignment:
        """Assign one article to a story (joining, reopening, merging or starting one).

        ``features``: the article's ``featurise`` with this clusterer's ``title_weight``,
        ``lead_chars`` and ``bucket_mask``, when computed elsewhere (a worker process);
        the result is the same."""
        return self._add(doc, features)

    @property
    def bucket_mask(self) -> int:
        """The document-frequency table's mask, which ``featurise`` needs."""
        return self._idf.mask

    def add_many(
        self, docs: Iterable[ClusterDoc], *, processes: int = 1, batch: int = 512
    ) -> Iterator[Assignment]:
        """``add`` each article in order, yielding the assignments: the same results.

        With ``processes`` > 1, ``processes - 1`` worker processes tokenise the next
        batches of articles while this process clusters the current one (see
        ``stories.workers``). Worth it for thousands of articles: starting the workers
        takes about 0.3 s.
        """
        if processes <= 1:
            yield from map(self.add, docs)
            return
        cfg = self.config
        lead_chars = cfg.lead_chars
        with FeatureWorkers(
            processes - 1,
            title_weight=cfg.title_weight,
            lead_chars=lead_chars,
            bucket_mask=self._idf.mask,
        ) as workers:
            n = len(workers)
            in_flight: deque[list[ClusterDoc]] = deque()  # batch i is with worker i % n
            for index, chunk in enumerate(_batched(docs, batch)):
                worker = index % n
                done: tuple[list[ClusterDoc], list[Features]] | None = None
                if len(in_flight) == n:  # this worker still holds batch index - n
                    done = (in_flight.popleft(), workers.receive(worker))
                # Texts are cut to the lead here: less to pickle, and featurise would.
                workers.submit(
                    worker, [(d.title or "", lead(d.text or "", lead_chars)) for d in chunk]
                )
                in_flight.append(chunk)
                if done is not None:
                    yield from map(self._add, *done)
            if in_flight:  # the last batches, oldest first
                oldest = index - len(in_flight) + 1
                for offset, chunk in enumerate(in_flight):
                    yield from map(self._add, chunk, workers.receive((oldest + offset) % n))

    def _add(self, doc: ClusterDoc, features: Features | None) -> Assignment:
        cfg = self.config
        t = _timestamp(doc.published)
        if t is not None and (self._clock is None or t > self._clock):
            if self._clock is None:
                self._date_undated(t)
            self._clock = t
            self._expire()
        if t is None:
            t = self._clock
        art = self._vectorise(doc, t, features)

        scored = self._score(self._postings, self._active, art, decay=True)
        if art.column is not None:
            scored = [p for p in scored if not self._recurring(art, self._active[p[1]])]
        joinable = self._name_gate(art, scored)
        if joinable:
            top = self._active[joinable[0][1]]
            if top.provisional:
                reseated = self._reseat(art, top)
                if reseated is not None:
                    story, moved, pair = reseated
                    return Assignment(doc.id, story.id, True, pair, story.thread, (), (moved,))
            best, merged = self._merge(top, joinable)
            self._join(best, art)
            self._hold(best, doc.id, art, joinable[0][0])
            return Assignment(doc.id, best.id, False, joinable[0][0], best.thread, merged)

        # A story about to close must not be harder to join than one already closed: an
        # active candidate that passes the reopening test (undecayed similarity and a
        # headline about it) is joined as a closed one would be reopened.
        follows: _Story | None = None  # with ``reopen_as_thread``: the story it follows
        for sim, seq, cos, tcos in scored:
            story = self._active[seq]
            dated = not art.undated and story.first is not None  # else no decay to undo
            if (cos if dated else sim) >= cfg.reopen_threshold and self._about(
                art, story, tcos
            ):
                if cfg.reopen_as_thread:
                    follows = story
                    break
                self._join(story, art)
                self._hold(story, doc.id, art, cos if dated else sim)
                return Assignment(doc.id, story.id, False, sim, story.thread)

        remembered = (
            self._score(self._mem_postings, self._memory, art, decay=False)
            if self._memory
            else []
        )
        for sim, seq, _, tcos in remembered if follows is None else ():
            if sim < cfg.reopen_threshold:
                break
            story = self._memory[seq]
            if self._about(art, story, tcos) and not self._recurring(art, story):
                if cfg.reopen_as_thread:
                    follows = story
                    break
                self._reopen(story)
                self._join(story, art)
                self._hold(story, doc.id, art, sim)
                return Assignment(doc.id, story.id, False, sim, story.thread)

        story = self._new_story(doc.id, t)
        if follows is not None:
            story.thread = follows.thread
        else:
            story.thread = self._thread_for(art, scored, remembered) or story.id
        self._join(story, art)
        return Assignment(doc.id, story.id, True, 0.0, story.thread)

    def active_story_count(self) -> int:
        """Stories currently open (in the active index)."""
        return len(self._active)

    def closed_story_count(self) -> int:
        """Stories closed so far (remembered or forgotten; merged-away ones not counted)."""
        return self._closed

    def remembered_story_count(self) -> int:
        """Closed stories still remembered for reopening and threads."""
        return len(self._memory)

    def snapshot(self) -> bytes:
        """The whole state as bytes: deterministic (same state -> same bytes) and compact.

        A JSON head (scalars, story rows, term lists joined by NUL) and one block of packed
        arrays (every story's vector weights as float64, posting lists as integers), each
        zlib-compressed, then the document-frequency table: parsing millions of weights
        as JSON text took seconds per snapshot once the memory was full.
        """
        stories = [*self._active.values(), *self._memory.values()]
        terms: list[str] = []
        weights: list[float] = []
        rows = []
        for story in stories:
            terms += story.centroid
            terms += story.tcentroid
            weights += story.centroid.values()
            weights += story.tcentroid.values()
            rows.append([
                story.seq, story.id, story.thread, story.size, story.first, story.last,
                len(story.centroid), len(story.tcentroid),
                _SEP.join(sorted(story.names)), _SEP.join(sorted(story.posted)),
            ])
        post_terms, post_counts, post_seqs = _pack_postings(self._postings)
        mem_terms, mem_counts, mem_seqs = _pack_postings(self._mem_postings)
        arrays = [
            np.asarray(values, dtype)
            for values, dtype in zip(
                (weights, post_counts, post_seqs, mem_counts, mem_seqs), _PACKED, strict=True
            )
        ]
        state = {
            "config": asdict(self.config),
            "clock": self._clock,
            "seq": self._seq,
            "closed": self._closed,
            "n_docs": self._idf.n_docs,
            "active": len(self._active),
            "stories": rows,
            "terms": _SEP.join(terms),
            "postings": post_terms,
            "mem_postings": mem_terms,
            "expiry": self._expiry,
            "arrays": [len(a) for a in arrays],
            # [row in ``stories`` order, size] of each summed sentence embedding (sizes
            # differ only if the model was changed mid-stream).
            "dense": [
                [i, int(story.dense.size)]
                for i, story in enumerate(stories)
                if story.dense is not None
            ],
            # [row in ``stories`` order, outlet, headline key, time] (absent before these)
            "columns": [
                [i, outlet, column, t]
                for i, story in enumerate(stories)
                for (outlet, column), t in sorted(story.columns.items())
            ],
            # [row in ``stories`` order, doc id, member...] (``_member_row``); a few per
            # open story at most, so plain JSON (its floats round-trip exactly).
            "provisional": [
                [i, doc_id, *_member_row(member)]
                for i, story in enumerate(stories)
                for doc_id, member in story.provisional
            ],
        }
        dense = [story.dense for story in stories if story.dense is not None]
        # zlib level 1: level 6 took three times as long for 10 % smaller snapshots.
        head = zlib.compress(
            json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 1
        )
        packed = zlib.compress(b"".join(a.tobytes() for a in arrays), 1)
        table = zlib.compress(self._idf.to_bytes(), 6)
        vectors = zlib.compress(
            np.concatenate(dense).astype("<f8").tobytes() if dense else b"", 1
        )
        return (
            _MAGIC
            + struct.pack(
                "<BIIII", _FORMAT, len(head), len(packed), len(table), len(vectors)
            )
            + head + packed + table + vectors
        )

    @classmethod
    def restore(cls, data: bytes, config: ClusterConfig | None = None) -> OnlineClusterer:
        """A clusterer continuing from ``snapshot()`` bytes, with the saved config unless
        ``config`` is given (change only thresholds and windows that way: a different
        representation makes old centroids and new articles incomparable)."""
        if data[:4] != _MAGIC:
            raise ValueError("not a broadsheet clusterer snapshot")
        version = data[4]
        if version == 1:
            return cls._restore_v1(data, config)
        if version not in (2, 3, _FORMAT):
            raise ValueError(f"unsupported snapshot format {version}")
        layout = "<BIII" if version == 2 else "<BIIII"
        _, head_len, packed_len, table_len, *rest = struct.unpack_from(layout, data, 4)
        offset = 4 + struct.calcsize(layout)
        state = json.loads(zlib.decompress(data[offset : offset + head_len]))
        offset += head_len
        packed = zlib.decompress(data[offset : offset + packed_len])
        offset += packed_len
        table = zlib.decompress(data[offset : offset + table_len])
        offset += table_len
        vectors = zlib.decompress(data[offset : offset + rest[0]]) if rest else b""
        self = cls._with_config(state, config, table)
        arrays = []
        start = 0
        for dtype, length in zip(_PACKED, state["arrays"], strict=True):
            arrays.append(np.frombuffer(packed, dtype, length, start).tolist())
            start += np.dtype(dtype).itemsize * length
        weights, post_counts, post_seqs, mem_counts, mem_seqs = arrays
        terms = _split(state["terms"])
        summed = np.frombuffer(vectors, "<f8")
        dense_rows = {index: size for index, size in state.get("dense", ())}
        dense_at = 0
        cursor = 0
        for index, row in enumerate(state["stories"]):
            seq, sid, thread, size, first, last, n_centroid, n_title, names, posted = row
            story = _Story(seq, sid, thread, first)
            story.last = last
            story.size = size
            end = cursor + n_centroid
            story.centroid = dict(zip(terms[cursor:end], weights[cursor:end], strict=True))
            cursor, end = end, end + n_title
            story.tcentroid = dict(zip(terms[cursor:end], weights[cursor:end], strict=True))
            cursor = end
            story.norm = _norm(story.centroid)
            story.tnorm = _norm(story.tcentroid)
            story.names = set(_split(names))
            story.posted = set(_split(posted))
            if index in dense_rows:  # stored in story order
                size = dense_rows[index]
                story.dense = summed[dense_at : dense_at + size].copy()
                dense_at += size
            (self._active if index < state["active"] else self._memory)[seq] = story
            self._ids[sid] = seq
        rows = state["stories"]
        for index, outlet, column, t in state.get("columns", ()):
            seq = rows[index][0]
            story = self._active.get(seq) or self._memory[seq]
            story.columns[outlet, column] = t
        for index, doc_id, *member in state.get("provisional", ()):
            self._active[rows[index][0]].provisional.append((doc_id, _member_from_row(member)))
        self._postings = _unpack_postings(state["postings"], post_counts, post_seqs)
        self._mem_postings = _unpack_postings(state["mem_postings"], mem_counts, mem_seqs)
        self._expiry = [(t, s) for t, s in state["expiry"]]
        return self

    @classmethod
    def _with_config(
        cls, state: dict, config: ClusterConfig | None, table: bytes  # type: ignore[type-arg]
    ) -> OnlineClusterer:
        known = {f.name for f in fields(ClusterConfig)}
        saved = ClusterConfig(**{k: v for k, v in state["config"].items() if k in known})
        self = cls(config or saved)
        self._idf = HashedIdf.from_bytes(table, state["n_docs"])
        self._clock = state["clock"]
        self._seq = state["seq"]
        self._closed = state["closed"]
        return self

    @classmethod
    def _restore_v1(cls, data: bytes, config: ClusterConfig | None) -> OnlineClusterer:
        """Snapshots of format 1 (everything as JSON), as stores built before format 2
        hold them."""
        _, head_len, table_len = struct.unpack_from("<BII", data, 4)
        offset = 4 + struct.calcsize("<BII")
        state = json.loads(zlib.decompress(data[offset : offset + head_len]))
        table = zlib.decompress(data[offset + head_len : offset + head_len + table_len])
        self = cls._with_config(state, config, table)
        for rows, target in ((state["active"], self._active), (state["memory"], self._memory)):
            for row in rows:
                story = _Story.from_json(row)
                target[story.seq] = story
                self._ids[story.id] = story.seq
        self._postings = {k: dict.fromkeys(v) for k, v in state["postings"]}
        self._mem_postings = {k: dict.fromkeys(v) for k, v in state["mem_postings"]}
        self._expiry = [(t, s) for t, s in state["expiry"]]
        return self

    # ------------------------------------------------------------- representation

    def _vectorise(
        self, doc: ClusterDoc, t: float | None, features: Features | None = None
    ) -> _Article:
        """Unit TF-IDF vectors of the article (top ``doc_terms``) and of its title."""
        cfg = self.config
        if features is None:
            features = featurise(
                doc.title or "", doc.text or "", self._normalise,
                title_weight=cfg.title_weight, lead_chars=cfg.lead_chars,
                bucket_mask=self._idf.mask,
            )
        dense = _unit_dense(doc.embedding)
        if not features.terms:
            return _Article(
                {}, {}, {}, set(), [], t, {}, dense, doc.outlet, undated=doc.published is None
            )
        terms = features.terms
        table = self._idf
        df = table.add_document(features.buckets)
        weights = features.tf * table.idf(df)
        named = features.named
        if cfg.name_boost != 1.0:
            weights[named] *= cfg.name_boost
        top = np.argsort(-weights, kind="stable")[: cfg.doc_terms]  # ties: text order
        kept = weights[top]
        kept /= _array_norm(kept) or 1.0
        top_list = top.tolist()
        top_terms = list(map(terms.__getitem__, top_list))
        vec = dict(zip(top_terms, kept.tolist(), strict=True))
        names = set(compress(top_terms, named[top].tolist()))
        svec = vec
        if cfg.novel_weight != 1.0:
            # A term no earlier article had cannot be in any story: for *scoring* it would
            # only dilute the cosine, so it is damped there (kept in full in the centroid).
            novel = df[top] <= 1
            if novel.any():
                damped = np.where(novel, kept * cfg.novel_weight, kept)
                damped /= _array_norm(damped) or 1.0
                svec = dict(zip(top_terms, damped.tolist(), strict=True))
        title_terms = features.title_terms
        headline: dict[str, float] = {}
        if cfg.title_factor > 0 and title_terms:
            # This document is counted already: the same idf as above.
            tweights = features.title_tf * table.idf(table.counts[features.title_buckets])
            if cfg.name_boost != 1.0:
                tweights[features.title_named] *= cfg.name_boost
            headline = _unit(list(zip(title_terms, tweights.tolist(), strict=True)))
        # A title of one or two terms ("Tarragul: what now?") is too short to be a
        # similarity channel of its own, but it still says what the article is about: the
        # headline tests (name gate, reopening) use it.
        tvec = headline if len(title_terms) >= cfg.title_min_terms else {}
        lookup = top_terms[: cfg.lookup_terms]
        if cfg.lookup_title_terms:
            # The title states the event: its rarest terms always look up candidates, even
            # when a long or boilerplate body (a copyright notice) outweighs them.
            extra = [term for term in title_terms if term in vec and term not in lookup]
            if len(extra) > cfg.lookup_title_terms:
                extra.sort(key=lambda term: (-vec[term], term))
                del extra[cfg.lookup_title_terms :]
            lookup += extra
        column = headline_key(title_terms) if cfg.recurring_gap_hours and doc.outlet else None
        return _Article(
            vec, svec, tvec, names, lookup, t, headline, dense, doc.outlet, column,
            features.title_names, doc.published is None,
        )

    # ------------------------------------------------------------------ matching

    def _score(
        self,
        postings: dict[str, dict[int, None]],
        stories: dict[int, _Story],
        art: _Article,
        *,
        decay: bool,
    ) -> list[_Scored]:
        """(similarity, seq, undecayed similarity, title cosine) of the best candidates,
        best first."""
        vec, tvec, headline, t = art.svec, art.tvec, art.headline, art.t
        timeless = art.undated  # (``t`` is None only for an undated article)
        acc: dict[int, float] = {}
        get = acc.get
        # Remembered stories are indexed by their name-like terms only (reopening and
        # threads need shared names anyway), which keeps that index small and specific.
        lookup = art.lookup if decay else art.name_lookup(self.config.memory_lookup_terms)
        for term in lookup:
            posting = postings.get(term)
            if posting:
                w = vec[term]
                for seq in posting:
                    acc[seq] = get(seq, 0.0) + w
        if not acc:
            return []
        cfg = self.config
        # Best accumulated weight first, then the older story; plain tuples compare in C,
        # which a key function would not.
        ranked = heapq.nsmallest(cfg.max_candidates, [(-w, seq) for seq, w in acc.items()])
        half_life = cfg.half_life_days * _DAY
        floor = cfg.decay_floor
        title_factor = cfg.title_factor
        dense = art.dense
        dense_min = cfg.dense_join_min if decay else cfg.dense_reopen_min
        out = []
        for _, seq in ranked:
            story = stories[seq]
            cos = _dot(vec, story.centroid) / story.norm if story.norm else 0.0
            tcos = 0.0
            if tvec and story.tnorm:
                tdot = _dot(tvec, story.tcentroid)
                tcos = tdot / story.tnorm
                if title_factor * tdot / story.tnorm > cos:
                    cos = title_factor * tdot / story.tnorm
            elif headline and story.tnorm:
                tcos = _dot(headline, story.tcentroid) / story.tnorm
            if dense is not None and story.dense is not None and (
                story.dense.size == dense.size  # else another model's: not comparable
            ):
                summed = story.dense
                d = float(dense @ summed) / (math.sqrt(float(summed @ summed)) or 1.0)
                if d < dense_min:
                    continue  # the texts share words, but not what happened
                if cfg.dense_weight:
                    lift = max(0.0, (d - cfg.dense_floor) / (1.0 - cfg.dense_floor))
                    cos = (1.0 - cfg.dense_weight) * cos + cfg.dense_weight * lift
            sim = cos
            if decay:
                if timeless or story.first is None:
                    # No time evidence: only the part that never decays. An undated article
                    # placed at the clock is no evidence of being simultaneous with it.
                    sim *= floor
                else:
                    gap = story.first - t if t < story.first else max(0.0, t - story.last)
                    if gap:
                        sim *= floor + (1.0 - floor) * 0.5 ** (gap / half_life)
            out.append((sim, seq, cos, tcos))
        out.sort(key=lambda p: (-p[0], p[1]))
        return out

    def _name_gate(self, art: _Article, scored: list[_Scored]) -> list[_Scored]:
        """The candidates above ``join_threshold`` that the article may join: those sharing
        ``join_min_names`` name-like terms with it, or whose titles agree with its title
        (``join_title_match``). An article with fewer names than that (nothing to check)
        may join any of them."""
        cfg = self.config
        need = min(cfg.join_min_names, 1) if art.title_names else cfg.join_min_names
        threshold = cfg.join_threshold
        if not need or len(art.names) < need:
            return [p for p in scored if p[0] >= threshold]
        names, active, title_match = art.names, self._active, cfg.join_title_match
        out = []
        for pair in scored:
            if pair[0] < threshold:
                break
            if pair[3] >= title_match or len(names & active[pair[1]].names) >= need:
                out.append(pair)
        return out

    def _about(self, art: _Article, story: _Story, tcos: float) -> bool:
        """The headline test of reopening: the article's title agrees with the story's
        titles (``reopen_title_match``), or shares ``reopen_min_names`` name-like terms
        with the story and agrees with its titles at ``reopen_min_title``. An article whose
        names are its title's (``title_names``) shares one and that many headline words."""
        cfg = self.config
        if tcos >= cfg.reopen_title_match:
            return True
        if tcos < cfg.reopen_min_title:
            return False
        need = cfg.reopen_min_names
        if art.title_names:
            # A headline: one shared name, among as many shared headline words as a whole
            # article must share names (one shared word of a short headline already
            # makes a title cosine of 0.3 or more: "Ostrada ferry strike ends").
            return len(art.names & story.names) >= min(need, 1) and (
                len(art.headline.keys() & story.tcentroid.keys()) >= need
            )
        return len(art.names & story.names) >= need

    def _recurring(self, art: _Article, story: _Story) -> bool:
        """Whether the article is its outlet's next issue of a feature the story holds an
        earlier issue of: the same headline words, ``recurring_gap_hours`` or more later,
        over another text."""
        if art.column is None or art.t is None:
            return False
        earlier = story.columns.get((art.outlet, art.column))  # type: ignore[arg-type]
        cfg = self.config
        if earlier is None or art.t - earlier < cfg.recurring_gap_hours * 3600.0:
            return False
        # Rare (the outlet's same headline on another day): the cost of a second cosine.
        title = art.headline
        mine = {term: w for term, w in art.vec.items() if term not in title}
        theirs = {term: w for term, w in story.centroid.items() if term not in title}
        norms = _norm(mine) * _norm(theirs)
        return not norms or _dot(mine, theirs) / norms < cfg.recurring_same_text

    def _hold(self, story: _Story, doc_id: str, art: _Article, similarity: float) -> None:
        """Keep a weak joiner as provisional (``provisional_below``)."""
        cfg = self.config
        if similarity < cfg.provisional_below and cfg.provisional_max > 0:
            story.provisional.append((doc_id, art))
            if len(story.provisional) > cfg.provisional_max:
                del story.provisional[0]

    def _reseat(self, art: _Article, story: _Story) -> tuple[_Story, str, float] | None:
        """A new story of a provisional member of ``story`` and this article, when the
        article resembles that member much more than the rest of the story: the second
        report of an event that had joined a related story weakly (an indictment in a
        settlements story, microbes found on a space station in a falling-station story).

        Returns the new story, the re-seated member's id and the pair's similarity, or
        None. Headline-only articles take no part: two headlines sharing a few words are
        no evidence of another event. Nor do two reports of one outlet, nor a story of too
        few other articles: telling a member from "the rest" needs a rest."""
        cfg = self.config
        if art.title_names or story.size - 1 < cfg.reseat_min_rest:
            return None
        for index, (doc_id, member) in enumerate(story.provisional):
            if member.title_names or (art.outlet is not None and member.outlet == art.outlet):
                # One outlet's own reports share its house words ("DPRK", its datelines,
                # its boilerplate): their likeness is no evidence of another event.
                continue
            pair = _dot(art.svec, member.vec)
            if art.tvec and member.tvec:
                pair = max(pair, cfg.title_factor * _dot(art.tvec, member.tvec))
            if pair < cfg.reseat_min:
                continue
            rest = self._similarity_without(art, story, member)
            if rest >= max(cfg.join_threshold, cfg.reseat_rest * pair):
                continue
            del story.provisional[index]
            self._remove(story, member)
            # Its own thread too: it is re-seated for being another matter than the story
            # (in the old story's thread, giveme's thread precision fell 0.948 -> 0.915).
            new = self._new_story(doc_id, member.t)
            self._join(new, member)
            self._join(new, art)
            return new, doc_id, pair
        return None

    def _similarity_without(self, art: _Article, story: _Story, member: _Article) -> float:
        """The article's undecayed similarity with ``story`` less ``member``."""
        rest = {term: w - member.vec.get(term, 0.0) for term, w in story.centroid.items()}
        norm = _norm(rest)
        sim = _dot(art.svec, rest) / norm if norm else 0.0
        if not art.tvec:
            return sim
        tcentroid, tnorm = story.tcentroid, story.tnorm
        if member.tvec:
            tcentroid = {t: w - member.tvec.get(t, 0.0) for t, w in tcentroid.items()}
            tnorm = _norm(tcentroid)
        if tnorm:
            sim = max(sim, self.config.title_factor * _dot(art.tvec, tcentroid) / tnorm)
        return sim

    def _remove(self, story: _Story, member: _Article) -> None:
        """Take a member's vectors out of an active story. Its names, time span and
        posting lists stay: a union and a span cannot be undone without every member, and
        a stale posting only makes the story a candidate once more."""
        centroid = story.centroid
        for term, w in member.vec.items():
            if term in centroid:
                centroid[term] -= w
        story.norm = _norm(centroid)
        tcentroid = story.tcentroid
        for term, w in member.tvec.items():
            if term in tcentroid:
                tcentroid[term] -= w
        story.tnorm = _norm(tcentroid)
        if story.dense is not None and member.dense is not None and (
            story.dense.size == member.dense.size
        ):
            story.dense = story.dense - member.dense
        story.size -= 1

    def _merge(
        self, best: _Story, scored: list[_Scored]
    ) -> tuple[_Story, tuple[str, ...]]:
        """Merge the other active stories this article bridges to ``best`` into the oldest.

        Returns the surviving story and the absorbed ids (none when nothing merges).
        """
        cfg = self.config
        if scored[0][0] < cfg.merge_threshold:
            return best, ()
        group = [best]
        for sim, seq, _, _ in scored[1:]:
            if sim < cfg.merge_threshold:
                break
            other = self._active[seq]
            if _cosine(best, other) >= cfg.join_threshold:
                group.append(other)
        if len(group) == 1:
            return best, ()
        group.sort(key=lambda s: s.seq)
        survivor = group[0]
        for story in group[1:]:
            self._absorb(survivor, story)
        return survivor, tuple(s.id for s in group[1:])

    def _thread_for(
        self,
        art: _Article,
        scored: list[_Scored],
        remembered: list[_Scored],
    ) -> str | None:
        """The thread id of the most similar story a new story follows, if any."""
        cfg = self.config
        horizon = None if art.t is None else art.t - cfg.thread_days * _DAY
        best: tuple[float, int, str] | None = None
        for pairs, stories in ((scored, self._active), (remembered, self._memory)):
            for _, seq, cos, _ in pairs:
                story = stories[seq]
                if horizon is None or story.last is None:
                    # No time to bound the thread: as for joining, only the part of the
                    # similarity that never decays counts.
                    if cos * cfg.decay_floor < cfg.thread_threshold:
                        continue
                elif cos < cfg.thread_threshold or story.last < horizon:
                    continue
                if len(art.names & story.names) < cfg.thread_min_names:
                    continue
                if best is None or (cos, -seq) > (best[0], -best[1]):
                    best = (cos, seq, story.thread)
        return None if best is None else best[2]

    # ------------------------------------------------------------------- updates

    def _new_story(self, doc_id: str, t: float | None) -> _Story:
        salt = 0
        story_id = story_id_for(doc_id)
        while story_id in self._ids:  # the same article id twice: keep ids unique
            salt += 1
            story_id = story_id_for(doc_id, salt)
        self._seq += 1
        story = _Story(self._seq, story_id, story_id, t)
        self._active[story.seq] = story
        self._ids[story_id] = story.seq
        return story

    def _join(self, story: _Story, art: _Article) -> None:
        cfg = self.config
        centroid = story.centroid
        get = centroid.get
        for term, w in art.vec.items():
            centroid[term] = get(term, 0.0) + w
        if len(centroid) > 2 * cfg.centroid_terms:  # truncate lazily: amortised cost
            self._truncate(story, cfg.centroid_terms)
            centroid = story.centroid
        story.norm = _norm(centroid)
        if art.tvec:
            tcentroid = story.tcentroid
            tget = tcentroid.get
            for term, w in art.tvec.items():
                tcentroid[term] = tget(term, 0.0) + w
            if len(tcentroid) > 2 * cfg.title_centroid_terms:
                story.tcentroid = _top(tcentroid, cfg.title_centroid_terms)
            story.tnorm = _norm(story.tcentroid)
        story.names |= art.names
        story.size += 1
        story.dense = _add_dense(story.dense, art.dense)
        if art.column is not None and art.t is not None:
            key = (art.outlet, art.column)
            if art.t > story.columns.get(key, -math.inf):  # type: ignore[arg-type]
                story.columns[key] = art.t  # type: ignore[index]
        t = art.t
        if t is not None:
            story.first = t if story.first is None else min(story.first, t)
            story.last = t if story.last is None else max(story.last, t)
        for term in art.lookup:
            if term in centroid and term not in story.posted:
                story.posted.add(term)
                self._post(self._postings, term, story.seq)
        if story.last is not None:
            heapq.heappush(self._expiry, (story.last, story.seq))

    def _post(
        self, postings: dict[str, dict[int, None]], term: str, seq: int, cap: int = 0
    ) -> None:
        posting = postings.get(term)
        if posting is None:
            postings[term] = {seq: None}
            return
        posting[seq] = None
        if len(posting) > (cap or self.config.posting_cap):
            # A very common term says little; its oldest stories stop being found by it.
            del posting[next(iter(posting))]

    def _truncate(self, story: _Story, keep: int) -> None:
        story.centroid = _top(story.centroid, keep)
        story.names &= story.centroid.keys()
        for term in sorted(story.posted.difference(story.centroid)):
            story.posted.discard(term)
            _unpost(self._postings, term, story.seq)

    def _absorb(self, survivor: _Story, other: _Story) -> None:
        """Fold active story ``other`` into active ``survivor`` and drop ``other``."""
        for mine, theirs in ((survivor.centroid, other.centroid),
                             (survivor.tcentroid, other.tcentroid)):
            get = mine.get
            for term, w in theirs.items():
                mine[term] = get(term, 0.0) + w
        survivor.size += other.size
        survivor.names |= other.names
        survivor.provisional += other.provisional
        excess = len(survivor.provisional) - self.config.provisional_max
        if excess > 0:
            del survivor.provisional[:excess]
        survivor.dense = _add_dense(survivor.dense, other.dense)
        for key, t in other.columns.items():
            if t > survivor.columns.get(key, -math.inf):
                survivor.columns[key] = t
        if other.first is not None:
            survivor.first = other.first if survivor.first is None else min(
                survivor.first, other.first
            )
            survivor.last = other.last if survivor.last is None else max(
                survivor.last, other.last
            )
        for term in sorted(other.posted):
            _unpost(self._postings, term, other.seq)
            if term not in survivor.posted:
                survivor.posted.add(term)
                self._post(self._postings, term, survivor.seq)
        cfg = self.config
        if len(survivor.centroid) > 2 * cfg.centroid_terms:
            self._truncate(survivor, cfg.centroid_terms)
        if len(survivor.tcentroid) > 2 * cfg.title_centroid_terms:
            survivor.tcentroid = _top(survivor.tcentroid, cfg.title_centroid_terms)
        survivor.norm = _norm(survivor.centroid)
        survivor.tnorm = _norm(survivor.tcentroid)
        del self._active[other.seq]
        del self._ids[other.id]
        if survivor.last is not None:
            heapq.heappush(self._expiry, (survivor.last, survivor.seq))
        if other.thread != survivor.thread:
            # One story now, so its two threads are one matter: stories that followed the
            # absorbed one would otherwise keep a thread whose root is gone, and their
            # timeline would miss the survivor. Merges are rare; the scan is affordable.
            for pool in (self._active, self._memory):
                for story in pool.values():
                    if story.thread == other.thread:
                        story.thread = survivor.thread

    def _date_undated(self, t: float) -> None:
        """The first dated article starts the clock: stories so far get its time."""
        for story in self._active.values():
            if story.last is None:
                story.first = story.last = t
                heapq.heappush(self._expiry, (t, story.seq))

    def _expire(self) -> None:
        """Close active stories idle for ``window_days``; forget old remembered ones."""
        clock = self._clock
        if clock is None:
            return
        cfg = self.config
        limit = clock - cfg.window_days * _DAY
        heap = self._expiry
        while heap and heap[0][0] < limit:
            last, seq = heapq.heappop(heap)
            story = self._active.get(seq)
            if story is None or story.last != last:
                continue  # stale entry: the story grew (a newer entry exists) or is gone
            self._close(story)
        memory = self._memory
        horizon = clock - cfg.memory_days * _DAY
        while memory:
            story = memory[next(iter(memory))]
            last = clock if story.last is None else story.last
            if len(memory) <= cfg.memory_max_stories and last >= horizon:
                break
            self._forget(story)

    def _close(self, story: _Story) -> None:
        """Active -> memory (kept small: top ``memory_terms`` terms), or forgotten."""
        cfg = self.config
        del self._active[story.seq]
        story.provisional = []  # only an open story's weak joiners are re-seated
        for term in sorted(story.posted):
            _unpost(self._postings, term, story.seq)
        self._closed += 1
        if cfg.memory_days <= 0 or cfg.memory_max_stories <= 0:
            del self._ids[story.id]
            return
        story.centroid = _top(story.centroid, cfg.memory_terms)
        story.tcentroid = _top(story.tcentroid, cfg.memory_terms // 2)
        story.norm = _norm(story.centroid)
        story.tnorm = _norm(story.tcentroid)
        story.names &= story.centroid.keys()
        story.posted = set(story.names)
        self._memory[story.seq] = story
        for term in story.centroid:  # dict order: deterministic
            if term in story.names:
                self._post(self._mem_postings, term, story.seq, cfg.memory_posting_cap)

    def _forget(self, story: _Story) -> None:
        del self._memory[story.seq]
        del self._ids[story.id]
        for term in sorted(story.posted):
            _unpost(self._mem_postings, term, story.seq)

    def _reopen(self, story: _Story) -> None:
        """A remembered story back into the active index (with its truncated centroid)."""
        del self._memory[story.seq]
        for term in sorted(story.posted):
            _unpost(self._mem_postings, term, story.seq)
        self._closed -= 1
        self._active[story.seq] = story
        story.posted = set(story.centroid)
        for term in story.centroid:
            self._post(self._postings, term, story.seq)


def _member_row(art: _Article) -> list:  # type: ignore[type-arg]
    """What a provisional member needs to be re-seated, as JSON values. Vectors as
    [term, weight] pairs in their order: dot products are summed in it."""
    return [
        [[term, w] for term, w in art.vec.items()],
        [[term, w] for term, w in art.tvec.items()],
        sorted(art.names), art.lookup, art.t,
        None if art.dense is None else art.dense.tolist(),
        art.outlet, art.column, art.title_names, art.undated,
    ]


def _member_from_row(row: list) -> _Article:  # type: ignore[type-arg]
    vec_pairs, tvec_pairs, names, lookup, t, dense, outlet, column, title_names, undated = row
    vec = {term: w for term, w in vec_pairs}
    return _Article(
        vec, vec, {term: w for term, w in tvec_pairs}, set(names), lookup, t, {},
        None if dense is None else np.asarray(dense, float), outlet, column, title_names,
        undated,
    )


def _top(weights: dict[str, float], keep: int) -> dict[str, float]:
    if len(weights) <= keep:
        return weights
    return dict(heapq.nlargest(keep, weights.items(), key=_by_weight))


# The packed arrays of a format-2 snapshot, in order: story weights, then active and
# remembered postings (list lengths, story seqs).
_PACKED = ("<f8", "<u4", "<i8", "<u4", "<i8")


def _split(joined: str) -> list[str]:
    return joined.split(_SEP) if joined else []


def _pack_postings(
    postings: dict[str, dict[int, None]],
) -> tuple[str, list[int], list[int]]:
    """A posting index as (terms joined by NUL, list lengths, all story seqs in order)."""
    seqs: list[int] = []
    for posting in postings.values():
        seqs += posting
    return _SEP.join(postings), [len(p) for p in postings.values()], seqs


def _unpack_postings(
    terms: str, counts: list[int], seqs: list[int]
) -> dict[str, dict[int, None]]:
    out: dict[str, dict[int, None]] = {}
    start = 0
    for term, count in zip(_split(terms), counts, strict=True):
        out[term] = dict.fromkeys(seqs[start : start + count])
        start += count
    return out


def _array_norm(values: np.ndarray) -> float:
    """Euclidean norm, exactly rounded: a BLAS dot product's rounding depends on the CPU
    kernel it picks, and the weights (hence snapshots and ties) must not."""
    return math.sqrt(math.fsum((values * values).tolist()))


def _add_dense(total: np.ndarray | None, vector: np.ndarray | None) -> np.ndarray | None:
    """A story's summed sentence embedding with ``vector`` added (a new array: the
    operands stay untouched). A vector of another size (another model's) is left out."""
    if vector is None:
        return total
    if total is None:
        return vector.copy()
    return total + vector if total.size == vector.size else total


def _unit_dense(embedding: np.ndarray | None) -> np.ndarray | None:
    """A sentence embedding as a float64 unit vector; None when absent or unusable."""
    if embedding is None:
        return None
    vector = np.asarray(embedding, dtype=np.float64).ravel()
    norm = float(np.sqrt(vector @ vector)) if vector.size else 0.0
    if not norm or not math.isfinite(norm):
        return None
    return vector / norm


def _norm(weights: dict[str, float]) -> float:
    values = weights.values()
    return math.sqrt(math.fsum(map(mul, values, values)))


def _unit(weights: list[tuple[str, float]]) -> dict[str, float]:
    norm = math.sqrt(math.fsum([w * w for _, w in weights])) or 1.0
    return {term: w / norm for term, w in weights}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sparse dot product: the smaller side's terms looked up in the other, all in C.
    Summed in the smaller dict's insertion order, which snapshots preserve, so a restored
    clusterer computes bit-identical similarities."""
    if len(a) > len(b):
        a, b = b, a
    return sum(map(mul, a.values(), map(b.get, a.keys(), repeat(0.0))))


def _cosine(a: _Story, b: _Story) -> float:
    if not a.norm or not b.norm:
        return 0.0
    return _dot(a.centroid, b.centroid) / (a.norm * b.norm)


def _unpost(postings: dict[str, dict[int, None]], term: str, seq: int) -> None:
    posting = postings.get(term)
    if posting is not None:
        posting.pop(seq, None)
        if not posting:
            del postings[term]


# Below this many articles, starting a tokenising worker (~0.3 s) costs more than it saves.
PARALLEL_MIN_DOCS = 5_000


def default_processes() -> int:
    """Processes worth using for ``add_many``: one clusters, one tokenises (no more: the
    clustering process is the bottleneck), so 2 when there are two CPUs."""
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Grouping:
    """Where a run put each article: doc id -> story id and doc id -> thread id, merged
    ids resolved to their survivors."""

    story: dict[str, str]
    thread: dict[str, str]


def resolve_assignments(assignments: Iterable[Assignment]) -> Grouping:
    """Each article's final story and thread from a run's assignments, in order.

    A re-seated article (``Assignment.moved``) goes to its new story. A merge absorbs
    stories into a survivor (their ids become aliases) and moves every story on an
    absorbed story's thread to the survivor's thread, as the clusterer and the store do;
    a story's thread is otherwise the one its latest assignment reported."""
    story_of: dict[str, str] = {}
    thread_of: dict[str, str] = {}  # story id -> its thread, as last known
    alias: dict[str, str] = {}
    for a in assignments:
        story_of[a.doc_id] = a.story_id
        for doc_id in a.moved:  # re-seated into this new story
            story_of[doc_id] = a.story_id
        if a.merged_from:
            moved = {thread_of[old] for old in a.merged_from if old in thread_of}
            moved.discard(a.thread_id)
            for old in a.merged_from:
                alias[old] = a.story_id
            if moved:
                for sid, thread in thread_of.items():
                    if thread in moved:
                        thread_of[sid] = a.thread_id
        thread_of[a.story_id] = a.thread_id
    story: dict[str, str] = {}
    for doc_id, sid in story_of.items():
        while sid in alias:
            sid = alias[sid]
        story[doc_id] = sid
    return Grouping(story, {doc_id: thread_of[sid] for doc_id, sid in story.items()})


def group_documents(
    docs: Iterable[ClusterDoc],
    config: ClusterConfig = ClusterConfig(),
    *,
    processes: int | None = None,
) -> Grouping:
    """Each article's story and thread, clustering in time order: sorted by (published,
    id), undated articles first (their time is unknown, so they sort as the earliest).

    ``processes`` as in ``OnlineClusterer.add_many`` (the result is the same); by default
    2 when there are ``PARALLEL_MIN_DOCS`` articles or more and two CPUs, else 1."""

    def order(doc: ClusterDoc) -> tuple[float, str]:
        ts = _timestamp(doc.published)
        return (-math.inf if ts is None else ts, doc.id)

    ordered = sorted(docs, key=order)
    if processes is None:
        processes = default_processes() if len(ordered) >= PARALLEL_MIN_DOCS else 1
    return resolve_assignments(OnlineClusterer(config).add_many(ordered, processes=processes))


def cluster_documents(
    docs: Iterable[ClusterDoc],
    config: ClusterConfig = ClusterConfig(),
    *,
    processes: int | None = None,
) -> dict[str, str]:
    """Doc id -> story id (``group_documents`` without the threads)."""
    return group_documents(docs, config, processes=processes).story
