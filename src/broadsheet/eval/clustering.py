"""Story-clustering evaluation: pairwise and B-cubed F1 against gold events, and speed.

Dataset: story-grouped JSON lines (the ``../shared/data/stories`` format), one story per
line: ``{"story_id", "title", "date", "summary"?, "docs": [{"doc_id", "source", "lean"?,
"title", "text", "url", "date"?}]}``. Each doc becomes one article whose gold label is its
line's ``story_id``.

Protocol, so that nothing about the gold grouping leaks into the stream:

* an article's time is its own ``date`` or none; never its story's date;
* articles are shuffled with a fixed seed, then the dated ones are sorted by time (stable,
  so equal times stay in shuffled order) into the positions dated articles held, and the
  undated ones keep their shuffled positions: the file's grouping by story is gone.

Systems, each fed that same order:

* ``broadsheet``: ``OnlineClusterer`` with its default ``ClusterConfig``;
* ``broadsheet threads``: the same clusterer's threads (each article labelled with its
  story's thread; a second, identical run, so its articles/s is its own): coarser than
  stories by design, so a check of threads against storyline gold, not a rival system;
* ``tfidf-agglomerative``: scikit-learn ``TfidfVectorizer`` (English stop words, sublinear
  tf) over title + text, ``AgglomerativeClustering`` with cosine distance, average linkage
  and ``distance_threshold`` (offline: it sees every article at once);
* ``title-jaccard``: one greedy pass; an article joins the existing cluster holding the
  title with the highest word Jaccard (stop words dropped) if that is over a threshold.

The baselines' thresholds were tuned on giveme-newscluster the same way ours were (a grid,
best B-cubed F1: ``tune_baselines``) and then fixed for every set.

Metrics: pairwise precision / recall / F1 over pairs of articles put together, and B-cubed
precision / recall / F1 (per article, averaged). Articles per second time the clustering
call only (loading and tokenising for scoring excluded; each system's own text processing
is included).

``benchmark_throughput`` synthesises a long stream from real texts at run time (nothing
synthetic is stored) and times ``OnlineClusterer.add`` alone; see its docstring.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from broadsheet.dates import parse_published
from broadsheet.eval.datafiles import EvalDataError, json_lines
from broadsheet.eval.timing import peak_rss_mb
from broadsheet.stories.cluster import (
    Assignment,
    ClusterConfig,
    ClusterDoc,
    OnlineClusterer,
    default_processes,
    resolve_assignments,
)
from broadsheet.stories.embed import (
    DTYPES,
    Embedder,
    SentenceEmbedder,
    embed_documents,
    embedding_text,
)
from broadsheet.stories.text import STOP_WORDS
from broadsheet.urls import publisher_of

SEED = 20240601
# Tuned on giveme-newscluster (grid in ``tune_baselines``), then fixed for every set.
AGGLOMERATIVE_DISTANCE = 0.85
TITLE_JACCARD_THRESHOLD = 0.15
# Exact average linkage holds n² / 2 distances twice: 20,000 articles took 3.6 GB.
AGGLOMERATIVE_MAX_ARTICLES = 20_000
# Systems that see every article at once: the stream order does not change their
# clusters (ties aside), so ``order_spread`` scores them once (20 orders of 20,000
# articles were 9 minutes of the same linkage).
OFFLINE_SYSTEMS = frozenset({"tfidf-agglomerative"})

ClusterFn = Callable[[list["GoldDoc"]], dict[str, str]]


@dataclass(frozen=True)
class GoldDoc:
    """One article of an evaluation set, with its gold story."""

    doc: ClusterDoc
    gold: str


@dataclass
class Scores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    clusters: int


@dataclass
class SystemResult:
    name: str
    scores: Scores
    seconds: float
    articles_per_second: float


@dataclass
class ClusteringReport:
    dataset: str
    articles: int
    stories: int
    dated: int
    systems: list[SystemResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # system -> why it did not run
    unreadable_dates: int = 0  # docs whose ``date`` was given but could not be read
    duplicate_ids: int = 0  # docs dropped because an earlier doc had their ``doc_id``

    def row(self, name: str) -> SystemResult:
        return next(s for s in self.systems if s.name == name)

    def to_markdown(self) -> str:
        lines = [
            f"**{self.dataset}**: {self.articles} articles, {self.stories} gold stories, "
            f"{self.dated} dated" + "".join(self._data_notes()),
            "",
            "| system | clusters | pairwise P | pairwise R | pairwise F1 | B³ P | B³ R | B³ F1 "
            "| articles/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in self.systems:
            c = s.scores
            lines.append(
                f"| {s.name} | {c.clusters} | {c.pairwise_precision:.3f} | "
                f"{c.pairwise_recall:.3f} | {c.pairwise_f1:.3f} | {c.bcubed_precision:.3f} | "
                f"{c.bcubed_recall:.3f} | {c.bcubed_f1:.3f} | {s.articles_per_second:,.0f} |"
            )
        for name, reason in self.skipped.items():
            lines.append(f"| {name} | skipped: {reason} |" + " |" * 7)
        return "\n".join(lines) + "\n"

    def _data_notes(self) -> list[str]:
        notes = []
        if self.unreadable_dates:
            notes.append(f" ({self.unreadable_dates} dates unreadable: taken as undated)")
        if self.duplicate_ids:
            notes.append(f" ({self.duplicate_ids} repeated doc_ids dropped)")
        return notes

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------- metrics


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_prf(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """Precision / recall / F1 over unordered pairs of items clustered together.

    With no predicted (or no gold) pairs at all, precision (recall) is 1 by convention.
    """
    cells = Counter((pred[k], gold[k]) for k in gold)
    tp = sum(_pairs(n) for n in cells.values())
    pred_pairs = sum(_pairs(n) for n in Counter(pred[k] for k in gold).values())
    gold_pairs = sum(_pairs(n) for n in Counter(gold.values()).values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / gold_pairs if gold_pairs else 1.0
    return p, r, _f1(p, r)


def bcubed_prf(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision / recall / F1 (Bagga & Baldwin): per-item overlap, averaged."""
    if not gold:
        return 1.0, 1.0, 1.0
    cells = Counter((pred[k], gold[k]) for k in gold)
    pred_sizes = Counter(pred[k] for k in gold)
    gold_sizes = Counter(gold.values())
    p = sum(cells[(pred[k], g)] / pred_sizes[pred[k]] for k, g in gold.items()) / len(gold)
    r = sum(cells[(pred[k], g)] / gold_sizes[g] for k, g in gold.items()) / len(gold)
    return p, r, _f1(p, r)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(pred: dict[str, str], gold: dict[str, str]) -> Scores:
    pp, pr, pf = pairwise_prf(pred, gold)
    bp, br, bf = bcubed_prf(pred, gold)
    return Scores(pp, pr, pf, bp, br, bf, len(set(pred[k] for k in gold)))


# ----------------------------------------------------------------------------- data


@dataclass
class LoadNotes:
    """What ``read_stories`` had to leave out or guess."""

    unreadable_dates: int = 0
    duplicate_ids: int = 0


def load_stories(path: Path, limit: int | None = None) -> list[GoldDoc]:
    """Flatten a story-grouped JSONL file into articles (first ``limit`` stories)."""
    return read_stories(path, limit)[0]


def read_stories(
    path: Path, limit: int | None = None, body_chars: int | None = None
) -> tuple[list[GoldDoc], LoadNotes]:
    """``load_stories``, with what it left out: a ``date`` it could not read (the article
    is undated) and a ``doc_id`` seen before (the later doc is dropped, since one article
    cannot be scored against two gold stories). With ``body_chars``, each text is cut to
    that many characters (0: headlines only), as feed summaries and headline-only data
    would give it."""
    out: list[GoldDoc] = []
    notes = LoadNotes()
    seen: set[str] = set()
    for number, story in json_lines(path, limit):
        if story.get("story_id") is None:
            raise EvalDataError(f"{path}:{number}: a story without a story_id")
        gold = str(story["story_id"])
        docs = story.get("docs") or []
        if not isinstance(docs, list) or not all(
            isinstance(d, dict) and d.get("doc_id") is not None for d in docs
        ):
            raise EvalDataError(f"{path}:{number}: docs must be objects with a doc_id")
        for d in docs:
            doc_id = str(d["doc_id"])
            if doc_id in seen:
                notes.duplicate_ids += 1
                continue
            seen.add(doc_id)
            date = d.get("date")
            published = parse_published(date)  # the doc's own date only
            if published is None and date not in (None, ""):
                notes.unreadable_dates += 1
            source = d.get("source")
            text = str(d.get("text") or "")
            doc = ClusterDoc(
                id=doc_id,
                title=str(d.get("title") or ""),
                text=text if body_chars is None else text[:body_chars],
                published=published,
                # A host name ("africa.<site>", "europe.<site>") as its publisher: the
                # clusterer treats one outlet's reports apart (``_reseat``).
                outlet=None if source is None else publisher_of(str(source)),
            )
            out.append(GoldDoc(doc, gold))
    return out, notes


def _dataset_name(
    path: Path, body_chars: int | None, config: ClusterConfig | None = None
) -> str:
    name = path.stem if body_chars is None else f"{path.stem} (text cut to {body_chars})"
    return name + settings_note(config)


def settings_note(config: ClusterConfig | None) -> str:
    """" (with reopen_threshold=0.3, ...)": the clusterer settings that differ from the
    defaults, so that a table scored with them says so."""
    if config is None:
        return ""
    default = ClusterConfig()
    changed = [
        f"{f.name}={json.dumps(getattr(config, f.name))}"
        for f in fields(ClusterConfig)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return f" (with {', '.join(changed)})" if changed else ""


def stream_order(docs: Sequence[GoldDoc], seed: int = SEED) -> list[GoldDoc]:
    """Seeded shuffle, then dated articles sorted by time in the slots dated ones held."""
    order = list(docs)
    random.Random(seed).shuffle(order)
    slots = [i for i, g in enumerate(order) if g.doc.published is not None]
    dated = sorted((order[i] for i in slots), key=lambda g: g.doc.published)  # type: ignore[arg-type,return-value]
    for i, g in zip(slots, dated, strict=True):
        order[i] = g
    return order


# ----------------------------------------------------------------------------- systems


def cluster_broadsheet(
    docs: list[GoldDoc], config: ClusterConfig | None = None
) -> dict[str, str]:
    """Our online clusterer, fed in the given order; merged ids resolved to survivors."""
    clusterer = OnlineClusterer(config or ClusterConfig())
    return resolve_assignments(clusterer.add(g.doc) for g in docs).story


def cluster_broadsheet_threads(
    docs: list[GoldDoc], config: ClusterConfig | None = None
) -> dict[str, str]:
    """Our clusterer's *threads*, fed in the given order: each article's story's thread id.

    Threads link the stories of one developing matter, so they are coarser than stories:
    scored against gold storylines (giveme-newscluster) they should do at least as well
    as the stories, against gold events (allsides-roundups) no better.
    """
    clusterer = OnlineClusterer(config or ClusterConfig())
    return resolve_assignments(clusterer.add(g.doc) for g in docs).thread


class BaselineSkipped(Exception):
    """A baseline that cannot run on this set (the reason is the message)."""


def cluster_tfidf_agglomerative(
    docs: list[GoldDoc],
    distance_threshold: float = AGGLOMERATIVE_DISTANCE,
    max_articles: int = AGGLOMERATIVE_MAX_ARTICLES,
) -> dict[str, str]:
    """Baseline: TF-IDF over title + text, average-linkage cosine agglomerative clustering.

    The same clusters as scikit-learn's ``AgglomerativeClustering(metric="cosine",
    linkage="average", distance_threshold=...)``, which calls SciPy's ``linkage`` too, but
    the cosine distances come from a sparse product in row blocks instead of a dense copy
    of the TF-IDF matrix: scikit-learn's way took 6.5 minutes and 2.2 GB for 5,000
    articles, and would need 16 GB for 20,000. Exact average linkage still needs every
    pairwise distance (8 bytes each, twice), so sets over ``max_articles`` raise
    ``BaselineSkipped`` rather than exhaust memory.
    """
    from scipy.cluster.hierarchy import fcluster, linkage  # eval-only dependency
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(docs)
    if n < 2:
        return {g.doc.id: "0" for g in docs}
    if n > max_articles:
        gigabytes = n * (n - 1) * 8 / 1e9  # the condensed distances, and SciPy's copy
        raise BaselineSkipped(
            f"{n:,} articles are over its limit of {max_articles:,}: exact average linkage "
            f"would hold about {gigabytes:,.0f} GB of distances"
        )
    texts = [f"{g.doc.title}\n{g.doc.text}" for g in docs]
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # no article has a single term: nothing is similar to anything
        return {g.doc.id: str(index) for index, g in enumerate(docs)}
    labels = fcluster(
        linkage(_cosine_distances(matrix), method="average"),
        t=distance_threshold,
        criterion="distance",
    )
    return {g.doc.id: str(label) for g, label in zip(docs, labels, strict=True)}


def _cosine_distances(matrix: Any, block: int = 512) -> np.ndarray:
    """Condensed cosine distances (SciPy's ``pdist`` layout) between the rows of a sparse
    matrix whose rows have unit length or are empty (an empty row is at distance 1)."""
    n = matrix.shape[0]
    out = np.empty(n * (n - 1) // 2)
    columns = matrix.T.tocsr()
    position = 0
    for start in range(0, n, block):
        similarity = (matrix[start : start + block] @ columns[:, start:]).toarray()
        for offset in range(similarity.shape[0]):
            row = similarity[offset, offset + 1 :]
            out[position : position + row.size] = 1.0 - row
            position += row.size
    return np.clip(out, 0.0, 2.0, out=out)  # rounding can leave -1e-16


_TITLE_WORD_RE = re.compile(r"\w+")


def _title_words(title: str) -> frozenset[str]:
    return frozenset(w for w in _TITLE_WORD_RE.findall(title.lower()) if w not in STOP_WORDS)


def cluster_title_jaccard(
    docs: list[GoldDoc], threshold: float = TITLE_JACCARD_THRESHOLD
) -> dict[str, str]:
    """Baseline: greedy single pass, join the cluster with the most similar title (word
    Jaccard); ties go to the older cluster.

    Only titles sharing a word are compared (an index of words to titles): a title
    sharing none has a Jaccard of 0, which never joins. Comparing every title made this
    baseline quadratic (472 articles/s at 5,000 articles, hours at 100,000).
    """
    sizes: list[int] = []  # words of each title seen, by title number
    cluster_of: list[int] = []  # cluster of each title seen
    titles_with: dict[str, list[int]] = {}
    clusters = 0
    out: dict[str, str] = {}
    for g in docs:
        words = _title_words(g.doc.title)
        shared: Counter[int] = Counter()
        for word in words:
            shared.update(titles_with.get(word, ()))
        best, best_sim = -1, 0.0
        for title, common in shared.items():
            sim = common / (len(words) + sizes[title] - common)
            cluster = cluster_of[title]
            if sim > best_sim or (sim == best_sim and cluster < best):
                best, best_sim = cluster, sim
        if best < 0 or best_sim < threshold:
            best = clusters
            clusters += 1
        number = len(sizes)
        sizes.append(len(words))
        cluster_of.append(best)
        for word in words:
            titles_with.setdefault(word, []).append(number)
        out[g.doc.id] = str(best)
    return out


def cluster_broadsheet_embedded(
    embedder: Embedder, config: ClusterConfig | None = None
) -> ClusterFn:
    """Our clusterer with sentence embeddings: the time includes computing them."""

    def run(docs: list[GoldDoc]) -> dict[str, str]:
        embedded = embed_documents([g.doc for g in docs], embedder)
        return cluster_broadsheet(
            [GoldDoc(doc, g.gold) for doc, g in zip(embedded, docs, strict=True)], config
        )

    return run


def default_systems(
    embedder: Embedder | None = None,
    agglomerative_limit: int = AGGLOMERATIVE_MAX_ARTICLES,
    config: ClusterConfig | None = None,
) -> dict[str, ClusterFn]:
    """Our clusterer (with ``config``, else the defaults), its threads, the baselines."""
    systems: dict[str, ClusterFn] = {
        "broadsheet": functools.partial(cluster_broadsheet, config=config)
    }
    if embedder is not None:
        systems["broadsheet+embeddings"] = cluster_broadsheet_embedded(embedder, config)
    systems["broadsheet threads"] = functools.partial(cluster_broadsheet_threads, config=config)
    systems["tfidf-agglomerative"] = functools.partial(
        cluster_tfidf_agglomerative, max_articles=agglomerative_limit
    )
    systems["title-jaccard"] = cluster_title_jaccard
    return systems


# ----------------------------------------------------------------------------- evaluation


def evaluate_clustering(
    path: Path,
    *,
    limit: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    systems: dict[str, ClusterFn] | None = None,
    seed: int = SEED,
    embedder: Embedder | None = None,
    agglomerative_limit: int = AGGLOMERATIVE_MAX_ARTICLES,
    body_chars: int | None = None,
    config: ClusterConfig | None = None,
) -> ClusteringReport:
    """Score every system on the story file at ``path`` (first ``limit`` stories); with an
    ``embedder``, our clusterer with sentence embeddings too; with ``config``, our
    clusterer with those settings (the dataset's name lists what differs).

    ``progress(system, done, total)`` is called after each system with ``total`` = number
    of systems.
    """
    docs, notes = read_stories(path, limit, body_chars)
    if not docs:  # every score would be a vacuous 1.0
        raise EvalDataError(f"{path}: no articles to cluster")
    ordered = stream_order(docs, seed)
    gold = {g.doc.id: g.gold for g in docs}
    report = ClusteringReport(
        dataset=_dataset_name(path, body_chars, config),
        articles=len(docs),
        stories=len(set(gold.values())),
        dated=sum(1 for g in docs if g.doc.published is not None),
        unreadable_dates=notes.unreadable_dates,
        duplicate_ids=notes.duplicate_ids,
    )
    chosen = (
        systems if systems is not None
        else default_systems(embedder, agglomerative_limit, config)
    )
    for index, (name, fn) in enumerate(chosen.items()):
        start = time.perf_counter()
        try:
            pred = fn(ordered)
        except BaselineSkipped as exc:
            report.skipped[name] = str(exc)
        else:
            seconds = time.perf_counter() - start
            report.systems.append(
                SystemResult(
                    name, score(pred, gold), seconds, len(docs) / seconds if seconds else 0.0
                )
            )
        if progress is not None:
            progress(name, index + 1, len(chosen))
    return report


@dataclass
class OrderSpread:
    """B³ F1 of one system over several stream orders of one dataset."""

    dataset: str
    system: str
    seeds: list[int]
    bcubed_f1: list[float]  # one per seed, in that order

    @property
    def mean(self) -> float:
        return sum(self.bcubed_f1) / len(self.bcubed_f1)


def order_spread(
    path: Path,
    orders: int,
    *,
    limit: int | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    agglomerative_limit: int = AGGLOMERATIVE_MAX_ARTICLES,
    body_chars: int | None = None,
    config: ClusterConfig | None = None,
) -> list[OrderSpread]:
    """Each system's B³ F1 over ``orders`` other stream orders (seeds 1 … ``orders``).

    The articles' times are fixed; what changes is the order of articles with the same
    time (and of all of them where none has a time), which an online clusterer sees and
    the fixed-seed tables hide. An offline system (``OFFLINE_SYSTEMS``) is scored once
    and its score repeated. With an ``embedder`` each article is embedded once, and
    the ``broadsheet+embeddings`` row reuses the vectors in every order.
    """
    if orders < 1:
        raise ValueError("orders must be at least 1")
    docs = read_stories(path, limit, body_chars)[0]
    if not docs:
        raise EvalDataError(f"{path}: no articles to cluster")
    gold = {g.doc.id: g.gold for g in docs}
    remembered: Embedder | None = None
    if embedder is not None:  # each article through the model once, not once per order
        vectors = {
            embedding_text(d.title, d.text): d.embedding
            for d in embed_documents([g.doc for g in docs], embedder)
        }

        def looked_up(texts: Sequence[str]) -> np.ndarray:
            return np.stack([vectors[text] for text in texts])

        remembered = looked_up
    systems = default_systems(remembered, agglomerative_limit, config)
    seeds = list(range(1, orders + 1))
    dataset = _dataset_name(path, body_chars, config)
    spreads = {name: OrderSpread(dataset, name, seeds, []) for name in systems}
    offline: dict[str, float] = {}
    for done, seed in enumerate(seeds, start=1):
        ordered = stream_order(docs, seed)
        for name, fn in list(systems.items()):
            if name in offline:
                spreads[name].bcubed_f1.append(offline[name])
                continue
            try:
                f1 = score(fn(ordered), gold).bcubed_f1
            except BaselineSkipped:  # too large: it is said in the main table
                del systems[name], spreads[name]
                continue
            spreads[name].bcubed_f1.append(f1)
            if name in OFFLINE_SYSTEMS:
                offline[name] = f1
        if progress is not None:
            progress(path.stem, done, len(seeds))
    return list(spreads.values())


def order_spread_markdown(spreads: Sequence[OrderSpread]) -> str:
    """One table: each system's B³ F1 over the orders (mean, min, max)."""
    first = spreads[0]
    lines = [
        f"**{first.dataset}**: B³ F1 over {len(first.seeds)} stream orders "
        f"(seeds {first.seeds[0]}–{first.seeds[-1]}; the table above uses seed {SEED})",
        "",
        "| system | mean | min | max |",
        "|---|---:|---:|---:|",
    ]
    for spread in spreads:
        lines.append(
            f"| {spread.system} | {spread.mean:.3f} | {min(spread.bcubed_f1):.3f} | "
            f"{max(spread.bcubed_f1):.3f} |"
        )
    return "\n".join(lines) + "\n"


def tune_baselines(path: Path) -> dict[str, list[tuple[float, float]]]:
    """B-cubed F1 of each baseline over a grid of thresholds (how the defaults were set)."""
    ordered = stream_order(load_stories(path))
    gold = {g.doc.id: g.gold for g in ordered}
    grid = {
        "tfidf-agglomerative": [round(0.5 + 0.025 * i, 3) for i in range(20)],
        "title-jaccard": [round(0.05 + 0.05 * i, 2) for i in range(12)],
    }
    out: dict[str, list[tuple[float, float]]] = {}
    for name, values in grid.items():
        fn = cluster_tfidf_agglomerative if name == "tfidf-agglomerative" else cluster_title_jaccard
        out[name] = [(v, score(fn(ordered, v), gold).bcubed_f1) for v in values]
    return out


# ----------------------------------------------------------------------------- throughput

_SUB_RE = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]{2,6}|\d[\d,.]*\d|\d)\b")
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


@dataclass
class ThroughputRow:
    articles: int
    seconds: float
    articles_per_second: float
    microseconds_per_article: float
    peak_rss_mb: float
    active_stories: int
    closed_stories: int
    mean_chars: float
    # B-cubed against the synthetic events. Events built on the same real story share all
    # their wording and none of their names, so precision here measures whether the
    # clusterer keeps "the same words about other names" apart; recall is easy (an event's
    # articles are copies of one real story's articles).
    events_bcubed_precision: float = 0.0
    events_bcubed_recall: float = 0.0
    processes: int = 1  # the clusterer's process and its tokenising workers
    # The cost of the last ``_TAIL`` articles alone: what one more article costs once this
    # many have gone by (the whole-run average includes the cheap first days, when few
    # stories are open, and the start of the workers).
    tail_microseconds_per_article: float = 0.0
    # The cost of the next ``_PROBE`` articles after this size, in one process, measured
    # in batches that alternate with every other size's (see ``_interleaved_costs``): the
    # sizes compared under the same machine conditions, which sequential runs on a shared
    # VM are not (their speed drifts by ±20 %).
    next_microseconds_per_article: float = 0.0
    # The clusterer's state at the end of the run: time to snapshot it, time to restore
    # it, and its size (what `broadsheet build` saves with every batch it commits).
    snapshot_seconds: float = 0.0
    restore_seconds: float = 0.0
    snapshot_mb: float = 0.0


def _fake_word(event: int, word: str) -> str:
    """A made-up replacement, the same for a word within an event, different across."""
    digest = hashlib.blake2b(f"{event}\x00{word}".encode(), digest_size=8).digest()
    if word[0].isdigit():
        return str(int.from_bytes(digest[:4], "little") % (10 ** min(len(word), 6)))
    parts = [_SYLLABLES[b % len(_SYLLABLES)] for b in digest[: 2 + digest[7] % 2]]
    name = "".join(parts)
    return name.upper() if word.isupper() else name.capitalize()


def _base_stories(paths: Sequence[Path], min_chars: int = 3000) -> list[list[tuple[str, str]]]:
    """Real stories as lists of (title, text); short texts lengthened with their siblings'."""
    stories: list[list[tuple[str, str]]] = []
    for path in paths:
        by_story: dict[str, list[tuple[str, str]]] = {}
        for g in load_stories(path):
            by_story.setdefault(g.gold, []).append((g.doc.title, g.doc.text))
        for docs in by_story.values():
            if not docs:
                continue
            pool = [text for _, text in docs]
            grown = []
            for i, (title, text) in enumerate(docs):
                j = i + 1
                while len(text) < min_chars and j < i + 1 + 3 * len(pool):
                    text += "\n" + pool[j % len(pool)]
                    j += 1
                grown.append((title, text))
            stories.append(grown)
    return stories


def synthetic_stream(
    n_articles: int,
    source_paths: Sequence[Path],
    *,
    articles_per_day: float = 600.0,
    seed: int = SEED,
    events: list[int] | None = None,
    embedding_dim: int = 0,
) -> Iterator[ClusterDoc]:
    """A realistic, lazily generated stream of ``n_articles`` articles in time order.

    Each synthetic event copies a real story (its articles' titles and texts) with every
    name-like token (capitalised words, acronyms, numbers) replaced by a made-up one chosen
    per event, so events built on the same real story share their common words but not
    their names, and there are as many distinct events as needed (``n_articles / 4``).
    Events start uniformly over ``n_articles / articles_per_day`` days (months, for 100k:
    stories close) and their articles follow over hours to days. When ``events`` is given,
    the event of each yielded article is appended to it.

    With ``embedding_dim``, each article carries a made-up sentence embedding of that size
    (the workload of the embeddings extra, without a model): events built on the same real
    story have vectors at a cosine of about 0.45, and one event's articles about 0.9 (as a
    sentence model puts topic neighbours and reports of one event).
    """
    rng = random.Random(seed)
    bases = _base_stories(source_paths)
    span = n_articles / articles_per_day * 86_400.0
    origin = datetime(2024, 1, 1, tzinfo=UTC)
    plan: list[tuple[float, int, int, int]] = []  # (time, event, base story, doc)
    event = 0
    while len(plan) < n_articles:
        base = rng.randrange(len(bases))
        start = rng.uniform(0.0, span)
        size = min(n_articles - len(plan), 1 + int(rng.expovariate(1 / 3.0)))
        for _ in range(size):
            lag = rng.expovariate(1 / 36_000.0)  # ten hours on average
            plan.append((start + lag, event, base, rng.randrange(len(bases[base]))))
        event += 1
    plan.sort()
    for index, (offset, ev, base, doc) in enumerate(plan):
        title, text = bases[base][doc]

        def fake(match: re.Match[str], ev: int = ev) -> str:
            word = match.group(0)
            return word if word.lower() in STOP_WORDS else _fake_word(ev, word)

        if events is not None:
            events.append(ev)
        yield ClusterDoc(
            id=f"syn-{index}",
            title=_SUB_RE.sub(fake, title),
            text=_SUB_RE.sub(fake, text),
            published=origin + timedelta(seconds=offset),
            embedding=_synthetic_vector(embedding_dim, base, ev, index) if embedding_dim else None,
        )


def _synthetic_vector(dim: int, base: int, event: int, article: int) -> np.ndarray:
    """Base story + event + article noise, each part seeded by its number (see above)."""

    def part(key: int, kind: int) -> np.ndarray:
        vector = np.random.default_rng([SEED, kind, key]).standard_normal(dim)
        return vector / np.sqrt(vector @ vector)

    # Unit parts, nearly orthogonal: two events of one base story meet at about
    # 1 / 2.25 ~ 0.45, two articles of one event at 2 / 2.25 ~ 0.9.
    return (part(base, 0) + part(event, 1) + 0.5 * part(article, 2)).astype(np.float32)


_TAIL = 5_000
_PROBE = 5_000  # articles timed after each size, interleaved across sizes
_PROBE_BATCH = 250


class _TimedSource:
    """An iterator that adds up the time spent producing its items (to subtract it)."""

    def __init__(self, items: Iterator[ClusterDoc]) -> None:
        self._items = items
        self.spent = 0.0
        self.chars = 0

    def __iter__(self) -> _TimedSource:
        return self

    def __next__(self) -> ClusterDoc:
        start = time.perf_counter()
        try:
            doc = next(self._items)
            self.chars += len(doc.text)
            return doc
        finally:
            self.spent += time.perf_counter() - start


def benchmark_throughput(
    sizes: Sequence[int] = (10_000, 30_000, 100_000),
    source_paths: Sequence[Path] = (),
    *,
    config: ClusterConfig | None = None,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
    embedding_dim: int = 0,
) -> list[ThroughputRow]:
    """Time ``OnlineClusterer.add_many`` over synthetic streams of each size.

    Each size is a fresh clusterer over the first ``size`` articles of the same synthetic
    stream (same density of events per day), so articles/s across sizes shows whether the
    cost per article grows as closed stories pile up. Articles are synthesised lazily as
    the clusterer asks for them, and the time spent synthesising is subtracted; with
    ``processes`` > 1 the start of the worker processes is included. Peak RSS is this
    process's high-water mark (clusterer, source stories) plus the largest worker's. Each
    row also scores the stories against the synthetic events (B-cubed, merged ids
    resolved; see ``ThroughputRow``).

    Then every size's clusterer takes its next ``_PROBE`` articles, in one process, in
    batches interleaved across the sizes (``next_microseconds_per_article``): the fairest
    answer to whether one more article costs more after 100k articles than after 10k.
    The clusterers are all kept for that, so a row's peak RSS includes the smaller sizes'.
    """
    if not source_paths:
        raise ValueError("benchmark_throughput needs real story files to synthesise from")
    # One stream for every size, longer than any of them needs: the probe articles after
    # the largest size are mid-stream, not the thinning last hours of the synthetic span.
    length = max(sizes) + _PROBE + max(sizes) // 10
    rows = []
    probes: list[tuple[OnlineClusterer, list[ClusterDoc]]] = []
    for size in sizes:
        clusterer = OnlineClusterer(config or ClusterConfig())
        events: list[int] = []
        stream = synthetic_stream(
            length, source_paths, events=events, embedding_dim=embedding_dim
        )
        source = _TimedSource(islice(stream, size))
        assignments: list[Assignment] = []
        tail_from = max(0, size - _TAIL)  # the cost of the last articles: at this size
        tail_start = 0.0
        start = time.perf_counter()
        for a in clusterer.add_many(source, processes=processes):
            if len(assignments) == tail_from:
                tail_start = time.perf_counter() - start - source.spent
            assignments.append(a)
            if progress is not None and len(assignments) % 5_000 == 0:
                progress(len(assignments), size)
        spent = time.perf_counter() - start - source.spent
        pred = resolve_assignments(assignments).story  # merges and re-seatings applied
        bp, br, _ = bcubed_prf(
            pred, {f"syn-{i}": str(e) for i, e in enumerate(events[:size])}
        )
        peak_rss = peak_rss_mb()  # before the restore below adds a second clusterer
        # What `broadsheet build` pays per committed batch (snapshot) and per run (restore).
        begin = time.perf_counter()
        saved = clusterer.snapshot()
        snapshot_seconds = time.perf_counter() - begin
        begin = time.perf_counter()
        OnlineClusterer.restore(saved)
        restore_seconds = time.perf_counter() - begin
        rows.append(
            ThroughputRow(
                articles=size,
                seconds=spent,
                articles_per_second=size / spent if spent else 0.0,
                microseconds_per_article=spent / size * 1e6,
                tail_microseconds_per_article=(spent - tail_start) / (size - tail_from) * 1e6,
                peak_rss_mb=peak_rss,
                active_stories=clusterer.active_story_count(),
                closed_stories=clusterer.closed_story_count(),
                mean_chars=source.chars / size,
                events_bcubed_precision=bp,
                events_bcubed_recall=br,
                processes=processes,
                snapshot_seconds=snapshot_seconds,
                restore_seconds=restore_seconds,
                snapshot_mb=len(saved) / 1e6,
            )
        )
        # Kept alive for the interleaved probe: peak RSS of later rows includes them.
        probes.append((clusterer, list(islice(stream, _PROBE))))
    for row, cost in zip(rows, _interleaved_costs(probes), strict=True):
        row.next_microseconds_per_article = cost
    return rows


def _interleaved_costs(
    probes: Sequence[tuple[OnlineClusterer, list[ClusterDoc]]], batch: int = _PROBE_BATCH
) -> list[float]:
    """µs per article of each clusterer on its own next articles, timed in alternating
    batches (each clusterer goes first in turn), so that a slow or fast spell of the
    machine falls on every clusterer alike."""
    spent = [0.0] * len(probes)
    longest = max((len(docs) for _, docs in probes), default=0)
    for round_index, start in enumerate(range(0, longest, batch)):
        for offset in range(len(probes)):
            which = (round_index + offset) % len(probes)
            clusterer, docs = probes[which]
            chunk = docs[start : start + batch]
            begin = time.perf_counter()
            for doc in chunk:
                clusterer.add(doc)
            spent[which] += time.perf_counter() - begin
    return [
        seconds / len(docs) * 1e6 if docs else 0.0
        for seconds, (_, docs) in zip(spent, probes, strict=True)
    ]


def throughput_markdown(rows: Sequence[ThroughputRow]) -> str:
    lines = [
        "| articles | seconds | articles/s | µs/article | µs/article, last 5,000 "
        "| µs/article, next 5,000 (1 process, interleaved) "
        "| peak RSS MB | active stories | closed stories | mean chars | events B³ P "
        "| events B³ R | snapshot s | restore s | snapshot MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.articles:,} | {r.seconds:.1f} | {r.articles_per_second:,.0f} | "
            f"{r.microseconds_per_article:,.0f} | {r.tail_microseconds_per_article:,.0f} | "
            f"{r.next_microseconds_per_article:,.0f} | "
            f"{r.peak_rss_mb:,.0f} | {r.active_stories:,} | "
            f"{r.closed_stories:,} | {r.mean_chars:,.0f} | {r.events_bcubed_precision:.3f} | "
            f"{r.events_bcubed_recall:.3f} | {r.snapshot_seconds:.2f} | "
            f"{r.restore_seconds:.2f} | {r.snapshot_mb:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m broadsheet.eval.clustering FILE.jsonl ... [--throughput]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--throughput", action="store_true", help="also run the 10k/30k/100k")
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument(
        "--processes", type=int, default=default_processes(), help="for --throughput"
    )
    parser.add_argument("--tune", action="store_true", help="print the baselines' grids")
    parser.add_argument(
        "--embedding-dim", type=int, default=0,
        help="for --throughput: articles carry made-up sentence embeddings of this size",
    )
    parser.add_argument(
        "--embeddings", type=Path, default=None, help="a local sentence-transformers model"
    )
    parser.add_argument(
        "--embedding-dtype", default="float32", choices=DTYPES,
        help="the number format the model runs in (with --embeddings)",
    )
    parser.add_argument(
        "--orders", type=int, default=0,
        help="also score every system over this many other stream orders (seeds 1..N)",
    )
    args = parser.parse_args(argv)
    embedder = (
        SentenceEmbedder(args.embeddings, dtype=args.embedding_dtype)
        if args.embeddings
        else None
    )
    for path in args.files:
        if args.tune:
            print(json.dumps(tune_baselines(path)))
        print(evaluate_clustering(path, limit=args.limit, embedder=embedder).to_markdown())
        if args.orders:
            spreads = order_spread(path, args.orders, limit=args.limit, embedder=embedder)
            print(order_spread_markdown(spreads))
    if args.throughput:
        sizes = [int(s) for s in args.sizes.split(",")]
        rows = benchmark_throughput(
            sizes, args.files, processes=args.processes, embedding_dim=args.embedding_dim
        )
        print(throughput_markdown(rows))


if __name__ == "__main__":
    main()
