"""What a build computes from each article alone, possibly in a worker process.

A build spends most of its time per article on work that depends on nothing but the
article: its section, its tone, its near-duplicate signature (MinHash) and its terms for
the clusterer. ``ArticleAnalyser`` computes those for a whole batch, in this process or
in one worker process while this process does the ordered part of the previous batch
(near-duplicate matching, clustering, the store); the results are identical either way,
so a build's stories do not depend on where the analysis ran.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from broadsheet.stories.neardup import NearDuplicateIndex
from broadsheet.stories.sections import classify_section
from broadsheet.stories.text import Features, TermNormaliser, featurise
from broadsheet.stories.tone import tone
from broadsheet.stories.workers import (
    BatchWorkers,
    WorkerError,
    features_from_wire,
    features_to_wire,
)

# Below this many articles a worker process costs more to start (~1 s: it imports the
# lexicons) than it saves.
PARALLEL_MIN_ARTICLES = 2_000
TONE_CHARS = 1_500  # tone reads the standfirst and this much of the body
# Steering the worker's share of a batch (``ArticleAnalyser.share``).
_WAIT_SLACK_S = 0.02
_SHARE_STEP = 0.1
_MIN_SHARE = 0.5


class ArticleInput(NamedTuple):
    """The fields of a stored article the analysis reads."""

    id: int
    title: str
    text: str  # the body, else the standfirst (``build.article_text``)
    standfirst: str
    feed_section: str


class ArticleAnalysis(NamedTuple):
    section: str
    tone: float
    signature: np.ndarray | None  # None: too short for near-duplicate matching
    features: Features


class AnalysisSettings(NamedTuple):
    """What the analysis depends on besides the article (all picklable)."""

    num_perm: int  # of the near-duplicate index
    title_weight: float  # the clusterer's featurise settings
    lead_chars: int
    bucket_mask: int


def _analyse_with(
    settings: AnalysisSettings,
) -> Callable[[ArticleInput], ArticleAnalysis]:
    signer = NearDuplicateIndex(num_perm=settings.num_perm)
    normalise = TermNormaliser()

    def analyse(a: ArticleInput) -> ArticleAnalysis:
        return ArticleAnalysis(
            section=classify_section(a.title, a.text, [a.feed_section] if a.feed_section else []),
            tone=tone(" ".join(filter(None, [a.standfirst, a.text[:TONE_CHARS]])),
                      title=a.title or None),
            signature=signer.signature(a.text) if a.text else None,
            features=featurise(
                a.title, a.text, normalise, title_weight=settings.title_weight,
                lead_chars=settings.lead_chars, bucket_mask=settings.bucket_mask,
            ),
        )

    return analyse


# (section, tone, (signature bytes, dtype) or None, features in wire form)
_Wire = tuple[str, float, tuple[bytes, str] | None, tuple]  # type: ignore[type-arg]


def _batch_analyser(
    settings: AnalysisSettings,
) -> Callable[[list[ArticleInput]], list[_Wire]]:
    """The worker's handler: a batch of inputs -> their analyses, in wire form."""
    analyse = _analyse_with(settings)

    def handle(batch: list[ArticleInput]) -> list[_Wire]:
        out: list[_Wire] = []
        for a in batch:
            r = analyse(a)
            signature = (
                None if r.signature is None else (r.signature.tobytes(), r.signature.dtype.str)
            )
            out.append((r.section, r.tone, signature, features_to_wire(r.features)))
        return out

    return handle


def _from_wire(w: _Wire) -> ArticleAnalysis:
    section, tone_score, signature, features = w
    return ArticleAnalysis(
        section,
        tone_score,
        None if signature is None else np.frombuffer(signature[0], signature[1]).copy(),
        features_from_wire(features),
    )


class ArticleAnalyser:
    """Analyses batches of articles, with one worker process when ``parallel``.

    ``prefetch(inputs)`` hands the next batch to the worker and returns at once;
    ``analyse(inputs)`` returns every input's analysis, by article id, taking what the
    worker computed for it and computing the rest here. Close it (or use ``with``) to
    stop the worker.
    """

    def __init__(self, settings: AnalysisSettings, *, parallel: bool = False) -> None:
        self.settings = settings
        self._local = _analyse_with(settings)
        self._workers: BatchWorkers | None = None
        self._in_flight: list[int] = []  # ids of the batch the worker holds (if busy)
        self.worker_failure: str | None = None  # why the worker was given up, if it was
        if parallel:
            try:
                self._workers = BatchWorkers(1, _batch_analyser, (settings,),
                                             name="analysis worker")
            except (OSError, ValueError) as exc:  # no interpreter to start, no processes
                self._give_up(exc)
        # Share of a prefetched batch sent to the worker; this process analyses the rest
        # when it gets there. Steered by waiting: when this process waits for the worker,
        # the worker has too much (the ordered part is cheaper than the analysis without
        # a model, far dearer with one).
        self.share = 1.0

    @property
    def has_worker(self) -> bool:
        """Whether a worker process is (still) working for this analyser."""
        return self._workers is not None

    def prefetch(self, inputs: Sequence[ArticleInput]) -> None:
        """Start analysing (``share`` of) ``inputs`` in the worker; a no-op without one
        or while it is busy."""
        if self._workers is None or self._in_flight or not inputs:
            return
        batch = list(inputs[: max(1, round(len(inputs) * self.share))])
        try:
            self._workers.submit(0, batch)
        except (WorkerError, OSError) as exc:
            self._give_up(exc)
            return
        self._in_flight = [a.id for a in batch]

    def analyse(self, inputs: Sequence[ArticleInput]) -> dict[int, ArticleAnalysis]:
        """Each input's analysis, by id."""
        here = list(inputs)
        if self._workers is not None and not self._in_flight and len(here) > 1 and (
            self._ready()
        ):
            # Nothing was prefetched (the first batch): the worker takes the second half
            # while this process does the first. A worker still starting would block the
            # hand-over; then this process does it all.
            self.prefetch(here[len(here) // 2 :])
        held = set(self._in_flight)  # empty without a worker, or if it failed
        here = [a for a in here if a.id not in held]
        done = {a.id: self._local(a) for a in here}
        if held:
            # Whatever the worker holds that this batch lacks (the store changed between
            # prefetch and read: new articles only ever come after) is dropped.
            got = self._receive()
            for a in inputs:
                if a.id not in done:
                    done[a.id] = got[a.id] if a.id in got else self._local(a)
        return done

    def _ready(self) -> bool:
        assert self._workers is not None
        try:
            return self._workers.ready(0)
        except (WorkerError, OSError) as exc:
            self._give_up(exc)
            return False

    def _give_up(self, exc: BaseException) -> None:
        """The worker failed: this process analyses everything from now on (the build's
        result is the same), and ``worker_failure`` says why."""
        self.worker_failure = str(exc) or type(exc).__name__
        self._in_flight = []
        self.close()

    def _receive(self) -> dict[int, ArticleAnalysis]:
        """The worker's analyses, by id ({} if it failed: then they are done here)."""
        assert self._workers is not None
        started = time.perf_counter()
        try:
            wires = self._workers.receive(0)
        except (WorkerError, OSError) as exc:
            self._give_up(exc)
            return {}
        waited = time.perf_counter() - started
        if waited > _WAIT_SLACK_S:
            self.share = max(_MIN_SHARE, self.share - _SHARE_STEP)
        else:
            self.share = min(1.0, self.share + _SHARE_STEP / 2)
        ids, self._in_flight = self._in_flight, []
        return {i: _from_wire(w) for i, w in zip(ids, wires, strict=True)}

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def __enter__(self) -> ArticleAnalyser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parallel_worth_it(pending: int) -> bool:
    """Whether a build of ``pending`` articles should analyse in a worker process."""
    return pending >= PARALLEL_MIN_ARTICLES and (os.cpu_count() or 1) >= 2
