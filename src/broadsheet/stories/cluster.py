"""Online story clustering: articles -> stories, stories -> threads.

One pass, in the order given. Each article becomes a sparse TF-IDF vector (see
``stories.text``) and is compared with the *active* stories that share one of its top
terms (an inverted index term -> stories, so the cost per article depends on how many
stories are active, never on how many have been closed). It joins the best one when the
time-decayed cosine with that story's centroid passes ``join_threshold``; otherwise it
starts a new story.

Time is *stream time*: the clock is the latest publication time seen so far, so an old or
misdated article neither rewinds it nor closes anything; an undated article takes the
clock's time. A story closes when the clock has moved ``window_days`` past its last
article; it then leaves the active index for a bounded *memory* of recently closed stories
(``memory_days``, at most ``memory_max_stories``), used for two things:

* reopening: an article that matches a closed story very strongly (``reopen_threshold``
  on the plain cosine, with shared name-like terms) rejoins it under its old id. Late
  follow-ups and misdated copies of an event are common in real feeds, and without this
  each one would become a story of its own;
* threads: a new story takes the ``thread_id`` of the best active or remembered story
  within ``thread_days`` that it resembles at the lower ``thread_threshold`` and with
  which it shares at least ``thread_min_names`` name-like terms ("talks announced", "talks
  held", "talks collapse"); otherwise its thread id is its own id.

Story ids are ``"s"`` + 12 hex digits of SHA-1 of the first article's id: stable across
runs and processes. When an article matches two active stories strongly (both above
``merge_threshold``, and the two stories resemble each other) they merge: the older id
survives and ``Assignment.merged_from`` lists the absorbed ids, which callers must keep
resolving (as aliases) to the survivor.

The whole state snapshots to bytes (``snapshot``/``restore``) and a restored clusterer
continues exactly as an uninterrupted one would.

TODO (optional, not implemented): an embedding representation (sentence-transformers,
model named by ``ClusterConfig.embedding_model``) mixed into the similarity. The default
path must stay model-free, and nothing here may download a model.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import struct
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from operator import itemgetter

import numpy as np

from broadsheet.stories.text import HashedIdf, TermNormaliser, term_counts

_DAY = 86_400.0
_MAGIC = b"BSCL"
_FORMAT = 1
_by_weight = itemgetter(1)


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of the online clusterer. The defaults are the evaluated ones.

    Similarities are cosines of TF-IDF vectors (0..1); "effective" similarity multiplies
    the cosine by ``0.5 ** (gap_days / half_life_days)``, where the gap is the distance in
    days from the article's time to the story's [first, last] span (0 inside it).
    """

    # Stories: joining, closing, merging.
    join_threshold: float = 0.30  # effective similarity needed to join an active story
    window_days: float = 3.0  # an active story closes this long after its last article
    half_life_days: float = 7.0  # the time-dependent part of the similarity halves weekly
    decay_floor: float = 0.0  # the part that never decays
    merge_threshold: float = 0.55  # an article this close to two stories may merge them
    # Representation.
    title_weight: float = 2.0  # title words count this many times
    lead_chars: int = 2200  # body characters used: the lead, ~350 words (also caps the cost)
    name_boost: float = 1.5  # weight multiplier of name-like terms
    linkage: str = "centroid"  # or "average": mean cosine with the story's articles
    novel_weight: float = 1.0  # scoring weight of terms first seen in this article
    title_channel: bool = True  # similarity = max(body cosine, title_factor * title cosine)
    title_factor: float = 1.0
    title_min_terms: int = 3  # titles with fewer content terms have no title channel
    title_centroid_terms: int = 60
    doc_terms: int = 100  # an article vector keeps its top terms
    lookup_terms: int = 12  # its top terms used to find candidate stories
    centroid_terms: int = 150  # a story centroid keeps its top terms
    max_candidates: int = 16  # candidates scored in full per article
    idf_bits: int = 20  # document-frequency table of 2**bits counters (4 MiB)
    # Memory of closed stories: reopening and threads.
    memory_days: float = 30.0  # closed stories are remembered this long (0: not at all)
    memory_max_stories: int = 50_000  # and at most this many (oldest forgotten first)
    memory_terms: int = 40  # a remembered story keeps its top terms
    reopen_threshold: float = 0.50  # plain cosine to reopen a closed story
    reopen_min_names: int = 2  # shared name-like terms needed to reopen
    thread_days: float = 14.0  # a new story joins a thread whose story it follows this closely
    thread_threshold: float = 0.12  # plain cosine needed for a thread
    thread_min_names: int = 2  # shared name-like terms needed for a thread
    # Optional embedding model: TODO, see the module docstring; must stay None for now.
    embedding_model: str | None = None


@dataclass(frozen=True)
class ClusterDoc:
    """An article as the clusterer sees it."""

    id: str
    title: str
    text: str
    published: datetime | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class Assignment:
    """Where one article went.

    ``similarity`` is the effective similarity to the story it joined (0.0 for a new story;
    for a reopened story the plain cosine). ``merged_from`` lists story ids absorbed into
    ``story_id`` by this article: callers must record them as aliases of ``story_id``.
    """

    doc_id: str
    story_id: str
    new_story: bool
    similarity: float
    thread_id: str
    merged_from: tuple[str, ...] = ()


class _Article:
    """One article, vectorised: what matching and joining need."""

    __slots__ = ("lookup", "names", "svec", "t", "tvec", "vec")

    def __init__(
        self,
        vec: dict[str, float],
        names: set[str],
        lookup: list[str],
        tvec: dict[str, float],
        t: float | None,
        svec: dict[str, float],
    ) -> None:
        self.vec = vec
        self.svec = svec
        self.names = names
        self.lookup = lookup
        self.tvec = tvec
        self.t = t


class _Story:
    __slots__ = (
        "centroid", "first", "id", "last", "names", "norm", "posted", "seq", "size", "tcentroid",
        "thread", "tnorm", "tsize",
    )

    def __init__(self, seq: int, story_id: str, thread: str, t: float | None) -> None:
        self.seq = seq
        self.id = story_id
        self.thread = thread
        self.centroid: dict[str, float] = {}
        self.norm = 0.0
        self.tcentroid: dict[str, float] = {}
        self.tnorm = 0.0
        self.tsize = 0
        self.size = 0
        self.first = t
        self.last = t
        self.names: set[str] = set()
        self.posted: set[str] = set()

    def to_json(self) -> list[object]:
        return [
            self.seq, self.id, self.thread, self.size, self.tsize, self.first, self.last,
            list(self.centroid.items()), sorted(self.names), sorted(self.posted),
            list(self.tcentroid.items()),
        ]

    @classmethod
    def from_json(cls, row: list) -> _Story:
        seq, sid, thread, size, tsize, first, last, centroid, names, posted, tcentroid = row
        story = cls(seq, sid, thread, first)
        story.last = last
        story.size = size
        story.tsize = tsize
        story.centroid = {k: v for k, v in centroid}
        story.norm = math.sqrt(sum(v * v for v in story.centroid.values()))
        story.tcentroid = {k: v for k, v in tcentroid}
        story.tnorm = math.sqrt(sum(v * v for v in story.tcentroid.values()))
        story.names = set(names)
        story.posted = set(posted)
        return story


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
        if config.embedding_model is not None:
            raise NotImplementedError("embedding models are not supported yet (TODO)")
        self.config = config
        self._idf = HashedIdf(config.idf_bits)
        self._normalise = TermNormaliser()
        self._clock: float | None = None
        self._seq = 0
        self._closed = 0
        self._active: dict[int, _Story] = {}
        self._postings: dict[str, dict[int, None]] = {}  # term -> active stories (ordered)
        self._expiry: list[tuple[float, int]] = []  # heap of (last time, seq), lazy
        self._memory: dict[int, _Story] = {}  # closed stories, in order of closing
        self._mem_postings: dict[str, dict[int, None]] = {}
        self._ids: dict[str, int] = {}  # story id -> seq, for active and remembered stories

    # ----------------------------------------------------------------- public API

    def add(self, doc: ClusterDoc) -> Assignment:
        """Assign one article to a story (joining, reopening, merging or starting one)."""
        cfg = self.config
        t = _timestamp(doc.published)
        if t is not None and (self._clock is None or t > self._clock):
            if self._clock is None:
                self._date_undated(t)
            self._clock = t
            self._expire()
        if t is None:
            t = self._clock
        art = self._vectorise(doc, t)

        scored = self._score(self._postings, self._active, art, decay=True)
        if scored and scored[0][0] >= cfg.join_threshold:
            best, merged = self._merge(self._active[scored[0][1]], scored)
            self._join(best, art)
            return Assignment(doc.id, best.id, False, scored[0][0], best.thread, merged)

        remembered = (
            self._score(self._mem_postings, self._memory, art, decay=False)
            if self._memory
            else []
        )
        for sim, seq in remembered:
            if sim < cfg.reopen_threshold:
                break
            story = self._memory[seq]
            if len(art.names & story.names) >= cfg.reopen_min_names:
                self._reopen(story)
                self._join(story, art)
                return Assignment(doc.id, story.id, False, sim, story.thread)

        story = self._new_story(doc.id, t)
        story.thread = self._thread_for(art, scored, remembered) or story.id
        self._join(story, art)
        return Assignment(doc.id, story.id, True, 0.0, story.thread)

    def active_story_count(self) -> int:
        """Stories currently open (in the active index)."""
        return len(self._active)

    def closed_story_count(self) -> int:
        """Stories closed so far (remembered or forgotten); merged-away ones not counted."""
        return self._closed

    def remembered_story_count(self) -> int:
        """Closed stories still remembered for reopening and threads."""
        return len(self._memory)

    def snapshot(self) -> bytes:
        """The whole state as bytes: deterministic (same state -> same bytes) and compact."""
        state = {
            "config": _config_to_json(self.config),
            "clock": self._clock,
            "seq": self._seq,
            "closed": self._closed,
            "n_docs": self._idf.n_docs,
            "active": [s.to_json() for s in self._active.values()],
            "memory": [s.to_json() for s in self._memory.values()],
            "postings": [[k, list(v)] for k, v in self._postings.items()],
            "mem_postings": [[k, list(v)] for k, v in self._mem_postings.items()],
            "expiry": self._expiry,
        }
        head = zlib.compress(
            json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6
        )
        table = zlib.compress(self._idf.to_bytes(), 6)
        return _MAGIC + struct.pack("<BII", _FORMAT, len(head), len(table)) + head + table

    @classmethod
    def restore(cls, data: bytes, config: ClusterConfig | None = None) -> OnlineClusterer:
        """A clusterer continuing from ``snapshot()`` bytes (with the saved config unless
        ``config`` is given; a different representation config makes old centroids and
        new articles incomparable, so only change thresholds and windows that way)."""
        if data[:4] != _MAGIC:
            raise ValueError("not a broadsheet clusterer snapshot")
        version, head_len, table_len = struct.unpack_from("<BII", data, 4)
        if version != _FORMAT:
            raise ValueError(f"unsupported snapshot format {version}")
        offset = 4 + struct.calcsize("<BII")
        state = json.loads(zlib.decompress(data[offset : offset + head_len]))
        table = zlib.decompress(data[offset + head_len : offset + head_len + table_len])
        self = cls(config or _config_from_json(state["config"]))
        self._idf = HashedIdf.from_bytes(table, state["n_docs"])
        self._clock = state["clock"]
        self._seq = state["seq"]
        self._closed = state["closed"]
        for row in state["active"]:
            story = _Story.from_json(row)
            self._active[story.seq] = story
            self._ids[story.id] = story.seq
        for row in state["memory"]:
            story = _Story.from_json(row)
            self._memory[story.seq] = story
            self._ids[story.id] = story.seq
        self._postings = {k: dict.fromkeys(v) for k, v in state["postings"]}
        self._mem_postings = {k: dict.fromkeys(v) for k, v in state["mem_postings"]}
        self._expiry = [(t, s) for t, s in state["expiry"]]
        return self

    # ------------------------------------------------------------- representation

    def _vectorise(self, doc: ClusterDoc, t: float | None) -> _Article:
        """Unit TF-IDF vectors of the article (top ``doc_terms``) and of its title."""
        cfg = self.config
        counts, names, title_terms = term_counts(
            doc.title or "", doc.text or "", self._normalise,
            title_weight=cfg.title_weight, lead_chars=cfg.lead_chars,
        )
        if not counts:
            return _Article({}, set(), [], {}, t, {})
        terms = list(counts)
        df = self._idf.add_document(self._idf.buckets(terms))
        idf = self._idf.idf(df)
        weights = (1.0 + np.log(np.fromiter(counts.values(), float, len(terms)))) * idf
        if names and cfg.name_boost != 1.0:
            weights[[i for i, term in enumerate(terms) if term in names]] *= cfg.name_boost
        top = np.argsort(-weights, kind="stable")[: cfg.doc_terms]  # ties: text order
        kept = weights[top]
        kept /= float(np.sqrt(kept @ kept)) or 1.0
        top_terms = [terms[i] for i in top.tolist()]
        vec = dict(zip(top_terms, kept.tolist(), strict=True))
        svec = vec
        if cfg.novel_weight != 1.0:
            # Terms never seen before this article cannot be in any story yet: in the vector
            # used for *scoring* they would only dilute the cosine, so they are damped there.
            novel = df[top] <= 1
            if novel.any():
                damped = np.where(novel, kept * cfg.novel_weight, kept)
                damped /= float(np.sqrt(damped @ damped)) or 1.0
                svec = dict(zip(top_terms, damped.tolist(), strict=True))
        tvec: dict[str, float] = {}
        if cfg.title_channel and len(title_terms) >= cfg.title_min_terms:
            index = {term: i for i, term in enumerate(terms) if term in title_terms}
            tw = [
                (term, (1.0 + math.log(n)) * float(idf[index[term]])
                 * (cfg.name_boost if term in names else 1.0))
                for term, n in title_terms.items()
            ]
            tvec = _unit(tw)
        return _Article(vec, names & vec.keys(), top_terms[: cfg.lookup_terms], tvec, t, svec)

    # ------------------------------------------------------------------ matching

    def _score(
        self,
        postings: dict[str, dict[int, None]],
        stories: dict[int, _Story],
        art: _Article,
        *,
        decay: bool,
    ) -> list[tuple[float, int]]:
        """(similarity, seq) of the best candidate stories, best first."""
        vec, tvec, t = art.svec, art.tvec, art.t
        acc: dict[int, float] = {}
        get = acc.get
        for term in art.lookup:
            posting = postings.get(term)
            if posting:
                w = vec[term]
                for seq in posting:
                    acc[seq] = get(seq, 0.0) + w
        if not acc:
            return []
        cfg = self.config
        ranked = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.max_candidates]
        half_life = cfg.half_life_days * _DAY
        floor = cfg.decay_floor
        title_factor = cfg.title_factor
        average = cfg.linkage == "average"
        # No time on one side: no evidence that the two are close, so score them as if
        # they were a full window apart.
        undated = floor + (1.0 - floor) * 0.5 ** (cfg.window_days * _DAY / half_life)
        out = []
        for seq, _ in ranked:
            story = stories[seq]
            dot = _dot(vec, story.centroid)
            if average:
                sim = dot / story.size if story.size else 0.0
            else:
                sim = dot / story.norm if story.norm else 0.0
            if tvec and story.tnorm:
                tsim = _dot(tvec, story.tcentroid)
                tsim /= story.tsize if average else story.tnorm
                tsim *= title_factor
                if tsim > sim:
                    sim = tsim
            if decay:
                if t is None or story.first is None:
                    sim *= undated
                else:
                    gap = story.first - t if t < story.first else max(0.0, t - story.last)
                    if gap:
                        sim *= floor + (1.0 - floor) * 0.5 ** (gap / half_life)
            out.append((sim, seq))
        out.sort(key=lambda p: (-p[0], p[1]))
        return out

    def _merge(
        self, best: _Story, scored: list[tuple[float, int]]
    ) -> tuple[_Story, tuple[str, ...]]:
        """Merge the other active stories this article bridges to ``best`` into the oldest.

        Returns the surviving story and the absorbed ids (none when nothing merges).
        """
        cfg = self.config
        if scored[0][0] < cfg.merge_threshold:
            return best, ()
        group = [best]
        for sim, seq in scored[1:]:
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
        scored: list[tuple[float, int]],
        remembered: list[tuple[float, int]],
    ) -> str | None:
        """The thread id of the best story a new story follows, if any."""
        cfg = self.config
        t, names = art.t, art.names
        horizon = None if t is None else t - cfg.thread_days * _DAY
        best: tuple[float, int, str] | None = None
        sources = ((scored, self._active, False), (remembered, self._memory, True))
        for pairs, stories, plain in sources:
            for sim, seq in pairs:
                story = stories[seq]
                cos = sim if plain else _plain_cosine(art.vec, story)
                if cos < cfg.thread_threshold:
                    continue
                if horizon is not None and story.last is not None and story.last < horizon:
                    continue
                if len(names & story.names) < cfg.thread_min_names:
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
        t = art.t
        centroid = story.centroid
        get = centroid.get
        for term, w in art.vec.items():
            centroid[term] = get(term, 0.0) + w
        if art.tvec:
            story.tsize += 1
            tcentroid = story.tcentroid
            tget = tcentroid.get
            for term, w in art.tvec.items():
                tcentroid[term] = tget(term, 0.0) + w
            if len(tcentroid) > 2 * cfg.title_centroid_terms:
                story.tcentroid = dict(
                    heapq.nlargest(cfg.title_centroid_terms, tcentroid.items(), key=_by_weight)
                )
            story.tnorm = math.sqrt(sum([v * v for v in story.tcentroid.values()]))
        story.names |= art.names
        story.size += 1
        if t is not None:
            story.first = t if story.first is None else min(story.first, t)
            story.last = t if story.last is None else max(story.last, t)
        if len(centroid) > 2 * cfg.centroid_terms:  # truncate lazily: amortised cost
            self._truncate(story, cfg.centroid_terms)
        story.norm = math.sqrt(sum([v * v for v in centroid.values()]))
        postings = self._postings
        seq = story.seq
        for term in art.lookup:
            if term in centroid and term not in story.posted:
                story.posted.add(term)
                posting = postings.get(term)
                if posting is None:
                    postings[term] = {seq: None}
                else:
                    posting[seq] = None
        if story.last is not None:
            heapq.heappush(self._expiry, (story.last, seq))

    def _truncate(self, story: _Story, keep: int) -> None:
        top = heapq.nlargest(keep, story.centroid.items(), key=_by_weight)
        story.centroid = dict(top)
        story.names &= story.centroid.keys()
        dropped = [term for term in story.posted if term not in story.centroid]
        for term in sorted(dropped):
            story.posted.discard(term)
            _unpost(self._postings, term, story.seq)

    def _absorb(self, survivor: _Story, other: _Story) -> None:
        """Fold active story ``other`` into active ``survivor`` and drop ``other``."""
        centroid = survivor.centroid
        get = centroid.get
        for term, w in other.centroid.items():
            centroid[term] = get(term, 0.0) + w
        tget = survivor.tcentroid.get
        for term, w in other.tcentroid.items():
            survivor.tcentroid[term] = tget(term, 0.0) + w
        survivor.tnorm = math.sqrt(sum([v * v for v in survivor.tcentroid.values()]))
        survivor.size += other.size
        survivor.tsize += other.tsize
        survivor.names |= other.names
        if other.first is not None:
            survivor.first = other.first if survivor.first is None else min(
                survivor.first, other.first
            )
            survivor.last = other.last if survivor.last is None else max(
                survivor.last, other.last
            )
        for term in sorted(other.posted):
            _unpost(self._postings, term, other.seq)
            survivor.posted.add(term)
            self._postings.setdefault(term, {})[survivor.seq] = None
        if len(centroid) > 2 * self.config.centroid_terms:
            self._truncate(survivor, self.config.centroid_terms)
        survivor.norm = math.sqrt(sum([v * v for v in centroid.values()]))
        del self._active[other.seq]
        del self._ids[other.id]
        if survivor.last is not None:
            heapq.heappush(self._expiry, (survivor.last, survivor.seq))

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
            seq = next(iter(memory))
            story = memory[seq]
            last = clock if story.last is None else story.last
            if len(memory) <= cfg.memory_max_stories and last >= horizon:
                break
            self._forget(story)

    def _date_undated(self, t: float) -> None:
        """The first dated article starts the clock: stories so far get its time."""
        for story in self._active.values():
            if story.last is None:
                story.first = story.last = t
                heapq.heappush(self._expiry, (t, story.seq))

    def _close(self, story: _Story) -> None:
        del self._active[story.seq]
        for term in sorted(story.posted):
            _unpost(self._postings, term, story.seq)
        self._closed += 1
        if self.config.memory_days <= 0 or self.config.memory_max_stories <= 0:
            del self._ids[story.id]
            return
        if len(story.centroid) > self.config.memory_terms:
            story.centroid = dict(
                heapq.nlargest(self.config.memory_terms, story.centroid.items(), key=_by_weight)
            )
            story.names &= story.centroid.keys()
            story.norm = math.sqrt(sum([v * v for v in story.centroid.values()]))
        story.posted = set(story.centroid)
        self._memory[story.seq] = story
        for term in story.centroid:
            self._mem_postings.setdefault(term, {})[story.seq] = None

    def _forget(self, story: _Story) -> None:
        del self._memory[story.seq]
        del self._ids[story.id]
        for term in sorted(story.posted):
            _unpost(self._mem_postings, term, story.seq)

    def _reopen(self, story: _Story) -> None:
        """Move a remembered story back to the active index (its truncated centroid)."""
        del self._memory[story.seq]
        for term in sorted(story.posted):
            _unpost(self._mem_postings, term, story.seq)
        self._closed -= 1
        story.posted = set()
        self._active[story.seq] = story
        for term in story.centroid:
            story.posted.add(term)
            self._postings.setdefault(term, {})[story.seq] = None


def _unit(weights: list[tuple[str, float]]) -> dict[str, float]:
    norm = math.sqrt(sum([w * w for _, w in weights])) or 1.0
    return {term: w / norm for term, w in weights}


def _unpost(postings: dict[str, dict[int, None]], term: str, seq: int) -> None:
    posting = postings.get(term)
    if posting is not None:
        posting.pop(seq, None)
        if not posting:
            del postings[term]


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sparse dot product over the shared keys (found in C). ``fsum`` is exactly rounded,
    so the result does not depend on the set's (per-process, salted) iteration order."""
    common = a.keys() & b.keys()
    if not common:
        return 0.0
    return math.fsum([a[k] * b[k] for k in common])


def _cosine(a: _Story, b: _Story) -> float:
    if not a.norm or not b.norm:
        return 0.0
    return _dot(a.centroid, b.centroid) / (a.norm * b.norm)


def _plain_cosine(vec: dict[str, float], story: _Story) -> float:
    if not story.norm:
        return 0.0
    return _dot(vec, story.centroid) / story.norm


def _config_to_json(config: ClusterConfig) -> dict[str, object]:
    return asdict(config)


def _config_from_json(data: dict[str, object]) -> ClusterConfig:
    known = {f.name for f in fields(ClusterConfig)}
    return ClusterConfig(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


def cluster_documents(
    docs: Iterable[ClusterDoc], config: ClusterConfig = ClusterConfig()
) -> dict[str, str]:
    """Doc id -> story id, clustering in time order: sorted by (published, id), undated
    articles first (their time is unknown, so they sort as the earliest). Ids of stories
    merged away are resolved to their survivors."""
    def order(doc: ClusterDoc) -> tuple[float, str]:
        ts = _timestamp(doc.published)
        return (-math.inf if ts is None else ts, doc.id)

    ordered = sorted(docs, key=order)
    clusterer = OnlineClusterer(config)
    out: dict[str, str] = {}
    alias: dict[str, str] = {}
    for doc in ordered:
        a = clusterer.add(doc)
        out[doc.id] = a.story_id
        for old in a.merged_from:
            alias[old] = a.story_id
    if alias:
        for doc_id, sid in out.items():
            while sid in alias:
                sid = alias[sid]
            out[doc_id] = sid
    return out
