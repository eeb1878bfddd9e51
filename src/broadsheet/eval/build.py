"""How long ``broadsheet build`` takes over real articles, next to clustering alone.

The articles of story-grouped files (the ``../shared/data/stories`` format) are stored in
a fresh SQLite store as ``broadsheet ingest`` stores them (``ingest_records``), then built
into stories in one run: near-duplicates, clustering, sections, tone,
each touched story's headline, coverage and importance, and a commit with a snapshot per
batch. It is built twice, on copies of the same store: in one process, and with the
per-article analysis in a worker process (``processes=2``); both must make the same
stories. Clustering alone over the same articles, in the same order, is timed in the same
run: the difference is what the rest of the build costs. Briefings are not written
(``broadsheet build`` does that next; ``eval briefs`` measures them).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from broadsheet.eval.clustering import load_stories, synthetic_stream
from broadsheet.eval.datafiles import EvalDataError
from broadsheet.eval.timing import peak_rss_mb
from broadsheet.ingest_records import ingest_records
from broadsheet.models import ExtractedArticle, Outlet
from broadsheet.store import Store
from broadsheet.store.articles import save_article
from broadsheet.store.feeds import sync_outlets
from broadsheet.store.schema import ArticleRow, OutletRow, StoryArticleRow
from broadsheet.stories.build import BuildReport, article_text, article_time, build_stories
from broadsheet.stories.cluster import ClusterDoc, OnlineClusterer


@dataclass
class BuildBenchmark:
    files: list[str]
    synthetic: int | None  # articles of the synthetic stream offered, or None: the files'
    articles: int  # stored (an exact copy of a stored text is stored once)
    store_seconds: float
    build_seconds: float  # one process
    build_articles_per_second: float
    # The same build with the per-article analysis in a worker process (``processes=2``)
    build_parallel_seconds: float
    build_parallel_articles_per_second: float
    same_stories: bool  # whether both builds made exactly the same stories
    cluster_seconds: float  # clustering alone, same articles, same order
    cluster_articles_per_second: float
    near_duplicates: int
    new_stories: int
    batches: int
    peak_rss_mb: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self) -> str:
        return "\n".join([
            (f"**A synthetic stream of {self.synthetic:,} articles built on "
             if self.synthetic else "**")
            + f"{', '.join(self.files)}**: {self.articles:,} articles stored in "
            f"{self.store_seconds:.1f} s (an exact copy of a stored text is stored once)",
            "",
            "| stage | seconds | articles/s |",
            "|---|---:|---:|",
            f"| build (near-duplicates, clustering, sections, tone, stories, commits), "
            f"1 process | {self.build_seconds:.1f} | {self.build_articles_per_second:,.0f} |",
            f"| the same build, analysis in a worker process (`processes=2`) | "
            f"{self.build_parallel_seconds:.1f} | "
            f"{self.build_parallel_articles_per_second:,.0f} |",
            f"| clustering alone, same articles and order | {self.cluster_seconds:.1f} | "
            f"{self.cluster_articles_per_second:,.0f} |",
            "",
            f"{self.new_stories:,} stories, {self.near_duplicates:,} near-duplicate copies, "
            f"{self.batches} batches; peak RSS {self.peak_rss_mb:,.0f} MB. Both builds made "
            + ("the same stories." if self.same_stories else "**different stories**."),
            "",
        ])


def _stored_docs(store: Store) -> list[ClusterDoc]:
    """The stored articles as the build reads them (its order, text and time)."""
    with store.session() as session:
        rows = session.scalars(select(ArticleRow).order_by(ArticleRow.id)).all()
        return [
            ClusterDoc(str(row.id), row.title or "", article_text(row), article_time(row))
            for row in rows
        ]


def build_decisions(store: Store) -> list[tuple[Any, ...]]:
    """Everything a build decides, per article, in article order: (article id, story id,
    near-duplicate of, section, tone, similarity)."""
    with store.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    StoryArticleRow.article_id, StoryArticleRow.story_id,
                    StoryArticleRow.near_duplicate_of, StoryArticleRow.section,
                    StoryArticleRow.tone, StoryArticleRow.similarity,
                ).order_by(StoryArticleRow.article_id)
            )
        ]


def _timed_build(
    db: Path, processes: int, progress: Callable[[int], None] | None
) -> tuple[float, BuildReport, list[tuple[Any, ...]]]:
    store = Store(f"sqlite:///{db}")
    try:
        start = time.perf_counter()
        report = build_stories(store, on_article=progress, processes=processes)
        seconds = time.perf_counter() - start
        return seconds, report, build_decisions(store)
    finally:
        store.close()


SYNTHETIC_OUTLETS = 20


def store_synthetic(store: Store, n: int, paths: Sequence[Path]) -> None:
    """Store ``n`` articles of the clustering throughput's synthetic stream built on the
    files' stories (``eval.clustering.synthetic_stream``: their texts with made-up names,
    several copies per event), spread over ``SYNTHETIC_OUTLETS`` invented outlets. Exact
    copies are stored once, as a fetch would store them."""
    outlets = [
        Outlet(slug=f"outlet-{i}", name=f"Outlet {i}", domains=[f"outlet-{i}.example"],
               country="US", edition="us", lean=("left", "center", "right")[i % 3])
        for i in range(SYNTHETIC_OUTLETS)
    ]
    with store.session() as session:
        sync_outlets(session, outlets)
        ids = {o.slug: o.id for o in session.scalars(select(OutletRow))}
        for i, doc in enumerate(synthetic_stream(n, paths)):
            slug = f"outlet-{i % SYNTHETIC_OUTLETS}"
            save_article(
                session,
                ExtractedArticle(title=doc.title, paragraphs=doc.text.split("\n\n"),
                                 published=doc.published.isoformat() if doc.published else None),
                url=f"https://{slug}.example/a/{i}", outlet_id=ids[slug],
            )


def benchmark_build(
    paths: Sequence[Path],
    *,
    progress: Callable[[int], None] | None = None,
    synthetic: int | None = None,
) -> BuildBenchmark:
    """Store the files' articles in a temporary store, build it (with one process, then
    with two, on a copy of the same store), and time each next to clustering alone.

    With ``synthetic``, that many articles of the synthetic stream built on the files
    (``store_synthetic``) are stored instead: a larger, syndication-heavy backlog."""
    with tempfile.TemporaryDirectory(prefix="broadsheet-build-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        store = Store(f"sqlite:///{db}")
        try:
            for path in paths:  # a malformed file is an error here, not a smaller store
                load_stories(path)
            start = time.perf_counter()
            if synthetic:
                store_synthetic(store, synthetic, paths)
            else:
                ingest_records(store, list(paths))  # as `broadsheet ingest FILE.jsonl` would
            stored = time.perf_counter() - start
            docs = _stored_docs(store)
        finally:
            store.close()
        if not docs:  # nothing to time: a table of zeros would say nothing
            raise EvalDataError("no articles to build: " + ", ".join(map(str, paths)))
        copy = Path(tmp) / "bench-parallel.db"
        shutil.copyfile(db, copy)
        built, report, stories = _timed_build(db, 1, progress)
        built_parallel, _, stories_parallel = _timed_build(copy, 2, progress)
    articles = len(docs)
    clusterer = OnlineClusterer()
    start = time.perf_counter()
    for doc in docs:
        clusterer.add(doc)
    clustered = time.perf_counter() - start
    return BuildBenchmark(
        files=[p.name for p in paths],
        synthetic=synthetic,
        articles=articles,
        store_seconds=stored,
        build_seconds=built,
        build_articles_per_second=report.articles / built if built else 0.0,
        build_parallel_seconds=built_parallel,
        build_parallel_articles_per_second=report.articles / built_parallel
        if built_parallel
        else 0.0,
        same_stories=stories == stories_parallel,
        cluster_seconds=clustered,
        cluster_articles_per_second=len(docs) / clustered if clustered else 0.0,
        near_duplicates=report.near_duplicates,
        new_stories=report.new_stories,
        batches=report.batches,
        peak_rss_mb=peak_rss_mb(),
    )
