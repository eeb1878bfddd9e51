"""`broadsheet build`, story stage: stored articles -> stories, incrementally.

Articles are taken in arrival order (article id) after the last one processed. Each batch
runs in one transaction together with the clusterer's and the near-duplicate index's
snapshots, so a build killed at any moment resumes from the last committed batch and ends
with exactly the stories an uninterrupted build would have made. A build with nothing new
writes nothing. What depends on one article alone (its section, tone, near-duplicate
signature and terms) may be computed in a worker process (``stories.analysis``); what
depends on the articles before it (near-duplicate matching, clustering, the store) is
done here, in order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from broadsheet.dates import as_utc
from broadsheet.store import Store
from broadsheet.store.schema import (
    ArticleAliasRow,
    ArticleRow,
    BriefingRow,
    BuildStateRow,
    OutletRow,
    StoryAliasRow,
    StoryArticleRow,
    StoryRow,
)
from broadsheet.stories.analysis import (
    AnalysisSettings,
    ArticleAnalyser,
    ArticleAnalysis,
    ArticleInput,
    parallel_worth_it,
)
from broadsheet.stories.cluster import ClusterConfig, ClusterDoc, OnlineClusterer
from broadsheet.stories.embed import (
    Embedder,
    EmbeddingFailures,
    embed_each,
    embedding_text,
)
from broadsheet.stories.neardup import (
    RETAINED_WINDOWS,
    IncompatibleSnapshot,
    NearDuplicateIndex,
)
from broadsheet.stories.rank import blindspot, coverage_by_lean, importance
from broadsheet.stories.sections import story_section
from broadsheet.stories.text import MAX_ARTICLE_CHARS, lead
from broadsheet.stories.tone import story_tone

if TYPE_CHECKING:
    import numpy as np

STATE_ID = 1
DEFAULT_BATCH = 500
# Every committed batch saves the clusterer's snapshot (seconds once its memory of closed
# stories is full), so a long backlog goes in larger batches: a tenth of it, up to this.
MAX_AUTO_BATCH = 5_000
# Headline choice looks at this many of a story's newest articles: enough to find the
# most shared wording, and bounded so a 1,000-article story costs the same as a 50-one.
HEADLINE_SAMPLE = 50
REFRESH_CHUNK = 500  # stories refreshed per query (SQLite allows 999 bound values or more)


class BuildConflict(RuntimeError):
    """Another build moved the stories on while this one ran. This one stopped; its
    current batch was undone, and the other build covers those articles."""


@dataclass(slots=True)
class BuildReport:
    articles: int = 0
    new_stories: int = 0
    updated_stories: int = 0
    merges: int = 0
    reseated: int = 0  # articles the clusterer moved from a weakly joined story to a new one
    near_duplicates: int = 0
    batches: int = 0
    touched: set[str] = field(default_factory=set)
    # Articles the embedding model failed on (clustered by TF-IDF alone).
    embedding_failures: EmbeddingFailures = field(default_factory=EmbeddingFailures)
    # Why the analysis worker process was given up, if it was (the build went on without).
    worker_failure: str | None = None
    # Stored texts the near-duplicate index was made anew from (its saved signatures were
    # made with another hash); None when it was restored as saved.
    neardup_rebuilt: int | None = None


def _load_state(
    session: Session, state: BuildStateRow, config: ClusterConfig, report: BuildReport
) -> tuple[OnlineClusterer, NearDuplicateIndex]:
    """The clusterer and near-duplicate index the last committed batch saved (fresh ones
    before the first)."""
    clusterer = (
        OnlineClusterer.restore(state.clusterer, config)
        if state.clusterer
        else OnlineClusterer(config)
    )
    if not state.neardup:
        return clusterer, NearDuplicateIndex()
    try:
        return clusterer, NearDuplicateIndex.restore(state.neardup)
    except IncompatibleSnapshot:
        neardup, report.neardup_rebuilt = _rebuild_neardup(session, state.neardup)
        return clusterer, neardup


def _rebuild_neardup(session: Session, snapshot: bytes) -> tuple[NearDuplicateIndex, int]:
    """The near-duplicate index made anew from the store: the canonical texts (no
    near-duplicate of another) of the windows it keeps, behind the saved index's clock.

    For a snapshot whose signatures another version of Broadsheet made with another hash:
    they cannot be compared with new ones, and an empty index would let copies of the
    last two weeks' articles through as stories of their own."""
    index = NearDuplicateIndex()
    clock = NearDuplicateIndex.snapshot_clock(snapshot)
    since = (
        None if clock is None
        else datetime.fromtimestamp(clock, UTC) - RETAINED_WINDOWS * index.window
    )
    query = (
        select(ArticleRow)
        .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .where(StoryArticleRow.near_duplicate_of.is_(None))
        .order_by(ArticleRow.id)
        .execution_options(yield_per=500)  # two weeks of texts: not all in memory at once
    )
    if since is not None:  # an article's time is never after it was stored
        query = query.where(ArticleRow.created_at >= since)
    added = 0
    for article in session.scalars(query):
        moment = article_time(article)
        if since is not None and moment is not None and moment < since:
            continue
        index.add(str(article.id), article_text(article), moment)
        added += 1
    return index, added


def _claim_batch(session: Session, last_id: int) -> BuildStateRow:
    """Make this batch's first statement a write to the build's state row, conditional on
    the row still saying where this build left it: two builds at once (a scheduled one
    and one by hand) would otherwise cluster the same articles from the same state, and
    the second to commit would fail on a constraint, with a traceback, midway.

    The write takes the store's write lock until the batch commits, so the later build
    waits for it, then finds the row moved on and stops (or, if the store stays busy past
    its timeout, stops at once). Nothing is held between builds: a killed build leaves no
    lock behind. Returns the row (made by the first build of a store)."""
    try:
        claimed = session.execute(
            update(BuildStateRow)
            .where(BuildStateRow.id == STATE_ID, BuildStateRow.last_article_id == last_id)
            .values(updated_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            return session.get_one(BuildStateRow, STATE_ID)
        if last_id == 0 and session.get(BuildStateRow, STATE_ID) is None:
            state = BuildStateRow(id=STATE_ID, last_article_id=0)
            session.add(state)
            session.flush()  # a concurrent first build's row: IntegrityError
            return state
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise BuildConflict(
            "another build is updating the stories (the store stayed busy); "
            "this one stopped, and that one covers the same articles"
        ) from exc
    raise BuildConflict(
        "another build updated the stories while this one ran; this one stopped, "
        "and that one covers the same articles"
    )


def pending_count(store: Store) -> int:
    with store.session() as session:
        state = session.get(BuildStateRow, STATE_ID)
        last = state.last_article_id if state else 0
        return (
            session.scalar(select(func.count()).select_from(ArticleRow).where(ArticleRow.id > last))
            or 0
        )


def auto_batch_size(pending: int) -> int:
    """Articles per committed batch for a backlog of ``pending``: ``DEFAULT_BATCH``, or a
    tenth of a long backlog up to ``MAX_AUTO_BATCH`` (a kill redoes at most one batch)."""
    return max(DEFAULT_BATCH, min(MAX_AUTO_BATCH, pending // 10))


def build_stories(
    store: Store,
    *,
    config: ClusterConfig | None = None,
    batch_size: int | None = None,
    on_article: Callable[[int], None] | None = None,
    embedder: Embedder | None = None,
    on_embedded: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> BuildReport:
    """Cluster every article not yet in a story; returns what changed.

    ``batch_size`` articles are committed at a time (default: ``auto_batch_size``). With
    an ``embedder`` (``stories.embed``) each article also carries a sentence embedding;
    ``on_embedded(n)`` is told as they are computed (the model is the slow part: a batch
    takes seconds to minutes before ``on_article`` hears of it). Near-duplicate copies
    are not embedded: they follow their original and never reach the clusterer.

    ``processes=2`` analyses each batch's articles (section, tone, near-duplicate
    signature, terms) in a worker process while this one stores the previous batch; the
    stories are the same. By default 2 for a backlog of ``PARALLEL_MIN_ARTICLES`` or
    more on a machine with two CPUs, else 1.

    Raises ``BuildConflict`` when another build moves the stories on meanwhile (the
    batches committed before stay; that build goes on from them)."""
    config = config or ClusterConfig()
    pending = pending_count(store) if batch_size is None or processes is None else 0
    if batch_size is None:
        batch_size = auto_batch_size(pending)
    parallel = parallel_worth_it(pending) if processes is None else processes > 1
    report = BuildReport()
    with store.session() as session:
        state = session.get(BuildStateRow, STATE_ID)
        last_id = state.last_article_id if state else 0
    builder: _Batch | None = None
    analyser: ArticleAnalyser | None = None
    try:
        while True:
            with store.session() as session:
                state = _claim_batch(session, last_id)
                rows = session.execute(
                    select(ArticleRow, OutletRow)
                    .join(OutletRow, ArticleRow.outlet_id == OutletRow.id, isouter=True)
                    .where(ArticleRow.id > last_id)
                    .order_by(ArticleRow.id)
                    .limit(batch_size)
                ).all()
                if not rows:
                    session.rollback()  # nothing to add: leave the state row untouched
                    return report
                if builder is None:
                    # The saved state is restored once, and only when there is something
                    # to add (it takes seconds once the memory of closed stories is
                    # full); afterwards the in-memory clusterer is always exactly what
                    # the last committed batch saved. A failed batch raises, so they
                    # never diverge.
                    clusterer, neardup = _load_state(session, state, config, report)
                    builder = _Batch(clusterer, neardup, report, embedder, on_embedded)
                    analyser = ArticleAnalyser(
                        AnalysisSettings(
                            num_perm=neardup.num_perm,
                            title_weight=clusterer.config.title_weight,
                            lead_chars=clusterer.config.lead_chars,
                            bucket_mask=clusterer.bucket_mask,
                        ),
                        parallel=parallel,
                    )
                assert analyser is not None
                analyses = analyser.analyse([analysis_input(a) for a, _ in rows])
                if analyser.has_worker:  # it analyses the next batch while this is stored
                    analyser.prefetch(_next_inputs(session, rows[-1][0].id, batch_size))
                touched = builder.run(session, rows, analyses)
                _refresh_stories(session, sorted(touched))
                last_id = rows[-1][0].id
                state.last_article_id = last_id
                state.clusterer = builder.clusterer.snapshot()
                state.neardup = builder.neardup.snapshot()
                state.updated_at = datetime.now(UTC)
                report.articles += len(rows)
                report.batches += 1
                report.touched |= touched
            if on_article:
                on_article(len(rows))
    finally:
        if analyser is not None:
            report.worker_failure = analyser.worker_failure
            analyser.close()


def analysis_input(article: ArticleRow | Row[Any]) -> ArticleInput:
    """What ``stories.analysis`` reads of a stored article (a row, or its columns)."""
    return ArticleInput(
        article.id, article.title or "", article_text(article), article.standfirst or "",
        article.section or "",
    )


def _next_inputs(session: Session, after_id: int, limit: int) -> list[ArticleInput]:
    """The analysis inputs of the batch after ``after_id``, read without loading rows."""
    rows = session.execute(
        select(
            ArticleRow.id, ArticleRow.title, ArticleRow.text, ArticleRow.standfirst,
            ArticleRow.section,
        )
        .where(ArticleRow.id > after_id)
        .order_by(ArticleRow.id)
        .limit(limit)
    ).all()
    return [analysis_input(row) for row in rows]


def article_text(article: ArticleRow | Row[Any]) -> str:
    """The text the build clusters: the body, else the standfirst (at most
    ``MAX_ARTICLE_CHARS`` of it)."""
    return lead(article.text or article.standfirst or "", MAX_ARTICLE_CHARS)


def article_time(article: ArticleRow | Row[Any]) -> datetime | None:
    """The time the build gives an article: its publication, else when it was stored, and
    never later than when it was stored.

    A publication date after the article reached the store is wrong (a local time taken for
    UTC, a mistyped year), and the clusterer's clock is the latest date it has seen: one
    article dated 2099 would close every open story at once and forget every remembered
    one. The store keeps the date as the source gave it; only the build caps it.
    """
    published, stored = as_utc(article.published), as_utc(article.created_at)
    if published is None or (stored is not None and published > stored):
        return stored
    return published


def cluster_time(article: ArticleRow, stored_time: datetime | None) -> datetime | None:
    """The time the clusterer is given: ``article_time``, except none for an article
    imported by `broadsheet ingest` without a date of its own.

    A fetched article is stored minutes after it was published, so that time stands in.
    An imported file's articles are stored within seconds of each other whenever they
    were written: as one moment, every similar pair would join at full strength (the
    AllSides roundups, undated, ingested and built: B³ F1 0.554 instead of 0.766). Undated,
    the clusterer counts only the part of the similarity that needs no time."""
    if article.published is None and article.origin == "ingest":
        return None
    return stored_time


class _Batch:
    """Assigns one batch of articles to stories inside the caller's transaction."""

    def __init__(
        self,
        clusterer: OnlineClusterer,
        neardup: NearDuplicateIndex,
        report: BuildReport,
        embedder: Embedder | None = None,
        on_embedded: Callable[[int], None] | None = None,
    ) -> None:
        self.clusterer = clusterer
        self.neardup = neardup
        self.report = report
        self.embedder = embedder
        self.on_embedded = on_embedded
        # Merged-away story id -> survivor, read once and kept as merges happen: a query
        # per lookup cost ~0.4 ms, and nearly every id looked up is no alias at all.
        self._aliases: dict[str, str] | None = None
        self.story_of: dict[int, str] = {}  # article id -> story id, in the current batch
        self.copy_of: dict[int, int] = {}  # near-duplicate -> its original, in the batch
        self.left: set[str] = set()  # stories an article was re-seated from, in the batch

    def _resolve(self, session: Session, story_id: str) -> str:
        if self._aliases is None:
            rows = session.execute(select(StoryAliasRow.old_id, StoryAliasRow.story_id))
            self._aliases = {old: new for old, new in rows}
        return self._aliases.get(story_id, story_id)

    def _merged(self, session: Session, old_id: str, new_id: str) -> None:
        """``merge_stories``, and the same change to this batch's maps of stories."""
        merge_stories(session, old_id, new_id)
        for key, value in self.story_of.items():  # earlier articles of this batch
            if value == old_id:
                self.story_of[key] = new_id
        aliases = self._aliases
        if aliases is not None and old_id != new_id:
            for key, value in aliases.items():
                if value == old_id:
                    aliases[key] = new_id
            aliases.setdefault(old_id, new_id)

    def run(
        self, session: Session, rows: list, analyses: dict[int, ArticleAnalysis]  # type: ignore[type-arg]
    ) -> set[str]:
        self.story_of = {}
        self.copy_of = {}
        self.left = set()
        links: list[StoryArticleRow] = []
        for article, outlet in rows:
            links.append(self._assign(session, article, outlet, analyses[article.id]))
        for link in links:  # a merge later in the batch may have moved earlier articles
            link.story_id = self.story_of[link.article_id]
        session.flush()  # new stories first: the links refer to them
        session.add_all(links)
        session.flush()
        return {self._resolve(session, sid) for sid in {*self.story_of.values(), *self.left}}

    def _moved(self, session: Session, article_id: int, story_id: str) -> None:
        """Put an article the clusterer re-seated, and its near-duplicate copies, in its
        new story. The story it leaves is refreshed, and its briefing dropped: that cited
        the article (a count check alone misses a story that lost one and gained one)."""
        old = self._story_of_article(session, article_id)
        if old is not None and old != story_id:
            self.left.add(old)
            session.execute(delete(BriefingRow).where(BriefingRow.story_id == old))
        session.flush()  # the new story's row first: the links refer to it
        moves = StoryArticleRow.article_id == article_id
        if old is not None:  # and its copies, which went where it was
            moves |= (StoryArticleRow.near_duplicate_of == article_id) & (
                StoryArticleRow.story_id == old
            )
        session.execute(update(StoryArticleRow).where(moves).values(story_id=story_id))
        for key, original in self.copy_of.items():  # this batch's copies, not stored yet
            if original == article_id:
                self.story_of[key] = story_id
        if article_id in self.story_of:
            self.story_of[article_id] = story_id

    def _embed(self, title: str, text: str) -> np.ndarray | None:
        """The article's sentence embedding, if there is an embedder. One text per call:
        the model embeds one at a time anyway (see ``SentenceEmbedder``)."""
        if self.embedder is None:
            return None
        (vector,) = embed_each([embedding_text(title, text)], self.embedder,
                               self.report.embedding_failures)
        if self.on_embedded:
            self.on_embedded(1)
        return vector

    def _story_of_article(self, session: Session, article_id: int) -> str | None:
        story = self.story_of.get(article_id)
        if story is None:
            story = session.scalar(
                select(StoryArticleRow.story_id).where(StoryArticleRow.article_id == article_id)
            )
        return self._resolve(session, story) if story else None

    def _assign(
        self,
        session: Session,
        article: ArticleRow,
        outlet: OutletRow | None,
        analysis: ArticleAnalysis,
    ) -> StoryArticleRow:
        published = article_time(article)
        text = article_text(article)
        section = analysis.section
        near_of: int | None = None
        similarity = 1.0
        story_id: str | None = None
        canonical_key = self.neardup.add_signature(
            str(article.id), analysis.signature, published
        )
        if canonical_key is not None:
            near_of = int(canonical_key)
            story_id = self._story_of_article(session, near_of)
            if story_id is not None:
                self.copy_of[article.id] = near_of
        if story_id is not None:
            # Syndicated copy: same story as its original, the outlet still credited.
            self.report.near_duplicates += 1
        else:
            assignment = self.clusterer.add(
                ClusterDoc(
                    id=str(article.id),
                    title=article.title or "",
                    text=text,
                    published=cluster_time(article, published),
                    outlet=outlet.slug if outlet else None,
                    embedding=self._embed(article.title or "", text),
                ),
                analysis.features,
            )
            story_id, similarity = assignment.story_id, assignment.similarity
            if assignment.new_story:
                session.add(
                    StoryRow(
                        id=story_id,
                        thread_id=assignment.thread_id,
                        headline=article.title or "",
                        section=section,
                        first_published=published,
                        last_published=published,
                    )
                )
                self.report.new_stories += 1
            for old_id in assignment.merged_from:
                self._merged(session, old_id, story_id)
                self.report.merges += 1
            for moved_id in assignment.moved:
                self._moved(session, int(moved_id), story_id)
                self.report.reseated += 1
        self.story_of[article.id] = story_id
        return StoryArticleRow(
            article_id=article.id,
            story_id=story_id,
            similarity=similarity,
            near_duplicate_of=near_of,
            section=section,
            tone=analysis.tone,
        )


def merge_stories(session: Session, old_id: str, new_id: str) -> None:
    """Fold story ``old_id`` into ``new_id``; the old permalink keeps resolving."""
    if old_id == new_id:
        return
    session.flush()
    session.execute(
        update(StoryArticleRow).where(StoryArticleRow.story_id == old_id).values(story_id=new_id)
    )
    # Earlier merges into the old story now point straight at the survivor.
    session.execute(
        update(StoryAliasRow).where(StoryAliasRow.story_id == old_id).values(story_id=new_id)
    )
    if session.get(StoryAliasRow, old_id) is None:
        session.add(StoryAliasRow(old_id=old_id, story_id=new_id))
    # The old story's briefing goes with it (the survivor's count changed, so its own is
    # written again). Left in place it blocked deleting the story: a merge of two stories
    # briefed by an earlier build failed on the foreign key, in every rerun of the build.
    session.execute(delete(BriefingRow).where(BriefingRow.story_id == old_id))
    old = session.get(StoryRow, old_id)
    if old is not None:
        survivor = session.get(StoryRow, new_id)
        if survivor is not None and survivor.thread_id != old.thread_id:
            # The two threads are one matter now, as in the clusterer: the stories that
            # followed the old story join the survivor's timeline.
            session.execute(
                update(StoryRow)
                .where(StoryRow.thread_id == old.thread_id, StoryRow.id != old_id)
                .values(thread_id=survivor.thread_id)
            )
        session.delete(old)
    session.flush()


def choose_headline(titles: list[str]) -> str:
    """The title sharing the most words with the others: the most representative one."""
    clean = [t for t in titles if t]
    if len(clean) <= 2:
        return clean[0] if clean else ""
    bags = [set(w.lower() for w in t.split() if len(w) > 3) for t in clean]
    df = Counter(w for bag in bags for w in bag)
    scores = [sum(df[w] - 1 for w in bag) / (len(bag) ** 0.5 or 1) for bag in bags]
    best = max(range(len(clean)), key=lambda i: (scores[i], -i))
    return clean[best]


def _refresh_stories(session: Session, story_ids: list[str]) -> None:
    """Recompute the touched stories' headline, coverage, section, tone and importance.

    Read in chunks with one query per table, not per story: a build touches thousands of
    stories, and a query each was a third of its ordered (single-process) time."""
    for start in range(0, len(story_ids), REFRESH_CHUNK):
        chunk = story_ids[start : start + REFRESH_CHUNK]
        stories = session.scalars(select(StoryRow).where(StoryRow.id.in_(chunk))).all()
        rows_of: dict[str, list[Row[Any]]] = defaultdict(list)
        for row in session.execute(
            select(
                StoryArticleRow.story_id,
                ArticleRow.title,
                ArticleRow.published,
                ArticleRow.created_at,
                StoryArticleRow.section,
                StoryArticleRow.tone,
                OutletRow.slug,
                OutletRow.lean,
                OutletRow.country,
                OutletRow.edition,
            )
            .join(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
            .join(OutletRow, ArticleRow.outlet_id == OutletRow.id, isouter=True)
            .where(StoryArticleRow.story_id.in_(chunk))
            .order_by(StoryArticleRow.story_id, ArticleRow.id)
        ):
            rows_of[row.story_id].append(row)
        # Outlets whose identical copy was stored as an alias still covered the story.
        aliases_of: dict[str, list[Row[Any]]] = defaultdict(list)
        for row in session.execute(
            select(
                StoryArticleRow.story_id, OutletRow.slug, OutletRow.lean, OutletRow.country,
                OutletRow.edition,
            )
            .join(ArticleAliasRow, ArticleAliasRow.outlet_id == OutletRow.id)
            .join(StoryArticleRow, StoryArticleRow.article_id == ArticleAliasRow.article_id)
            .where(StoryArticleRow.story_id.in_(chunk))
            .order_by(StoryArticleRow.story_id, ArticleAliasRow.article_id, OutletRow.slug)
        ):
            aliases_of[row.story_id].append(row)
        for story in stories:
            _refresh_story(story, rows_of[story.id], aliases_of[story.id])


def _refresh_story(story: StoryRow, rows: list[Row[Any]], aliases: list[Row[Any]]) -> None:
    outlets: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        if row.slug:
            outlets[row.slug] = (row.lean or "unknown", row.country or "", row.edition or "")
    for row in aliases:
        outlets.setdefault(row.slug, (row.lean or "unknown", row.country or "", row.edition or ""))
    leans = [lean for lean, _, _ in outlets.values()]
    countries = sorted({c for _, c, _ in outlets.values() if c})
    dates = [d for d in map(article_time, rows) if d]
    last = max(dates) if dates else None
    story.article_count = len(rows)
    story.outlet_count = len(outlets)
    story.coverage = coverage_by_lean(leans)
    story.countries = countries
    story.editions = sorted({e for _, _, e in outlets.values() if e})
    story.blindspot = blindspot(leans)
    story.section = story_section([r.section for r in rows])
    story.tone = story_tone([r.tone for r in rows])
    story.headline = choose_headline([r.title or "" for r in rows[-HEADLINE_SAMPLE:]])
    story.first_published = min(dates) if dates else None
    story.last_published = last
    story.importance = importance(
        outlet_count=len(outlets),
        leans=leans,
        countries=countries,
        last_published=last,
        now=last or datetime.now(UTC),
        article_count=len(rows),
    )
    story.updated_at = datetime.now(UTC)


def resolve_story_id(session: Session, story_id: str) -> str | None:
    """The current id for a permalink id (itself, or the story it was merged into)."""
    if session.get(StoryRow, story_id) is not None:
        return story_id
    alias = session.get(StoryAliasRow, story_id)
    return alias.story_id if alias else None
