"""Per-article analysis of a build, here or in a worker process: the same results."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from broadsheet.stories.analysis import (
    AnalysisSettings,
    ArticleAnalyser,
    ArticleAnalysis,
    ArticleInput,
)
from broadsheet.stories.cluster import ClusterConfig, OnlineClusterer
from broadsheet.stories.workers import BatchWorkers
from tests.support.articles import make_events

CONFIG = ClusterConfig()
SETTINGS = AnalysisSettings(
    num_perm=64, title_weight=CONFIG.title_weight, lead_chars=CONFIG.lead_chars,
    bucket_mask=OnlineClusterer(CONFIG).bucket_mask,
)


def inputs(n: int, *, first_id: int = 1) -> list[ArticleInput]:
    fakes = make_events(max(1, n // 3 + 1), 3, ["a", "b", "c"])[:n]
    sections = ["", "Sport", "business", ""]
    return [
        ArticleInput(first_id + i, fake.title, fake.text * 2, "A standfirst of sorts.",
                     sections[i % len(sections)])
        for i, fake in enumerate(fakes)
    ] + [ArticleInput(first_id + n, "", "", "", "")]  # an empty page too


def same(a: ArticleAnalysis, b: ArticleAnalysis) -> bool:
    signatures = (a.signature is None and b.signature is None) or (
        a.signature is not None and b.signature is not None
        and a.signature.dtype == b.signature.dtype
        and np.array_equal(a.signature, b.signature)
    )
    features = all(
        x == y if isinstance(x, list | bool) else (x.dtype == y.dtype and np.array_equal(x, y))
        for x, y in zip(a.features, b.features, strict=True)
    )
    return a.section == b.section and a.tone == b.tone and signatures and features


def worker_of(analyser: ArticleAnalyser) -> BatchWorkers:
    assert analyser._workers is not None
    return analyser._workers


@pytest.fixture(scope="module")
def here() -> dict[int, ArticleAnalysis]:
    with ArticleAnalyser(SETTINGS) as analyser:
        return analyser.analyse(inputs(30) + inputs(10, first_id=100))


def test_a_worker_process_analyses_exactly_as_this_process(
    here: dict[int, ArticleAnalysis],
) -> None:
    first, second = inputs(30), inputs(10, first_id=100)
    assert any(a.signature is not None for a in here.values())
    assert {a.section for a in here.values()} >= {"sport", "business"}
    with ArticleAnalyser(SETTINGS, parallel=True) as analyser:
        got = analyser.analyse(first)  # nothing prefetched: split with the worker
        analyser.prefetch(second)  # the next batch, in the worker meanwhile
        got |= analyser.analyse(second)
    assert got.keys() == here.keys()
    assert all(same(got[i], here[i]) for i in here)


def test_only_a_share_goes_to_the_worker_and_the_rest_is_analysed_here(
    here: dict[int, ArticleAnalysis],
) -> None:
    batch = inputs(30)
    with ArticleAnalyser(SETTINGS, parallel=True) as analyser:
        assert worker_of(analyser).ready(0, wait=True) and worker_of(analyser).ready(0)
        analyser.share = 0.5
        analyser.prefetch(batch)
        assert len(analyser._in_flight) == round(len(batch) * 0.5) < len(batch)
        got = analyser.analyse(batch)
        assert 0.5 <= analyser.share <= 1.0
    assert all(same(got[a.id], here[a.id]) for a in batch)


def test_a_prefetched_batch_that_is_not_the_one_read_is_dropped(
    here: dict[int, ArticleAnalysis],
) -> None:
    # The worker holds articles 100..110; the batch read is 1..31 (the store changed
    # between prefetch and read): every article of the read batch is still analysed.
    with ArticleAnalyser(SETTINGS, parallel=True) as analyser:
        analyser.prefetch(inputs(10, first_id=100))
        got = analyser.analyse(inputs(30))
        assert not analyser._workers.busy(0)  # type: ignore[union-attr]
    assert got.keys() == {a.id for a in inputs(30)}
    assert all(same(got[i], here[i]) for i in got)


def test_without_a_worker_prefetch_does_nothing(here: dict[int, ArticleAnalysis]) -> None:
    with ArticleAnalyser(SETTINGS) as analyser:
        analyser.prefetch(inputs(10, first_id=100))
        got = analyser.analyse(inputs(10, first_id=100))
    assert all(same(got[i], here[i]) for i in got)


def test_the_analysis_gives_the_clusterer_and_the_index_what_they_compute_themselves(
    here: dict[int, ArticleAnalysis],
) -> None:
    from broadsheet.stories.cluster import ClusterDoc
    from broadsheet.stories.neardup import NearDuplicateIndex

    batch = inputs(30) + inputs(10, first_id=100)
    given, itself = OnlineClusterer(CONFIG), OnlineClusterer(CONFIG)
    index_given, index_itself = NearDuplicateIndex(), NearDuplicateIndex()
    for a in batch:
        doc = ClusterDoc(str(a.id), a.title, a.text)
        assert given.add(doc, here[a.id].features) == itself.add(doc)
        key, when = str(a.id), datetime(2026, 3, 1, tzinfo=UTC)  # else stamped "now"
        assert index_given.add_signature(key, here[a.id].signature, when) == (
            index_itself.add(key, a.text, when)
        )
    assert given.snapshot() == itself.snapshot()
    assert index_given.snapshot() == index_itself.snapshot()


def test_a_dead_worker_is_given_up_and_everything_is_analysed_here(
    here: dict[int, ArticleAnalysis],
) -> None:
    batch = inputs(30)
    with ArticleAnalyser(SETTINGS, parallel=True) as analyser:
        process = worker_of(analyser)._procs[0]
        process.kill()
        process.wait()
        analyser.prefetch(batch)  # the hand-over fails: the worker is gone
        got = analyser.analyse(batch)
        assert analyser.worker_failure and analyser._workers is None
    assert all(same(got[a.id], here[a.id]) for a in batch)


def test_an_article_the_analysis_fails_on_raises_its_own_error() -> None:
    bad = ArticleInput(7, "A title", None, "", "")  # type: ignore[arg-type]
    with ArticleAnalyser(SETTINGS, parallel=True) as analyser:
        assert worker_of(analyser).ready(0, wait=True)
        analyser.prefetch([bad])
        with pytest.raises(TypeError):  # raised again here, where it has a traceback
            analyser.analyse([bad])
        assert "TypeError" in (analyser.worker_failure or "")
